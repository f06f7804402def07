"""The briefing files, opened: PPTX slides with Chinese text and pictures, a PDF with an embedded
CJK font whose pages render; generation from the command line and as a background web job."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from typer.testing import CliRunner

from cockpit import background
from cockpit.settings import Settings
from tests.conftest import signed_in_client

TITLES = ["吕梁市政府治理工作简报", "概况", "区域地图 · 全程网办率", "核心指标", "目标状态（五大建设）", "落后与预警清单",
          "下级地区排名 · 全程网办率", "走势 · 全程网办率", "应急态势（“一颗星”）", "监管与服务", "数据来源与口径"]  # fmt: skip


def _env(settings: Settings) -> dict[str, str]:
    return {"COCKPIT_DATA_DIR": str(settings.data_dir), "COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path),
            "COCKPIT_AS_OF": str(settings.as_of), "COCKPIT_SEEDS_DIR": str(settings.seeds_dir),
            "COCKPIT_FEEDS_FILE": str(settings.feeds_path)}  # fmt: skip


@pytest.fixture(scope="module")
def generated(
    demo_warehouse: tuple[Settings, dict[str, object]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """吕梁市, 2026-10, both formats, through ``cockpit briefing`` (as a scheduled job would)."""
    from cockpit.cli import app

    settings, _ = demo_warehouse
    out = tmp_path_factory.mktemp("briefing")
    result = CliRunner().invoke(app, ["briefing", "141100", "--period", "2026-10", "--out", str(out)],
                                env=_env(settings))  # fmt: skip
    assert result.exit_code == 0, result.output
    seconds = float(re.search(r"用时 ([\d.]+) 秒", result.output).group(1))  # type: ignore[union-attr]
    return {"pptx": out / "简报_吕梁市_2026-10.pptx", "pdf": out / "简报_吕梁市_2026-10.pdf", "seconds": seconds,
            "output": result.output}  # fmt: skip


def _slide_text(slide: Any) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(parts)


def _body(slide: Any) -> str:
    return max((sh.text_frame.text for sh in slide.shapes if sh.has_text_frame), key=len)


def test_pptx_has_the_expected_slides_with_chinese_text_and_images(generated: dict[str, Any]) -> None:
    prs = Presentation(str(generated["pptx"]))
    texts = [_slide_text(s) for s in prs.slides]
    assert len(texts) == len(TITLES)
    for text, title in zip(texts, TITLES, strict=True):
        assert title in text
    assert "2026年10月" in texts[0] and "数据截至" in texts[0]
    assert _body(prs.slides[1]).startswith("截至2026年10月，吕梁市政务服务事项全程网办率为")
    assert "个百分点" in texts[1] and "排名" in texts[1]
    assert "政务服务事项全程网办率" in texts[3] and "同级排名" in texts[3]
    assert "来源：领导驾驶舱数据仓库" in texts[5]  # every content slide carries the footer
    pictures = [sh for s in prs.slides for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 4  # map, status by pillar, ranking, trend
    for pic in pictures:
        image = Image.open(io.BytesIO(pic.image.blob))
        assert image.format == "PNG" and image.size[0] >= 2000  # high DPI
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 5  # not blank
    xml = prs.slides[1].shapes[-1]._element.xml + prs.slides[1].shapes[1]._element.xml
    assert 'a:ea typeface="Microsoft YaHei"' in xml  # Chinese runs name an East Asian font


def test_pdf_embeds_a_cjk_font_and_its_pages_render(generated: dict[str, Any], tmp_path: Path) -> None:
    pdf = generated["pdf"]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if re.search(r"Noto-?Sans-?CJK-?SC", line, re.I)]
    assert cjk and all(re.search(r"\byes\s+yes\b", line) for line in cjk), fonts  # embedded and subset
    assert "Type 3" not in fonts and not re.search(r"CJK-?(JP|KR|TC|HK)", fonts, re.I), (
        fonts
    )  # the SC face only
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+11\b", info) and "960 x 540 pts" in info  # 16:9, one page per slide
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 11
    for page in pages:
        assert ImageStat.Stat(Image.open(page).convert("L")).stddev[0] > 10
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", words)
    assert "吕梁市政府治理工作简报" in flat and "截至2026年10月，吕梁市政务服务事项全程网办率为" in flat
    assert "数据截至2026年10月" in flat and "落后与预警清单" in flat


def test_pdf_and_pptx_tell_the_same_story(generated: dict[str, Any]) -> None:
    prs = Presentation(str(generated["pptx"]))
    narrative = re.sub(r"\s+", "", _body(prs.slides[1]))
    words = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(generated["pdf"]), "-"], capture_output=True,
                                              text=True, check=True).stdout)  # fmt: skip
    for sentence in narrative.split("。"):
        if sentence:
            assert sentence[:40] in words


def test_cli_reports_time_and_refuses_unknown_regions(demo_warehouse: Any, generated: dict[str, Any]) -> None:
    from cockpit.cli import app

    assert generated["seconds"] < 90
    result = CliRunner().invoke(app, ["briefing", "999999"], env=_env(demo_warehouse[0]))
    assert result.exit_code == 2 and "未知地区" in result.output
    result = CliRunner().invoke(app, ["briefing", "141100", "--format", "doc"], env=_env(demo_warehouse[0]))
    assert result.exit_code == 2


@pytest.fixture(scope="module")
def client(demo_warehouse: tuple[Settings, dict[str, object]]) -> Iterator[Any]:
    from cockpit.app import create_app

    app = create_app(demo_warehouse[0])
    with app.server.app_context():
        yield signed_in_client(app, "staff")


def test_background_job_reports_progress_and_serves_files(client: Any) -> None:
    from cockpit.services import current

    # PPTX only: the PDF path is covered above and by the browser test; this one is about the job.
    started = client.post(
        "/exports/briefing", json={"region": "141124", "period": "2026-10", "formats": "pptx"}
    )
    assert started.status_code == 200
    job = started.get_json()["job"]
    first = client.get(f"/exports/jobs/{job}").get_json()
    assert first["state"] in ("queued", "running", "done") and 0.0 <= first["progress"] <= 1.0
    done = background.wait(current(), job, timeout_s=180)
    assert done is not None and done["state"] == "done", done
    assert set(done["files"]) == {"pptx"} and done["seconds"] > 0 and done["progress"] == 1.0
    assert client.get(f"/exports/jobs/{job}/pdf").status_code == 404  # not asked for
    pptx = client.get(f"/exports/jobs/{job}/pptx")
    assert pptx.status_code == 200 and pptx.data[:2] == b"PK"
    assert "filename*=UTF-8''" in pptx.headers["Content-Disposition"]  # the Chinese file name survives
    assert "临县政府治理工作简报" in _slide_text(Presentation(io.BytesIO(pptx.data)).slides[0])


def test_a_job_is_seen_by_every_app_sharing_the_store(
    client: Any, demo_warehouse: tuple[Settings, dict[str, object]]
) -> None:
    """The state is in the store, not in one process: a second app (another worker) reports the
    job started through the first, serves its file, and checks its owner the same way."""
    from cockpit.app import create_app

    started = client.post(
        "/exports/briefing", json={"region": "141124", "period": "2026-10", "formats": "pptx"}
    )
    job = started.get_json()["job"]
    other = create_app(demo_warehouse[0])
    with other.server.app_context():
        owner = signed_in_client(other, "staff")  # the same user, signed in on the other app
        stranger = signed_in_client(other, "staff", username="test-staff-2")
        seen = owner.get(f"/exports/jobs/{job}")
        assert seen.status_code == 200 and seen.get_json()["owner"] == "test-staff"
        assert seen.get_json()["params"]["region"] == "141124"
        assert stranger.get(f"/exports/jobs/{job}").status_code == 403
        done = background.wait(other.server.extensions["cockpit"], job, timeout_s=180)
        assert done is not None and done["state"] == "done", done
        assert owner.get(f"/exports/jobs/{job}/pptx").status_code == 200
        assert stranger.get(f"/exports/jobs/{job}/pptx").status_code == 403


def test_old_jobs_are_pruned_with_their_folders(client: Any) -> None:
    from datetime import timedelta

    from cockpit import store
    from cockpit.briefing import jobs
    from cockpit.services import current
    from cockpit.store import jobs as job_store

    services = current()
    root, engine, now = (
        background.jobs_root(services),
        store.database(services.settings),
        services.settings.now(),
    )
    for job_id, age in (("e" * 32, timedelta(days=2)), ("f" * 32, timedelta(hours=1))):
        job_store.create(engine, job_id, kind="briefing", owner=None, region="141124", now=now - age)
        (root / job_id).mkdir()
        (root / job_id / "简报.pptx").write_bytes(b"PK")
    background.prune(services)
    assert jobs.status(services, "e" * 32) is None and not (root / ("e" * 32)).exists()
    assert jobs.status(services, "f" * 32) is not None and (root / ("f" * 32) / "简报.pptx").is_file()


@pytest.mark.parametrize("url", ["/exports/jobs/0123", "/exports/jobs/ZZZZ/pdf",
                                 "/exports/jobs/" + "a" * 32, "/exports/jobs/" + "a" * 32 + "/pdf",
                                 "/exports/jobs/" + "a" * 32 + "/exe"])  # fmt: skip
def test_unknown_jobs_are_404(client: Any, url: str) -> None:
    assert client.get(url).status_code == 404


def test_no_path_escapes_the_jobs_directory(client: Any) -> None:
    response = client.get("/exports/jobs/..%2F..%2F..%2Fetc%2Fpasswd")
    assert b"root:" not in response.data and response.mimetype != "application/pdf"


def test_a_briefing_of_an_unknown_region_is_refused(client: Any) -> None:
    response = client.post("/exports/briefing", json={"region": "999999"})
    assert response.status_code == 400 and "未知地区" in response.get_json()["error"]
