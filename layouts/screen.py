"""一屏知全省: the big screen. A fixed 1920×1080 canvas, scaled to any wall by ``assets/canvas.js``.

The layout is a skeleton built from the URL (region, indicator, period, theme); every tile
fills itself through its own callback, so a slow or failing tile never blocks the others.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from cockpit import ids
from cockpit.access.scope import home_region
from cockpit.charts.map import GRAPH_CONFIG
from cockpit.services import current
from cockpit.targets import SCORE_CODE, SCORE_INDICATOR
from cockpit.view import View, parse_view
from cockpit.warehouse.dashboard import Dashboard

# Shown until the map's callback answers: transparent, so no white plotly axes flash on the wall.
EMPTY_FIGURE = {"data": [], "layout": {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                                       "xaxis": {"visible": False}, "yaxis": {"visible": False}}}  # fmt: skip


def register() -> None:
    dash.register_page(__name__, path="/", name="一屏知全省", title="山西省政府治理领导驾驶舱", layout=layout)


def region_chain(view: View) -> list[dict[str, Any]]:
    wh = current().warehouse
    chain = []
    code: str | None = view.region
    while code:
        row = wh.region(code)
        if row is None:
            break
        chain.append(row)
        code = row["parent_adcode"]
    return list(reversed(chain))


def breadcrumb(view: View) -> list[Any]:
    items: list[Any] = []
    chain = region_chain(view)
    for i, row in enumerate(chain):
        if i:
            items.append(html.Span("›", className="crumb-sep"))
        if i == len(chain) - 1:
            items.append(html.Span(row["name"], className="crumb current"))
        else:
            items.append(
                dcc.Link(row["name"], href="/" + view.query(region=row["adcode"]), className="crumb")
            )
    return items


def search_options() -> list[dict[str, Any]]:
    """One box for regions and indicators, by Chinese name, short name or pinyin initials (临县 / lx)."""
    frame = Dashboard(current().warehouse).search_index()
    options = []
    for r in frame.itertuples():
        kind = "地区" if r.kind == "region" else "指标"
        search = " ".join(str(x) for x in (r.label, r.short_name, r.initials, r.value) if isinstance(x, str))
        options.append({"label": f"{r.label}（{kind}）", "value": f"{r.kind}:{r.value}", "search": search})
    return options


def search_placeholder() -> str:
    """An example taken from this province's own counties, so the hint fits whichever province is set."""
    counties = current().warehouse.regions("county")
    if counties.empty:
        return "一键搜索：地区或指标"
    example = counties.iloc[len(counties) // 2]
    return f"一键搜索：地区或指标（如 {example['short_name']} / {example['pinyin_initials']}）"


def _tile_slot(name: str) -> html.Div:
    return html.Div(
        html.Div("加载中…", className="tile loading"), id=ids.tile(name), className=f"slot slot-{name}"
    )


def layout(**params: Any) -> html.Div:
    services = current()
    province = home_region(services.settings.province_adcode)  # the playlist stays in scope
    view = parse_view(services.warehouse, province, params)
    meta = services.warehouse.meta()
    catalogue = services.warehouse.indicators()
    chain = region_chain(view)
    parent = chain[-2]["adcode"] if len(chain) > 1 else None
    cities = services.warehouse.children(province)["adcode"].tolist()
    other_theme = "light" if view.theme == "dark" else "dark"
    header = html.Div(
        [
            html.Div(f"{meta.get('province_name', '')}政府治理领导驾驶舱", className="title"),
            html.Div(breadcrumb(view), id=ids.BREADCRUMB, className="breadcrumb"),
            dcc.Link(
                "↑ 返回上级",
                href="/" + view.query(region=parent),
                id=ids.BACK,
                className="back" + ("" if parent else " hidden"),
            ),
            dcc.Dropdown(
                id=ids.SEARCH,
                options=search_options(),
                placeholder=search_placeholder(),
                className="search",
                clearable=True,
                searchable=True,
            ),
            html.Div(
                [
                    dcc.Link(
                        "浅色" if view.theme == "dark" else "深色",
                        href="/" + view.query(theme=other_theme),
                        className="header-btn",
                    ),
                    dcc.Link("数据源", href="/feeds", className="header-btn"),
                    dcc.Link(
                        "区域画像",
                        href=f"/region/{view.region}",
                        id="screen-region-profile",
                        className="header-btn",
                    ),
                    html.Span(id=ids.CLOCK, className="clock"),
                ],
                className="header-right",
            ),
        ],
        className="header",
    )
    indicator_picker = dcc.Dropdown(
        id=ids.INDICATOR,
        options=[{"label": f"综合 · {SCORE_INDICATOR['name']}", "value": SCORE_CODE}]
        + [{"label": f"{r.pillar_name} · {r.name}", "value": r.code} for r in catalogue.itertuples()],
        value=view.indicator,
        clearable=False,
        className="indicator-picker",
    )
    notices = [html.Div(n, className="notice") for n in view.notices]
    centre = html.Div(
        [
            html.Div([indicator_picker, *notices], className="map-toolbar"),
            dcc.Graph(
                id=ids.MAP,
                figure=EMPTY_FIGURE,
                responsive=True,
                config=GRAPH_CONFIG | {"displayModeBar": False},
                className="map-graph",
                style={"height": "470px"},
            ),
            _tile_slot("map-footer"),
            _tile_slot("trend"),
        ],
        className="column centre",
    )
    return html.Div(
        [
            dcc.Store(id=ids.VIEW, data=view.as_store()),
            html.Div(id="playlist-data", **{"data-cities": ",".join(cities), "data-province": province}),
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
