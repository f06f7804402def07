"""Region scope: every query-layer entry is guarded, and a county, city and province user each
see exactly their part of the tree through the API, callbacks, pages and exports."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pandas as pd
import pytest

from cockpit.access import audit
from cockpit.principal import Principal, ScopeDenied, acting_as
from cockpit.settings import Settings
from cockpit.warehouse.emergency_queries import EmergencyQueries
from cockpit.warehouse.explorer_queries import ExplorerQueries
from cockpit.warehouse.hotline_queries import HotlineQueries
from cockpit.warehouse.plan_queries import PlanQueries
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.reconcile_queries import ReconcileQueries
from cockpit.warehouse.regulation_queries import RegulationQueries
from cockpit.warehouse.screen_queries import ScreenQueries
from tests.access_helpers import (
    UserClient,
    adcodes_in,
    drill_payload,
    dumps,
    figure_locations,
    map_payload,
    page_payload,
)

XIAODIAN, YINGZE = "140105", "140106"  # two counties of 太原市
TAIYUAN, DATONG, PROVINCE = "140100", "140200", "140000"
QUERY_CLASSES = (
    Warehouse,
    ScreenQueries,
    PlanQueries,
    EmergencyQueries,
    RegulationQueries,
    HotlineQueries,
    ExplorerQueries,
    ReconcileQueries,
)
REGION_PARAMS = {"region", "adcode", "parent", "parent_adcode", "compiled"}
# List queries that name no region but answer per-region rows: filtered to the scope.
REGION_LISTS = {"Warehouse.regions", "ScreenQueries.search_index", "ExplorerQueries.region_options"}
# Looked up by another key; the answer's region is checked.
REGION_RESULTS = {"EmergencyQueries.incident"}


def test_every_query_taking_a_region_is_guarded() -> None:
    unguarded = []
    for cls in QUERY_CLASSES:
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            qualified = f"{cls.__name__}.{name}"
            params = set(inspect.signature(method).parameters)
            marked = (hasattr(method, "__region_guard__") or hasattr(method, "__region_unrestricted__")
                      or hasattr(method, "__region_list__") or hasattr(method, "__region_result__"))  # fmt: skip
            if params & REGION_PARAMS and not marked:
                unguarded.append(qualified)
            if qualified in REGION_LISTS and not hasattr(method, "__region_list__"):
                unguarded.append(qualified)
            if qualified in REGION_RESULTS and not hasattr(method, "__region_result__"):
                unguarded.append(qualified)
    assert unguarded == [], f"query methods taking a region without a scope guard: {unguarded}"


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]):  # type: ignore[no-untyped-def]
    from cockpit.app import create_app

    settings, _ = demo_warehouse
    return create_app(settings)


@pytest.fixture(scope="module")
def settings(demo_warehouse: tuple[Settings, dict[str, object]]) -> Settings:
    return demo_warehouse[0]


def _as(app: Any, role: str, scope: str) -> Any:
    """A request context acting as a principal (unit tests of the guards)."""
    ctx = app.server.test_request_context("/")
    ctx.push()
    return ctx, acting_as(Principal(f"unit-{role}-{scope}", role, scope))  # type: ignore[arg-type]


def test_query_layer_refuses_a_sibling_and_cuts_an_ancestor_to_scope(app: Any) -> None:
    wh = app.server.extensions["cockpit"].warehouse
    ctx, acting = _as(app, "staff", XIAODIAN)
    try:
        with acting:
            dash_q, plan = ScreenQueries(wh), PlanQueries(wh)
            assert not dash_q.latest_values(XIAODIAN, ["online_service_rate"]).empty
            for call in (lambda: dash_q.latest_values(YINGZE, ["online_service_rate"]),
                         lambda: dash_q.trend("online_service_rate", PROVINCE),
                         lambda: HotlineQueries(wh).hotline_pulse(TAIYUAN, pd.Timestamp("2026-11-28").to_pydatetime()),
                         lambda: plan.assess_region(DATONG, 2026),
                         lambda: wh.children("'; DROP TABLE region;--")):  # fmt: skip
                with pytest.raises(ScopeDenied):
                    call()
            # The county's map draws its parent's children: only the county comes back, unranked.
            assessed = plan.assess_indicator("online_service_rate", TAIYUAN, 2026, with_projection=False)
            assert set(assessed["adcode"]) == {XIAODIAN} and assessed["rank"].isna().all()
            assert set(wh.children(TAIYUAN)["adcode"]) == {XIAODIAN}
            assert set(wh.regions()["adcode"]) == {XIAODIAN}
            index = dash_q.search_index()
            assert set(index.loc[index["kind"] == "region", "value"]) == {XIAODIAN}
            assert (index["kind"] == "indicator").any()
    finally:
        ctx.pop()
    # The cut-down answer was not memoized as the whole: a province user still sees every county.
    ctx, acting = _as(app, "leader", PROVINCE)
    try:
        with acting:
            full = PlanQueries(wh).assess_indicator(
                "online_service_rate", TAIYUAN, 2026, with_projection=False
            )
            assert len(full) > 5 and full["rank"].notna().any()
    finally:
        ctx.pop()


def _denied(settings: Settings, username: str) -> pd.DataFrame:
    return audit.query(settings, event="denied", username=username)


def test_county_user_is_refused_a_sibling_everywhere_and_audited(app: Any, settings: Settings) -> None:
    user = UserClient(app, settings, "xiaodian_staff", "staff", XIAODIAN)
    # Own county: fine.
    assert user.get(f"/api/v1/values?indicator=online_service_rate&region={XIAODIAN}").status_code == 200
    # The API, for a sibling and for the parent city.
    for url in (f"/api/v1/regions/{YINGZE}", f"/api/v1/values?indicator=online_service_rate&region={YINGZE}",
                f"/api/v1/regions/{TAIYUAN}"):  # fmt: skip
        response = user.get(url)
        assert response.status_code == 403, url
        assert "无权" in response.get_json()["error"]
    # A tampered callback payload: the map's view store, and a map click, naming the sibling.
    assert user.callback(map_payload(YINGZE)).status_code == 403
    assert user.callback(drill_payload(app, YINGZE, XIAODIAN)).status_code == 403
    own = user.callback(map_payload(XIAODIAN))
    assert own.status_code == 200 and figure_locations(own.get_json()) <= {XIAODIAN}
    # Exports: grid, chart, briefing.
    assert user.get(f"/exports/grid.csv?dataset=indicator_value&region={YINGZE}").status_code == 403
    assert user.get(f"/exports/chart/trend.png?region={YINGZE}").status_code == 403
    assert user.post("/exports/briefing", json={"region": YINGZE, "formats": "pdf"}).status_code == 403
    denied = _denied(settings, "xiaodian_staff")
    assert set(denied["region"]) == {YINGZE, TAIYUAN}
    assert {"api", "callback", "briefing"} <= {json.loads(d)["action"] for d in denied["detail"]}
    assert (denied["path"] == "/_dash-update-component").any() and (
        denied["path"].str.startswith("/exports")
    ).any()


def test_county_user_page_for_a_sibling_is_a_refusal_and_own_page_a_view(
    app: Any, settings: Settings
) -> None:
    user = UserClient(app, settings, "xiaodian_leader", "leader", XIAODIAN)
    for path, search in (
        ("/", f"?region={YINGZE}"),
        (f"/region/{YINGZE}", ""),
        ("/emergency", f"?region={TAIYUAN}"),
    ):
        response = user.callback(page_payload(path, search))
        assert response.status_code == 200 and "无权查看" in dumps(response.get_json()), path
    response = user.callback(page_payload("/hotline", "?period=2026-10"))
    assert response.status_code == 200 and "无权查看" not in dumps(response.get_json())
    views = audit.query(settings, event="view", username="xiaodian_leader")
    assert (views["region"] == XIAODIAN).any() and views["detail"].str.contains("2026-10").any()
    assert len(views) == 1  # once per page render, not per tile
    assert len(_denied(settings, "xiaodian_leader")) == 3
    # A leader may view but not export.
    assert user.get(f"/exports/grid.csv?region={XIAODIAN}").status_code == 403


def test_staff_export_in_scope_is_audited_with_format_and_filters(app: Any, settings: Settings) -> None:
    user = UserClient(app, settings, "xiaodian_export", "staff", XIAODIAN)
    response = user.get(
        f"/exports/grid.csv?dataset=indicator_value&region={XIAODIAN}&indicator=online_service_rate"
    )
    assert response.status_code == 200
    body = response.get_data().decode("utf-8-sig")
    assert YINGZE not in body and "小店区" in body
    row = audit.query(settings, event="export", username="xiaodian_export").iloc[0]
    assert (
        row["region"] == XIAODIAN
        and '"format": "csv"' in row["detail"]
        and "online_service_rate" in row["detail"]
    )


def test_city_user_sees_its_counties_and_not_another_city(app: Any, settings: Settings) -> None:
    user = UserClient(app, settings, "taiyuan_staff", "staff", TAIYUAN)
    listed = {r["adcode"] for r in user.get("/api/v1/regions").get_json()["regions"]}
    assert TAIYUAN in listed and XIAODIAN in listed and YINGZE in listed
    assert all(code.startswith("1401") for code in listed) and PROVINCE not in listed
    values = user.get(f"/api/v1/values?indicator=online_service_rate&region={TAIYUAN}").get_json()
    assert {r["adcode"] for r in values["rows"]} == {TAIYUAN} | (listed - {TAIYUAN})
    assert user.get(f"/api/v1/values?indicator=online_service_rate&region={DATONG}").status_code == 403
    assert user.get(f"/api/v1/values?indicator=online_service_rate&region={XIAODIAN}").status_code == 200
    drawn = figure_locations(user.callback(map_payload(TAIYUAN)).get_json())
    assert XIAODIAN in drawn and not any(code.startswith("1402") for code in drawn)
    assert user.callback(map_payload(DATONG)).status_code == 403


def test_leader_at_the_province_sees_all(app: Any, settings: Settings) -> None:
    user = UserClient(app, settings, "province_leader", "leader", PROVINCE)
    listed = {r["adcode"] for r in user.get("/api/v1/regions").get_json()["regions"]}
    assert len(listed) > 100 and {PROVINCE, TAIYUAN, DATONG, XIAODIAN} <= listed
    for region in (PROVINCE, DATONG, YINGZE):
        response = user.get(f"/api/v1/values?indicator=online_service_rate&region={region}")
        assert response.status_code == 200 and region in adcodes_in(response.get_json())
    drawn = figure_locations(user.callback(map_payload(PROVINCE)).get_json())
    assert {TAIYUAN, DATONG} <= drawn
    assert len(_denied(settings, "province_leader")) == 0


def test_county_facts_and_briefings_hold_no_sibling_ranking(app: Any) -> None:
    from cockpit.briefing import facts

    services = app.server.extensions["cockpit"]
    ctx, acting = _as(app, "staff", XIAODIAN)
    try:
        with acting:
            found = facts.compute(services, XIAODIAN, None, None)
            assert found.siblings.empty and all(f.rank is None for f in found.indicators)
            with pytest.raises(ScopeDenied):
                facts.compute(services, YINGZE, None, None)
    finally:
        ctx.pop()
    # Without a principal (the CLI, cron) the same county is ranked among its siblings.
    with app.server.app_context():
        assert not facts.compute(services, XIAODIAN, None, None).siblings.empty


def test_links_above_the_scope_are_plain_text(app: Any, settings: Settings) -> None:
    """A county user's breadcrumb names the province and city but links to neither, and there
    is no 返回上级 out of the scope: those links could only lead to a refusal."""
    import re

    user = UserClient(app, settings, "xiaodian_crumbs", "staff", XIAODIAN)
    for path, search in (("/targets", ""), ("/emergency", ""), (f"/region/{XIAODIAN}", "")):
        body = dumps(user.callback(page_payload(path, search)).get_json())
        assert body.count("outside-scope") == 2, path  # 山西省 and 太原市, as text
        assert not re.search(rf'"href": "[^"]*(region=|/region/)({TAIYUAN}|140000)', body), path
        assert "返回上级" not in body, path
