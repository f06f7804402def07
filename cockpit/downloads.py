"""Download routes: grid exports, chart images, briefing jobs. Plain links (``<a download>``) point
here, so a browser's own download machinery saves the files, however large.

Every parameter is validated like the pages validate theirs; bad input answers 400/404 with a
Chinese message, never a traceback. Every download needs the ``export`` permission and a region
inside the principal's scope (403 and a ``denied`` audit row otherwise); each one is audited as
``export`` or ``briefing`` with its format, region and filters.
"""

from __future__ import annotations

import io
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode

import flask

from cockpit import background
from cockpit.access import audit, scope
from cockpit.briefing import FORMATS as BRIEFING_FORMATS
from cockpit.briefing import facts, figures
from cockpit.briefing import jobs as briefing_jobs
from cockpit.briefing.facts import FactsError, now_of
from cockpit.exports import grid
from cockpit.exports import jobs as export_jobs
from cockpit.exports.charts import FORMATS as CHART_FORMATS
from cockpit.exports.charts import Caption, ChartExportError, figure_bytes
from cockpit.exports.pdf import PdfError
from cockpit.formatting import period_label
from cockpit.services import current
from cockpit.warehouse.explorer_queries import FilterError

bp = flask.Blueprint("exports", __name__, url_prefix="/exports")
CHARTS = ("map", "ranking", "status", "trend")
_NAME = re.compile(r"^[a-z]{2,12}$")


def _error(message: str, status: int = 400) -> flask.Response:
    response = flask.jsonify(error=message)
    response.status_code = status
    return response


def _attachment(body: bytes | Path | BinaryIO, mime: str, name: str, inline: bool = False) -> flask.Response:
    """A download (or, ``inline``, a file the browser shows itself: a phone opens a PDF in its
    viewer): the content type exactly as given (send_file would add a second charset to a text type
    that names one) and kept out of every cache."""
    response = flask.send_file(io.BytesIO(body) if isinstance(body, bytes) else body, mimetype=mime,
                               as_attachment=not inline, download_name=name)  # fmt: skip
    if not isinstance(body, bytes | Path):
        response.content_length = os.fstat(body.fileno()).st_size
    response.headers["Content-Type"] = mime
    response.headers["Cache-Control"] = "no-store"
    return response


def _now() -> datetime:

    return now_of(current())


def _audit(event: str, region: str, **detail: Any) -> None:
    audit.record(current().settings, event, region=region[:12], detail=detail)


def _query(services: Any) -> grid.Query:
    """The export's parameters: the address's query string, and for a POST its JSON object too."""
    body = flask.request.get_json(silent=True) if flask.request.method == "POST" else None
    params = {**flask.request.args.to_dict(), **(body if isinstance(body, dict) else {})}
    scope.require_permission("export", region=str(params.get("region") or "")[:12] or None)
    return grid.parse_query(services, params)  # refuses an out-of-scope region


@bp.get("/grid.<fmt>")
def grid_export(fmt: str) -> flask.Response:
    """A small export, written in the request and sent at once; a large one answers 409 (the page
    runs it as a job: ``POST`` the same address)."""
    services = current()
    try:
        query = _query(services)
        grid.require_format(fmt)
        if not export_jobs.inline(services, query):
            limit = services.settings.export_inline_rows
            return _error(f"超过 {limit:,} 行的导出在后台生成：请在“数据浏览”页点击导出，"
                          "或以 POST 请求同一地址", 409)  # fmt: skip
        path = export_jobs.export_now(services, query, fmt)
    except FilterError as exc:
        return _error(str(exc))
    except background.JobRefused as exc:
        return _error(str(exc), 429)
    # Opened, then removed: the open file stays readable until it is sent (and nothing is left on
    # disk however the request ends).
    handle = path.open("rb")
    background.remove(services, path.parent.name)
    return _attachment(handle, grid.MIMES[fmt], path.name)


@bp.post("/grid.<fmt>")
def grid_export_job(fmt: str) -> flask.Response:
    """Starts an export job of any size (up to the row cap): 202 and where to follow it. A JSON
    request (as every state-changing request is), its parameters in the address or the body."""
    services = current()
    try:
        job_id = export_jobs.start(services, _query(services), fmt)
    except FilterError as exc:
        return _error(str(exc))
    except background.JobRefused as exc:
        return _error(str(exc), 429)
    response = flask.jsonify(job=job_id, status=f"/exports/jobs/{job_id}")
    response.status_code = 202
    return response


def chart_href(name: str, fmt: str, region: str, period: str | None, indicator: str | None) -> str:

    params = {k: v for k, v in (("region", region), ("period", period), ("indicator", indicator)) if v}
    return f"/exports/chart/{name}.{fmt}?{urlencode(params)}"


