"""The gate every request passes: who is signed in, idle and absolute expiry, the wall's way back.

The session is Flask's signed cookie holding only the user name, the password generation and two
times; the user is re-read from the store on every request, so disabling a user or changing a
role or scope takes effect at once, and a password change ends every older session.

A kiosk wall cannot type a password when its session expires at 3 a.m.: at its sign-in it gets a
long random device token in an HttpOnly cookie, and when its session has lapsed the gate silently
signs it in again from that token (kiosk-role users only; revocable with
``cockpit users kiosk-token NAME --revoke``).
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import quote, urlsplit

import flask
from werkzeug.wrappers import Response as BaseResponse

from cockpit.access import audit
from cockpit.auth.users import User, UserStore
from cockpit.principal import set_principal
from cockpit.services import current

EXTENSION = "cockpit_auth"
DEVICE_COOKIE = "cockpit_device"
# Public: the sign-in pages, the health check and static files (no data in them).
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/favicon.ico", "/_favicon.ico"})
PUBLIC_PREFIXES = ("/auth/", "/assets/", "/_dash-component-suites/")
# Machine endpoints answer 401 JSON; everything else is a page and redirects to /login.
JSON_PREFIXES = ("/api/", "/exports/", "/_dash-", "/_reload-hash")


def store() -> UserStore:
    return flask.current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def _settings() -> Any:
    return current().settings


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def csrf_token() -> str:
    """The session's anti-forgery token for forms (created on first use)."""
    token = flask.session.get("csrf")
    if not token:
        token = flask.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def establish(user: User, method: str) -> None:
    """Starts a fresh session for ``user`` (a new cookie: no fixation) and audits the sign-in."""
    flask.session.clear()
    now = int(time.time())
    flask.session.update({"uid": user.username, "gen": user.generation, "start": now, "seen": now,
                          "csrf": secrets.token_urlsafe(32)})  # fmt: skip
    flask.session.permanent = True
    set_principal(user.principal())
    audit.record(_settings(), "signin", username=user.username, role=user.role, region=user.scope,
                 detail={"method": method})  # fmt: skip


def session_user() -> User | None:
    """The signed-in, enabled user of a live session, or None (and the stale session is dropped)."""
    username = flask.session.get("uid")
    if not username:
        return None
    settings = _settings()
    now = time.time()
    seen = float(flask.session.get("seen") or 0)
    start = float(flask.session.get("start") or 0)
    idle = settings.session_minutes * 60
    user = store().get(str(username))
    if (
        now - seen > idle
        or now - start > settings.session_max_hours * 3600
        or user is None
        or user.disabled
        or user.generation != flask.session.get("gen")
    ):
        flask.session.pop("uid", None)
        flask.session["expired"] = True
        return None
    # Refresh the idle clock, but not on every request: each refresh re-sends the cookie.
    if now - seen > min(15.0, idle / 4):
        flask.session["seen"] = int(now)
    return user


def device_user() -> User | None:
    """The kiosk user whose device token the browser holds, signed in afresh; else None."""
    token = flask.request.cookies.get(DEVICE_COOKIE)
    if not token:
        return None
    user = store().device_user(token)
    if user is None:
        return None
    establish(user, "device")
    return user


def set_device_cookie(response: BaseResponse, token: str) -> None:
    settings = _settings()
    response.set_cookie(DEVICE_COOKIE, token, max_age=settings.kiosk_token_days * 86400, httponly=True,
                        secure=settings.cookie_secure, samesite="Lax", path="/")  # fmt: skip


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to return to after sign-in; anything else (another host, a scheme) → default."""
    if not target or not isinstance(target, str) or len(target) > 1000:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):  # fmt: skip
        return default
    return target


def login_url(next_path: str | None = None) -> str:
    target = safe_next(next_path, "")
    return "/login" + (f"?next={quote(target, safe='/')}" if target and target != "/" else "")


def _unauthenticated() -> BaseResponse:
    request = flask.request
    here = request.full_path.rstrip("?") if request.query_string else request.path
    if request.method == "GET" and not request.path.startswith(JSON_PREFIXES):
        return flask.redirect(login_url(here), 302)
    # Dash callbacks: send the browser back to the page it is on (assets/auth.js follows "login").
    referer = urlsplit(request.referrer or "")
    back = (referer.path + (f"?{referer.query}" if referer.query else "")) if referer.path else None
    response = flask.jsonify(error="请先登录", login=login_url(back))
    response.status_code = 401
    return response


def gate() -> BaseResponse | None:
    """``before_request``: sets the principal, or answers 401 / redirects to the sign-in page."""
    set_principal(None)
    if is_public(flask.request.path):
        return None
    user = session_user() or device_user()
    if user is None:
        return _unauthenticated()
    set_principal(user.principal())
    return None
