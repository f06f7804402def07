"""A background job as the desk pages show it: the progress bar while it runs, the download links
when it is done, the reason when it failed. The briefing panel and the explorer's large exports
both render through ``job_progress``; ``job_slots`` are the status, job id and poll timer they need,
and ``register_job_poll`` the callback that follows the job (its owner only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from cockpit import background
from cockpit.services import Services, current

# What each job's files are called on their download links.
FILE_LABELS = {"pptx": "PPTX", "pdf": "PDF", "csv": "CSV", "xlsx": "XLSX"}


def job_slots(id_type: str) -> list[Any]:
    """The status area, the job id store and the poll timer (``{"type": id_type, "name": …}``)."""
    return [html.Div(id={"type": id_type, "name": "status"}, className="brief-status"),
            dcc.Store(id={"type": id_type, "name": "job"}),
            dcc.Interval(id={"type": id_type, "name": "timer"}, interval=700, disabled=True)]  # fmt: skip


def notice(text: str) -> html.Div:
    return html.Div(text, className="notice brief-failed")


def job_progress(found: dict[str, Any], noun: str, id_type: str) -> html.Div:
    """``found``: a job's state (``cockpit.background.status``); ``noun``: 简报, 导出…"""
    share = float(found.get("progress") or 0.0)
    if found.get("state") == "failed":
        return notice(f"{noun}失败：{found.get('message')}")
    if found.get("state") == "done":
        job = found["id"]
        links = [html.A(f"下载 {label}", href=f"/exports/jobs/{job}/{fmt}", download="", className="brief-download",
                        id={"type": id_type, "name": f"download-{fmt}"})
                 for fmt, label in FILE_LABELS.items() if fmt in (found.get("files") or {})]  # fmt: skip
        took = f"（用时 {found.get('seconds')} 秒）" if found.get("seconds") is not None else ""
        return html.Div(
            [html.Div(f"{noun}已生成{took}", className="brief-done"), *links], className="brief-result"
        )
    return html.Div([
        html.Div(html.Div(className="brief-fill", style={"width": f"{max(3.0, share * 100):.0f}%"}), className="brief-bar"),
        html.Div(f"{share * 100:.0f}% · {found.get('message') or ''}", className="muted small"),
    ])  # fmt: skip


def queued(noun: str, id_type: str) -> html.Div:
    """What a job just started shows until the first poll."""
    return job_progress({"state": "queued", "progress": 0, "message": "排队中"}, noun, id_type)


def register_job_poll(
    app: dash.Dash, id_type: str, noun: str, status: Callable[[Services, Any], dict[str, Any] | None]
) -> None:
    """The poll of ``id_type``'s job: progress until it ends, then the links (or the reason)."""

    def slot(name: str) -> dict[str, str]:
        return {"type": id_type, "name": name}

    @app.callback(
        Output(slot("status"), "children", allow_duplicate=True),
        Output(slot("timer"), "disabled", allow_duplicate=True),
        Input(slot("timer"), "n_intervals"),
        State(slot("job"), "data"),
        prevent_initial_call=True,
    )
    def poll(_n: int, job_id: Any) -> Any:
        services = current()
        found = status(services, job_id)
        if found is None:
            return notice(f"未找到{noun}任务"), True
        background.require_owner(services, found)  # another user's job: refused (403, audited)
        return job_progress(found, noun, id_type), found["state"] in ("done", "failed")
