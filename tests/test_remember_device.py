"""记住此设备 (issue 23): a phone stays signed in for a bounded number of days without a password,
until it signs out, its user's password, role or scope changes, the user is disabled or signed out
everywhere; the token is HttpOnly, kept only as a digest, and never for the wall's kiosk role."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.access import audit
from cockpit.auth.sessions import REMEMBER_COOKIE
from cockpit.auth.users import UserStore
from cockpit.settings import Settings
from tests.conftest import DEFAULT_TEST_PASSWORD, add_user, csrf_from

LVLIANG = "141100"


@pytest.fixture
def app(settings: Settings) -> Any:
    from cockpit.app import create_app

    return create_app(settings)


def _sign_in(app: Any, username: str, *, remember: bool, role: str = "leader") -> tuple[Any, Any]:
    """A fresh phone (test client) signed in through the form; returns it and the POST's answer."""
    settings = app.server.extensions["cockpit"].settings
    add_user(settings, username, role, LVLIANG)
    client = app.server.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    form = {"csrf_token": token, "username": username, "password": DEFAULT_TEST_PASSWORD, "next": "/m"}
    answer = client.post("/login", data=form | ({"remember": "1"} if remember else {}))
    assert answer.status_code == 303
    return client, answer


def _session_ends(client: Any) -> None:
    """The browser session is gone (closed, or past its idle end): only the remembered token is left."""
    client.delete_cookie("cockpit_session")


def test_a_remembered_phone_is_signed_in_again_without_a_password(app: Any, settings: Settings) -> None:
    client, answer = _sign_in(app, "remember-li", remember=True)
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith(REMEMBER_COOKIE + "="))
    assert "HttpOnly" in cookie and f"Max-Age={30 * 86400}" in cookie and "SameSite=Lax" in cookie
    _session_ends(client)
    assert client.get("/m").status_code == 200
    assert '{"method": "remembered"}' in [
        e["detail"] for e in audit.query(settings, event="signin").to_dict("records")
    ]
    # The store keeps only the token's digest.
    token = client.get_cookie(REMEMBER_COOKIE).value
    assert token not in UserStore(settings).path.read_bytes().decode("latin-1")


def test_without_the_box_nothing_is_remembered(app: Any) -> None:
    client, answer = _sign_in(app, "remember-no", remember=False)
    assert not any(c.startswith(REMEMBER_COOKIE) for c in answer.headers.getlist("Set-Cookie"))
    _session_ends(client)
    assert client.get("/m").status_code == 302


def test_signing_out_forgets_the_device_on_the_server(app: Any) -> None:
    client, _ = _sign_in(app, "remember-out", remember=True)
    token = client.get_cookie(REMEMBER_COOKIE).value
    csrf = csrf_from(client.get("/m").get_data(as_text=True))
    answer = client.post("/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303 and client.get_cookie(REMEMBER_COOKIE) is None
    client.set_cookie(REMEMBER_COOKIE, token)  # a copy of the cookie kept from before
    assert client.get("/m").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        {"password": "another-password-2026"},
        {"role": "staff"},
        {"scope": "141124"},
        {"disabled": True},
    ],
)
def test_a_changed_password_role_or_scope_ends_it(
    app: Any, settings: Settings, change: dict[str, Any]
) -> None:
    client, _ = _sign_in(app, "remember-change", remember=True)
    UserStore(settings).update("remember-change", **change)
    _session_ends(client)
    assert client.get("/m").status_code == 302


def test_signing_the_user_out_everywhere_ends_it(app: Any, settings: Settings) -> None:
    client, _ = _sign_in(app, "remember-everywhere", remember=True)
    UserStore(settings).sign_out("remember-everywhere")
    _session_ends(client)
    assert client.get("/m").status_code == 302


def test_it_lasts_the_days_set_and_no_longer(settings: Settings) -> None:
    from datetime import datetime, timedelta

    from cockpit import store
    from cockpit.store import remembered

    engine = store.database(settings)
    add_user(settings, "remember-days", "leader", LVLIANG)
    now = datetime(2026, 11, 28, 12, 0)
    token = remembered.issue(
        engine, "remember-days", generation=1, role="leader", scope=LVLIANG, now=now, days=30
    )
    assert remembered.lookup(engine, token, now + timedelta(days=29, hours=23)) is not None
    assert remembered.lookup(engine, token, now + timedelta(days=30)) is None
    assert remembered.lookup(engine, "x" * 43, now) is None and remembered.lookup(engine, None, now) is None


def test_the_walls_kiosk_role_and_a_deployment_that_turns_it_off(app: Any, settings: Settings) -> None:
    _client, answer = _sign_in(app, "remember-wall", remember=True, role="kiosk")
    assert not any(c.startswith(REMEMBER_COOKIE) for c in answer.headers.getlist("Set-Cookie"))
    assert "记住此设备（30 天内免登录" in app.server.test_client().get("/login").get_data(as_text=True)
    from cockpit.app import create_app

    off = create_app(settings.model_copy(update={"remember_device_days": 0})).server.test_client()
    assert 'name="remember"' not in off.get("/login").get_data(as_text=True)
