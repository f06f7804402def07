"""规划目标监测 (/targets): is the plan on track, where, and who is late.

The layout is a skeleton built from the URL — region, indicator, year, filter=off, pillar, task —
validated against the warehouse (anything unknown falls back with a notice). Panels fill
themselves through ``callbacks/targets.py``, so one failing panel never blanks the page. Every
drill is a link or writes the URL, so any view can be bookmarked.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import dash
from dash import dcc, html

from cockpit import ids
from cockpit.charts.map import GRAPH_CONFIG
from cockpit.nav import nav_bar
from cockpit.services import current
from cockpit.ui.plan_page import (
    EMPTY_FIGURE,
    PLAN_YEAR_PAGE,
    breadcrumb,
    default_indicator,
    loading,
    notices_block,
    parse_plan_view,
)

PAGE = PLAN_YEAR_PAGE


def register() -> None:
    dash.register_page(
        __name__, path="/targets", name="规划目标", title="规划目标监测 · 领导驾驶舱", layout=layout
    )


# --- the page -----------------------------------------------------------------------------------
def layout(**params: Any) -> html.Div:
    services = current()
    view = parse_plan_view(services, PAGE, params)
    if view.indicator is None:
        view = replace(view, indicator=default_indicator(view, services))
    years = services.queries.plan.data_years()
    year_links = [
        dcc.Link(
            f"{y}年", href=view.href(year=y), className="seg-btn active" if y == view.year else "seg-btn"
        )
        for y in years
    ]
    off = view.filter == "off"
    header = html.Div(
        [
            html.H1("规划目标监测"),
            html.Div(breadcrumb(view, services), id=ids.TARGETS_BREADCRUMB, className="plan-crumbs"),
            html.Div(year_links, id=ids.TARGETS_YEARS, className="seg"),
            dcc.Link(
                "✓ 只看未达标" if off else "只看未达标",
                href=view.href(filter=None if off else "off"),
                id=ids.TARGETS_FILTER,
                className="seg-btn filter active" if off else "seg-btn filter",
            ),
            html.Div(
                [
                    dcc.Link(
                        "规划实施评估 →",
                        href=view.href("evaluation", indicator=None, filter=None),
                        className="header-link",
                    ),
                    dcc.Link(
                        "13710督办 →", href=f"/supervision?region={view.region}", className="header-link"
                    ),
                ],
                className="header-links",
            ),
        ],
        className="plan-header",
    )
    tree_panel = html.Div(
        [html.Div("规划目标树 · 五大建设 → 任务 → 指标", className="panel-title"), loading(ids.TARGETS_TREE)],
        className="panel tree-panel",
    )
    legend = html.Div(
        [html.Span([html.Span(className=f"dot {s}"), label]) for s, label in
         (("green", "达标"), ("amber", "预警"), ("red", "落后"), ("none", "无目标/无数据"))],
        className="map-legend",
    )  # fmt: skip
    centre = html.Div(
        [
            loading(ids.TARGETS_DETAIL),
            html.Div(
                [
                    html.Div(
                        [dcc.Graph(id=ids.plan_map(PAGE), figure=EMPTY_FIGURE, responsive=True,
                                   config=cast(dcc.Graph.Config, GRAPH_CONFIG | {"displayModeBar": False}),
                                   className="plan-map",
                                   style={"height": "400px"}), legend],
                        className="map-box",
                    ),
                    loading(ids.TARGETS_KPIS),
                ],
                className="detail-body",
            ),
            dcc.Graph(id=ids.TARGETS_TREND, figure=EMPTY_FIGURE, responsive=True,
                      config={"displaylogo": False, "displayModeBar": False, "locale": "zh-CN"}, className="plan-trend",
                      style={"height": "290px"}),
        ],
        className="panel centre-panel",
    )  # fmt: skip
    table_panel = html.Div(
        [loading(ids.TARGETS_TABLE), loading(ids.TARGETS_LAGGING)], className="panel table-panel"
    )
    return html.Div(
        [
            dcc.Store(id=ids.plan_view(PAGE), data=view.as_store()),
            nav_bar("/targets", f"?region={view.region}"),
            header,
            notices_block(view, ids.TARGETS_NOTICE),
            html.Div([tree_panel, centre, table_panel], className="plan-grid"),
        ],
        id=ids.TARGETS_PAGE,
        className="desk-page theme-dark plan-page",
    )
