"""The sign-in lockout (cockpit/auth/ratelimit.py, cockpit/store/lockout.py): failures counted per
(user, address) before the password is checked, a lock that never keeps the owner out of their own
address, a per-address limit, a delay that grows across addresses, `cockpit users unlock`."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest

from cockpit.access import audit
from cockpit.settings import Settings
from tests.conftest import add_user, csrf_from, login

LULIANG, LINXIAN = "141100", "141124"
OWNER, ATTACKER = "10.20.0.7", "203.0.113.9"


@pytest.fixture
def app(settings: Settings) -> Any:
    from cockpit.app import create_app

    return create_app(settings)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the sign-in waited, recorded instead of slept."""
    from cockpit.auth import ratelimit

    waits: list[float] = []
    monkeypatch.setattr(ratelimit, "sleep", waits.append, raising=False)
    return waits


def client_from(app: Any, address: str) -> Any:
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def events(settings: Settings, event: str) -> list[dict[str, Any]]:
    return audit.query(settings, event=event).to_dict("records")  # type: ignore[no-any-return]


def cli(settings: Settings, *args: str) -> Any:
    from typer.testing import CliRunner

    from cockpit.cli import app as cockpit_cli

    env = {"COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path), "COCKPIT_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    return CliRunner().invoke(cockpit_cli, list(args), env=env)


def test_the_owner_signs_in_while_an_attacker_fails_from_another_address(
    settings: Settings, app: Any, slept: list[float]
) -> None:
    add_user(settings, "admin", "admin", settings.province_adcode)
    attacker = client_from(app, ATTACKER)
    answers = [login(attacker, "admin", f"guess-number-{i}").status_code for i in range(10)]
    assert answers == [401] * 5 + [429] * 5
    # The owner, from their own address, with the right password: in (slowed a little, not locked).
    owner = client_from(app, OWNER)
    assert login(owner, "admin").status_code == 303
    assert owner.get("/api/v1/indicators").status_code == 200
    assert slept == [0.25]
    # The owner's success clears only their own address: the attacker stays locked, right password or not.
    assert login(attacker, "admin").status_code == 429
    assert [r["ip"] for r in events(settings, "signin")] == [OWNER]


def test_simultaneous_wrong_attempts_get_at_most_five_password_checks(
    settings: Settings, app: Any, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from cockpit.auth.users import UserStore

    add_user(settings, "li", "leader", LULIANG)
    checks: list[str] = []
    lock = threading.Lock()
    verify = UserStore.verify

    def counted(self: UserStore, username: str, password: str) -> Any:
        with lock:
            checks.append(username)
        time.sleep(0.05)  # a password check takes a while: every racing attempt is past the limit check
        return verify(self, username, password)

    monkeypatch.setattr(UserStore, "verify", counted)
    clients = [client_from(app, ATTACKER) for _ in range(30)]
    tokens = [csrf_from(c.get("/login").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def attempt(client: Any, token: str) -> None:
        start.wait()
        answer = client.post(
            "/login", data={"csrf_token": token, "username": "li", "password": "wrong-password"}
        )
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checks) <= settings.login_max_failures_user == 5
    assert sorted(statuses) == [401] * len(checks) + [429] * (30 - len(checks))
    assert len(checks) == 5  # nothing lost either: the five reserved attempts were all checked
    assert len(events(settings, "signin_failed")) == 5 and len(events(settings, "signin_limited")) == 25
    assert len(events(settings, "signin_locked")) == 1  # one lock, started once
    # Still locked from there with the right password; not from anywhere else.
    assert login(client_from(app, ATTACKER), "li").status_code == 429
    assert login(client_from(app, OWNER), "li").status_code == 303


def test_after_five_failures_the_address_is_refused_until_unlock(
    settings: Settings, app: Any, slept: list[float]
) -> None:
    add_user(settings, "li", "staff", LINXIAN)
    add_user(settings, "cityadmin", "admin", LULIANG)
    add_user(settings, "sheng", "leader", settings.province_adcode)
    client = client_from(app, OWNER)
    for _ in range(5):
        assert login(client, "li", "wrong-password").status_code == 401
    answer = login(client, "li")
    assert answer.status_code == 429 and "次数过多" in answer.get_data(as_text=True)
    assert 0 < int(answer.headers["Retry-After"]) <= 15 * 60
    (locked,) = events(settings, "signin_locked")
    assert (locked["username"], locked["ip"]) == ("li", OWNER)
    assert json.loads(locked["detail"])["scope"] == "user" and json.loads(locked["detail"])["failures"] == 5
    # A successful sign-in elsewhere does not lift the lock here.
    assert login(client_from(app, ATTACKER), "li").status_code == 303
    assert login(client, "li").status_code == 429

    # An administrator may unlock only users they may manage; the refusal is audited.
    refused = cli(settings, "users", "unlock", "sheng", "--actor", "cityadmin")
    assert refused.exit_code == 3 and "拒绝" in refused.output
    assert json.loads(events(settings, "user_change_denied")[0]["detail"])["action"] == "unlock"
    assert cli(settings, "users", "unlock", "nobody").exit_code == 2
    result = cli(settings, "users", "unlock", "li", "--actor", "cityadmin")
    assert result.exit_code == 0 and "已解除 li 的登录锁定" in result.output
    (unlocked,) = events(settings, "signin_unlocked")
    assert unlocked["username"] == "cityadmin" and unlocked["role"] == "admin"
    assert json.loads(unlocked["detail"])["target"] == "li"
    assert login(client, "li").status_code == 303
    assert "无需解除" in cli(settings, "users", "unlock", "li").output


def test_the_delay_grows_across_addresses(settings: Settings, app: Any, slept: list[float]) -> None:
    add_user(settings, "li", "leader", LULIANG)
    add_user(settings, "wang", "leader", LULIANG)
    for n in range(3):  # five failures from each of three addresses
        attacker = client_from(app, f"198.51.100.{n + 1}")
        assert [login(attacker, "li", "wrong-password").status_code for _ in range(5)] == [401] * 5
    # None for the first five failures; then 0.25 s doubling with each, at most 4 s.
    assert slept == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    delays = [json.loads(r["detail"]).get("delay") for r in reversed(events(settings, "signin_failed"))]
    assert delays == [None] * 5 + slept
    # The delay is the user's: another name from an attacker's address is not slowed …
    assert login(client_from(app, "198.51.100.1"), "wang").status_code == 303
    assert len(slept) == 10
    # … and the owner, slowed but never locked, still gets in; their success clears their address only.
    assert login(client_from(app, OWNER), "li").status_code == 303
    assert slept[-1] == 4.0
    assert login(client_from(app, OWNER), "li").status_code == 303
    assert slept[-1] == 4.0  # the fifteen failures elsewhere still count


def test_the_per_address_limit_spares_other_addresses(
    settings: Settings, app: Any, slept: list[float]
) -> None:
    assert settings.login_max_failures_ip == 30
    add_user(settings, "li", "leader", LULIANG)
    office = client_from(app, ATTACKER)
    for i in range(30):  # thirty names from one address
        assert login(office, f"name-{i}", "wrong-password").status_code == 401
    assert login(office, "li").status_code == 429  # the address is locked, right password or not
    (locked,) = events(settings, "signin_locked")
    assert json.loads(locked["detail"])["scope"] == "address" and locked["ip"] == ATTACKER
    assert login(client_from(app, OWNER), "li").status_code == 303
    assert slept == []


def test_a_lock_ends_with_its_window_and_counting_starts_again(settings: Settings, app: Any,
                                                               slept: list[float]) -> None:  # fmt: skip
    import time_machine

    add_user(settings, "li", "leader", LULIANG)
    client = client_from(app, ATTACKER)
    for _ in range(5):
        assert login(client, "li", "wrong-password").status_code == 401
    assert login(client, "li").status_code == 429
    with time_machine.travel(timedelta(minutes=settings.login_window_minutes, seconds=5), tick=False):
        assert login(client, "li", "wrong-password").status_code == 401  # counted afresh: one of five
        assert slept == []  # the old failures are past the window: no delay either
        assert login(client, "li").status_code == 303


def test_the_store_reserves_atomically_and_gives_back_on_success(settings: Settings) -> None:
    from datetime import datetime

    from cockpit import store
    from cockpit.store import lockout

    engine = store.database(settings)
    now = datetime(2026, 11, 28, 9, 30)
    limits = lockout.Limits(per_user=5, per_address=8, window=timedelta(minutes=15))
    results: list[lockout.Reservation] = []
    start = threading.Barrier(20)

    def reserve() -> None:
        start.wait()
        results.append(lockout.reserve(engine, "li", "10.0.0.1", now=now, limits=limits))

    threads = [threading.Thread(target=reserve) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.allowed for r in results) == 5
    assert {r.refused_by for r in results if not r.allowed} == {"user"}
    # Three of the five fail and one signs in: the address keeps four, the user's counter there is cleared.
    locks = [
        lock for _ in range(3) for lock in lockout.failed(engine, "li", "10.0.0.1", now=now, limits=limits)
    ]
    assert [lock.scope for lock in locks] == ["user"]  # five reserved: the limit is reached, locked once
    assert not lockout.reserve(engine, "li", "10.0.0.1", now=now, limits=limits).allowed
    lockout.succeeded(engine, "li", "10.0.0.1", limits=limits)
    assert lockout.reserve(engine, "li", "10.0.0.1", now=now, limits=limits).allowed  # address: 5 of 8
    for _ in range(3):  # 6, 7, 8
        assert lockout.reserve(engine, "wang", "10.0.0.1", now=now, limits=limits).allowed
    refused = lockout.reserve(engine, "zhao", "10.0.0.1", now=now, limits=limits)
    assert not refused.allowed and refused.refused_by == "address"
    assert refused.locked_until == now + timedelta(minutes=15)
    assert lockout.reserve(engine, "zhao", "10.0.0.2", now=now, limits=limits).allowed
    assert lockout.clear_user(engine, "li") == 1 and lockout.clear_user(engine, "li") == 0
