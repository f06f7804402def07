"""One figure, one value, on every surface: the wall, the region profile, briefings and /targets
judge a region alike (issue 13)."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
import pytest

from cockpit import targets
from cockpit.screen.view import View
from cockpit.settings import Settings

PROVINCE, LVLIANG = "140000", "141100"


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> dash.Dash:
    from cockpit.app import create_app

    return create_app(demo_warehouse[0])


def _wall_scores(app: dash.Dash, region: str) -> dict[str, tuple[Any, ...]]:
    from cockpit.screen.render import map_values

    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        frame, _ind, _period = map_values(View(region, targets.SCORE_CODE, None), services)
    return {r.adcode: (round(r.value, 6), int(r.met), int(r.total), sorted(r.red_names))
            for r in frame.itertuples() if r.total}  # fmt: skip


def _profile_scores(app: dash.Dash, region: str) -> dict[str, tuple[Any, ...]]:
    from cockpit.briefing import facts

    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        children = facts.compute(services, region, None, None).children
    return {r.adcode: (round(r.score, 6), int(r.met), int(r.rated), sorted(r.red_names))
            for r in children.itertuples() if r.rated}  # fmt: skip


@pytest.mark.parametrize("region", [PROVINCE, LVLIANG])
def test_the_wall_map_and_the_region_profile_score_every_child_alike(app: dash.Dash, region: str) -> None:
    wall, profile = _wall_scores(app, region), _profile_scores(app, region)
    assert wall and set(wall) == set(profile)
    differs = {code: (wall[code], profile[code]) for code in wall if wall[code] != profile[code]}
    assert differs == {}, differs


@pytest.mark.parametrize("region", [PROVINCE, LVLIANG])
def test_the_trend_gives_this_year_the_score_the_map_gives_it(app: dash.Dash, region: str) -> None:
    """The wall's 目标达标率（综合） trend ends on the year in progress: each child's last point is the
    value the map (and its ranking) gives that child, judged on each indicator's latest period."""
    from cockpit.screen.render import now_for, trend_frame

    wall = _wall_scores(app, region)
    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        year = str(now_for(services).year)
        last = {}
        for child in wall:
            frame, _ind = trend_frame(View(child, targets.SCORE_CODE, None), services)
            last[child] = round(float(frame.loc[frame["period"] == year, "value"].iloc[0]), 6)
    assert last == {child: shown[0] for child, shown in wall.items()}


def test_the_evaluation_of_this_year_names_the_walls_rate_for_it(app: dash.Dash) -> None:
    """/evaluation judges the year in progress on what it has reported; it says which indicators are
    still to come and gives the wall's 目标达标率（综合） for the year, the number a leader compares."""
    from callbacks import evaluation as cb
    from cockpit.formatting import number
    from cockpit.screen.render import now_for, trend_frame
    from cockpit.ui import plan_page
    from layouts import evaluation as page
    from tests.conftest import component_text

    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        year = now_for(services).year
        frame, _ind = trend_frame(View(PROVINCE, targets.SCORE_CODE, None), services)
        view = page.parse_scope(plan_page.parse_plan_view(services, "evaluation", {}), services, str(year))
        text = component_text(cb.render_narrative(view, services))
        last = page.parse_scope(
            plan_page.parse_plan_view(services, "evaluation", {}), services, str(year - 1)
        )
        earlier = component_text(cb.render_narrative(last, services))
    wall = number(float(frame.loc[frame["period"] == str(year), "value"].iloc[0]), "%", 0)
    assert f"{year}年尚未结束" in text and "本年尚未报送" in text and f"目标达标率（综合）为{wall}" in text
    assert "尚未结束" not in earlier


def test_the_maps_hover_gives_the_mean_a_status_was_judged_on(app: dash.Dash) -> None:
    """On the wall's map of 热线办结率 a city shows its month; its status is judged on the year's mean,
    which the hover gives (as /targets does) beside the status."""
    from cockpit.formatting import number
    from cockpit.screen.render import map_values, now_for

    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        frame, _ind, period = map_values(View(PROVINCE, "hotline_close_rate", None), services)
        year = now_for(services).year if period is None else int(period[:4])
        judged = services.queries.plan.assess_indicator(
            "hotline_close_rate", PROVINCE, year, with_projection=False
        )
    means = dict(zip(judged["adcode"], judged["value"], strict=True))
    rows = [r for r in frame.itertuples() if r.adcode in means and not pd.isna(r.value)]
    assert rows
    for r in rows:
        assert f"<br>年均 {number(means[r.adcode], '%', 1)}<br>目标" in r.hover, r.hover


