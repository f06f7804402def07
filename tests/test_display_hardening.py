"""Hardening (issue 18), the display side: feed text is never markup in a figure, bad windows are
notices, panels never name an exception, and an incident id answers the same whether unknown or
out of scope."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Any

import pytest
from plotly.utils import PlotlyJSONEncoder

from cockpit.formatting import plain
from cockpit.settings import Settings
from cockpit.warehouse.windows import resolve_window
from tests.conftest import component_text
from tests.test_events_queries import INCIDENTS, _incident, fixture_tables, publish_rows

LINK = '<a href="https://example.com">x</a>'
NOW = datetime(2026, 11, 28, 12, 0)


def test_plain_escapes_markup_and_keeps_quotes() -> None:
    assert plain(LINK) == '&lt;a href="https://example.com"&gt;x&lt;/a&gt;'
    assert plain("A & B") == "A &amp; B" and plain(None) == "" and plain(12) == "12"


# --- 1. feed text in plotly hovers ---------------------------------------------------------------


def _figures(component: Any) -> list[dict[str, Any]]:
    """Every figure inside a rendered panel, as the JSON the browser receives."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("data"), list) and "layout" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(json.dumps(component, cls=PlotlyJSONEncoder)))
    return found


def test_feed_titles_reach_the_emergency_map_and_timeline_escaped(settings: Settings) -> None:
    import callbacks.emergency as emergency
    from cockpit.app import create_app

    settings = settings.model_copy(update={"as_of": date(2026, 11, 28)})
    evil = _incident("X", "140105", "事故灾难", "IV", "responding", "2026-11-20 10:00")
    evil["title"] = f"标题{LINK}"
    publish_rows(settings, {**fixture_tables(), "emergency_incident": [*INCIDENTS, evil]})
    app = create_app(settings)
    store = {"page": "/emergency", "region": "140100", "window": {"period": "2026"}, "filters": {}}
    with app.server.app_context():
        for name, trace_type in (("map", "scattergeo"), ("timeline", "scatter")):
            figures = _figures(emergency.PANELS[name](store, None))
            texts = [t for f in figures for tr in f["data"] if tr.get("type") == trace_type
                     for t in tr.get("text") or []]  # fmt: skip
            shown = [t for t in texts if "标题" in t]
            assert shown, (name, texts)
            assert "&lt;a href" in shown[0] and "<a " not in shown[0], shown
            assert "<br>" in shown[0] and shown[0].startswith("<b>"), shown  # our markup stays


# --- 2. dates outside a sane range --------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"from": "2000-01-01", "to": "9999-12-31"}, {"from": "2026-01-01", "to": "2028-01-01"},
     {"from": "1999-12-31", "to": "2026-01-01"}, {"to": "9999-12-31"}],
)  # fmt: skip
def test_windows_refuse_dates_out_of_range_with_a_notice(params: dict[str, str]) -> None:
    window, notices = resolve_window(params, NOW, "month")
    assert len(notices) == 1 and "无效" in notices[0], params
    assert (window.start, window.end) == (datetime(2026, 11, 1), NOW)
    # The edges still open: 2000 onwards, and a "to" up to a year ahead (cut at now).
    assert resolve_window({"from": "2000-01-01", "to": "2027-06-30"}, NOW)[1] == []


def test_hotline_page_with_a_far_future_date_is_a_notice_not_an_error(settings: Settings) -> None:
    import layouts.hotline as hotline
    from cockpit.app import create_app

    app = create_app(settings)
    with app.server.test_request_context("/hotline"):
        page = component_text(hotline.layout(**{"from": "2000-01-01", "to": "9999-12-31"}))
    assert "时间范围“2000-01-01～9999-12-31”无效" in page


# --- 3. panels never name an exception ---------------------------------------------------------


def test_failed_panels_and_tiles_say_a_plain_message_and_log_the_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from cockpit.screen.tiles import error_tile
    from cockpit.ui.panels import error_block, safe_render

    def boom() -> Any:
        raise OverflowError("date value out of range")

    with caplog.at_level(logging.ERROR):
        shown = safe_render("hotline", "kpis", boom, error_block)
    assert "OverflowError" in caplog.text  # the log keeps the detail
    for component in (shown, error_tile("pulse", "热线", OverflowError("x"))):
        text = component_text(component)
        assert "暂时无法加载，请稍后重试" in text and "Overflow" not in text and "：" not in text, text


# --- 4. one answer for unknown and out-of-scope incident ids -------------------------------------


def test_incident_ids_cannot_be_probed_by_a_county_user(
    demo_warehouse: tuple[Settings, dict[str, object]],
) -> None:
    from cockpit.access import audit
    from cockpit.app import create_app
    from cockpit.warehouse.queries import Warehouse
    from tests.access_helpers import UserClient, dumps, page_payload

    settings, _ = demo_warehouse
    app = create_app(settings)
    cur = Warehouse(settings).cursor()
    try:
        own, other = (cur.execute(f"SELECT min(incident_id) FROM emergency_incident WHERE adcode {op} '140105'")
                      .fetchone()[0] for op in ("=", "<>"))  # fmt: skip
    finally:
        cur.close()
    assert own and other
    user = UserClient(app, settings, "probe_leader", "leader", "140105")

    def notice(incident: str) -> str:
        response = user.callback(page_payload("/emergency", f"?incident={incident}"))
        assert response.status_code == 200, incident
        body = dumps(response.get_json())
        assert "无权查看" not in body, incident
        return body

    unknown, forbidden = notice("YJ-NOPE-0001"), notice(other)
    assert "未找到事件编号“YJ-NOPE-0001”" in unknown and f"未找到事件编号“{other}”" in forbidden
    assert "未找到事件编号" not in notice(own)  # in scope: opens as today
    denied = audit.query(settings, event="denied", username="probe_leader")
    assert len(denied) == 1  # the out-of-scope attempt is still audited


def test_a_short_trend_writes_its_numbers_off_the_line() -> None:
    """A wall is read, not hovered: a yearly trend writes each value beside its point, on the side the
    line does not pass; a plateau and a dense series go above and below by turns."""
    import pandas as pd

    from cockpit.screen.tiles import SPACIOUS_POINTS, trend_figure

    def places(values: list[float]) -> list[str]:
        frame = pd.DataFrame({"period": [str(2021 + i) for i in range(len(values))], "value": values,
                              "target_value": None})  # fmt: skip
        trace = trend_figure(frame, "目标达标率（综合）", "%", "dark", 1)["data"][0]
        assert trace["text"] == [f"{v:.1f}%" for v in values]
        return list(trace["textposition"])

    #        rises in, rises out; peak;       falls;        valley;        arrives rising
    assert places([83, 87, 96, 100, 90, 80, 85]) == [
        "bottom right", "top left", "top left", "top center", "top right", "bottom center", "top left",
    ]  # fmt: skip
    assert places([90, 100, 100, 100, 80]) == [
        "bottom right",
        "top center",
        "bottom center",
        "top center",
        "bottom left",
    ]
    assert places([80, 80, 90]) == ["top center", "bottom center", "top left"]
    #        a dense series: by turns, a peak's number above and a valley's below
    dense = [98.7, 99.0, 98.9, 99.5, 99.2, 99.3, 99.2, 99.2, 99.2, 99.2, 99.2, 98.0]
    assert len(dense) > SPACIOUS_POINTS
    assert places(dense) == [
        "bottom right", "top center", "bottom center", "top center", "bottom center", "top center",
        "bottom center", "top center", "bottom center", "top center", "bottom center", "bottom left",
    ]  # fmt: skip
