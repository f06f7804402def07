"""Callbacks of the audit page: the filters (validated here, whatever the browser sends) → rows."""

from __future__ import annotations

import re
from typing import Any

import dash
from dash import Input, Output

from cockpit.access import audit
from cockpit.access.scope import in_scope
from cockpit.principal import AccessDenied, current_principal
from cockpit.records import records
from cockpit.services import current
from layouts.audit import EVENT, GRID, LIMIT, REGION, STATUS, USER

_USER = re.compile(r"^[A-Za-z0-9_.@:-]{1,64}$")
_ADCODE = re.compile(r"^\d{6}$")


def audit_rows(event: Any, username: Any, region: Any) -> tuple[list[dict[str, Any]], str]:
    principal = current_principal()
    if principal is None or not principal.can("audit"):
        raise AccessDenied("无权查看审计日志", action="audit")
    event = event or None
    username = (username or "").strip() or None
    region = (region or "").strip() or None
    if event is not None and event not in audit.EVENTS:
        return [], "未知的事件类型"
    if username is not None and (not isinstance(username, str) or not _USER.match(username)):
        return [], "用户名格式不正确"
    if region is not None and (not isinstance(region, str) or not _ADCODE.match(region)):
        return [], "地区代码须为 6 位数字"
    services = current()
    frame = audit.query(services.settings, event=event, username=username, region=region, limit=LIMIT)
    rows = records(frame.astype(object).where(frame.notna(), None))
    if principal.scope != services.settings.province_adcode:
        # A city or county administrator sees only what concerns their own regions.

        rows = [r for r in rows if r["region"] and in_scope(services.warehouse, principal.scope, r["region"])]
    for row in rows:
        row["event_name"] = audit.EVENT_NAMES.get(row["event"], row["event"])
    return rows, f"共 {len(rows)} 条"


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(GRID, "rowData"),
        Output(STATUS, "children"),
        Input(EVENT, "value"),
        Input(USER, "value"),
        Input(REGION, "value"),
    )
    def _filter(event: Any, username: Any, region: Any) -> tuple[list[dict[str, Any]], str]:
        return audit_rows(event, username, region)
