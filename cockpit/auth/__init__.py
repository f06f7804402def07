"""Sign-in for every page, API call and export: sessions, the wall's device token, CSRF, rate
limiting, optional OpenID Connect, and the security headers.

``create_app`` calls :func:`init_app` before Dash is attached (so the gate runs before Dash's own
hooks) and :func:`harden` once every callback is registered (the CSP hashes Dash's inline script).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import dash
import flask

from cockpit.settings import Settings

log = logging.getLogger(__name__)


def init_app(server: flask.Flask, settings: Settings) -> None:
    from cockpit.auth import csrf, oidc, sessions, views
    from cockpit.auth.users import UserStore

    if settings.secret_key is not None:
        server.secret_key = settings.secret_key.get_secret_value()
    else:
        # Fine for one process; several workers must share COCKPIT_SECRET_KEY or each one would
        # reject the others' session cookies.
        log.warning("COCKPIT_SECRET_KEY 未设置：本进程使用随机密钥，多个进程/重启后会话失效")
        server.secret_key = secrets.token_urlsafe(48)
    server.config.update(
        SESSION_COOKIE_NAME="cockpit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        # The cookie only carries the session's token (and the forms' CSRF token): the session
        # itself, with its idle and absolute ends, is the server-side row the gate checks. The
        # cookie lasts as long as the session can and is not re-sent on every answer.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
    )
    server.extensions[sessions.EXTENSION] = UserStore(settings)
    server.before_request(csrf.check)
    server.before_request(sessions.gate)
    server.register_blueprint(views.bp)
    oidc.init_app(server, settings)


def harden(server: flask.Flask, app: dash.Dash) -> None:
    from cockpit.auth import hardening

    hardening.init_app(server, app)
