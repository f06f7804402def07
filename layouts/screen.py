"""一屏知全省: the big screen. A fixed 1920×1080 canvas, scaled to any wall by ``assets/canvas.js``.

The layout is a skeleton built from the URL (region, indicator, period, theme); every tile
fills itself through its own callback, so a slow or failing tile never blocks the others. The
map comes with the layout: it is what the wall is read by, and waiting for a callback of its
own would cost a round trip behind every tile's callback on first load.

Navigating on the screen (drill, breadcrumb, 返回上级, search, indicator, kiosk steps, back and
forward) stays in the page: ``assets/screen_nav.js`` hands the new URL to the ``navigate``
callback, which answers with the new view store, the map and the header parts below
(``header_state``), instead of the page router rebuilding the whole page.
"""

from __future__ import annotations

from typing import Any, cast

import dash
from dash import dcc, html

from cockpit import ids
from cockpit.access.scope import home_region, permitted
from cockpit.charts.map import GRAPH_CONFIG
from cockpit.nav import breadcrumb_items, parent_in_scope
from cockpit.screen.render import centre_style, digest, render_map_safely
from cockpit.screen.search import search_options, search_placeholder
from cockpit.screen.view import View, parse_view
from cockpit.services import current
from cockpit.targets import SCORE_CODE, SCORE_INDICATOR
from cockpit.ui.controls import dropdown


def register() -> None:
    dash.register_page(__name__, path="/", name="一屏知全省", title=page_title, layout=layout)


def page_title(**_params: Any) -> str:
    """The browser tab names the deployment's province (from the region registry)."""
    province = current().warehouse.region(current().settings.province_adcode)
    return f"{province['name'] if province else ''}政府治理领导驾驶舱"


def region_chain(view: View) -> list[dict[str, Any]]:
    return current().warehouse.lineage(view.region)


def breadcrumb(view: View, chain: list[dict[str, Any]] | None = None) -> list[Any]:
    """Links up the tree; an ancestor outside the viewer's scope is plain text (as on the desk pages)."""
    chain = region_chain(view) if chain is None else chain
    return breadcrumb_items(chain, lambda code: "/" + view.query(region=code))


def _tile_slot(name: str) -> html.Div:
    return html.Div(
        html.Div("加载中…", className="tile loading"), id=ids.tile(name), className=f"slot slot-{name}"
    )


def header_state(view: View) -> dict[str, Any]:
    """Everything on the screen outside the tiles and the map that follows the view."""
    chain = region_chain(view)
    parent = parent_in_scope(chain)  # 返回上级 only where the viewer may go
    other_theme = "light" if view.theme == "dark" else "dark"
    return {
        "breadcrumb": breadcrumb(view, chain),
        "back_href": "/" + view.query(region=parent),
        "back_class": "back" + ("" if parent else " hidden"),
        "theme_text": "浅色" if view.theme == "dark" else "深色",
        "theme_href": "/" + view.query(theme=other_theme),
        "profile_href": f"/region/{view.region}",
        "notices": [html.Div(n, className="notice") for n in view.notices],
    }


def layout(**params: Any) -> html.Div:
    services = current()
    province = home_region(services.settings.province_adcode)  # the playlist stays in scope
    view = parse_view(services.warehouse, province, params)
    meta = services.warehouse.meta()
    catalogue = services.warehouse.indicators()
    state = header_state(view)
    clock_zone: dict[str, Any] = {"data-zone": services.settings.timezone}  # assets/clock.js formats in it
    desk_only = None if permitted("desk") else {"display": "none"}
    cities = services.warehouse.children(province)["adcode"].tolist()
    playlist_data: dict[str, Any] = {"data-cities": ",".join(cities), "data-province": province}
    header = html.Div(
        [
            html.Div(f"{meta.get('province_name', '')}政府治理领导驾驶舱", className="title"),
            html.Div(state["breadcrumb"], id=ids.BREADCRUMB, className="breadcrumb"),
            dcc.Link("↑ 返回上级", href=state["back_href"], id=ids.BACK, className=state["back_class"]),
            dropdown(
                id=ids.SEARCH,
                options=[],
                placeholder=search_placeholder(),
                className="search",
                clearable=True,
                searchable=True,
            ),
            html.Div(
                [
                    dcc.Link(
                        state["theme_text"],
                        href=state["theme_href"],
                        id=ids.SCREEN_THEME_LINK,
                        className="header-btn",
                    ),
                    # Desk pages are not the wall's: the kiosk role sees no link it would be refused.
                    dcc.Link("数据源", href="/feeds", className="header-btn", style=desk_only),
                    dcc.Link(
                        "区域画像",
                        href=state["profile_href"],
                        id=ids.SCREEN_PROFILE,
                        className="header-btn",
                        style=desk_only,
                    ),
                    html.Span(id=ids.CLOCK, className="clock", **clock_zone),
                ],
                className="header-right",
            ),
        ],
        className="header",
    )
    indicator_picker = dropdown(
        id=ids.INDICATOR,
        options=[{"label": f"综合 · {SCORE_INDICATOR['name']}", "value": SCORE_CODE}]
        + [{"label": f"{r.pillar_name} · {r.name}", "value": r.code} for r in catalogue.itertuples()],
        value=view.indicator,
        clearable=False,
        className="indicator-picker",
    )
    figure = render_map_safely(view, services)
    # The map takes the column's height and as much width as its regions' shape asks for
    # (--map-w, set again on every drill); the ranking and the trend stand beside it, or beneath
    # it for wide regions (assets/canvas.js).
    map_area = html.Div(
        [
            html.Div(
                [
                    indicator_picker,
                    html.Div(state["notices"], id=ids.SCREEN_NOTICES, className="screen-notices"),
                ],
                className="map-toolbar",
            ),
            dcc.Graph(
                id=ids.MAP,
                figure=figure,
                responsive=True,
                config=cast(dcc.Graph.Config, GRAPH_CONFIG | {"displayModeBar": False}),
                className="map-graph",
            ),
        ],
        className="map-area",
    )
    centre = html.Div(
        [map_area, html.Div([_tile_slot("map-footer"), _tile_slot("trend")], className="column map-side")],
        id=ids.SCREEN_CENTRE,
        className="centre",
        style=centre_style(view, services),
    )
    return html.Div(
        [
            dcc.Store(id=ids.VIEW, data=view.as_store()),
            dcc.Store(id=ids.SCREEN_TILES_VIEW, data=view.as_store()),
            dcc.Store(id=ids.SCREEN_NAV),
            dcc.Store(id=ids.SCREEN_URL_SYNC),
            dcc.Store(id=ids.SCREEN_URL_SYNCED),
            dcc.Store(id=ids.SCREEN_MAP_DIGEST, data=digest(figure)),
            dcc.Store(id=ids.SCREEN_SEARCH_OPTIONS, data=search_options()),
            html.Div(id="playlist-data", **playlist_data),
            html.Div(
                [
                    header,
                    _tile_slot("ticker"),
                    html.Div(
                        [
                            html.Div([_tile_slot("kpis"), _tile_slot("pillars")], className="column left"),
                            centre,
                            html.Div(
                                [_tile_slot("emergency"), _tile_slot("pulse")], className="column right"
                            ),
                        ],
                        className="grid",
                    ),
                ],
                id="canvas",
                className="canvas",
            ),
        ],
        className=f"viewport theme-{view.theme}",
    )
