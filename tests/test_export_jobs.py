"""Exports that can't starve the server: written block by block in constant memory, refused above
the row cap with a Chinese message, large ones run as background jobs with progress that only
their requester can follow, and a per-user limit on exports and briefings running at once."""

from __future__ import annotations

import io
import itertools
import json
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from cockpit import background, store
from cockpit.exports.tables import ExportHeader, read_csv_export, write_csv, write_xlsx
from cockpit.settings import Settings
from cockpit.store import jobs as job_store
from tests.access_helpers import UserClient, callback_key, callback_payload

INLINE, CAP = 1_000, 30_000
CITY = "141100"  # 吕梁
COUNTY_ONE_INDICATOR = {"region": "141124", "indicator": "online_service_rate"}


@pytest.fixture(scope="module")
def settings(demo_warehouse: tuple[Settings, dict[str, object]]) -> Settings:
    return demo_warehouse[0].model_copy(
        update={"export_inline_rows": INLINE, "export_max_rows": CAP, "jobs_per_user": 1}
    )


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[Any]:
    from cockpit.app import create_app

    app = create_app(settings)
    with app.server.app_context():
        yield app


def _count(app: Any, params: dict[str, str]) -> int:
    from cockpit.exports import grid
    from cockpit.services import current

    services = current()
    q = grid.parse_query(services, params)
    total, _ = services.queries.explorer.count(grid.compile_query(q, services.settings.data_now()))
    return int(total)


def test_the_sizes_this_module_relies_on(app: Any) -> None:
    assert _count(app, {"region": "140000"}) > CAP
    assert INLINE < _count(app, {"region": CITY}) <= CAP
    assert 0 < _count(app, COUNTY_ONE_INDICATOR) <= INLINE


@pytest.mark.parametrize("method", ["get", "post"])
def test_above_the_cap_the_answer_says_why_in_chinese(app: Any, settings: Settings, method: str) -> None:
    user = UserClient(app, settings, f"cap-{method}", "staff", settings.province_adcode)
    url = "/exports/grid.xlsx?region=140000"
    answer = user.get(url) if method == "get" else user.post(url, json={})
    assert answer.status_code == 400
    message = answer.get_json()["error"]
    assert "超过单次导出上限 30,000 行" in message and "缩小筛选范围" in message
    assert f"{_count(app, {'region': '140000'}):,}" in message


