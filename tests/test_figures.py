"""The figure registry (cockpit.figures) and the figures API: one label per figure, periods as the
desk pages write them, and the API giving exactly what the wall and the region profile mark."""

from __future__ import annotations

from datetime import datetime

import dash
import pytest

from cockpit import figures, targets
from cockpit.screen.view import View
from cockpit.services import current
from cockpit.settings import Settings
from cockpit.warehouse.windows import default_window
from tests.conftest import signed_in_client
from tests.test_one_truth import _marked

NOW = datetime(2026, 11, 28, 13, 45)


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> dash.Dash:
    from cockpit.app import create_app

    return create_app(demo_warehouse[0])


def test_no_label_names_two_figures_and_every_kind_is_known() -> None:
    owner: dict[str, str] = {}
    for fig in figures.FIGURES.values():
        assert set(fig.labels) <= set(figures.PERIOD_KINDS) and fig.labels, fig.code
        for kind in fig.labels:
            text = fig.text(kind, year=2026, span="2026年")
            assert owner.setdefault(text, fig.code) == fig.code, (text, fig.code, owner[text])


def test_periods_are_the_desk_pages_default_windows() -> None:
    # /hotline opens on this month and /regulation on this year: the same periods the wall counts.
    assert figures.period_key("month", NOW) == default_window(NOW, "month").code == "2026-11"
    assert figures.period_key("year", NOW) == default_window(NOW, "year").code == "2026"
    assert figures.period_range("month", NOW) == (datetime(2026, 11, 1), NOW)
    assert figures.period_range("month", NOW)[0] == default_window(NOW, "month").start
    # A rolling 30 days is not a calendar window: its key can't collide with one.
    assert figures.period_key("30d", NOW) == "P30D/2026-11-28"
    assert figures.period_key("window", NOW, "2026-10-01~2026-10-31") == "2026-10-01~2026-10-31"


def test_attrs_keep_the_unrounded_value_and_mark_missing_as_empty() -> None:
    marks = figures.attrs("hotline.satisfaction", "140000", "P30D/2026-11-28", 91.23456789, "x")
    assert marks["data-value"] == repr(91.23456789)
    assert figures.attrs("hotline.satisfaction", "140000", "p", float("nan"))["data-value"] == ""
    assert figures.attrs("hotline.satisfaction", "140000", "p", None)["data-value"] == ""


@pytest.mark.parametrize("region", ["140000", "141100", "141124"])
def test_the_api_gives_what_the_wall_and_the_profile_mark(app: dash.Dash, region: str) -> None:
    import cockpit.screen.render as screen
    from cockpit.briefing import facts
    from layouts.region import events_panel

    services = app.server.extensions["cockpit"]
    view = View(region, targets.SCORE_CODE, None)
    with app.server.test_request_context("/"):
        shown = _marked(screen.render_pulse(view, services))
        shown |= _marked(screen.render_emergency(view, services))
        profile = _marked(events_panel(facts.compute(services, region, None, None)))
    client = signed_in_client(app, "leader")
    answer = client.get(f"/api/v1/figures?region={region}").get_json()
    api = {(f["figure"], region, f["period"]): "" if f["value"] is None else repr(float(f["value"]))
           for f in answer["figures"]}  # fmt: skip
    assert len(api) == len(answer["figures"]) == 15
    for surface in (shown, profile):
        assert surface and set(surface) <= set(api), set(surface) - set(api)
        assert {k: v for k, v in surface.items() if v != {api[k]}} == {}
    assert {f["label"] for f in answer["figures"]} >= {"本月受理", "近30天满意率（按工单计）", "生效预警"}


def test_the_figures_api_keeps_to_the_caller_s_scope(app: dash.Dash) -> None:
    county = signed_in_client(app, "staff", "141124")
    assert county.get("/api/v1/figures").get_json()["region"] == "141124"
    assert county.get("/api/v1/figures?region=141100").status_code == 403
    assert county.get("/api/v1/figures?region=14'--").status_code == 400


def test_a_kpi_card_without_an_earlier_period_renders() -> None:
    """A region's first reported period has no 较上期 (the frame holds NaN there, not "")."""
    import pandas as pd

    from cockpit.screen.tiles import Freshness, kpi_cards

    frame = pd.DataFrame([{"code": "online_service_rate", "name": "政务服务事项全程网办率", "short_name": "全程网办率",
                           "unit": "%", "decimals": 1, "direction": "higher", "value": 90.5, "period": "2026-10",
                           "prev_value": float("nan"), "prev_period": float("nan"), "target_value": 95.0}])  # fmt: skip
    tile = kpi_cards(frame, Freshness(("indicator_monthly",), None, False), None, "140000")
    assert "较" not in str(tile) and "90.5%" in str(tile)


