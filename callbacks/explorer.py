"""Callbacks of the data explorer: serve grid blocks from DuckDB, keep the count, the filter
description and the export links in step with the grid, and turn the pickers into a new URL.

The grid's request is untrusted input: ``parse_query`` and ``compile_query`` validate it, and a
tampered model gets an empty block and a Chinese notice, never SQL and never a traceback.
"""

from __future__ import annotations

import logging
import math
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import dash
import pandas as pd
from dash import ALL, Input, Output, State, ctx, no_update

from cockpit import background, ids
from cockpit.briefing.facts import now_of
from cockpit.exports import grid
from cockpit.exports import jobs as export_jobs
from cockpit.principal import AccessDenied
from cockpit.services import current
from cockpit.ui.jobs import notice, queued, register_job_poll
from cockpit.warehouse.explorer_queries import FilterError, Query, compile_query
from layouts.explorer import export_links

log = logging.getLogger("callbacks.explorer")
EMPTY = {"rowData": [], "rowCount": 0}


def _query(view: dict[str, Any] | None, request: dict[str, Any] | None) -> Query:
    params: dict[str, Any] = dict(view or {})
    if isinstance(request, dict):
        params["filter"] = request.get("filterModel") or {}
        params["sort"] = request.get("sortModel") or []
    return grid.parse_query(current(), params)


def _cell(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _job(name: str) -> dict[str, str]:
    return {"type": ids.EXPORT_JOB, "name": name}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(frame.columns)
    return [
        dict(zip(cols, (_cell(v) for v in row), strict=True))
        for row in frame.itertuples(index=False, name=None)
    ]


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.EXPLORER_GRID, "getRowsResponse"),
        Input(ids.EXPLORER_GRID, "getRowsRequest"),
        State(ids.EXPLORER_VIEW, "data"),
        prevent_initial_call=True,
    )
    def rows(request: dict[str, Any] | None, view: dict[str, Any] | None) -> Any:
        if not isinstance(request, dict):
            return no_update
        try:
            start, end = int(request.get("startRow") or 0), int(request.get("endRow") or 100)
            services = current()
            compiled = compile_query(_query(view, request), now_of(services))
            queries = services.queries.explorer
            total, _ = queries.count(compiled)
            return {"rowData": records(queries.page(compiled, start, end)), "rowCount": total}
        except (FilterError, TypeError, ValueError):
            return EMPTY
        except Exception:  # a broken block must not take the page down
            log.exception("explorer block failed")
            return EMPTY

    @app.callback(
        Output(ids.EXPLORER_COUNT, "children"),
        Output(ids.EXPLORER_NOTICE, "children"),
        Output({"type": ids.EXPORT_GRID, "fmt": ALL}, "href"),
        Output({"type": ids.EXPORT_GRID, "fmt": ALL}, "title"),
        Output({"type": ids.EXPORT_GRID, "fmt": ALL}, "className"),
        Input(ids.EXPLORER_GRID, "getRowsRequest"),
        State(ids.EXPLORER_VIEW, "data"),
        State({"type": ids.EXPORT_GRID, "fmt": ALL}, "id"),
    )
    def status(
        request: dict[str, Any] | None, view: dict[str, Any] | None, link_ids: list[dict[str, str]]
    ) -> Any:
        try:
            services = current()
            q = _query(view, request)
            compiled = compile_query(q, now_of(services))
            total, as_of = services.queries.explorer.count(compiled)
        except FilterError as exc:
            keep = [no_update] * len(link_ids)
            return "0 行", f"筛选无效：{exc}", keep, keep, keep
        stamp = f" · 数据截至 {as_of:%Y-%m-%d %H:%M}" if as_of is not None and as_of == as_of else ""
        described = grid.describe_filters(q)
        notice = "" if described == "无" else f"表格筛选：{described}"
        links = export_links(services, q, [link["fmt"] for link in link_ids])
        classes = [f"{link.class_name}{' secondary' if i else ''}" for i, link in enumerate(links)]
        return (f"共 {total:,} 行{stamp}", notice, [link.href for link in links],
                [link.title for link in links], classes)  # fmt: skip

    @app.callback(
        Output(_job("job"), "data"),
        Output(_job("timer"), "disabled"),
        Output(_job("status"), "children"),
        Input({"type": ids.EXPORT_GRID, "fmt": ALL}, "n_clicks"),
        State(ids.EXPLORER_VIEW, "data"),
        State(ids.EXPLORER_GRID, "getRowsRequest"),
        prevent_initial_call=True,
    )
    def export_start(_clicks: list[Any], view: dict[str, Any] | None, request: dict[str, Any] | None) -> Any:
        """A click on a large export's button starts the job (a small one's link downloads by itself)."""
        trigger = ctx.triggered_id
        fmt = trigger.get("fmt") if isinstance(trigger, dict) else None
        if not ctx.triggered or not ctx.triggered[0].get("value") or fmt not in grid.MIMES:
            return no_update, no_update, no_update
        services = current()
        try:
            q = _query(view, request)
            if export_jobs.inline(services, q):
                return no_update, no_update, no_update
            job_id = export_jobs.start(services, q, fmt)
        except (FilterError, background.JobRefused, AccessDenied) as exc:
            return None, True, notice(str(exc))
        return job_id, False, queued("导出", ids.EXPORT_JOB)

    register_job_poll(app, ids.EXPORT_JOB, "导出", export_jobs.status)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input({"type": ids.EXPLORER_CONTROL, "name": ALL}, "value"),
        State({"type": ids.EXPLORER_CONTROL, "name": ALL}, "id"),
        State(ids.EXPLORER_VIEW, "data"),
        State(ids.EXPLORER_GRID, "getRowsRequest"),
        prevent_initial_call=True,
    )
    def pick(values: list[Any], control_ids: list[dict[str, str]], view: dict[str, Any] | None,
             request: dict[str, Any] | None) -> Any:  # fmt: skip
        if ctx.triggered_id is None or not view:
            return no_update
        changed = {c["name"]: ",".join(map(str, v)) if isinstance(v, list) else (v or "")
                   for c, v in zip(control_ids, values, strict=True)}  # fmt: skip
        params = dict(view)
        if isinstance(request, dict):  # keep what the user filtered and sorted in the grid
            params["filter"], params["sort"] = (
                request.get("filterModel") or {},
                request.get("sortModel") or [],
            )
        params.update(changed)
        if changed.get("dataset", view.get("dataset")) != view.get("dataset"):
            # Another table: its columns, presets and filters differ — keep only the region.
            params = {
                "dataset": changed["dataset"],
                "region": params.get("region"),
                "scope": params.get("scope"),
            }
        elif changed.get("group", "") != view.get("group", ""):
            params.pop("filter", None)  # grouped and plain grids have different columns
            params.pop("sort", None)
        try:
            q = grid.parse_query(current(), {k: v for k, v in params.items() if v})
        except FilterError:
            return no_update
        wanted = grid.url_params(q)
        return no_update if wanted == view else "?" + urlencode(wanted)
