"""The wall warmed ahead of its viewers (cockpit/warmup.py): every region, served from memory
afterwards, under the warming role's own key only, and again after each publish."""

from __future__ import annotations

import threading
import time
from typing import Any

import dash
import pytest

from cockpit import warmup
from cockpit.principal import Principal, acting_as
from cockpit.screen.render import map_values
from cockpit.screen.view import parse_view
from cockpit.services import current
from cockpit.settings import Settings

PROVINCE, CITY, COUNTY = "140000", "141100", "141124"


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]) -> dash.Dash:
    from cockpit.app import create_app

    return create_app(demo_warehouse[0])


def _builds(app: dash.Dash) -> int:
    with app.server.app_context():
        return sum(s.builds for s in current().warehouse.memo_store.stats.values())


def test_every_region_is_warmed_and_then_served_from_memory(app: dash.Dash) -> None:
    with app.server.app_context():
        regions = warmup.regions_in_order(current())
    assert regions[0] == PROVINCE and CITY in regions[1:12] and COUNTY in regions[12:]
    assert len(regions) == len(set(regions)) == 1 + 11 + 117  # the demo's Shanxi: 11 cities, 117 counties

    done = warmup.warm(app.server, ["leader"])
    assert done["views"] == len(regions) and done["failed"] == 0 and done["snapshot"]
    assert done["desk_pages"] == len(warmup.desk_renderers()) == 6
    with app.server.app_context():
        stats = current().warehouse.memo_store.stats
    assert stats["event_panel"].builds >= 3 and stats["plan_panel"].builds >= 3  # rendered, not skipped

    # Another leader opening a desk page at the province: its panels are all remembered.
    before = _builds(app)
    with app.server.test_request_context("/"), acting_as(Principal("l2", "leader", PROVINCE)):
        for desk in warmup.desk_renderers().values():
            desk()
    assert _builds(app) == before

    # Another leader switching the wall to another indicator and drilling into a city: its map is
    # remembered too (every indicator's map of the province and the cities is warmed).
    with app.server.app_context():
        codes = [str(code) for code in current().warehouse.indicators()["code"]]
    assert done["indicator_maps"] == (1 + 11) * len(codes)
    before = _builds(app)
    with app.server.test_request_context("/"), acting_as(Principal("l2", "leader", PROVINCE)):
        services = current()
        for code in (codes[0], codes[-1]):
            map_values(
                parse_view(services.warehouse, PROVINCE, {"region": CITY, "indicator": code}), services
            )
    assert _builds(app) == before

    # Another leader of the province drilling into a county: nothing is built, all is remembered.
    before = _builds(app)
    with app.server.test_request_context("/"), acting_as(Principal("l2", "leader", PROVINCE)):
        warmup.render_view(COUNTY)
    assert _builds(app) == before

    # A county user is not served the leader's renderings: its own are built.
    with app.server.test_request_context("/"), acting_as(Principal("c", "staff", COUNTY)):
        warmup.render_view(COUNTY)
    assert _builds(app) > before

    # The warm-up kept its renderings under its own viewer key (and the shared queries under "*").
    with app.server.app_context():
        keys = current().warehouse.memo_store.local.keys()
    assert {key.split(":")[2] for key in keys} == {"*", "leader@140000", "staff@141124"}


def test_a_failing_region_does_not_stop_the_pass(app: dash.Dash) -> None:
    def render(region: str) -> None:
        if region == CITY:
            raise RuntimeError("broken feed")

    def maps(region: str) -> int:
        if region == CITY:
            raise RuntimeError("broken indicator")
        return 2

    done = warmup.warm(app.server, ["leader"], render=render, maps=maps)
    assert done["failed"] == 2 and done["views"] == 128 and done["desk_pages"] == 6
    assert done["indicator_maps"] == 2 * 11  # the province and the ten other cities


def test_indicator_maps_are_warmed_only_for_the_roles_that_switch_indicators(app: dash.Dash) -> None:
    def no_view(region: str) -> None:
        return None

    def one_map(region: str) -> int:
        return 1

    for role, expected in (("kiosk", 0), ("leader", 12)):  # Settings.warm_indicator_roles: leaders
        done = warmup.warm(app.server, [role], render=no_view, desks=dict, maps=one_map)
        assert done["indicator_maps"] == expected and done["failed"] == 0


def test_a_publish_is_warmed_once(app: dash.Dash, monkeypatch: pytest.MonkeyPatch) -> None:
    published = iter(["s1", "s1", "s1", "s2", "s2", "s2", "s2"] + ["s2"] * 1000)
    warmed: list[str] = []
    with app.server.app_context():
        store = current().warehouse.store
    monkeypatch.setattr(store, "current_id", lambda: next(published))

    def fake_warm(server: Any, roles: Any, stop: threading.Event | None = None) -> dict[str, Any]:
        snapshot = store.current_id()
        warmed.append(snapshot)
        return {"snapshot": snapshot}

    monkeypatch.setattr(warmup, "warm", fake_warm)
    stop = warmup.start(app.server, ["leader"], check=0.01)
    deadline = time.monotonic() + 10
    while len(warmed) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    stop.set()
    assert warmed[:2] == ["s1", "s2"] and len(warmed) == 2
