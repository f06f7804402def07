"""The gate every request passes: who is signed in, idle and absolute expiry, the wall's way back.

Sessions live on the server (``cockpit.store.sessions``): the browser's session cookie carries a
random token (and the forms' CSRF token), the store the token's sha256 with its user, times and
end. On every request the token must map to a live row — not revoked, not past its absolute end
(``session_max_hours`` after sign-in), seen within ``session_minutes`` — whose user is enabled; the
user is re-read too, so a role or scope takes effect at once. Every sign-in starts a new row under a
new token (no fixation). Signing out revokes the row at once, so a copy of the cookie is useless;
a password, role or scope change, disabling a user and ``cockpit users sign-out NAME`` revoke
every row of that user, which every worker sees at its next request (they all read the store).
The idle clock is written at most every 15 s, not on every request.

A kiosk wall cannot type a password when its session expires at 3 a.m.: at its sign-in it gets a
long random device token in an HttpOnly cookie, and when its session has ended the gate silently
signs it in again from that token (kiosk-role users only; revocable with
``cockpit users kiosk-token NAME --revoke``; ending a wall's sessions leaves its device tokens).

A phone whose user ticked 记住此设备 at sign-in is signed in again the same way from its own token
(``cockpit.store.remembered``), for ``remember_device_days`` at most; signing out on it, a password,
role or scope change, disabling the user and ``cockpit users sign-out NAME`` all end it.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import flask
from werkzeug.wrappers import Response as BaseResponse

from cockpit import clock
from cockpit.access import audit
from cockpit.auth.users import User, UserStore
from cockpit.principal import set_principal
from cockpit.services import current
from cockpit.store import database, remembered
from cockpit.store import sessions as server_sessions

EXTENSION = "cockpit_auth"
DEVICE_COOKIE = "cockpit_device"
REMEMBER_COOKIE = "cockpit_remember"  # 记住此设备 (cockpit.store.remembered)
TOKEN_KEY = "sid"  # the session token, in Flask's signed session cookie beside the CSRF token
TOUCH_SECONDS = 15.0  # the idle clock is written at most this often per session
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


def _now() -> datetime:
    """The cockpit's wall time (``Settings.now``), read through ``time`` (tests move that clock)."""
    return datetime.fromtimestamp(time.time(), clock.zone(_settings().timezone)).replace(tzinfo=None)


def establish(user: User, method: str) -> None:
    """Starts a fresh server-side session for ``user`` under a new token (no fixation), ends the
    one this browser held before, and audits the sign-in."""
    settings = _settings()
    engine = database(settings)
    now = _now()
    previous = flask.session.get(TOKEN_KEY)
    if isinstance(previous, str):
        server_sessions.revoke(engine, previous, now)
    flask.session.clear()
    request = flask.request
    token, _record = server_sessions.create(
        engine,
        user.username,
        now=now,
        expires_at=now + timedelta(hours=settings.session_max_hours),
        ip=request.remote_addr,
        user_agent=request.user_agent.string or None,
    )
    flask.session.update({TOKEN_KEY: token, "csrf": secrets.token_urlsafe(32)})
    flask.session.permanent = True
    set_principal(user.principal())
    audit.record(settings, "signin", username=user.username, role=user.role, region=user.scope,
                 detail={"method": method})  # fmt: skip


def session_user() -> User | None:
    """The enabled user of this browser's live server-side session, or None (an ended session's
    token is dropped from the cookie; an unknown or malformed one simply signs nobody in)."""
    token = flask.session.get(TOKEN_KEY)
    if token is None:
        return None
    settings = _settings()
    engine = database(settings)
    now = _now()
    record = server_sessions.get(engine, token) if isinstance(token, str) else None
    idle = timedelta(minutes=settings.session_minutes)
    user = None
    if record is not None and record.live(now) and now - record.last_seen_at <= idle:
        user = store().get(record.username)
    # The refresh of the idle clock is also the last check that the row was not revoked meanwhile.
    if (
        record is None
        or user is None
        or user.disabled
        or (now - record.last_seen_at > min(timedelta(seconds=TOUCH_SECONDS), idle / 4)
            and not server_sessions.touch(engine, token, now))
    ):  # fmt: skip
        flask.session.pop(TOKEN_KEY, None)
        if record is not None:
            flask.session["expired"] = True
        return None
    return user


def end_session() -> None:
    """Signing out: the server-side row is revoked at once, then the cookie is emptied."""
    token = flask.session.get(TOKEN_KEY)
    if isinstance(token, str):
        server_sessions.revoke(database(_settings()), token, _now())
    flask.session.clear()


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


def remembered_user() -> User | None:
    """The user this phone remembered (记住此设备), signed in afresh while the token lasts and the
    user's password, role and scope are still those it was issued under; else None (the stale
    token is forgotten). Never a kiosk account: walls have their own device tokens."""
    token = flask.request.cookies.get(REMEMBER_COOKIE)
    if not token:
        return None
    engine = database(_settings())
    found = remembered.lookup(engine, token, _now())
    user = store().get(found.username) if found is not None else None
    if found is None or user is None or user.disabled or user.role == "kiosk" or (
        (user.generation, user.role, user.scope) != (found.generation, found.role, found.scope)
    ):  # fmt: skip
        remembered.forget(engine, token)
        return None
    establish(user, "remembered")
    return user


def remember_device(response: BaseResponse, user: User) -> None:
    """Keeps this device signed in for ``remember_device_days`` (a new token in an HttpOnly cookie)."""
    settings = _settings()
    if settings.remember_device_days <= 0 or user.role == "kiosk":
        return
    token = remembered.issue(database(settings), user.username, generation=user.generation, role=user.role,
                             scope=user.scope, now=_now(), days=settings.remember_device_days)  # fmt: skip
    response.set_cookie(REMEMBER_COOKIE, token, max_age=settings.remember_device_days * 86400, httponly=True,
                        secure=settings.cookie_secure, samesite="Lax", path="/")  # fmt: skip


def forget_device(response: BaseResponse) -> None:
    """Signing out on a remembered device: its token is forgotten on the server and its cookie dropped."""
    token = flask.request.cookies.get(REMEMBER_COOKIE)
    if token:
        remembered.forget(database(_settings()), token)
        response.delete_cookie(REMEMBER_COOKIE, path="/")


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
    user = session_user() or device_user() or remembered_user()
    if user is None:
        return _unauthenticated()
    set_principal(user.principal())
    return None
