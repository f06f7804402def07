"""“互联网+监管”: catalogue claims and inspection lists by region and department, 双随机一公开
inspections planned against done, problems and penalties by sector, and the 失信 list with repairs.

The skeleton comes from the URL (region, period or from/to, metric, department); the panels fill
through callbacks/regulation.py. Drilling to a county shows its own figures and its worst sectors.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from cockpit import ids
from cockpit.services import Services, current
from cockpit.ui.event_page import EventPage, EventView, event_layout, parse_event_view

PATH = "/regulation"
PAGE = EventPage(PATH, "“互联网+监管” · 监管数据汇聚", "year", view_id=ids.REGULATION_VIEW, panel_type=ids.REGULATION_PANEL,
                 filter_type=ids.REGULATION_FILTER, graph_type=ids.REGULATION_GRAPH)  # fmt: skip
# metric → (label, unit, higher is better?) for the map's colouring.
METRICS: dict[str, tuple[str, str, str]] = {
    "claim": ("监管事项认领率", "%", "higher"),
    "publish": ("检查实施清单公布率", "%", "higher"),
    "done": ("双随机抽查完成率", "%", "higher"),
    "problem": ("问题发现率", "%", "higher"),
    "penalty": ("罚没金额（万元）", "万元", "higher"),
    "credit": ("失信主体（在列）", "家", "lower"),
}
# The plan's baseline: every catalogue item claimed, 98% of inspection lists published.
BASELINE = {"claim": 100.0, "publish": 98.0}


def register() -> None:
    dash.register_page(
        __name__, path=PATH, name="互联网+监管", title="“互联网+监管” · 领导驾驶舱", layout=layout
    )


def parse_view(services: Services, params: dict[str, Any]) -> EventView:
    queries = services.queries.regulation
    return parse_event_view(
        services,
        PATH,
        params,
        default_kind=PAGE.default_kind,
        allowed={
            "metric": ("地图指标", {k: v[0] for k, v in METRICS.items()}),
            "department": ("部门", queries.departments),
        },
    )


def layout(**params: Any) -> html.Div:
    services = current()
    view = parse_view(services, params)
    departments = services.queries.regulation.departments()
    slot = PAGE.slot
    dropdowns = [
        (
            "metric",
            "地图：监管事项认领率",
            [{"label": f"地图：{v[0]}", "value": k} for k, v in METRICS.items()],
        ),
        ("department", "全部部门", [{"label": d, "value": d} for d in departments]),
    ]
    return event_layout(
        PAGE,
        view,
        services,
        dropdowns=dropdowns,
        body=[
            slot("kpis"),
            html.Div([slot("map"), slot("departments")], className="events-row map-row"),
            html.Div([slot("regions"), slot("sectors")], className="events-row"),
            html.Div([slot("inspections"), slot("catalog")], className="events-row"),
            slot("credit"),
        ],
    )
