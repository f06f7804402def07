"""Security headers, no server banner, and no traceback ever sent to a client.

The content security policy allows only the cockpit's own scripts plus the hashes of Dash's
inline renderer script (``app.csp_hashes()``), so an injected ``<script>`` cannot run. Styles
keep 'unsafe-inline' because Dash and Plotly set style attributes from JavaScript.
"""

from __future__ import annotations

import logging

import dash
import flask
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

from cockpit.static_assets import asset_url

log = logging.getLogger(__name__)

_MESSAGES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "未找到", 405: "不支持该请求方法",
             413: "请求内容过大，已拒绝", 429: "请求过于频繁", 500: "服务器内部错误，请稍后再试"}  # fmt: skip


def content_security_policy(app: dash.Dash) -> str:
    scripts = " ".join(["'self'", *app.csp_hashes()])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])  # fmt: skip


def init_app(server: flask.Flask, app: dash.Dash) -> None:
    """The policy is computed per response: Dash's pages plugin adds its own inline script (the
    document title) at the first request, after the app is built."""

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(app))
        headers["X-Frame-Options"] = "SAMEORIGIN"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers.pop("Server", None)
        if flask.request.path.startswith("/_dash-component-suites/"):
            # Fingerprinted bundles already say a year; the unversioned ones (plotly.js, async
            # chunks) would be revalidated on every page load: an hour, then the ETag decides.
            headers.setdefault("Cache-Control", "public, max-age=3600")
        elif (
            flask.request.path.startswith("/assets/")
            and flask.request.args.get("m")
            and response.status_code < 400
        ):
            # ?m=<mtime> (Dash's own and cockpit.static_assets'): the address changes with the file.
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
        if flask.request.path.startswith(
            ("/api/", "/exports/", "/_dash-update-component", "/_dash-layout", "/login")
        ):
            # Government data stays out of every cache (the layout holds the first page's data);
            # replaces send_file's "no-cache".
            headers["Cache-Control"] = "no-store"
        return response

    @server.errorhandler(Exception)
    def _error(exc: Exception) -> tuple[flask.Response, int] | flask.Response:
        if isinstance(exc, HTTPException) and (exc.code or 500) < 400:
            return exc  # type: ignore[return-value]  # routing redirects (a missing trailing slash)
        if isinstance(exc, HTTPException) and (exc.code or 500) < 500:
            return _answer(exc.code or 400)
        # Logged in full on the server; the client gets a short Chinese message and nothing else.
        log.exception("unhandled error on %s %s", flask.request.method, flask.request.path)
        return _answer(500)


def _answer(code: int) -> tuple[flask.Response, int]:
    message = _MESSAGES.get(code, "请求失败")
    path = flask.request.path
    wants_json = path.startswith(("/api/", "/exports/", "/_dash-")) or flask.request.is_json
    if wants_json:
        return flask.jsonify(error=message), code
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{message}</title>'
            f'<link rel="stylesheet" href="{asset_url("login.css")}"></head><body class="login-body">'
            f'<main class="login-card"><h1 class="login-title">{message}</h1>'
            f'<p class="login-foot"><a href="/">返回首页</a></p></main></body></html>')  # fmt: skip
    return flask.Response(page, status=code, content_type="text/html; charset=utf-8"), code


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without the ``Server: Werkzeug/x Python/y`` banner."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
