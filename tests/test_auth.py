"""Sign-in, sessions, the wall's device token, CSRF, rate limiting, user management and hardening."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from cockpit.access import audit
from cockpit.principal import AccessDenied, Principal
from cockpit.settings import Settings
from tests.conftest import DEFAULT_TEST_PASSWORD, add_user, csrf_from, login

LULIANG, LINXIAN, TAIYUAN = "141100", "141124", "140100"


@pytest.fixture
def app(settings: Settings) -> Any:
    from cockpit.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Any:
    return app.server.test_client()


def events(settings: Settings, event: str) -> list[dict[str, Any]]:
    return audit.query(settings, event=event).to_dict("records")  # type: ignore[no-any-return]


class FakeClock:
    """Stands in for ``time`` in the session module: expiry without waiting."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def time(self) -> float:
        return self.now


# --- the user store and the privilege rules ---------------------------------------------------------
def test_passwords_are_argon2_hashed_and_verified(settings: Settings) -> None:
    import sqlite3

    from cockpit.auth.users import UserError, UserStore, store_path

    store = UserStore(settings)
    store.create("li", DEFAULT_TEST_PASSWORD, "staff", LULIANG, "李工")
    stored = sqlite3.connect(store_path(settings)).execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and DEFAULT_TEST_PASSWORD not in stored
    assert store.verify("li", DEFAULT_TEST_PASSWORD).principal() == Principal("li", "staff", LULIANG, "李工")  # type: ignore[union-attr]
    assert store.verify("li", "wrong-password") is None
    assert store.verify("nobody", DEFAULT_TEST_PASSWORD) is None
    assert store.verify("li", "x" * 10_000) is None
    store.update("li", disabled=True)
    assert store.verify("li", DEFAULT_TEST_PASSWORD) is None
    with pytest.raises(UserError, match="密码长度"):
        store.create("wang", "short", "staff", LULIANG)
    with pytest.raises(UserError, match="未知地区"):
        store.create("wang", DEFAULT_TEST_PASSWORD, "staff", "149999")
    with pytest.raises(UserError, match="未知角色"):
        store.create("wang", DEFAULT_TEST_PASSWORD, "root", LULIANG)
    with pytest.raises(UserError, match="用户名"):
        store.create("<script>", DEFAULT_TEST_PASSWORD, "staff", LULIANG)
    with pytest.raises(UserError, match="已存在"):
        store.create("li", DEFAULT_TEST_PASSWORD, "staff", LULIANG)
    # The store lives beside the snapshots, never inside one.
    assert store_path(settings).parent == settings.warehouse_path