def test_a_small_export_is_written_in_the_request_and_leaves_nothing_behind(
    app: Any, settings: Settings
) -> None:
    from cockpit.services import current

    user = UserClient(app, settings, "inline-user", "staff", settings.province_adcode)
    answer = user.get(f"/exports/grid.csv?{urlencode(COUNTY_ONE_INDICATOR)}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    _, table = read_csv_export(answer.data)
    assert len(table) == _count(app, COUNTY_ONE_INDICATOR)
    answer.close()  # the response's close removes the file written for it
    root = background.jobs_root(current())
    engine = store.database(settings)
    mine = [
        p for p in root.iterdir() if (job := job_store.get(engine, p.name)) and job.owner == "inline-user"
    ]
    assert mine == []


def test_a_large_export_runs_as_a_job_only_its_owner_can_follow(app: Any, settings: Settings) -> None:
    from cockpit.services import current

    owner = UserClient(app, settings, "job-owner", "staff", settings.province_adcode)
    other = UserClient(app, settings, "job-other", "staff", settings.province_adcode)
    url = f"/exports/grid.xlsx?region={CITY}"
    direct = owner.get(url)
    assert direct.status_code == 409 and "后台生成" in direct.get_json()["error"]
    started = owner.post(url, json={})
    assert started.status_code == 202
    job = started.get_json()["job"]
    assert started.get_json()["status"] == f"/exports/jobs/{job}"
    done = background.wait(current(), job, timeout_s=120)
    assert done is not None and done["state"] == "done", done
    assert done["progress"] == 1.0 and set(done["files"]) == {"xlsx"} and done["kind"] == "export"
    seen = owner.get(f"/exports/jobs/{job}").get_json()
    assert seen["state"] == "done" and seen["owner"] == "job-owner"
    assert other.get(f"/exports/jobs/{job}").status_code == 403
    assert other.get(f"/exports/jobs/{job}/xlsx").status_code == 403
    assert owner.get(f"/exports/jobs/{job}/pptx").status_code == 404  # not a format this job makes
    saved = owner.get(f"/exports/jobs/{job}/xlsx")
    assert saved.status_code == 200 and saved.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(saved.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    blank = next(i for i, r in enumerate(rows) if all(v is None for v in r))
    assert len(rows) - blank - 2 == _count(app, {"region": CITY})  # header block, blank, labels, rows


def test_a_user_with_a_job_running_is_asked_to_wait(app: Any, settings: Settings) -> None:
    user = UserClient(app, settings, "busy-user", "staff", settings.province_adcode)
    engine, now = store.database(settings), settings.now()
    job_store.create(engine, "b" * 32, kind="briefing", owner="busy-user", region=CITY, now=now)
    job_store.update(engine, "b" * 32, now=now, status="running", progress=0.3)
    try:
        refused = user.post("/exports/grid.csv", json={"region": CITY})
        assert refused.status_code == 429 and "正在进行" in refused.get_json()["error"]
        brief = user.post("/exports/briefing", json={"region": CITY, "formats": "pptx"})
        assert brief.status_code == 429
        small = user.get(f"/exports/grid.csv?{urlencode(COUNTY_ONE_INDICATOR)}")
        assert small.status_code == 429  # exports written in the request count too
        # A job whose process died stops updating: it stops counting after a while.
        job_store.update(engine, "b" * 32, now=now - timedelta(hours=1))
        assert background.status(app.server.extensions["cockpit"], "b" * 32)["state"] == "failed"
        again = user.post("/exports/grid.csv", json={"region": CITY})
        assert again.status_code == 202
        background.wait(app.server.extensions["cockpit"], again.get_json()["job"], timeout_s=120)
    finally:
        job_store.prune(engine, before=now + timedelta(days=1))


def test_the_explorer_button_of_a_large_export_starts_a_job(app: Any, settings: Settings) -> None:
    from cockpit import ids
    from cockpit.exports import grid
    from cockpit.services import current

    user = UserClient(app, settings, "explorer-exporter", "staff", settings.province_adcode)
    view = grid.url_params(grid.parse_query(current(), {"region": CITY}))
    link = json.dumps({"fmt": "csv", "type": ids.EXPORT_GRID}, separators=(",", ":"))
    key = callback_key(
        app, json.dumps({"fmt": ["ALL"], "type": ids.EXPORT_GRID}, separators=(",", ":")), "n_clicks"
    )
    body = callback_payload(app, key, {f"{ids.EXPLORER_VIEW}.data": view}, f"{link}.n_clicks")
    body["inputs"] = [[{"id": {"type": ids.EXPORT_GRID, "fmt": "csv"}, "property": "n_clicks", "value": 1},
                       {"id": {"type": ids.EXPORT_GRID, "fmt": "xlsx"}, "property": "n_clicks", "value": 0}]]  # fmt: skip
    answer = user.callback(body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    job = answer.get_json()["response"][f'{{"name":"job","type":"{ids.EXPORT_JOB}"}}']["data"]
    assert background.status(current(), job)["owner"] == "explorer-exporter"
    done = background.wait(current(), job, timeout_s=120)
    assert done is not None and done["state"] == "done"
    poll_key = callback_key(app, json.dumps({"name": "timer", "type": ids.EXPORT_JOB}, separators=(",", ":")),
                            "n_intervals")  # fmt: skip
    poll = callback_payload(app, poll_key, {}, "x")
    poll["inputs"] = [
        {"id": {"type": ids.EXPORT_JOB, "name": "timer"}, "property": "n_intervals", "value": 1}
    ]
    poll["state"] = [{"id": {"type": ids.EXPORT_JOB, "name": "job"}, "property": "data", "value": job}]
    shown = json.dumps(user.callback(poll).get_json(), ensure_ascii=False)
    assert f"/exports/jobs/{job}/csv" in shown and "导出已生成" in shown, shown
    stranger = UserClient(app, settings, "explorer-stranger", "staff", settings.province_adcode)
    assert stranger.callback(poll).status_code == 403


def test_the_buttons_say_which_exports_run_in_the_background(app: Any) -> None:
    from cockpit.exports import grid
    from cockpit.services import current
    from layouts.explorer import export_links

    services = current()
    small, large, too_large = ({**COUNTY_ONE_INDICATOR}, {"region": CITY}, {"region": "140000"})
    (link,) = export_links(services, grid.parse_query(services, small), ["csv"])
    assert link.href and link.href.startswith("/exports/grid.csv?") and link.class_name == "export-btn"
    (link,) = export_links(services, grid.parse_query(services, large), ["csv"])
    assert link.href is None and "background" in link.class_name and "后台生成" in link.title
    (link,) = export_links(services, grid.parse_query(services, too_large), ["csv"])
    assert link.href is None and "disabled" in link.class_name and "超过单次导出上限" in link.title


# --- the writers: one block in memory ------------------------------------------------------------
def _blocks(rows: int, size: int = 5_000) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, rows, size):
        yield [
            (f"地区{i}", i, i * 0.5, "=1+1" if i % 97 == 0 else "文本")
            for i in range(start, min(rows, start + size))
        ]


COLUMNS = [("name", "名称"), ("n", "序号"), ("v", "值"), ("t", "备注")]


def test_csv_is_written_as_the_blocks_arrive() -> None:
    out = io.BytesIO()
    seen: list[int] = []

    def watched() -> Iterator[list[tuple[Any, ...]]]:
        for block in _blocks(20_000):
            seen.append(len(out.getvalue()))
            yield block

    assert write_csv(out, ExportHeader("测试"), COLUMNS, watched()) == 20_000
    assert all(b > a for a, b in itertools.pairwise(seen))  # each block is out before the next is read
    _, table = read_csv_export(out.getvalue())
    assert len(table) == 20_000 and table["备注"].iloc[0] == "'=1+1"


def _peak(rows: int, writer: str) -> int:
    tracemalloc.start()
    try:
        if writer == "csv":
            write_csv(_Sink(), ExportHeader("测试"), COLUMNS, _blocks(rows))
        else:
            write_xlsx(_Sink(), ExportHeader("测试"), COLUMNS, _blocks(rows), rows)  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Sink(io.RawIOBase):
    """A file that keeps nothing (so the measured memory is the writer's own)."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_memory_does_not_grow_with_the_rows(writer: str) -> None:
    small, large = _peak(10_000, writer), _peak(100_000, writer)
    assert large < small * 1.5 + 2_000_000, (small, large)  # ten times the rows, not ten times the memory


def test_jobs_of_a_kind_run_one_at_a_time_on_the_host(app: Any, settings: Settings) -> None:
    """While another process holds the export lock (here: this test), a queued export waits; once
    the lock is free, a runner claims it from the store and runs it."""
    import fcntl

    from cockpit.services import current

    services = current()
    user = UserClient(app, settings, "lock-waiter", "staff", settings.province_adcode)
    lock = background.jobs_root(services) / ".export.lock"
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            job = user.post(f"/exports/grid.csv?region={CITY}", json={}).get_json()["job"]
            waiting = user.get(f"/exports/jobs/{job}").get_json()
            assert waiting["state"] == "queued" and waiting["message"].startswith("排队中")
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    done = background.wait(services, job, timeout_s=120)
    assert done is not None and done["state"] == "done"


def test_a_job_runs_as_its_owner_is_now(app: Any, settings: Settings) -> None:
    """Queued by a process that died before running it, a job is still run (by the runner's poll or
    its next wake-up), as its owner's account is when it runs: a disabled account's job fails."""
    from cockpit.auth.users import UserStore
    from cockpit.exports import jobs as export_jobs
    from cockpit.services import current

    services = current()
    engine, now = store.database(settings), settings.now()
    UserClient(app, settings, "gone-user", "staff", settings.province_adcode)
    params = {"format": "csv", "query": {"region": CITY}}
    job_store.create(engine, "d" * 32, kind="export", owner="gone-user", region=CITY, now=now, params=params)
    UserStore(settings).update("gone-user", disabled=True)
    user = UserClient(app, settings, "wake-user", "staff", settings.province_adcode)
    woken = user.post(f"/exports/grid.csv?{urlencode(COUNTY_ONE_INDICATOR)}", json={}).get_json()["job"]
    stranded = background.wait(services, "d" * 32, timeout_s=120)
    assert stranded is not None and stranded["state"] == "failed" and "停用" in stranded["message"]
    assert background.wait(services, woken, timeout_s=120)["state"] == "done"
    assert export_jobs.status(services, woken)["kind"] == "export"