def chart_bytes(name: str, fmt: str, params: Any) -> tuple[bytes, str]:
    """Rebuilds the chart from validated parameters — never from a figure the browser sends, which
    could ask the exporting browser to load outside resources."""

    services = current()
    if name not in CHARTS:
        raise FilterError(f"未知的图表“{name[:20]}”")
    indicator = params.get("indicator")
    # facts.compute refuses (403, audited) a region outside the principal's scope.
    found = facts.compute(services, str(params.get("region") or ""), params.get("period") or None,
                          [str(indicator)] if indicator else None)  # fmt: skip
    wh = services.warehouse
    build = {"map": lambda: figures.map_figure(wh, found, "light"),
             "ranking": lambda: figures.ranking_figure(found, "light"),
             "status": lambda: figures.status_figure(found, "light"),
             "trend": lambda: figures.trend_figure(wh, found, theme_name="light")}  # fmt: skip
    titles = {"map": "目标状态地图", "ranking": "排名", "status": "各领域目标状态", "trend": "走势"}
    lead = found.lead
    loaded = found.loaded.get("indicator_value", {})
    when = loaded.get("loaded_at")
    source = f"来源：{loaded.get('feeds') or '指标数据'}" + (
        f"（入库 {when:%Y-%m-%d %H:%M}）" if when is not None else ""
    )
    caption = Caption(f"{found.region['name']} · {lead.name} · {titles[name]}", source,
                      f"数据截至{period_label(lead.period or found.period)}")  # fmt: skip
    data = figure_bytes(build[name](), fmt, caption, height=700 if name == "map" else 675)
    return data, f"{found.region['name']}_{lead.short_name}_{titles[name]}_{found.period}.{fmt}"


@bp.get("/chart/<name>.<fmt>")
def chart_export(name: str, fmt: str) -> flask.Response:
    if not _NAME.match(name) or name not in CHARTS or fmt not in CHART_FORMATS:
        return _error("未知的图表或格式", 404)
    args = flask.request.args
    region = str(args.get("region") or "")[:12]
    scope.require_permission("export", region=region or None)
    try:
        data, filename = chart_bytes(name, fmt, args)
    except (FilterError, FactsError) as exc:
        return _error(str(exc))
    except (ChartExportError, PdfError) as exc:
        return _error(str(exc), 503)
    _audit("export", region, kind="chart", chart=name, format=fmt,
           filters={k: str(args.get(k))[:32] for k in ("period", "indicator") if args.get(k)})  # fmt: skip
    return _attachment(data, CHART_FORMATS[fmt], filename)


@bp.post("/briefing")
def briefing_start() -> flask.Response:
    services = current()
    args = flask.request.get_json(silent=True) or flask.request.values
    region = str(args.get("region") or "")
    scope.require_permission("briefing", region=region[:12] or None)
    if services.warehouse.region(region) is None if re.match(r"^\d{6}$", region) else True:
        return _error(f"未知地区“{region[:12]}”")
    scope.require_region(services.warehouse, region, action="briefing")
    indicators = args.get("indicators")
    codes = indicators.split(",") if isinstance(indicators, str) else indicators
    wanted = args.get("formats") or "pptx,pdf"
    formats = tuple(f for f in BRIEFING_FORMATS if f in str(wanted).split(","))
    if not formats:
        return _error("未知的格式")
    try:
        job_id = briefing_jobs.start(services, region, args.get("period") or None, codes or None, formats)
    except background.JobRefused as exc:
        return _error(str(exc), 429)
    return flask.jsonify(job=job_id, status=f"/exports/jobs/{job_id}")


# What each kind of job needs, and the files it may serve.
_JOB_FILES = {briefing_jobs.KIND: ("briefing", briefing_jobs.MIME), export_jobs.KIND: ("export", grid.MIMES)}


def _job(job_id: str) -> dict[str, Any] | None:
    """The job, if the principal may follow it: unknown and other people's jobs answer alike."""
    found = background.status(current(), job_id)
    if found is None or found["kind"] not in _JOB_FILES:
        return None
    scope.require_permission(_JOB_FILES[found["kind"]][0])
    background.require_owner(current(), found)  # another user's job: refused (403, audited)
    return found


@bp.get("/jobs/<job_id>")
def job_status(job_id: str) -> flask.Response:
    found = _job(job_id)
    return flask.jsonify(found) if found else _error("未找到该任务", 404)


@bp.get("/jobs/<job_id>/<fmt>")
def job_file(job_id: str, fmt: str) -> flask.Response:
    found = _job(job_id)
    mimes = _JOB_FILES[found["kind"]][1] if found else {}
    path = background.file_of(current(), found, fmt) if found and fmt in mimes else None
    if path is None:
        return _error("文件尚未生成或已过期", 404)
    # ?inline=1: a PDF shown where it opens (the phone's one-click briefing), not saved.
    inline = fmt == "pdf" and flask.request.args.get("inline") == "1"
    return _attachment(path, mimes[fmt], path.name, inline=inline)


def init_app(server: flask.Flask) -> None:
    server.register_blueprint(bp)
