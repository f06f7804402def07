"""审计日志: sign-ins, refusals, views, exports, ETL runs and user changes — for administrators.

Only principals with the "audit" permission see it; an administrator whose scope is a city or a
county sees the rows about regions inside their scope. The callback checks the permission again.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
from dash import dcc, html

from cockpit.access.audit import EVENT_NAMES
from cockpit.nav import nav_bar
from cockpit.principal import current_principal
from cockpit.ui.grid import AG_GRID_ZH, GRID_THEME

PATH = "/admin/audit"
# Component ids of this page only (kept here: no other page refers to them).
EVENT = "audit-event"
USER = "audit-user"
REGION = "audit-region"
GRID = "audit-grid"
STATUS = "audit-status"
LIMIT = 1000

COLUMNS = [
    {"field": "at", "headerName": "时间", "width": 170},
    {"field": "event_name", "headerName": "事件", "width": 120},
    {"field": "outcome", "headerName": "结果", "width": 80},
    {"field": "username", "headerName": "用户", "width": 140},
    {"field": "role", "headerName": "角色", "width": 90},
    {"field": "ip", "headerName": "地址", "width": 120},
    {"field": "region", "headerName": "地区", "width": 90},
    {"field": "path", "headerName": "路径", "width": 200},
    {"field": "detail", "headerName": "详情", "flex": 1, "tooltipField": "detail"},
]


def register() -> None:
    dash.register_page(__name__, path=PATH, name="审计日志", title="审计日志 · 领导驾驶舱", layout=layout)


def layout(**_params: Any) -> html.Div:
    principal = current_principal()
    if principal is None or not principal.can("audit"):
        return html.Div([nav_bar(PATH), html.H1("审计日志"),
                         html.Div("无权查看审计日志（仅限管理员）。", className="notice big-notice")],
                        className="desk-page theme-dark")  # fmt: skip
    controls = html.Div(
        [
            dcc.Dropdown(
                id=EVENT,
                options=[{"label": name, "value": key} for key, name in EVENT_NAMES.items()],
                placeholder="全部事件",
                clearable=True,
                style={"width": "220px"},
            ),
            dcc.Input(id=USER, placeholder="用户名", debounce=True, maxLength=64, className="audit-input"),
            dcc.Input(
                id=REGION, placeholder="地区代码（6 位）", debounce=True, maxLength=6, className="audit-input"
            ),
            html.Span(id=STATUS, className="muted"),
        ],
        className="audit-controls",
        style={"display": "flex", "gap": "12px", "alignItems": "center", "margin": "8px 0 12px"},
    )
    grid = dag.AgGrid(
        id=GRID,
        columnDefs=COLUMNS,
        rowData=[],
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions={
            "theme": GRID_THEME,
            "localeText": AG_GRID_ZH,
            "enableCellTextSelection": True,
            "tooltipShowDelay": 300,
        },
        className="cockpit-grid",
        style={"height": "680px", "width": "100%"},
    )
    return html.Div(
        [
            nav_bar(PATH),
            html.H1("审计日志"),
            html.P(
                f"最新 {LIMIT} 条，按时间倒序；审计日志独立于数据快照保存，发布快照不会丢失。",
                className="muted",
            ),
            controls,
            html.Div(grid, className="panel"),
        ],
        className="desk-page theme-dark audit-page",
    )
