"""Server-side sessions: the browser's cookie carries only a random token, the store says whether it
is a live session. Signing out, a password, role or scope change, disabling a user and
`cockpit users sign-out` end sessions at once, on every worker; a saved copy of the cookie is
worthless afterwards. Idle and absolute expiry are the server's."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from cockpit.access import audit
from cockpit.settings import Settings
from tests.conftest import DEFAULT_TEST_PASSWORD, add_user, csrf_from, login
from tests.test_oidc import Provider, oidc_app, provider, sso  # noqa: F401 (fixtures)

LULIANG = "141100"
COOKIE = "cockpit_session"
API = "/api/v1/indicators"
PAGE = "/targets"


@pytest.fixture
def shared(settings: Settings) -> Settings:
    """Settings as a deployment's workers share them (one secret key, one store)."""
    return settings.model_copy(update={"secret_key": SecretStr("one-key-for-every-worker-of-the-test")})


@pytest.fixture
def app(shared: Settings) -> Any:
    from cockpit.app import create_app

    return create_app(shared)


def saved_cookie(client: Any) -> str:
    found = client.get_cookie(COOKIE)
    assert found is not None, "no session cookie"
    return str(found.value)


def replay(app: Any, cookie: str) -> Any:
    """A new client (another browser, another machine) holding a copy of ``cookie``."""
    other = app.server.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def cookie_content(app: Any, cookie: str) -> dict[str, Any]:
    return dict(app.server.session_interface.get_signing_serializer(app.server).loads(cookie))


def forged_cookie(app: Any, content: dict[str, Any]) -> str:
    """A cookie signed with the deployment's key (as an old-format cookie or a stolen key would be)."""
    return str(app.server.session_interface.get_signing_serializer(app.server).dumps(content))


def signed_out(client: Any) -> bool:
    """Both ways of asking: the API answers 401 and a page sends the browser to the sign-in page."""
    api = client.get(API)
    page = client.get(PAGE)
    return (
        api.status_code == 401 and page.status_code == 302 and page.headers["Location"].startswith("/login")
    )


def signed_in(client: Any) -> bool:
    return client.get(API).status_code == 200 and client.get(PAGE).status_code == 200


def session_rows(settings: Settings, username: str) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from cockpit import store
    from cockpit.store.tables import session

    with store.database(settings).connect() as conn:
        rows = conn.execute(
            select(session).where(session.c.username == username).order_by(session.c.created_at)
        )
        return [dict(r) for r in rows.mappings()]


def post_login(app: Any, client: Any, username: str) -> Any:
    """Posts the sign-in form with the session the browser holds (a signed-in browser's GET /login
    redirects, so the form token comes from the cookie)."""
    csrf = cookie_content(app, saved_cookie(client))["csrf"]
    return client.post("/login", data={"csrf_token": csrf, "username": username,
                                       "password": DEFAULT_TEST_PASSWORD, "next": "/"})  # fmt: skip


