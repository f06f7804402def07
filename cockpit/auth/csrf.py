"""Cross-site request forgery: tokens for the HTML forms, origin checks for JSON requests.

The forms (sign-in, sign-out) carry the session's token. Dash callbacks and the export API are
JSON POSTs from the cockpit's own pages: a foreign page can only send JSON cross-origin after a
CORS preflight the cockpit never grants, and a browser names the page's origin in ``Origin``
(or ``Referer``), which must be this host.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

import flask

from cockpit.auth.sessions import csrf_token

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Form endpoints check the form token themselves (they are posted by plain HTML forms).
FORM_PATHS = frozenset({"/login", "/logout"})


def form_token_ok() -> bool:
    sent = flask.request.form.get("csrf_token", "")
    expected = flask.session.get("csrf")
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(sent, str(expected))


def same_origin() -> bool:
    """True unless the browser says the request comes from another origin."""
    request = flask.request
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True  # not a browser (a script with a session cookie is no forgery)
    if source == "null":
        return False  # sandboxed frames, file: pages, privacy redirects
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def check() -> flask.Response | None:
    """``before_request``: refuses forged state-changing requests with 403."""
    request = flask.request
    if request.method not in UNSAFE:
        return None
    if not same_origin():
        return _refuse("请求来源不符")
    if request.path in FORM_PATHS or request.path.startswith("/auth/"):
        return None  # the form views check their token (and show the form again on failure)
    if not request.is_json:
        return _refuse("请求须为 JSON")
    return None


def _refuse(message: str) -> flask.Response:
    response = flask.jsonify(error=message)
    response.status_code = 403
    return response


__all__ = ["check", "csrf_token", "form_token_ok", "same_origin"]
