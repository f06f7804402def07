"""12345 政务服务便民热线: tickets by region, category and channel; volume against the same period
last year; 办结率, 满意率, 按时响应率; this week's hot topics; density per 10,000 residents by county.

All figures are aggregated in DuckDB over the window's slice of ``hotline_ticket`` (millions of
rows); the skeleton comes from the URL (region, period or from/to, category, channel).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from cockpit import ids
from cockpit.services import Services, current
from cockpit.ui.event_page import EventPage, EventView, event_layout, parse_event_view

PATH = "/hotline"
PAGE = EventPage(PATH, "12345 政务服务便民热线", "month", view_id=ids.HOTLINE_VIEW, panel_type=ids.HOTLINE_PANEL,
                 filter_type=ids.HOTLINE_FILTER, graph_type=ids.HOTLINE_GRAPH)  # fmt: skip


def register() -> None:
    dash.register_page(__name__, path=PATH, name="12345热线", title="12345热线 · 领导驾驶舱", layout=layout)


def parse_view(services: Services, params: dict[str, Any]) -> EventView:
    queries = services.queries.hotline
    return parse_event_view(
        services,
        PATH,
        params,
        default_kind=PAGE.default_kind,
        allowed={
            "category": ("诉求类别", lambda: queries.hotline_vocabulary()["category"]),
            "channel": ("渠道", lambda: queries.hotline_vocabulary()["channel"]),
        },
    )


def layout(**params: Any) -> html.Div:
    services = current()
    view = parse_view(services, params)
    vocabulary = services.queries.hotline.hotline_vocabulary()
    slot = PAGE.slot
    dropdowns = [
        ("category", "全部诉求类别", [{"label": c, "value": c} for c in vocabulary["category"]]),
        ("channel", "全部渠道", [{"label": c, "value": c} for c in vocabulary["channel"]]),
    ]
    return event_layout(
        PAGE,
        view,
        services,
        dropdowns=dropdowns,
        body=[
            slot("kpis"),
            html.Div([slot("map"), slot("trend")], className="events-row map-row"),
            html.Div([slot("regions"), slot("topics")], className="events-row"),
            html.Div([slot("categories"), slot("channels")], className="events-row"),
        ],
    )
