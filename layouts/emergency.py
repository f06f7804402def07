"""“一颗星”应急指挥 (/emergency): incidents now and over time, warnings in force, alarms until
acknowledged. The page is a skeleton from the event-page kit (cockpit.ui.event_page); its panels
fill through callbacks/emergency.py, so a slow panel never blocks the others."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from cockpit import ids
from cockpit.access.scope import permitted
from cockpit.alarms import MAX_NOTE
from cockpit.principal import ScopeDenied, current_principal
from cockpit.services import Services, current
from cockpit.ui.event_page import EventPage, EventView, event_layout, parse_event_view
from cockpit.warehouse.events_base import valid_incident_id
from cockpit.warehouse.schema import INCIDENT_CATEGORIES, INCIDENT_LEVELS

PATH = "/emergency"
PAGE = EventPage(PATH, "“一颗星”应急指挥 · 预警和应急处置", "year", view_id=ids.EMERGENCY_VIEW, panel_type=ids.EMERGENCY_PANEL,
                 filter_type=ids.EMERGENCY_FILTER, graph_type=ids.EMERGENCY_GRAPH)  # fmt: skip
LEVEL_LABELS = {"I": "Ⅰ级 特别重大", "II": "Ⅱ级 重大", "III": "Ⅲ级 较大", "IV": "Ⅳ级 一般"}


def register() -> None:
    dash.register_page(
        __name__, path=PATH, name="应急指挥", title="“一颗星”应急指挥 · 领导驾驶舱", layout=layout
    )


def visible_incident(services: Services, incident_id: Any) -> dict[str, Any] | None:
    """The incident, or None when it is unknown or outside the viewer's scope: both answer the
    same, so ids cannot be probed (the out-of-scope attempt is still audited as denied)."""
    if not valid_incident_id(incident_id):
        return None
    try:
        return services.queries.emergency.incident(str(incident_id))
    except ScopeDenied:  # audited by the query layer's guard
        return None


def parse_view(services: Services, params: dict[str, Any]) -> EventView:
    view = parse_event_view(
        services,
        PATH,
        params,
        default_kind=PAGE.default_kind,
        allowed={"category": ("事件类别", INCIDENT_CATEGORIES), "level": ("事件级别", INCIDENT_LEVELS)},
    )
    incident = params.get("incident")
    if incident:
        if visible_incident(services, incident) is not None:
            return EventView(
                view.page, view.region, view.window, {**view.filters, "incident": str(incident)}, view.notices
            )
        view = EventView(
            view.page,
            view.region,
            view.window,
            view.filters,
            (*view.notices, f"未找到事件编号“{str(incident)[:20]}”"),
        )
    return view


def layout(**params: Any) -> html.Div:
    services = current()
    view = parse_view(services, params)
    categories = [{"label": c, "value": c} for c in INCIDENT_CATEGORIES]
    levels = [{"label": LEVEL_LABELS[lv], "value": lv} for lv in INCIDENT_LEVELS]
    slot = PAGE.slot
    principal = current_principal()
    may_ack = permitted("acknowledge")
    on_duty = f"值班确认人：{principal.shown_name if principal else '—'}" if may_ack else "告警由值班人员确认"
    return event_layout(
        PAGE,
        view,
        services,
        dropdowns=[("category", "全部类别", categories), ("level", "全部级别", levels)],
        body=[
            html.Div(
                [
                    html.Span(on_duty, className="muted"),
                    dcc.Input(
                        id=ids.EMERGENCY_ACK_NOTE,
                        type="text",
                        maxLength=MAX_NOTE,
                        placeholder="确认备注（可选）",
                        className="ack-who",
                        debounce=False,
                    ),
                    slot("alarms", "grow"),
                ],
                className="alarm-bar",
            ),
            slot("kpis"),
            html.Div(
                [slot("map"), html.Div([slot("detail"), slot("warnings")], className="events-col")],
                className="events-row map-row",
            ),
            slot("timeline"),
            html.Div(
                [slot("stats"), html.Div([slot("matrix"), slot("list")], className="events-col")],
                className="events-row",
            ),
        ],
    )