def logout(client: Any) -> Any:
    token = csrf_from(client.get("/logout").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def cli(settings: Settings, *args: str) -> Any:
    from typer.testing import CliRunner

    from cockpit.cli import app as cockpit_cli

    env = {"COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path), "COCKPIT_DATA_DIR": str(settings.data_dir)}
    return CliRunner().invoke(cockpit_cli, ["users", *args], env=env)


# --- signing out ------------------------------------------------------------------------------------
def test_a_cookie_saved_before_logout_is_refused_after_it(shared: Settings, app: Any) -> None:
    add_user(shared, "li", "leader", "140000")
    client = app.server.test_client()
    assert login(client, "li").status_code == 303
    cookie = saved_cookie(client)
    assert signed_in(client) and signed_in(replay(app, cookie))  # a copy works while the session lives
    assert logout(client).status_code == 303
    assert signed_out(client)
    # The same cookie, put back into this browser or replayed from another machine: refused.
    client.set_cookie(COOKIE, cookie)
    assert signed_out(client)
    assert signed_out(replay(app, cookie))
    # The row says when the session ended; the cookie held only the token, never its digest.
    [row] = session_rows(shared, "li")
    assert row["revoked_at"] is not None
    content = cookie_content(app, cookie)
    assert set(content) - {"_permanent"} == {"sid", "csrf"} and row["id"] != content["sid"]
    assert [r["username"] for r in audit.query(shared, event="signout").to_dict("records")] == ["li"]


def test_every_sign_in_gets_a_fresh_token_and_ends_the_browsers_previous_session(
    shared: Settings, app: Any
) -> None:
    add_user(shared, "li", "leader", "140000")
    add_user(shared, "mallory", "staff", LULIANG)
    # Session fixation: someone plants the cookie of their own session in li's browser …
    attacker = app.server.test_client()
    assert login(attacker, "mallory").status_code == 303
    planted = saved_cookie(attacker)
    client = replay(app, planted)
    assert post_login(app, client, "li").status_code == 303
    # … li's sign-in gets a token of its own and ends the planted session: the planter gains nothing.
    first = saved_cookie(client)
    assert cookie_content(app, first)["sid"] != cookie_content(app, planted)["sid"]
    assert client.get("/api/v1/regions/140000").status_code == 200  # li's session, li's scope
    assert signed_out(attacker) and signed_out(replay(app, planted))
    # Signing in again, even as the same user, replaces the token and ends the session it replaced.
    assert post_login(app, client, "li").status_code == 303
    second = saved_cookie(client)
    assert cookie_content(app, second)["sid"] != cookie_content(app, first)["sid"]
    assert signed_out(replay(app, first)) and signed_in(client)
    assert [r["revoked_at"] is not None for r in session_rows(shared, "li")] == [True, False]


# --- changes to the user end sessions on every worker ------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [{"role": "staff"}, {"scope": LULIANG}, {"password": "another-password-2026"}, {"disabled": True}],
    ids=["role", "scope", "password", "disabled"],
)
def test_a_change_made_on_one_worker_ends_the_session_on_another_at_once(
    shared: Settings, change: dict[str, Any]
) -> None:
    from cockpit.app import create_app

    worker_1, worker_2 = create_app(shared), create_app(shared)
    add_user(shared, "li", "leader", "140000")
    add_user(shared, "wang", "leader", "140000")
    li, wang = worker_2.server.test_client(), worker_2.server.test_client()
    assert login(li, "li").status_code == 303 and login(wang, "wang").status_code == 303
    cookie = saved_cookie(li)
    assert signed_in(li) and signed_in(replay(worker_1, cookie))  # either worker serves the session
    with worker_1.server.app_context():  # the change is made through worker 1's own user store
        worker_1.server.extensions["cockpit_auth"].update("li", **change)
    # Worker 2 learns of it at the very next request, whatever copy of the cookie is sent.
    assert signed_out(li)
    assert signed_out(replay(worker_2, cookie)) and signed_out(replay(worker_1, cookie))
    assert signed_in(wang)  # nobody else's session ends
    detail = [json.loads(r["detail"]) for r in audit.query(shared, event="user_change").to_dict("records")]
    assert any(d.get("target") == "li" and d.get("sessions_ended") == 1 for d in detail)
    if not change.get("disabled"):  # a new sign-in works with the new role, scope or password
        password = change.get("password")
        assert login(li, "li", *([password] if password else [])).status_code == 303
        assert li.get(API).status_code == 200


def test_re_enabling_a_user_does_not_bring_back_the_sessions_disabling_ended(
    shared: Settings, app: Any
) -> None:
    from cockpit.auth.users import UserStore

    store = UserStore(shared)
    add_user(shared, "li", "staff", LULIANG)
    client = app.server.test_client()
    assert login(client, "li").status_code == 303
    cookie = saved_cookie(client)
    store.update("li", disabled=True)
    assert signed_out(replay(app, cookie))
    store.update("li", disabled=False)
    assert signed_out(replay(app, cookie))
    # Changes that do not concern who the session is for leave it alone.
    assert login(client, "li").status_code == 303
    store.update("li", duty=True, display_name="李工", role="staff", scope=LULIANG)
    assert signed_in(client)


def test_sign_out_from_the_command_line_ends_every_session_of_a_user(shared: Settings, app: Any) -> None:
    add_user(shared, "li", "staff", LULIANG)
    add_user(shared, "cityadmin", "admin", LULIANG)
    add_user(shared, "sheng", "admin", "140000")
    office, home, admin = (app.server.test_client() for _ in range(3))
    for client, name in ((office, "li"), (home, "li"), (admin, "sheng")):
        assert login(client, name).status_code == 303
    result = cli(shared, "sign-out", "li")
    assert result.exit_code == 0, result.output
    assert "已结束 li 的 2 个会话" in result.output
    assert signed_out(office) and signed_out(home)
    assert signed_in(admin)
    # The same rules as every other change: a city administrator cannot sign out a province one.
    refused = cli(shared, "sign-out", "sheng", "--actor", "cityadmin")
    assert refused.exit_code == 3 and "拒绝" in refused.output
    assert signed_in(admin)
    assert cli(shared, "sign-out", "nobody").exit_code == 2
    # Audited as a user change, by the operator and with the count.
    changes = [json.loads(r["detail"]) for r in audit.query(shared, event="user_change").to_dict("records")]
    assert {"action": "sign_out", "target": "li", "sessions_ended": 2} in changes
    denied = audit.query(shared, event="user_change_denied").to_dict("records")
    assert [(r["username"], json.loads(r["detail"])["action"]) for r in denied] == [("cityadmin", "sign_out")]
    # A user signed out signs in again as usual.
    assert login(office, "li").status_code == 303 and signed_in(office)


def test_signing_out_a_wall_leaves_its_device_token(shared: Settings, app: Any) -> None:
    add_user(shared, "wall", "kiosk", "140000")
    wall = app.server.test_client()
    assert login(wall, "wall").status_code == 303
    cookie = saved_cookie(wall)
    result = cli(shared, "sign-out", "wall")
    assert result.exit_code == 0 and "kiosk-token wall --revoke" in result.output
    assert replay(app, cookie).get("/").status_code == 302  # the session itself is over
    # The wall itself signs in again from its device token, as after any end of its session …
    assert wall.get("/").status_code == 200
    methods = [json.loads(r["detail"])["method"] for r in audit.query(shared, event="signin", username="wall")
               .to_dict("records")]  # fmt: skip
    assert sorted(methods) == ["device", "password"]
    # … until its device tokens are revoked as well.
    assert cli(shared, "kiosk-token", "wall", "--revoke").exit_code == 0
    assert cli(shared, "sign-out", "wall").exit_code == 0
    assert wall.get("/").status_code == 302


# --- expiry, from the server's row --------------------------------------------------------------------
def test_idle_expiry_is_the_servers_and_the_idle_clock_is_written_sparingly(
    shared: Settings, app: Any, session_clock: Any
) -> None:

    clock = session_clock
    add_user(shared, "li", "staff", LULIANG)
    client = app.server.test_client()
    assert login(client, "li").status_code == 303
    [row] = session_rows(shared, "li")
    signed_in_at = datetime.fromisoformat(row["last_seen_at"])
    assert row["created_at"] == row["last_seen_at"] and row["revoked_at"] is None
    # Requests within a few seconds of each other do not write to the store …
    for _ in range(5):
        clock.now += 2
        assert client.get(API).status_code == 200
    assert session_rows(shared, "li")[0]["last_seen_at"] == row["last_seen_at"]
    # … a request after a quarter of a minute does: the idle clock moves on.
    clock.now += 10
    assert client.get(API).status_code == 200
    assert datetime.fromisoformat(session_rows(shared, "li")[0]["last_seen_at"]) > signed_in_at
    # Idle just within the limit: still signed in; then idle past it: out, whatever copy is sent.
    cookie = saved_cookie(client)
    clock.now += shared.session_minutes * 60 - 5
    assert client.get(API).status_code == 200
    clock.now += shared.session_minutes * 60 + 1
    assert signed_out(replay(app, cookie))
    assert client.get(API).status_code == 401
    assert "会话已过期" in client.get("/login").get_data(as_text=True)


def test_absolute_expiry_ends_even_a_busy_session(shared: Settings, app: Any, session_clock: Any) -> None:

    clock = session_clock
    add_user(shared, "li", "staff", LULIANG)
    client = app.server.test_client()
    assert login(client, "li").status_code == 303
    [row] = session_rows(shared, "li")
    lifetime = datetime.fromisoformat(row["expires_at"]) - datetime.fromisoformat(row["created_at"])
    assert lifetime == timedelta(hours=shared.session_max_hours)
    start = clock.now
    while clock.now - start < shared.session_max_hours * 3600 - 120:  # busy: every ten minutes
        assert client.get(API).status_code == 200
        clock.now += 600
    clock.now = start + shared.session_max_hours * 3600 + 1
    assert client.get(API).status_code == 401


# --- tokens that are not ours ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        {"sid": "unknown-token-" + "x" * 30},
        {"sid": "short"},
        {"sid": "y" * 5000},
        {"sid": 12345},
        {"sid": ["a", "b"]},
        {"sid": None},
        {"sid": ""},
        # A cookie naming a user but carrying no session token (the old format, or a stolen key):
        {"uid": "li", "gen": 1, "start": 0, "seen": 0},
    ],
    ids=["unknown", "short", "long", "number", "list", "null", "empty", "name-only"],
)
def test_an_unknown_or_malformed_session_token_is_simply_not_signed_in(
    shared: Settings, app: Any, content: dict[str, Any]
) -> None:
    import time

    add_user(shared, "li", "leader", "140000")
    if "uid" in content:
        content = {**content, "start": int(time.time()), "seen": int(time.time())}
    client = replay(app, forged_cookie(app, {**content, "csrf": "c" * 43}))
    assert signed_out(client)
    form = client.get("/login")
    assert form.status_code == 200 and "会话已过期" not in form.get_data(as_text=True)
    assert login(client, "li").status_code == 303 and signed_in(client)  # the form still works
    # Not even the digest the store keeps is a token: a copy of the database signs nobody in.
    [row] = [r for r in session_rows(shared, "li") if r["revoked_at"] is None]
    assert signed_out(replay(app, forged_cookie(app, {"sid": row["id"], "csrf": "c" * 43})))


# --- single sign-on uses the same sessions -----------------------------------------------------------
def test_a_single_sign_on_session_is_a_server_side_session_too(
    oidc_app: Any,  # noqa: F811
    provider: Provider,  # noqa: F811
    settings: Settings,
) -> None:
    add_user(settings, "zhang.san", "staff", LULIANG)
    add_user(settings, "mallory", "staff", LULIANG)
    attacker = oidc_app.server.test_client()
    assert login(attacker, "mallory").status_code == 303
    planted = saved_cookie(attacker)
    client = oidc_app.server.test_client()
    client.set_cookie(COOKIE, planted)  # a planted session: the sign-on must not keep its token
    assert sso(client, provider, "zhang.san").status_code == 303
    cookie = saved_cookie(client)
    assert cookie_content(oidc_app, cookie)["sid"] != cookie_content(oidc_app, planted)["sid"]
    assert attacker.get(API).status_code == 401
    assert client.get("/api/v1/regions/141100").status_code == 200
    assert [r["revoked_at"] for r in session_rows(settings, "zhang.san")] == [None]
    assert logout(client).status_code == 303
    other = oidc_app.server.test_client()
    other.set_cookie(COOKIE, cookie)
    assert other.get("/api/v1/regions/141100").status_code == 401
