"""Callbacks of the big screen: one for every tile (each rendered on its own, so one failing shows
its error and the rest their figures), the map's refresh, and one ``navigate`` for everything that
changes the view (map click, search, indicator switch, a URL navigated to on the page).

Renderers read the view from the page's store; anything the browser sends (click data, search
values, URLs) is validated again here, so a tampered payload can't name a region that isn't there.
A drill answers with the new view store and the map in one round trip; the tiles follow the store.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import dash
from dash import ClientsideFunction, Input, Output, State, ctx, no_update

from cockpit import ids
from cockpit.access.scope import home_region
from cockpit.principal import current_principal, page_permission
from cockpit.screen import tiles
from cockpit.screen.render import TITLES, centre_style, digest, render_map_safely, render_tile
from cockpit.screen.view import View, drill_target, indicator_target, parse_view, search_params, search_target
from cockpit.services import Services, current
from cockpit.ui.event_page import clicked_point
from cockpit.ui.panels import safe_render
from layouts import screen as layout
from layouts.emergency import PATH as EMERGENCY_PATH
from layouts.emergency import visible_incident


def _tile(name: str, view: View, services: Services) -> Any:
    return safe_render(
        "screen",
        name,
        lambda: render_tile(name, view, services),
        lambda exc: tiles.error_tile(name, TITLES.get(name, name), exc),
    )


def render_tiles(view_data: dict[str, Any] | None, _tick: int | None) -> list[Any]:
    """Every tile of the view, in one answer: one request per view and refresh instead of one per
    tile (each costs a request's overhead, and under load the wall asked for seven at a time).
    Each tile still renders on its own: one that fails shows its error, the others their figures."""
    if not view_data:
        return [no_update] * len(ids.TILES)
    view, services = View.from_store(view_data), current()
    return [_tile(name, view, services) for name in ids.TILES]


def _nav_target(nav: Any) -> str | None:
    search = nav.get("search") if isinstance(nav, dict) else None
    return search if isinstance(search, str) and len(search) <= 2000 else None


def incident_link(click: Any, services: Services) -> dict[str, Any] | None:
    """A click on an incident marker, by a viewer who may open /emergency: that incident there
    (assets/screen_nav.js follows the address). Without the page (the wall's kiosk role) the
    marker drills to its county as a region click does."""
    point = clicked_point(click)
    data = point.get("customdata") if point else None
    principal = current_principal()
    if not (isinstance(data, list) and len(data) >= 2) or principal is None:
        return None
    if not principal.can(page_permission(EMERGENCY_PATH)):
        return None
    found = visible_incident(services, data[1])
    if found is None:
        return None
    search = "?" + urlencode({"region": found["adcode"], "incident": found["incident_id"]})
    return {"path": EMERGENCY_PATH, "search": search, "push": True}


def navigate(trigger: Any, value: Any, view_data: dict[str, Any], services: Services) -> tuple[Any, ...]:
    """The new view's store, map and header for a click, search, indicator pick or URL."""
    view = View.from_store(view_data)
    opened = incident_link(value, services) if trigger == ids.MAP else None
    if opened is not None:  # a marker: its incident opens on /emergency; the wall's view stays
        return tuple(opened if o is URL_SYNC else no_update for o in NAV_OUTPUTS)
    if trigger == ids.MAP:
        search = drill_target(value, view, services.warehouse)
    elif trigger == ids.INDICATOR:
        search = indicator_target(value, view, services.warehouse)
    elif trigger == ids.SEARCH:
        search = search_target(value, view, services.warehouse)
    else:
        search = _nav_target(value)
    if search is None:
        return UNCHANGED
    # The same parsing and scope check as a page load of that URL (an out-of-scope region is refused).
    province = home_region(services.settings.province_adcode)
    new = parse_view(services.warehouse, province, search_params(search))
    if new == view and trigger != ids.SCREEN_NAV:
        return UNCHANGED  # e.g. a click on the region already shown
    state = layout.header_state(new)
    redraw = replace(new, notices=()) != replace(view, notices=())
    figure = render_map_safely(new, services) if redraw else no_update
    return (
        new.as_store() if new != view else no_update,
        figure,
        {"search": search, "push": trigger != ids.SCREEN_NAV},
        state["breadcrumb"],
        state["back_href"],
        state["back_class"],
        state["theme_text"],
        state["theme_href"],
        state["profile_href"],
        state["notices"],
        new.indicator if trigger != ids.INDICATOR else no_update,
        None if trigger == ids.SEARCH else no_update,  # the box empties after a jump, as on a new page
        digest(figure) if redraw else no_update,
        centre_style(new, services) if redraw else no_update,
    )


NAV_OUTPUTS = [
    Output(ids.VIEW, "data"), Output(ids.MAP, "figure", allow_duplicate=True), Output(ids.SCREEN_URL_SYNC, "data"),
    Output(ids.BREADCRUMB, "children"), Output(ids.BACK, "href"), Output(ids.BACK, "className"),
    Output(ids.SCREEN_THEME_LINK, "children"), Output(ids.SCREEN_THEME_LINK, "href"), Output(ids.SCREEN_PROFILE, "href"),
    Output(ids.SCREEN_NOTICES, "children"), Output(ids.INDICATOR, "value"), Output(ids.SEARCH, "value"),
    Output(ids.SCREEN_MAP_DIGEST, "data", allow_duplicate=True), Output(ids.SCREEN_CENTRE, "style"),
]  # fmt: skip


UNCHANGED = (no_update,) * len(NAV_OUTPUTS)
URL_SYNC = NAV_OUTPUTS[2]


def register(app: dash.Dash) -> None:
    # The tiles follow the view once the map has painted (assets/screen_nav.js): their answer, drawn
    # while plotly is still drawing the map, held the map's first paint back by about 100 ms.
    app.clientside_callback(
        ClientsideFunction(namespace="screen", function_name="afterMap"),
        Output(ids.SCREEN_TILES_VIEW, "data"),
        Input(ids.VIEW, "data"),
    )
    app.callback(
        [Output(ids.tile(name), "children") for name in ids.TILES],
        Input(ids.SCREEN_TILES_VIEW, "data"),
        Input(ids.REFRESH, "n_intervals"),
        prevent_initial_call=True,
    )(render_tiles)

    # The map arrives with the layout and with each navigation; the timer only refreshes it.
    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.SCREEN_MAP_DIGEST, "data"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.VIEW, "data"),
        State(ids.SCREEN_MAP_DIGEST, "data"),
        prevent_initial_call=True,
    )
    def show_map(_tick: int | None, view_data: dict[str, Any] | None, shown: str | None) -> Any:
        if not view_data:
            return no_update, no_update
        figure = render_map_safely(View.from_store(view_data), current())
        fingerprint = digest(figure)
        # Most ticks change nothing: then the boundaries aren't sent again.
        return (no_update, no_update) if fingerprint == shown else (figure, fingerprint)

    @app.callback(
        *NAV_OUTPUTS,
        Input(ids.MAP, "clickData"),
        Input(ids.INDICATOR, "value"),
        Input(ids.SEARCH, "value"),
        Input(ids.SCREEN_NAV, "data"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )
    def on_navigate(click: Any, indicator: Any, search: Any, nav: Any, view_data: dict[str, Any]) -> Any:
        trigger = ctx.triggered_id
        value = {ids.MAP: click, ids.INDICATOR: indicator, ids.SEARCH: search}.get(trigger, nav)
        return navigate(trigger, value, view_data, current())

    app.clientside_callback(  # map beside or above the ranking, by the map's shape and the wall's width
        ClientsideFunction(namespace="canvas", function_name="arrange"),
        Output(ids.SCREEN_CENTRE, "className"),
        Input(ids.SCREEN_CENTRE, "style"),
    )
    app.clientside_callback(  # the search options arrive with the layout; the box gets them when idle
        ClientsideFunction(namespace="screen", function_name="whenIdle"),
        Output(ids.SEARCH, "options"),
        Input(ids.SCREEN_SEARCH_OPTIONS, "data"),
    )
    # History and the theme class follow the view in the browser (assets/screen_nav.js).
    app.clientside_callback(
        ClientsideFunction(namespace="screen", function_name="syncUrl"),
        Output(ids.SCREEN_URL_SYNCED, "data"),
        Input(ids.SCREEN_URL_SYNC, "data"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )

    # The clock is a function in assets/clock.js, not an inline string: the CSP allows no inline script.
    app.clientside_callback(
        ClientsideFunction(namespace="cockpit", function_name="clock"),
        Output(ids.CLOCK, "children"),
        Input(ids.REFRESH, "n_intervals"),
    )
