"""The sign-in and sign-out pages (plain HTML forms, nothing from outside the intranet). The one script,
assets/phone_view.js, only points the form at the phone view on a phone; the form works without it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flask
from dash import dcc, html
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as BaseResponse

from cockpit.access import audit
from cockpit.auth import ratelimit
from cockpit.auth.csrf import form_token_ok
from cockpit.auth.sessions import (
    DEVICE_COOKIE,
    csrf_token,
    end_session,
    establish,
    forget_device,
    remember_device,
    safe_next,
    session_user,
    set_device_cookie,
    store,
)
from cockpit.auth.users import MAX_PASSWORD, USERNAME
from cockpit.principal import ROLE_NAMES, current_principal
from cockpit.services import current
from cockpit.settings import Settings
from cockpit.static_assets import asset_url
from cockpit.warehouse.queries import WarehouseMissing

if TYPE_CHECKING:
    from dash.development.base_component import Component

bp = flask.Blueprint("auth", __name__)

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · {province}政府治理领导驾驶舱</title>
<link rel="stylesheet" href="{login_css}">
<script src="{phone_switch}"></script></head>
<body class="login-body"><main class="login-card">
<h1 class="login-title">{province}政府治理领导驾驶舱</h1>
<p class="login-sub">{subtitle}</p>
{message}
<form method="post" action="/login" class="login-form" autocomplete="on">
<input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label for="username">用户名</label>
<input id="username" name="username" value="{username}" required maxlength="64" autocomplete="username" autofocus>
<label for="password">密码</label>
<input id="password" name="password" type="password" required maxlength="256" autocomplete="current-password">
{remember}<button type="submit" id="login-submit">登录</button>
</form>
{sso}
<p class="login-foot">仅限授权人员使用，操作全程留痕。</p>
</main></body></html>"""


def _settings():  # type: ignore[no-untyped-def]

    return current().settings


def _province_name(settings: Settings) -> str:
    """The province's name from the region registry (the deployment's setting, not a literal)."""

    try:
        row = current().warehouse.region(settings.province_adcode)
    except WarehouseMissing:  # before `cockpit init`: the page still signs people in
        return ""
    return str(row["name"]) if row else ""


def render(message: str = "", status: int = 200, username: str = "", next_path: str = "/") -> flask.Response:
    settings = _settings()
    sso = ""
    if settings.oidc_enabled:
        href = "/auth/oidc/login?next=" + str(escape(flask.request.args.get("next", next_path) or "/"))
        sso = f'<a class="login-sso" href="{href}">{escape(settings.oidc_label)}</a>'
    notice = Markup(f'<p class="login-message" role="alert">{escape(message)}</p>') if message else ""
    if not message and flask.session.pop("expired", False):
        notice = Markup('<p class="login-message info">会话已过期，请重新登录。</p>')
    html = _PAGE.format(
        province=escape(_province_name(settings)),
        subtitle="一屏知全省 · 请登录",
        message=notice,
        csrf=escape(csrf_token()),
        next=escape(safe_next(next_path)),
        username=escape(username[:64]),
        sso=sso,
        remember=_remember_box(settings),
        login_css=escape(asset_url("login.css")),
        phone_switch=escape(asset_url("phone_view.js")),
    )
    response = flask.make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


def _remember_box(settings: Settings) -> Markup:
    """记住此设备, for a phone of one's own; not offered when the deployment turned it off."""
    days = settings.remember_device_days
    if days <= 0:
        return Markup("")
    return Markup(
        '<label class="login-remember" for="remember"><input type="checkbox" id="remember" name="remember"'
        ' value="1"> 记住此设备（{} 天内免登录）</label>'
    ).format(days)


def default_landing(role: str) -> str:
    return "/?kiosk=1" if role == "kiosk" else "/"


@bp.get("/login")
def login_form() -> BaseResponse:
    next_path = safe_next(flask.request.args.get("next"))
    user = session_user()
    if user is not None:
        return flask.redirect(next_path, 303)
    return render(next_path=next_path)


