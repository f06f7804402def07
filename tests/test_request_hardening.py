"""Issue 18's hardening items, one test each: no-store downloads with one charset, formula escaping
after leading whitespace, request-size and nesting limits, the callback gate's navigation exemption,
/feeds counts for a scoped viewer and briefing progress for the job's owner only."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from cockpit import background
from cockpit.exports.tables import ExportHeader, read_csv_export, to_csv, to_xlsx
from cockpit.screen.view import View
from cockpit.settings import Settings
from tests.access_helpers import UserClient, callback_key, callback_payload, dumps, map_payload, page_payload
from tests.conftest import signed_in_client

SIBLING = "140200"  # 大同市: outside a 小店区 (140105) user's scope
COUNTY = "140105"


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> Iterator[Any]:
    from cockpit.app import create_app

    app = create_app(demo_warehouse[0])
    with app.server.app_context():
        yield app


@pytest.fixture(scope="module")
def settings(demo_warehouse: tuple[Settings, dict[str, object]]) -> Settings:
    return demo_warehouse[0]


@pytest.fixture(scope="module")
def county(app: Any, settings: Settings) -> UserClient:
    return UserClient(app, settings, "hard-county", "staff", COUNTY)


def test_downloads_are_no_store_with_one_charset(app: Any) -> None:
    client = signed_in_client(app, "staff")
    response = client.get("/exports/grid.csv?region=141100&period=2026-10")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    xlsx = client.get("/exports/grid.xlsx?region=141100&period=2026-10")
    assert xlsx.status_code == 200 and xlsx.headers["Cache-Control"] == "no-store"
    assert client.get("/api/regions").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("text", ["\t=1+1", "\r=cmd|' /C calc'!A0", " \t@SUM(A1)", "\n+1+2", "\r\n-2+3"])
def test_formulas_after_leading_whitespace_are_escaped(text: str) -> None:
    frame = pd.DataFrame({"name": [text, "-12.5", "安全"]})
    columns = [("name", "名称")]
    _, table = read_csv_export(to_csv(ExportHeader("t"), columns, frame))
    assert table["名称"].tolist() == ["'" + text, "-12.5", "安全"]
    sheet = load_workbook(io.BytesIO(to_xlsx(ExportHeader("t"), columns, frame))).active
    cells = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "'" + text in cells and text not in cells


def test_control_characters_in_a_cell_are_shown_not_fatal_in_xlsx() -> None:
    frame = pd.DataFrame({"name": ["甲\x00乙", "响铃\x07", "正常"]})
    sheet = load_workbook(io.BytesIO(to_xlsx(ExportHeader("t"), [("name", "名称")], frame))).active
    cells = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert cells[-3:] == ["甲\\x00乙", "响铃\\x07", "正常"]


def test_oversize_callback_body_is_413(app: Any, county: UserClient) -> None:
    assert app.server.config["MAX_CONTENT_LENGTH"] == Settings().max_request_bytes == 2 * 1024 * 1024
    body = map_payload(COUNTY)
    body["state"].append({"id": "screen-view", "property": "x", "value": "a" * (3 * 1024 * 1024)})
    response = county.callback(body)
    assert response.status_code == 413 and "过大" in response.get_json()["error"]


def test_deeply_nested_callback_json_is_400(county: UserClient) -> None:
    data = "[" * 5000 + "]" * 5000
    response = county.client.post("/_dash-update-component", data=data, content_type="application/json")
    assert response.status_code == 400
    nested: Any = {"id": "screen-view", "property": "data", "value": 1}
    for _ in range(200):
        nested = [nested]
    body = map_payload(COUNTY)
    body["state"] = [nested]
    assert county.callback(body).status_code == 400


def test_a_region_under_a_navigation_prop_of_another_component_is_refused(
    app: Any, county: UserClient
) -> None:
    body = map_payload(COUNTY)
    sibling_view = View(SIBLING, "online_service_rate", None).as_store()
    body["state"][0] = {"id": "screen-view", "property": "search", "value": sibling_view}
    assert county.callback(body).status_code == 403
    # The Location's id on an entry the callback does not declare there: Dash passes values by
    # position, so the exemption needs both.
    body = map_payload(COUNTY)
    body["state"][0] = {"id": "url", "property": "search", "value": sibling_view}
    assert county.callback(body).status_code == 403
    # Real navigation still passes the gate (the page itself answers the refusal).
    assert county.callback(page_payload(f"/region/{SIBLING}")).status_code == 200


def test_feeds_hide_province_counts_from_a_county_user(app: Any, settings: Settings) -> None:
    from cockpit.services import current

    runs = current().warehouse.runs(limit=500)
    read = {f"{int(n):,}" for n in runs.loc[runs["status"] == "success", "rows_read"] if int(n) >= 1000}
    assert read
    county = UserClient(app, settings, "hard-feeds-county", "staff", COUNTY)
    shown = dumps(county.callback(page_payload("/feeds")).get_json())
    assert "数据源状态" in shown and "全省合计" in shown
    assert not {n for n in read if n in shown}
    province = UserClient(app, settings, "hard-feeds-province", "staff", settings.province_adcode)
    wide = dumps(province.callback(page_payload("/feeds")).get_json())
    assert {n for n in read if n in wide} and "全省合计" not in wide


def test_briefing_progress_answers_only_the_jobs_owner(app: Any, settings: Settings) -> None:
    from cockpit.services import current

    owner = UserClient(app, settings, "hard-brief-a", "staff", settings.province_adcode)
    started = owner.post(
        "/exports/briefing", json={"region": "141124", "period": "2026-10", "formats": "pptx"}
    )
    job = started.get_json()["job"]
    try:
        other = UserClient(app, settings, "hard-brief-b", "staff", settings.province_adcode)
        key = callback_key(
            app,
            json.dumps({"name": "timer", "type": "export-briefing"}, separators=(",", ":")),
            "n_intervals",
        )
        body = callback_payload(app, key, {}, "x")
        body["inputs"] = [
            {"id": {"type": "export-briefing", "name": "timer"}, "property": "n_intervals", "value": 1}
        ]
        body["state"] = [{"id": {"type": "export-briefing", "name": "job"}, "property": "data", "value": job}]
        refused = other.callback(body)
        assert refused.status_code == 403 and job not in refused.get_data(as_text=True)
        assert owner.callback(body).status_code == 200
    finally:
        background.wait(current(), job, timeout_s=180)


def test_a_data_administrator_reads_a_runs_quarantine_on_feeds(app: Any, settings: Settings) -> None:
    """The quarantine count of a feed's last run opens its rows — reason and record — for those who run
    the feeds; the rows are the file's, of any region, so no one else gets them, by link or by URL."""
    from cockpit.services import current

    wh = current().warehouse
    runs = wh.runs(limit=500)
    run = runs[(runs["status"] == "success") & (runs["quarantined"] > 0)].iloc[0]
    run_id = int(run["run_id"])
    reason = json.dumps(str(wh.quarantine(run_id=run_id, limit=1)["reason"].iloc[0]), ensure_ascii=False)[
        1:-1
    ]
    admin = UserClient(app, settings, "hard-feeds-admin", "admin", settings.province_adcode)
    listed = dumps(admin.callback(page_payload("/feeds")).get_json())
    assert "/feeds?quarantine=" in listed
    opened = dumps(admin.callback(page_payload("/feeds", f"?quarantine={run_id}")).get_json())
    assert f"批次 {run_id}" in opened and reason in opened and "原始内容" in opened
    for role, scope in (
        ("staff", settings.province_adcode),
        ("staff", COUNTY),
        ("leader", settings.province_adcode),
    ):
        other = UserClient(app, settings, f"hard-feeds-{role}-{scope}", role, scope)
        shown = dumps(other.callback(page_payload("/feeds", f"?quarantine={run_id}")).get_json())
        assert "数据源状态" in shown and "/feeds?quarantine=" not in shown and reason not in shown, (
            role,
            scope,
        )
    bad = dumps(admin.callback(page_payload("/feeds", "?quarantine=1%27%20OR%201%3D1")).get_json())
    assert "数据源状态" in bad and "隔离行 ·" not in bad