@pytest.mark.parametrize("rate", [1.0, 0.997, 0.995, 0.994, 0.98, 0.96])
def test_regulation_grades_a_claim_rate_as_the_plan_judges_its_indicator(app: dash.Dash, rate: float) -> None:
    """监管事项认领率 99.7% was green on the wall and amber on /regulation (a baseline −1 point rule of
    its own): /regulation now asks the indicator's status rule, as the wall and /targets do."""
    from callbacks.regulation import GRADES, _grade
    from cockpit.warehouse.plan_queries import PlanQueries

    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        rules = PlanQueries(services.warehouse).rules()
    rule = rules.for_indicator("regulatory_claim_rate")
    grade = _grade(rate, "claim", rules)
    assert grade == GRADES[targets.status(rate * 100, 100.0, "higher", rule)]
    assert (rate >= 0.995) == (grade == "ok")


def test_the_ranking_footer_shows_every_region_tied_at_the_cut(
    app: dash.Dash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four cities at 96% are four: none is hidden by a top-3 cut, and each is marked 并列."""
    import pandas as pd

    import cockpit.screen.render as screen

    values = [96.0, 96.0, 96.0, 96.0, 90.0, 85.0, 80.0, 70.0, 70.0]
    frame = pd.DataFrame({"adcode": [f"14{i:02d}00" for i in range(1, 10)],
                          "short_name": [f"市{i}" for i in range(1, 10)], "value": values,
                          "status": [targets.GREEN] * 4 + [targets.AMBER] * 3 + [targets.RED] * 2})  # fmt: skip
    frame["rank"] = targets.rank_among(frame["value"], "higher")
    ind = {"name": "全程网办率", "unit": "%", "decimals": 1, "direction": "higher"}
    monkeypatch.setattr(screen, "map_values", lambda view, services: (frame, ind, "2026-10"))
    services = app.server.extensions["cockpit"]
    with app.server.test_request_context("/"):
        tile = str(screen.render_map_footer(View(PROVINCE, "online_service_rate", None), services))
    for i in range(1, 5):
        assert f"市{i}'" in tile  # all four tied at the top
    assert tile.count("'1='") == 4 and "'6'" not in tile  # 并列第1; the middle is left out
    assert "市8'" in tile and "市9'" in tile and "'8='" in tile  # tied at the bottom
    assert "达标 4个市" in tile and "落后 2个市" in tile


def _marked(component: Any) -> dict[tuple[str, str, str], set[str]]:
    """Every number a rendered component marks with data-figure: (figure, region, period) → values."""
    from dash.development.base_component import Component

    found: dict[tuple[str, str, str], set[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for item in node:
                walk(item)
            return
        if not isinstance(node, Component):
            return
        props = node.to_plotly_json()["props"]
        if props.get("data-figure"):
            key = (props["data-figure"], props["data-region"], props["data-period"])
            found.setdefault(key, set()).add(props["data-value"])
        walk(props.get("children"))

    walk(component)
    return found


@pytest.mark.parametrize("region", [PROVINCE, LVLIANG, "141124"])
def test_13710_figures_are_one_on_the_wall_supervision_and_the_profile(app: dash.Dash, region: str) -> None:
    """按期办结率 showed 99.6% / 91.2% / 91.9% and 在办 167 / 144 on three surfaces; now one summary,
    and every surface marks the numbers with the same (figure, region, period)."""
    import cockpit.screen.render as screen
    from callbacks import supervision
    from cockpit.briefing import facts
    from cockpit.ui.plan_page import PlanView
    from layouts.region import events_panel

    services = app.server.extensions["cockpit"]
    year = services.settings.today().year
    with app.server.test_request_context("/"):
        wall = _marked(screen.render_pulse(View(region, targets.SCORE_CODE, None), services))
        desk = _marked(supervision.render_kpis(PlanView("/supervision", region, year), services))
        found = facts.compute(services, region, None, None)
        profile = _marked(events_panel(found))
    sup = found.events["supervision"]
    from cockpit import figures

    rate = figures.attrs("tasks.ontime_rate", region, str(year), sup["ontime_rate"])[
        "data-value"
    ]  # "" when none due
    expected = {("tasks.ontime_rate", str(year), rate),
                ("tasks.open", services.settings.today().isoformat(), repr(float(sup["open"]))),
                ("tasks.overdue", services.settings.today().isoformat(), repr(float(sup["overdue"])))}  # fmt: skip
    for surface in (wall, desk, profile):
        got = {(code, period, next(iter(values))) for (code, r, period), values in surface.items()
               if code.startswith("tasks.") and r == region}  # fmt: skip
        assert got == expected
    merged: dict[tuple[str, str, str], set[str]] = {}
    for surface in (wall, desk, profile):
        for key, values in surface.items():
            merged.setdefault(key, set()).update(values)
    assert {k: v for k, v in merged.items() if len(v) > 1} == {}
