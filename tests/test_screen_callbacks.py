"""The screen's callbacks called as a browser would, with honest and with tampered payloads."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.screen.view import View
from cockpit.settings import Settings
from tests.access_helpers import callback_key, callback_payload
from tests.conftest import signed_in_client


@pytest.fixture(scope="module")
def app(demo_warehouse: tuple[Settings, dict[str, object]]):  # type: ignore[no-untyped-def]
    from cockpit.app import create_app

    settings, _ = demo_warehouse
    return create_app(settings)


_CLIENTS: dict[int, Any] = {}


def _client(app):  # type: ignore[no-untyped-def]
    """One province-wide leader's signed-in client per app (sign-in hashes with argon2: not per call)."""
    if id(app) not in _CLIENTS:
        _CLIENTS[id(app)] = signed_in_client(app, "leader")
    return _CLIENTS[id(app)]


def call(app, input_id: str, prop: str, value: Any, state: dict[str, Any]) -> tuple[int, Any]:  # type: ignore[no-untyped-def]
    """POST to Dash's callback endpoint the way the renderer does (every input, the view as state)."""
    key = callback_key(app, input_id, prop)
    body = callback_payload(
        app, key, {f"{input_id}.{prop}": value, "screen-view.data": state}, f"{input_id}.{prop}"
    )
    response = _client(app).post("/_dash-update-component", json=body)
    payload = response.get_json(silent=True) or {}
    return response.status_code, payload.get("response", {})  # {} is Dash 4's "no update"


VIEW = View("140000", "online_service_rate", None).as_store()


def test_map_click_drills_to_the_clicked_region(app) -> None:  # type: ignore[no-untyped-def]
    status, body = call(app, "screen-map", "clickData", {"points": [{"location": "141100"}]}, VIEW)
    assert status == 200 and "region=141100" in str(body)


def test_incident_marker_click_drills_to_its_county(app) -> None:  # type: ignore[no-untyped-def]
    status, body = call(app, "screen-map", "clickData", {"points": [{"customdata": ["141124"]}]}, VIEW)
    assert status == 200 and "region=141124" in str(body)


@pytest.mark.parametrize(
    "click",
    [
        {"points": [{"location": "110101"}]},  # another province
        {"points": [{"location": "14'; DROP TABLE region;--"}]},
        {"points": [{}]},
        {"points": []},
        {"garbage": True},
        None,
    ],
)
def test_tampered_clicks_change_nothing(app, click: Any) -> None:  # type: ignore[no-untyped-def]
    status, updated = call(app, "screen-map", "clickData", click, VIEW)
    assert status == 200 and updated == {}  # no update: the URL stays as it was


@pytest.mark.parametrize("value", ["region:999999", "indicator:no_such", "region:140000'--", "bogus", ""])
def test_search_refuses_unknown_targets(app, value: str) -> None:  # type: ignore[no-untyped-def]
    status, updated = call(app, "screen-search", "value", value, VIEW)
    assert status == 200 and updated == {}


def test_search_by_value_jumps(app) -> None:  # type: ignore[no-untyped-def]
    status, body = call(app, "screen-search", "value", "indicator:hotline_close_rate", VIEW)
    assert status == 200 and "indicator=hotline_close_rate" in str(body)


def test_a_tile_is_rendered_once_a_minute_per_view_and_viewer_and_a_failure_is_not_kept(  # type: ignore[no-untyped-def]
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    from plotly.io.json import to_json_plotly

    from cockpit.principal import Principal, acting_as
    from cockpit.screen import render

    services = app.server.extensions["cockpit"]
    built: list[str] = []
    real = render.RENDERERS["kpis"]

    def counted(view: View, services: Any) -> Any:
        built.append(view.region)
        return real(view, services)

    clock = [datetime(2026, 12, 7, 9, 30, 5)]
    monkeypatch.setitem(render.RENDERERS, "kpis", counted)
    monkeypatch.setattr(Settings, "now", lambda self: clock[0])
    view = View("141100", "online_service_rate", None)
    leader, county = Principal("t-leader", "leader", "140000"), Principal("t-county", "staff", "141100")
    with app.server.test_request_context("/"):
        with acting_as(leader):
            first = render.render_tile("kpis", view, services)
            clock[0] = datetime(2026, 12, 7, 9, 30, 59)
            assert to_json_plotly(render.render_tile("kpis", view, services)) == to_json_plotly(first)
            assert len(built) == 1  # the same view within the minute: one rendering
            clock[0] = datetime(2026, 12, 7, 9, 31, 0)
            render.render_tile("kpis", view, services)
            assert len(built) == 2  # the next minute: rendered again (lateness is judged by the clock)
        with acting_as(county):
            render.render_tile("kpis", view, services)
            assert len(built) == 3  # another viewer never gets the leader's rendering

        def broken(view: View, services: Any) -> Any:
            raise RuntimeError("database unreachable")

        with acting_as(leader):
            monkeypatch.setitem(render.RENDERERS, "kpis", broken)
            with pytest.raises(RuntimeError):
                render.render_tile("kpis", View("140700", "online_service_rate", None), services)
            monkeypatch.setitem(render.RENDERERS, "kpis", counted)
            render.render_tile("kpis", View("140700", "online_service_rate", None), services)
            assert built[-1] == "140700"  # the failure was not kept