def test_a_kpi_cards_status_names_the_value_and_target_it_was_judged_on() -> None:
    """The card shows the latest reading; a rule may judge the year's mean, or against 序时进度. The
    status line then names that figure, so "98.0% · 达标 · 目标 98.6%" cannot be read as a contradiction."""
    import pandas as pd

    from cockpit.screen.tiles import Freshness, kpi_cards

    shown = pd.DataFrame([
        {"code": "hotline_close_rate", "name": "12345热线办结率", "short_name": "热线办结率", "unit": "%",
         "decimals": 1, "direction": "higher", "value": 98.0, "period": "2026-11", "prev_value": 99.2,
         "prev_period": "2026-10", "target_value": 98.6},
        {"code": "online_service_rate", "name": "政务服务事项全程网办率", "short_name": "全程网办率", "unit": "%",
         "decimals": 1, "direction": "higher", "value": 95.3, "period": "2026-11", "prev_value": 95.0,
         "prev_period": "2026-10", "target_value": 95.5},
        {"code": "regulatory_claim_rate", "name": "监管事项认领率", "short_name": "监管事项认领率", "unit": "%",
         "decimals": 1, "direction": "higher", "value": 99.7, "period": "2026-Q3", "prev_value": 99.8,
         "prev_period": "2026-Q2", "target_value": 100.0},
    ])  # fmt: skip
    judged = pd.DataFrame([
        {"code": "hotline_close_rate", "status": targets.GREEN, "basis": "ytd_mean", "value": 99.14,
         "target_value": 98.6, "pace_target": 98.6, "unit": "%", "decimals": 1},
        {"code": "online_service_rate", "status": targets.GREEN, "basis": "latest", "value": 95.3,
         "target_value": 95.5, "pace_target": 95.2, "unit": "%", "decimals": 1},
    ])  # fmt: skip
    tile = kpi_cards(shown, Freshness(("indicator_monthly",), None, False), judged, "140000")
    lines = [str(c.children[-1]) for c in _cards(tile) if getattr(c, "className", "") == "kpi-target"]
    assert lines == [
        "达标 · 序时 95.2%",
        "年均 99.1% 达标 · 目标 98.6%",
        "无目标 · 目标 100.0%",
    ]  # KPI_CODES order


def test_the_wall_judges_its_cards_as_the_targets_page_does(app: dash.Dash) -> None:
    """Each 核心指标 card's status and judged value are the plan assessment's, the figures /targets shows."""
    from cockpit.formatting import number
    from cockpit.records import records
    from cockpit.screen.render import render_tile
    from cockpit.screen.tiles import KPI_CODES

    with app.server.app_context():
        services = current()
        tile = render_tile("kpis", View("140000", targets.SCORE_CODE, None), services)
        year = services.settings.today().year
        assessed = services.queries.plan.assess_region("140000", year, with_projection=False)
    cards = {c.id["index"]: c for c in _cards(tile) if isinstance(getattr(c, "id", None), dict)}
    checked = 0
    for r in records(assessed[assessed["code"].isin(KPI_CODES)]):
        line = next(
            str(x.children[-1])
            for x in cards[r["code"]].children
            if getattr(x, "className", "") == "kpi-target"
        )
        assert line.split(" · ")[0].endswith(targets.STATUS_LABELS[r["status"]]), (r["code"], line)
        if r["basis"] == "ytd_mean":
            assert line.startswith(f"年均 {number(r['value'], r['unit'], int(r['decimals']))} "), (
                r["code"],
                line,
            )
            checked += 1
    assert checked >= 2  # the demo's hotline rates are judged on the year's mean


def _cards(component: object) -> list[object]:
    """Every component under ``component``, depth first."""
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        found.extend(_cards(child))
    return found


def test_footers_name_feeds_as_the_catalogue_does(app: dash.Dash) -> None:
    """A tile's footer and the profile's lineage show the feed's Chinese name, never its code."""
    from cockpit import feed_names
    from cockpit.screen import render
    from cockpit.screen.tiles import Freshness

    with app.server.app_context():
        services = current()
        labels = feed_names.feed_labels(services)
        fresh = render.freshness(services)
    assert (
        labels["hotline_tickets"] == "12345 政务服务便民热线工单"
        and labels["indicator_monthly"] == "月度指标"
    )
    footer = str(fresh["hotline_ticket"].footer())
    assert "12345 政务服务便民热线工单" in footer and "hotline_tickets" not in footer
    assert all(not any(code in str(f.footer()) for code in labels) for f in fresh.values())
    # A feed the catalogue no longer lists is still named, by its code.
    assert "old_feed" in str(Freshness(("old_feed",), None, False).footer())


def test_the_explorer_names_a_rows_feed_as_the_catalogue_does(app: dash.Dash) -> None:
    """/explorer's 来源数据源 column shows 月度指标 for indicator_monthly (the code on hover)."""
    from cockpit.warehouse.explorer_queries import Query
    from layouts.explorer import column_defs

    with app.server.app_context():
        defs = {d["field"]: d for d in column_defs(Query(dataset="indicator_value", region="140000"))}
    assert defs["source_feed"]["refData"]["indicator_monthly"] == "月度指标"
    assert defs["source_feed"]["tooltipField"] == "source_feed"


@pytest.mark.parametrize("page", ["emergency", "regulation", "hotline"])
def test_no_desk_panel_shows_a_feed_by_its_code(app: dash.Dash, page: str) -> None:
    """Every panel of the event pages names its feeds as the catalogue does (the credit panel wrote
    'credit_records')."""
    import importlib

    from cockpit import feed_names
    from tests.conftest import component_text

    module = importlib.import_module(f"callbacks.{page}")
    with app.server.app_context():
        labels = feed_names.feed_labels(current())
        texts = {key: component_text(render({"page": f"/{page}", "region": "140000"}, None))
                 for key, render in module.PANELS.items()}  # fmt: skip
    shown = {key: [code for code in labels if code in text] for key, text in texts.items()}
    assert not {key: codes for key, codes in shown.items() if codes}
    assert any("入库" in text for text in texts.values())