@bp.post("/login")
def login_submit() -> BaseResponse:
    form = flask.request.form
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    next_raw = form.get("next")
    next_path = safe_next(next_raw)
    settings = _settings()
    if not form_token_ok():
        return render("页面已过期，请重新登录。", 400, username, next_path)
    if not USERNAME.match(username) or not password or len(password) > MAX_PASSWORD:
        audit.record(settings, "signin_failed", outcome="failed", username=username[:64] or "?",
                     detail={"reason": "malformed"})  # fmt: skip
        return render("用户名或密码错误。", 401, username, next_path)
    # Counted before the password is checked (and slowed after repeated failures): see ratelimit.
    attempt = ratelimit.begin(settings, username, flask.request.remote_addr)
    if not attempt.allowed:
        audit.record(settings, "signin_limited", outcome="denied", username=username,
                     detail={"scope": attempt.refused_by})  # fmt: skip
        minutes = attempt.minutes_left(settings.now())
        refused = render(f"登录失败次数过多，请 {minutes} 分钟后再试。", 429, username, next_path)
        refused.headers["Retry-After"] = str(minutes * 60)
        return refused
    user = store().verify(username, password)
    if user is None:
        audit.record(settings, "signin_failed", outcome="failed", username=username,
                     detail={"reason": "password", **({"delay": attempt.delay} if attempt.delay else {})})  # fmt: skip
        ratelimit.failed(settings, attempt)
        return render("用户名或密码错误。", 401, username, next_path)
    ratelimit.succeeded(settings, attempt)
    establish(user, "password")
    target = next_path if next_raw and next_path != "/" else default_landing(user.role)
    response = flask.redirect(target, 303)
    if user.role == "kiosk":
        set_device_cookie(response, store().issue_device_token(user.username, settings.kiosk_token_days))
    elif form.get("remember") == "1":
        remember_device(response, user)
    return response


@bp.get("/logout")
def logout_page() -> BaseResponse:
    # Signing out changes state, so it is a POST with the form token; a bare link lands here.
    if session_user() is None:
        return flask.redirect("/login", 303)
    return render("请点击导航栏中的“退出”按钮退出登录。", 200)


@bp.post("/logout")
def logout() -> BaseResponse:
    if not form_token_ok():
        return render("页面已过期，请重试。", 400)
    user = session_user()
    if user is not None:
        audit.record(_settings(), "signout", username=user.username, role=user.role)
    end_session()  # the server-side session is revoked: a saved copy of the cookie is refused
    response = flask.redirect("/login", 303)
    forget_device(response)  # a phone that remembered this user forgets it
    # A wall signed out on purpose must not sign itself back in.
    token = flask.request.cookies.get(DEVICE_COOKIE)
    if token:
        store().revoke_device_token(token)
        response.delete_cookie(DEVICE_COOKIE, path="/")
    return response


def user_menu() -> Component:
    """The signed-in user and a 退出 button, for the desk pages' navigation bar."""

    principal = current_principal()
    if principal is None:
        return html.Span()
    who = principal.display_name or principal.username
    return html.Form(
        [
            html.Span(f"{who}（{ROLE_NAMES.get(principal.role, principal.role)}）", className="nav-user"),
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token(), id="nav-csrf"),
            html.Button("退出", type="submit", className="nav-logout", id="nav-logout"),
        ],
        method="post",
        action="/logout",
        className="nav-user-menu",
    )


@bp.get("/auth/device/<token>")
def enrol_device(token: str) -> BaseResponse:
    """A wall opens the link ``cockpit users kiosk-token`` printed, once. The link's token is
    swapped for a fresh one at once, so the link (which may sit in a log) is useless afterwards."""
    user = store().device_user(token)
    if user is None:
        audit.record(_settings(), "signin_failed", outcome="failed", username="?", path="/auth/device",
                     detail={"method": "device", "reason": "unknown token"})  # fmt: skip
        return render("大屏登记链接无效或已使用，请让管理员重新生成。", 403)
    store().revoke_device_token(token)
    establish(user, "device_enrol")
    response = flask.redirect(default_landing(user.role), 303)
    set_device_cookie(response, store().issue_device_token(user.username, _settings().kiosk_token_days))
    return response
