"""Callbacks of the region profile: drill by map click, period and indicator pickers, and the
briefing job (start, poll progress, offer the downloads) — the briefing panel is also on /explorer.

Everything the browser sends (click data, picker values, job ids) is validated again here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, ctx, html, no_update

from cockpit import background, ids
from cockpit.briefing import jobs
from cockpit.periods import PeriodError, parse_period
from cockpit.services import current
from cockpit.ui.jobs import notice, queued, register_job_poll

_ADCODE = re.compile(r"^\d{6}$")


def _brief(name: str) -> dict[str, str]:
    return {"type": ids.EXPORT_BRIEFING, "name": name}


def _clicked_adcode(click: Any) -> str | None:
    try:
        point = click["points"][0]
        custom = point.get("customdata")
        code = custom[0] if isinstance(custom, list | tuple) and custom else point.get("location")
    except (KeyError, IndexError, TypeError):
        return None
    code = str(code or "")
    return code if _ADCODE.match(code) and current().warehouse.region(code) is not None else None


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.REGION_MAP, "clickData"),
        State({"type": ids.EXPORT_BRIEFING, "name": "state"}, "data"),
        prevent_initial_call=True,
    )
    def drill(click: Any, state: dict[str, Any] | None) -> Any:
        code = _clicked_adcode(click)
        if code is None:
            return no_update, no_update
        keep = {k: (state or {}).get(k) for k in ("period",)}
        indicators = (state or {}).get("indicators") or []
        keep["indicator"] = indicators[0] if indicators else None
        query = urlencode({k: v for k, v in keep.items() if isinstance(v, str) and v})
        return f"/region/{code}", f"?{query}" if query else ""

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input({"type": ids.REGION_VIEW, "name": "period"}, "value"),
        Input({"type": ids.REGION_VIEW, "name": "indicator"}, "value"),
        State({"type": ids.EXPORT_BRIEFING, "name": "state"}, "data"),
        prevent_initial_call=True,
    )
    def pick(period: Any, indicator: Any, state: dict[str, Any] | None) -> Any:
        if not state or ctx.triggered_id is None:
            return no_update
        params: dict[str, str] = {"region": str(state.get("region") or "")}
        try:
            params["period"] = parse_period(str(period)[:16]).code if period else ""
        except PeriodError:
            return no_update
        codes = set(current().warehouse.indicators()["code"])
        params["indicator"] = str(indicator) if indicator in codes else ""
        if (
            params["period"] == state.get("period")
            and [params["indicator"]] == (state.get("indicators") or [])[:1]
        ):
            return no_update
        return "?" + urlencode({k: v for k, v in params.items() if v})

    @app.callback(
        Output(_brief("job"), "data"),
        Output(_brief("timer"), "disabled"),
        Output(_brief("status"), "children"),
        Input(_brief("start"), "n_clicks"),
        State(_brief("state"), "data"),
        prevent_initial_call=True,
    )
    def start(n_clicks: int | None, state: dict[str, Any] | None) -> Any:
        if not n_clicks or not state:
            return no_update, no_update, no_update
        services = current()
        region = str(state.get("region") or "")
        if not _ADCODE.match(region) or services.warehouse.region(region) is None:
            return None, True, html.Div("未知地区，无法生成简报", className="notice")
        indicators = [str(c) for c in (state.get("indicators") or []) if isinstance(c, str)][:12]
        try:
            job_id = jobs.start(services, region, state.get("period") or None, indicators or None)
        except background.JobRefused as exc:
            return None, True, notice(str(exc))
        return job_id, False, queued("简报", ids.EXPORT_BRIEFING)

    register_job_poll(app, ids.EXPORT_BRIEFING, "简报", jobs.status)