def test_privilege_escalation_through_user_management_is_refused(settings: Settings) -> None:
    from cockpit.auth.users import UserStore

    store = UserStore(settings)
    province_admin = store.create("sheng", DEFAULT_TEST_PASSWORD, "admin", "140000").principal()
    city_admin = store.create("lvliang-admin", DEFAULT_TEST_PASSWORD, "admin", LULIANG,
                              actor=province_admin).principal()  # fmt: skip
    staff = store.create(
        "lvliang-staff", DEFAULT_TEST_PASSWORD, "staff", LULIANG, actor=city_admin
    ).principal()
    store.create("linxian-leader", DEFAULT_TEST_PASSWORD, "leader", LINXIAN, actor=city_admin)  # within scope

    refused = [
        # Without the "users" permission nothing can be changed, not even downwards.
        lambda: store.create("x1", DEFAULT_TEST_PASSWORD, "leader", LULIANG, actor=staff),
        lambda: store.update("lvliang-staff", role="admin", actor=staff),  # promoting oneself
        # A city administrator can neither reach above their scope nor beside it …
        lambda: store.create("x2", DEFAULT_TEST_PASSWORD, "leader", "140000", actor=city_admin),
        lambda: store.create("x3", DEFAULT_TEST_PASSWORD, "staff", TAIYUAN, actor=city_admin),
        lambda: store.update("lvliang-admin", scope="140000", actor=city_admin),  # widening own scope
        lambda: store.update("lvliang-staff", scope=TAIYUAN, actor=city_admin),
        # … nor touch someone whose scope is wider than theirs.
        lambda: store.update("sheng", disabled=True, actor=city_admin),
        lambda: store.update("sheng", password="a-new-password-1", actor=city_admin),
        lambda: store.revoke_device_tokens("sheng", actor=city_admin),
        lambda: store.update("lvliang-admin", disabled=True, actor=city_admin),  # locking oneself out
    ]
    for attempt in refused:
        with pytest.raises(AccessDenied):
            attempt()
    # Nothing changed, and every refusal is in the audit log with its reason.
    assert store.get("sheng").scope == "140000" and not store.get("sheng").disabled  # type: ignore[union-attr]
    assert store.get("lvliang-admin").scope == LULIANG  # type: ignore[union-attr]
    assert store.get("lvliang-staff").role == "staff"  # type: ignore[union-attr]
    assert store.get("x1") is None and store.get("x2") is None and store.get("x3") is None
    denied = events(settings, "user_change_denied")
    assert len(denied) == len(refused)
    assert {r["username"] for r in denied} == {"lvliang-staff", "lvliang-admin"}
    assert all(json.loads(r["detail"])["reason"] for r in denied)
    changes = events(settings, "user_change")
    assert {json.loads(r["detail"])["target"] for r in changes} >= {
        "sheng",
        "lvliang-admin",
        "linxian-leader",
    }
    assert "password" not in " ".join(r["detail"] for r in changes if "password" in r["detail"]).replace(
        '"password": "changed"', ""
    )


def test_role_rank_caps_grants(settings: Settings) -> None:
    """Rank is a rule of its own: an actor holding "users" with a lower rank cannot grant above it."""
    from cockpit import principal as principal_mod
    from cockpit.auth.users import UserStore

    store = UserStore(settings)
    original = principal_mod.PERMISSIONS["staff"]
    principal_mod.PERMISSIONS["staff"] = original | {"users"}  # a hypothetical delegated staff role
    try:
        delegated = Principal("deleg", "staff", "140000")
        with pytest.raises(AccessDenied, match="高于本人"):
            store.create("boss", DEFAULT_TEST_PASSWORD, "admin", LULIANG, actor=delegated)
        assert store.create("ok-leader", DEFAULT_TEST_PASSWORD, "leader", LULIANG, actor=delegated)
    finally:
        principal_mod.PERMISSIONS["staff"] = original


