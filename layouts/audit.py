"""审计日志: sign-ins, refusals, views, exports, ETL runs and user changes — for administrators.

Only principals with the "audit" permission see it; an administrator whose scope is a city or a
county sees the rows about regions inside their scope. The callback checks the permission again.
"""

from __future__ import annotations

import re
from typing import Any

import dash
import dash_ag_grid as dag
from dash import dcc, html

from cockpit.access.audit import EVENT_NAMES
from cockpit.nav import nav_bar
from cockpit.principal import current_principal
from cockpit.services import current
from cockpit.ui.controls import dropdown
from cockpit.ui.grid import GRID_THEME, ag_grid_locale

PATH = "/admin/audit"
# Component ids of this page only (kept here: no other page refers to them).
EVENT = "audit-event"
USER = "audit-user"
REGION = "audit-region"
GRID = "audit-grid"
STATUS = "audit-status"
VIEW = "audit-view"  # the checked filters of the URL
PAGE_ROWS = 100  # rows per block the grid asks for as it scrolls
LIMIT = 1000  # rows a direct call of callbacks.audit.audit_rows returns at most
USERNAME = re.compile(r"^[A-Za-z0-9_.@:-]{1,64}$")
ADCODE = re.compile(r"^\d{6}$")

COLUMNS = [
    {"field": "at", "headerName": "时间", "width": 170},
    {"field": "event_name", "headerName": "事件", "width": 120},
    {"field": "outcome_name", "headerName": "结果", "width": 80},
    {"field": "username", "headerName": "用户", "width": 140},
    {"field": "role_name", "headerName": "角色", "width": 100},
    {"field": "ip", "headerName": "地址", "width": 120},
    {"field": "region", "headerName": "地区", "width": 90},
    {"field": "path", "headerName": "路径", "width": 200},
    {"field": "detail", "headerName": "详情", "flex": 1, "tooltipField": "detail"},
]


def register() -> None:
    dash.register_page(__name__, path=PATH, name="审计日志", title="审计日志 · 领导驾驶舱", layout=layout)


def layout(
    event: str | None = None, user: str | None = None, region: str | None = None, **_: Any
) -> html.Div:
    principal = current_principal()
    if principal is None or not principal.can("audit"):
        return html.Div([nav_bar(PATH), html.H1("审计日志"),
                         html.Div("无权查看审计日志（仅限管理员）。", className="notice big-notice")],
                        className="desk-page theme-dark")  # fmt: skip
    view, notices = parse_filters(event, user, region)
    controls = html.Div(
        [
            dropdown(
                id=EVENT,
                options=[{"label": name, "value": key} for key, name in EVENT_NAMES.items()],
                value=view.get("event"),
                placeholder="全部事件",
                clearable=True,
                style={"flex": "0 0 220px"},
            ),
            dcc.Input(id=USER, value=view.get("user") or "", placeholder="用户名", debounce=True, maxLength=64,
                      className="audit-input",
                      style={"flex": "0 0 200px"}),
            dcc.Input(id=REGION, value=view.get("region") or "", placeholder="地区代码（6 位）", debounce=True,
                      maxLength=6, className="audit-input",
                      style={"flex": "0 0 200px"}),
            html.Span("加载中…", id=STATUS, className="muted", style={"whiteSpace": "nowrap"}),
        ],
        className="audit-controls",
        style={"display": "flex", "gap": "12px", "alignItems": "center", "margin": "8px 0 12px"},
    )  # fmt: skip
    grid = dag.AgGrid(
        id=GRID,
        columnDefs=COLUMNS,
        rowModelType="infinite",
        defaultColDef={"sortable": False, "resizable": True},
        dashGridOptions={
            "theme": GRID_THEME,
            "localeText": ag_grid_locale(),
            "enableCellTextSelection": True,
            "tooltipShowDelay": 300,
            "cacheBlockSize": PAGE_ROWS,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": PAGE_ROWS,
            "rowBuffer": 0,
        },
        className="cockpit-grid",
        style={"height": "680px", "width": "100%"},
    )
    return html.Div(
        [
            nav_bar(PATH),
            dcc.Store(id=VIEW, data=view),
            html.H1("审计日志"),
            html.P(
                [
                    f"按时间倒序，滚动翻页；保存 {current().settings.audit_keep_days} 天，更早的记录归档为文件（命令 ",
                    html.Code("cockpit audit archive"),
                    "），不会丢弃；审计日志独立于数据快照保存，发布快照不会丢失。",
                ],
                className="muted",
            ),
            *[html.Div(n, className="notice") for n in notices],
            controls,
            html.Div(grid, className="panel"),
        ],
        className="desk-page theme-dark audit-page",
    )


def parse_filters(event: Any, user: Any, region: Any) -> tuple[dict[str, str], list[str]]:
    """The page's filters from its URL, each checked; a bad one is dropped with a notice."""
    view: dict[str, str] = {}
    notices: list[str] = []
    if event:
        if event in EVENT_NAMES:
            view["event"] = str(event)
        else:
            notices.append("未知的事件类型，已显示全部")
    if user:
        if isinstance(user, str) and USERNAME.match(user.strip()):
            view["user"] = user.strip()
        else:
            notices.append("用户名格式不正确，已显示全部")
    if region:
        if isinstance(region, str) and ADCODE.match(region.strip()):
            view["region"] = region.strip()
        else:
            notices.append("地区代码须为 6 位数字，已显示全部")
    return view, notices
