"""Callbacks of the audit page: blocks of rows as the grid scrolls (paged in the store, newest
first), the count, and the filters written to the URL. Everything is checked again here, whatever
the browser sends."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, no_update

from cockpit import ids
from cockpit.access import audit
from cockpit.access.audit_archive import archived_files
from cockpit.access.scope import descendants
from cockpit.principal import ROLE_NAMES, AccessDenied, current_principal
from cockpit.records import records
from cockpit.services import current
from layouts.audit import EVENT, GRID, LIMIT, PAGE_ROWS, REGION, STATUS, USER, VIEW, parse_filters

EMPTY = {"rowData": [], "rowCount": 0}
OUTCOME_NAMES = {"ok": "成功", "denied": "拒绝", "failed": "失败"}


def _filters(event: Any, username: Any, region: Any) -> tuple[dict[str, Any], str]:
    """The query's filters for the principal (a scoped administrator: their own regions only), or a
    message for input that can't be one."""
    principal = current_principal()
    if principal is None or not principal.can("audit"):
        raise AccessDenied("无权查看审计日志", action="audit")
    view, notices = parse_filters(event, username, region)
    if notices:
        return {}, notices[0].split("，")[0]
    services = current()
    regions = None
    if principal.scope != services.settings.province_adcode:
        regions = descendants(services.warehouse, principal.scope)
    return {"event": view.get("event"), "username": view.get("user"), "region": view.get("region"),
            "regions": regions}, ""  # fmt: skip


def _page(
    event: Any, username: Any, region: Any, start: int, end: int
) -> tuple[list[dict[str, Any]], int, str]:
    """Rows ``start``..``end`` (newest first), how many the filters select, and a message for
    filters that can't be used."""
    filters, problem = _filters(event, username, region)
    if problem:
        return [], 0, problem
    settings = current().settings
    rows: list[dict[str, Any]] = []
    if end > start:
        frame = audit.query(settings, **filters, offset=start, limit=min(end, start + LIMIT) - start)
        rows = records(frame.astype(object).where(frame.notna(), None))
    for row in rows:
        row["event_name"] = audit.EVENT_NAMES.get(row["event"], row["event"])
        row["at"] = str(row["at"] or "").replace("T", " ")
        row["outcome_name"] = OUTCOME_NAMES.get(str(row["outcome"]), row["outcome"])
        row["role_name"] = ROLE_NAMES.get(str(row["role"]), row["role"])
    return rows, audit.total(settings, **filters), ""


def audit_rows(
    event: Any, username: Any, region: Any, start: int = 0, end: int = LIMIT
) -> tuple[list[dict[str, Any]], str]:
    """Rows ``start``..``end`` (newest first) and the status line."""
    rows, total, problem = _page(event, username, region, start, end)
    if problem:
        return rows, problem
    files = len(archived_files(current().settings))
    return rows, f"共 {total:,} 条" + (f"；另有 {files} 个归档文件" if files else "")


def _block(request: Any, view: Any) -> Any:
    if not isinstance(request, dict) or not isinstance(view, dict):
        return no_update
    try:
        start = max(0, int(request.get("startRow") or 0))
        end = min(start + PAGE_ROWS * 5, max(start, int(request.get("endRow") or start + PAGE_ROWS)))
    except (TypeError, ValueError):
        return EMPTY
    rows, total, _ = _page(view.get("event"), view.get("user"), view.get("region"), start, end)
    return {"rowData": rows, "rowCount": total}


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(GRID, "getRowsResponse"),
        Input(GRID, "getRowsRequest"),
        State(VIEW, "data"),
        prevent_initial_call=True,
    )
    def rows(request: Any, view: Any) -> Any:
        return _block(request, view)

    @app.callback(Output(STATUS, "children"), Input(VIEW, "data"))
    def status(view: Any) -> Any:
        view = view if isinstance(view, dict) else {}
        return audit_rows(view.get("event"), view.get("user"), view.get("region"), 0, 0)[1]

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(EVENT, "value"),
        Input(USER, "value"),
        Input(REGION, "value"),
        State(VIEW, "data"),
        prevent_initial_call=True,
    )
    def pick(event: Any, username: Any, region: Any, view: Any) -> Any:
        wanted = {"event": event or "", "user": (username or "").strip(), "region": (region or "").strip()}
        shown = view if isinstance(view, dict) else {}
        if all(wanted[k] == (shown.get(k) or "") for k in wanted):
            return no_update  # re-rendering the page re-creates the controls: no navigation
        return "?" + urlencode({k: v for k, v in wanted.items() if v})