def test_cli_manages_users_and_applies_the_actors_rules(settings: Settings) -> None:
    from typer.testing import CliRunner

    from cockpit.cli import app as cli

    env = {"COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path), "COCKPIT_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    pw = f"{DEFAULT_TEST_PASSWORD}\n{DEFAULT_TEST_PASSWORD}\n"
    result = runner.invoke(
        cli, ["users", "add", "cityadmin", "--role", "admin", "--scope", LULIANG], input=pw, env=env
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["users", "add", "wang", "--role", "staff", "--scope", LINXIAN, "--generate",
                                 "--actor", "cityadmin"], env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["users", "set-scope", "wang", "140000", "--actor", "cityadmin"], env=env)
    assert result.exit_code == 3 and "拒绝" in result.output
    result = runner.invoke(cli, ["users", "set-role", "wang", "leader", "--actor", "cityadmin"], env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["users", "set-role", "wang", "superuser"], env=env)
    assert result.exit_code == 2 and "未知角色" in result.output
    result = runner.invoke(cli, ["users", "disable", "wang"], env=env)
    assert result.exit_code == 0
    result = runner.invoke(cli, ["users", "list", "--json"], env=env)
    listed = {u["username"]: u for u in json.loads(result.output)}
    assert listed["wang"] == {**listed["wang"], "role": "leader", "scope": LINXIAN, "disabled": True}
    assert "password" not in result.output
    assert [r["username"] for r in events(settings, "user_change_denied")] == ["cityadmin"]
    assert any(r["username"].startswith("cli:") for r in events(settings, "user_change"))


# --- every entry needs a session -------------------------------------------------------------------
def test_every_page_api_call_and_export_needs_a_session(client: Any) -> None:
    page = client.get("/targets?region=141100")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/targets%3Fregion%3D141100"
    for path in ("/api/v1/indicators", "/api/v1/regions/140000", "/exports/grid.csv?region=140000",
                 "/exports/chart/trend.png", "/_dash-layout", "/_dash-dependencies"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert answer.get_json()["error"] == "请先登录"
    callback = client.post("/_dash-update-component", json={"output": "x.children", "inputs": []})
    assert callback.status_code == 401 and callback.get_json()["login"].startswith("/login")
    assert client.post("/exports/briefing", json={"region": "140000"}).status_code == 401
    # Public: the sign-in page, the health check, static files without data.
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/assets/login.css").status_code == 200


def test_sign_in_sign_out_and_the_audit_trail(settings: Settings, client: Any) -> None:
    add_user(settings, "li", "staff", LULIANG)
    form = client.get("/login?next=/targets")
    assert "用户名" in form.get_data(as_text=True) and form.headers["Cache-Control"] == "no-store"
    # No token, a foreign token: refused before the password is looked at.
    answer = client.post("/login", data={"username": "li", "password": DEFAULT_TEST_PASSWORD})
    assert answer.status_code == 400 and "页面已过期" in answer.get_data(as_text=True)
    answer = login(client, "li", "not-the-password")
    assert answer.status_code == 401 and "用户名或密码错误" in answer.get_data(as_text=True)
    answer = login(client, "li", next_path="/targets?region=141100")
    assert answer.status_code == 303 and answer.headers["Location"] == "/targets?region=141100"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/v1/indicators").status_code == 200
    page = client.get("/targets?region=141100")
    assert page.status_code == 200
    # Signing out needs the form token too.
    assert client.post("/logout", data={}).status_code == 400
    token = csrf_from(client.get("/logout").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/api/v1/indicators").status_code == 401
    signins = events(settings, "signin")
    assert [(r["username"], r["role"], json.loads(r["detail"])["method"]) for r in signins] == [
        ("li", "staff", "password")
    ]
    assert [r["username"] for r in events(settings, "signin_failed")] == ["li"]
    assert [r["username"] for r in events(settings, "signout")] == ["li"]


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil", "javascript:alert(1)"]
)
def test_no_open_redirect_after_sign_in(settings: Settings, client: Any, target: str) -> None:
    add_user(settings, "li", "leader", LULIANG)
    assert login(client, "li", next_path=target).headers["Location"] == "/"


def test_sign_in_is_rate_limited_per_user_from_one_address(
    settings: Settings, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.auth import ratelimit

    monkeypatch.setattr(ratelimit, "sleep", lambda seconds: None)  # the delay is tests/test_lockout.py's
    add_user(settings, "li", "leader", LULIANG)
    for _ in range(settings.login_max_failures_user):
        assert login(client, "li", "wrong-password").status_code == 401
    # Now even the right password is refused from this address until the window has passed.
    answer = login(client, "li")
    assert answer.status_code == 429 and "次数过多" in answer.get_data(as_text=True)
    assert client.get("/api/v1/indicators").status_code == 401
    assert [r["username"] for r in events(settings, "signin_limited")] == ["li"]
    assert [r["username"] for r in events(settings, "signin_locked")] == ["li"]
    # Another user from the same address is not affected, nor the same user from another address.
    add_user(settings, "wang", "leader", LULIANG)
    assert login(settings_client(settings), "wang").status_code == 303
    elsewhere = settings_client(settings, "10.9.8.7")
    assert login(elsewhere, "li").status_code == 303
    assert elsewhere.get("/api/v1/indicators").status_code == 200
    assert login(client, "li").status_code == 429  # still refused where the failures came from


def settings_client(settings: Settings, address: str = "127.0.0.1") -> Any:
    from cockpit.app import create_app

    client = create_app(settings).server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_sign_in_is_rate_limited_per_address(settings: Settings) -> None:
    settings = settings.model_copy(update={"login_max_failures_ip": 3})
    client = settings_client(settings)
    for name in ("a1", "a2", "a3"):
        assert login(client, name, "wrong-password").status_code == 401
    add_user(settings, "li", "leader", LULIANG)
    assert login(client, "li").status_code == 429
    # The address is limited, not the names tried from it.
    assert login(settings_client(settings, "10.9.8.7"), "li").status_code == 303


# --- sessions: expiry, disabling, the wall ---------------------------------------------------------
def test_idle_session_expires_and_changes_take_effect_at_once(
    settings: Settings, client: Any, session_clock: Any
) -> None:
    from cockpit.auth.users import UserStore

    clock = session_clock
    add_user(settings, "li", "staff", LULIANG)
    assert login(client, "li").status_code == 303
    clock.now += settings.session_minutes * 60 - 5  # active just within the idle limit
    assert client.get("/api/v1/indicators").status_code == 200
    clock.now += settings.session_minutes * 60 - 5  # activity refreshed the idle clock
    assert client.get("/api/v1/indicators").status_code == 200
    clock.now += settings.session_minutes * 60 + 1
    assert client.get("/api/v1/indicators").status_code == 401
    assert "会话已过期" in client.get("/login").get_data(as_text=True)
    # A disabled user is out at their next request; a password change ends older sessions.
    store = UserStore(settings)
    assert login(client, "li").status_code == 303
    store.update("li", disabled=True)
    assert client.get("/api/v1/indicators").status_code == 401
    store.update("li", disabled=False)
    assert login(client, "li").status_code == 303
    store.update("li", password="another-password-1")
    assert client.get("/api/v1/indicators").status_code == 401


def test_the_wall_signs_itself_in_again_and_nobody_else_does(
    settings: Settings, app: Any, session_clock: Any
) -> None:
    from cockpit.auth import sessions
    from cockpit.auth.users import UserStore

    clock = session_clock
    add_user(settings, "wall", "kiosk", "140000")
    add_user(settings, "li", "staff", "140000")
    wall, desk = app.server.test_client(), app.server.test_client()
    answer = login(wall, "wall")
    assert answer.status_code == 303 and answer.headers["Location"] == "/?kiosk=1"
    device = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith(sessions.DEVICE_COOKIE))
    assert "HttpOnly" in device and "Max-Age=" in device
    assert login(desk, "li").status_code == 303
    clock.now += settings.session_max_hours * 3600 + 60  # past idle and absolute expiry
    assert wall.get("/").status_code == 200  # silently signed in again
    assert desk.get("/api/v1/indicators").status_code == 401
    assert [
        json.loads(r["detail"])["method"] for r in events(settings, "signin") if r["username"] == "wall"
    ] == [
        "device",
        "password",
    ]
    # A staff user's browser cannot borrow the mechanism, and a revoked wall must sign in again.
    assert not any(
        c.startswith(sessions.DEVICE_COOKIE) for c in login(desk, "li").headers.getlist("Set-Cookie")
    )
    UserStore(settings).revoke_device_tokens("wall")
    clock.now += settings.session_max_hours * 3600 + 60
    assert wall.get("/api/v1/indicators").status_code == 401


def test_a_walls_enrolment_link_works_once(settings: Settings, client: Any) -> None:
    from cockpit.auth.users import UserError, UserStore

    store = UserStore(settings)
    add_user(settings, "wall", "kiosk", "140000")
    add_user(settings, "li", "staff", "140000")
    with pytest.raises(UserError):
        store.issue_device_token("li", 30)  # only kiosk accounts get device tokens
    token = store.issue_device_token("wall", 30)
    answer = client.get(f"/auth/device/{token}")
    assert answer.status_code == 303 and answer.headers["Location"] == "/?kiosk=1"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/indicators").status_code == 403  # the wall, and nothing else
    assert settings_client(settings).get(f"/auth/device/{token}").status_code == 403  # used up
    # Disabling the account revokes its walls.
    store.update("wall", disabled=True)
    assert store.device_user(token) is None


# --- CSRF on JSON endpoints, headers, errors ---------------------------------------------------------
def test_json_posts_must_come_from_the_cockpit(settings: Settings, client: Any) -> None:
    add_user(settings, "li", "staff", "140000")
    login(client, "li")
    body = {"region": "999999"}
    foreign = client.post("/exports/briefing", json=body, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.get_json()["error"] == "请求来源不符"
    assert client.post("/exports/briefing", data=body).status_code == 403  # a plain form post
    referer = client.post("/exports/briefing", json=body, headers={"Referer": "http://evil.example/x"})
    assert referer.status_code == 403
    own = client.post("/exports/briefing", json=body, headers={"Origin": "http://localhost"})
    assert own.status_code == 400  # reached the route: an unknown region
    login_forged = client.post("/login", data={"username": "li"}, headers={"Origin": "http://evil.example"})
    assert login_forged.status_code == 403


def test_security_headers_and_no_banner(settings: Settings, client: Any) -> None:
    add_user(settings, "li", "leader", "140000")
    login(client, "li")
    for path in ("/login", "/", "/api/v1/indicators"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "'sha256-" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Server" not in headers


def test_no_traceback_ever_reaches_a_client(settings: Settings) -> None:
    from cockpit.app import create_app

    app = create_app(settings)

    def boom() -> str:
        raise RuntimeError("secret path /srv/warehouse leaked")

    app.server.add_url_rule("/api/v1/boom", view_func=boom)
    app.server.add_url_rule("/boom-page", view_func=boom)
    client = app.server.test_client()
    add_user(settings, "li", "leader", "140000")
    login(client, "li")
    for path in ("/api/v1/boom", "/boom-page"):
        answer = client.get(path)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 500 and "服务器内部错误" in text
        assert "Traceback" not in text and "secret path" not in text


def test_the_dev_server_sends_no_banner(settings: Settings, app: Any) -> None:
    import httpx
    from werkzeug.serving import make_server

    from cockpit.auth.client import SignInFailed, sign_in
    from cockpit.auth.hardening import QuietRequestHandler

    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        add_user(settings, "li", "leader", "140000")
        with httpx.Client() as http:
            answer = http.get(f"{base}/login")
            assert "server" not in answer.headers
            with pytest.raises(SignInFailed):
                sign_in(http, base, "li", "wrong-password")
            sign_in(http, base, "li", DEFAULT_TEST_PASSWORD)  # the helper others' benchmarks use
            assert http.get(f"{base}/api/v1/indicators").status_code == 200
    finally:
        server.shutdown()


# --- audit: the admin page, ETL runs ------------------------------------------------------------------
def test_the_audit_page_is_for_administrators_only(settings: Settings, app: Any) -> None:
    from callbacks.audit import audit_rows
    from tests.conftest import signed_in_client

    leader = signed_in_client(app, "leader")
    admin = signed_in_client(app, "admin")
    city_admin = signed_in_client(app, "admin", LULIANG)
    login(app.server.test_client(), "test-leader", "wrong-password")
    assert "无权查看审计日志" in str(_layout(leader, "/admin/audit"))
    assert "审计日志" in str(_layout(admin, "/admin/audit"))
    with app.server.test_request_context("/_dash-update-component"):
        from cockpit.principal import set_principal

        set_principal(Principal("test-leader", "leader", "140000"))
        with pytest.raises(AccessDenied):
            audit_rows(None, None, None)
        set_principal(Principal("test-admin", "admin", "140000"))
        rows, _ = audit_rows("signin_failed", None, None)
        assert [r["username"] for r in rows] == ["test-leader"] and rows[0]["event_name"] == "登录失败"
        rows, _ = audit_rows(None, "test-admin", None)
        assert rows and {r["username"] for r in rows} == {"test-admin"}
        assert audit_rows(None, "'; DROP TABLE audit; --", None)[0] == []
        assert audit_rows("nope", None, None)[1] == "未知的事件类型"
        assert audit_rows(None, None, "14")[1] == "地区代码须为 6 位数字"
        set_principal(Principal("test-admin-141100", "admin", LULIANG))
        rows, _ = audit_rows(None, None, None)
        assert rows and all(r["region"] in {LULIANG, LINXIAN} or r["region"].startswith("1411") for r in rows)
    assert city_admin is not None


def _layout(client: Any, path: str) -> Any:
    """The page layout as the renderer asks for it (the router callback that fills the page)."""
    from tests.access_helpers import page_payload

    response = client.post("/_dash-update-component", json=page_payload(path))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]["_pages_content"]["children"]


def test_etl_runs_are_audited_and_survive_a_publish(settings: Settings, tmp_path: Any) -> None:
    from etl.runner import FeedRunError, run_feed

    src = tmp_path / "m.csv"
    src.write_bytes(
        "指标代码,地区名称,统计月份,指标值\nonline_service_rate,吕梁市,2026-10,93.5\n".encode("gbk")
    )
    run_feed(settings, "indicator_monthly", str(src))
    with pytest.raises(FeedRunError):
        run_feed(settings, "indicator_monthly", str(tmp_path / "missing.csv"))
    run_feed(settings, "indicator_monthly", str(src))  # publishes another snapshot
    rows = events(settings, "etl_run")
    assert [r["outcome"] for r in rows] == ["ok", "failed", "ok"]
    detail = json.loads(rows[-1]["detail"])
    assert detail["feed"] == "indicator_monthly" and detail["counts"]["inserted"] == 1


@pytest.fixture
def demo_cli_env(settings: Settings) -> Iterator[dict[str, str]]:
    yield {"COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path), "COCKPIT_DATA_DIR": str(settings.data_dir)}


def test_demo_accounts_are_created_and_printed(settings: Settings, demo_cli_env: dict[str, str]) -> None:
    from typer.testing import CliRunner

    from cockpit.auth.users import UserStore
    from cockpit.cli import app as cli

    result = CliRunner().invoke(cli, ["demo", "accounts"], env={**demo_cli_env, "COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    users = {u.username: u for u in UserStore(settings).list()}
    assert {(u.role, u.scope) for u in users.values()} == {
        ("admin", "140000"), ("leader", "140000"), ("staff", "140000"), ("staff", LULIANG),
        ("staff", LINXIAN), ("kiosk", "140000"),
    }  # fmt: skip
    line = next(line for line in result.output.splitlines() if "staff-county" in line)
    password = line.split("│")[-2].strip()
    assert UserStore(settings).verify("staff-county", password) is not None
    again = CliRunner().invoke(cli, ["demo", "accounts"], env={**demo_cli_env, "COLUMNS": "160"})
    assert "（未改动）" in again.output


def test_the_sign_in_page_names_the_configured_province(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The province's name comes from the region registry, not from a literal in the page."""
    from cockpit.warehouse.queries import Warehouse

    assert '<h1 class="login-title">山西省政府治理领导驾驶舱' in client.get("/login").get_data(as_text=True)
    monkeypatch.setattr(Warehouse, "region", lambda self, code: {"adcode": code, "name": "河北省"})
    page = client.get("/login").get_data(as_text=True)
    assert "河北省政府治理领导驾驶舱" in page and "山西" not in page
