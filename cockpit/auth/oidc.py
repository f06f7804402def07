"""Optional single sign-on through OpenID Connect (Authlib's Flask client).

Configured by settings (``COCKPIT_OIDC_ISSUER``, ``COCKPIT_OIDC_CLIENT_ID``) and the secret from
the environment (``COCKPIT_OIDC_CLIENT_SECRET``). The identity provider only proves who someone
is: the name in ``oidc_username_claim`` must be an enabled local user, whose role and region scope
stay local, so the IdP cannot grant anything.
"""

from __future__ import annotations

import logging

import flask
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from werkzeug.wrappers import Response as BaseResponse

from cockpit.access import audit
from cockpit.auth.sessions import establish, safe_next, store
from cockpit.auth.views import default_landing, render
from cockpit.services import current
from cockpit.settings import Settings

log = logging.getLogger(__name__)
bp = flask.Blueprint("auth_oidc", __name__, url_prefix="/auth/oidc")
EXTENSION = "cockpit_oidc"


def init_app(server: flask.Flask, settings: Settings) -> None:
    if not settings.oidc_enabled:
        return
    oauth = OAuth(server)
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    oauth.register(
        "idp",
        client_id=settings.oidc_client_id,
        client_secret=secret,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "timeout": 10},
    )
    server.extensions[EXTENSION] = oauth
    server.register_blueprint(bp)


def _client():  # type: ignore[no-untyped-def]
    return flask.current_app.extensions[EXTENSION].idp


def _settings() -> Settings:
    return current().settings


@bp.get("/login")
def login() -> flask.Response:
    flask.session["oidc_next"] = safe_next(flask.request.args.get("next"))
    redirect_uri = flask.url_for("auth_oidc.callback", _external=True)
    return _client().authorize_redirect(redirect_uri)  # type: ignore[no-any-return]


@bp.get("/callback")
def callback() -> BaseResponse:
    settings = _settings()
    try:
        token = _client().authorize_access_token()
    except (AuthlibBaseError, requests.RequestException, ValueError, KeyError) as exc:
        # The detail (state mismatch, bad signature, IdP down) goes to the log, not the page.
        log.warning("OIDC sign-in failed: %s", exc)
        audit.record(settings, "signin_failed", outcome="failed", username="?",
                     detail={"method": "oidc", "reason": type(exc).__name__})  # fmt: skip
        return render("统一身份认证失败，请重试或使用账号密码登录。", 401)
    claims = token.get("userinfo") or {}
    username = str(claims.get(settings.oidc_username_claim) or "")[:64]
    user = store().get(username)
    if user is None or user.disabled:
        audit.record(settings, "signin_failed", outcome="failed", username=username or "?",
                     detail={"method": "oidc", "reason": "no local user", "sub": str(claims.get("sub"))[:64]})  # fmt: skip
        return render("统一身份认证账号未在驾驶舱开通或已停用，请联系管理员。", 403)
    next_path = flask.session.pop("oidc_next", None)
    establish(user, "oidc")
    return flask.redirect(next_path if next_path and next_path != "/" else default_landing(user.role), 303)
