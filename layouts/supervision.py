"""“13710”督办 (/supervision): supervised tasks by responsible department and region, their stage
against the 1-3-7-10 rhythm (``seeds/supervision_stages.csv``), what is overdue now and for how
long, the on-time rate and 清零 progress. URL parameters: region, department, status
(overdue / open / done / all). Clicking a region (map or table) shows its tasks.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import dash
from dash import dcc, html

from cockpit import ids
from cockpit.charts.map import GRAPH_CONFIG
from cockpit.nav import nav_bar
from cockpit.services import Services, current
from cockpit.ui.controls import dropdown
from cockpit.ui.plan_page import (
    EMPTY_FIGURE,
    SUPERVISION_STATES,
    PlanView,
    breadcrumb,
    loading,
    notices_block,
    parse_plan_view,
    today_of,
)

PAGE = "supervision"
STATE_FILTERS = {"overdue": ("overdue",), "open": ("open",), "done": ("done_ontime", "done_late"),
                 "all": ("overdue", "open", "done_ontime", "done_late")}  # fmt: skip


def register() -> None:
    dash.register_page(
        __name__, path="/supervision", name="13710督办", title="“13710”督办 · 领导驾驶舱", layout=layout
    )


def parse_supervision_view(services: Services, params: dict[str, Any]) -> PlanView:
    view = parse_plan_view(services, PAGE, {"region": params.get("region")})
    view = replace(view, year=today_of(services).year)
    notices = list(view.notices)
    department = params.get("department")
    if department:
        known = services.queries.plan.departments(view.region, today_of(services))
        if str(department) in known:
            view = replace(view, department=str(department))
        else:
            notices.append(f"责任单位“{str(department)[:20]}”在本地区没有督办任务，已显示全部单位")
    status = params.get("status") or "all"
    if status not in STATE_FILTERS:
        notices.append(f"任务状态“{str(status)[:12]}”无效，已显示全部")
        status = "all"
    return replace(view, status=None if status == "all" else str(status), notices=tuple(notices))


def layout(**params: Any) -> html.Div:
    services = current()
    view = parse_supervision_view(services, params)
    pq = services.queries.plan
    departments = pq.departments(view.region, today_of(services))
    state = view.status or "all"
    county = services.warehouse.children(view.region).empty
    status_links = [
        dcc.Link(label, href=view.href(status=None if code == "all" else code),
                 className="seg-btn active" if code == state else "seg-btn")
        for code, label in SUPERVISION_STATES.items()
    ]  # fmt: skip
    header = html.Div(
        [
            html.H1("“13710”督办"),
            html.Div(breadcrumb(view, services), id=ids.SUPERVISION_BREADCRUMB, className="plan-crumbs"),
            html.Div(
                [
                    dropdown(
                        id=ids.SUPERVISION_DEPARTMENT,
                        options=[{"label": d, "value": d} for d in departments],
                        value=view.department,
                        placeholder="全部责任单位",
                        clearable=True,
                        searchable=True,
                        className="dept",
                    ),
                    html.Div(status_links, id=ids.SUPERVISION_STATUS, className="seg"),
                ],
                className="sup-filter",
            ),
            html.Div(
                dcc.Link("规划目标监测 →", href=f"/targets?region={view.region}", className="header-link"),
                className="header-links",
            ),
        ],
        className="plan-header",
    )
    map_panel = html.Div(
        [
            html.Div("各地区逾期未办结（绿色为已清零）", className="panel-title"),
            dcc.Graph(id=ids.plan_map(PAGE), figure=EMPTY_FIGURE, responsive=True,
                      config=cast(dcc.Graph.Config, GRAPH_CONFIG | {"displayModeBar": False}),
                      style={"height": "330px"}),
        ],
        className="panel",
    )  # fmt: skip
    return html.Div(
        [
            dcc.Store(id=ids.plan_view(PAGE), data=view.as_store()),
            nav_bar("/supervision", f"?region={view.region}"),
            header,
            notices_block(view, ids.SUPERVISION_NOTICE),
            loading(ids.SUPERVISION_KPIS),
            html.Div(
                [
                    map_panel,
                    # A county's own task list is short and is what its view is for: it goes up top.
                    html.Div(
                        loading(ids.SUPERVISION_TASKS if county else ids.SUPERVISION_OVERDUE),
                        className="panel",
                    ),
                    html.Div(
                        [loading(ids.SUPERVISION_STAGES), loading(ids.SUPERVISION_CLEARANCE)],
                        className="panel",
                    ),
                ],
                className="sup-grid",
            ),
            html.Div(
                [
                    html.Div(loading(ids.SUPERVISION_BY_REGION), className="panel"),
                    html.Div(loading(ids.SUPERVISION_BY_DEPARTMENT), className="panel"),
                ],
                className="sup-grid2",
            ),
            html.Div(
                loading(ids.SUPERVISION_OVERDUE if county else ids.SUPERVISION_TASKS),
                className="panel sup-tasks",
            ),
        ],
        id=ids.SUPERVISION_PAGE,
        className="desk-page theme-dark plan-page",
    )
