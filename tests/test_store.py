"""The store (cockpit/store): one SQLAlchemy database for users, device tokens, sessions, audit and
alarm acknowledgements, its schema by Alembic, the old SQLite files imported once with every row,
and the password policy of the user store."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import inspect, select

from cockpit import store
from cockpit.settings import Settings
from tests.conftest import DEFAULT_TEST_PASSWORD

LULIANG = "141100"
NOW = datetime(2026, 11, 28, 9, 30)
TABLES = {
    "users",
    "device_token",
    "session",
    "audit",
    "alarm_ack",
    "legacy_import",
    "signin_failure",
    "job",
    "remembered_device",
}

# --- the old stores, exactly as they created their files (copied from the code they replace) -------
LEGACY_ACCESS_DDL = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    disabled INTEGER NOT NULL DEFAULT 0,
    generation INTEGER NOT NULL DEFAULT 1,  -- bumped on password change: older sessions end
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_tokens (
    digest TEXT PRIMARY KEY,                -- sha256 of the token; the token itself is never stored
    username TEXT NOT NULL REFERENCES users(username),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT
);
"""
LEGACY_AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,            -- ISO time, seconds
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,       -- ok | denied | failed
    username TEXT,               -- who (the claimed name for a failed sign-in)
    role TEXT,
    ip TEXT,
    region TEXT,                 -- the adcode concerned, if any
    path TEXT,                   -- the URL path or CLI command
    detail TEXT                  -- JSON: filters, formats, counts, reasons
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_event ON audit (event, at);
"""
LEGACY_ACK_DDL = (
    "CREATE TABLE IF NOT EXISTS ack (alarm_id TEXT PRIMARY KEY, who TEXT NOT NULL, at TEXT NOT NULL)"
)

LEGACY_PASSWORD = "an-old-password-2025"
_hash = PasswordHasher().hash(LEGACY_PASSWORD)
LEGACY_USERS = [
    # username, password_hash, role, scope, display_name, disabled, generation, created_at, updated_at
    ("admin", _hash, "admin", "140000", "系统管理员", 0, 1, "2026-01-02T08:00:00", "2026-01-02T08:00:00"),
    ("li", _hash, "staff", LULIANG, "李工", 0, 3, "2026-02-03T09:00:00", "2026-05-06T10:00:00"),
    ("gone", _hash, "leader", "140000", "", 1, 2, "2026-03-04T10:00:00", "2026-06-07T11:00:00"),
    ("wall", _hash, "kiosk", "140000", "指挥大厅大屏", 0, 1, "2026-04-05T11:00:00", "2026-04-05T11:00:00"),
]
LEGACY_TOKENS = [
    ("a" * 64, "wall", "2026-04-05T11:00:00", "2027-04-05T11:00:00", "2026-11-27T23:59:00"),
    ("b" * 64, "wall", "2026-05-05T11:00:00", "2027-05-05T11:00:00", None),
]
LEGACY_AUDIT = [  # ids with a gap, as a real log may have (none is ever reused)
    (1, "2026-11-01T08:00:00", "signin", "ok", "li", "staff", "10.0.0.7", LULIANG, "/login",
     json.dumps({"method": "password"})),
    (2, "2026-11-01T08:01:00", "signin_failed", "failed", "x", None, "10.0.0.8", None, "/login", None),
    (5, "2026-11-02T09:00:00", "export", "ok", "li", "staff", "10.0.0.7", "141124", "/exports/grid.xlsx",
     json.dumps({"format": "xlsx", "filters": {"区县": "临县"}}, ensure_ascii=False)),
    (6, "2026-11-03T10:00:00", "etl_run", "ok", None, None, None, None, "etl:hotline", '{"feed": "hotline"}'),
]  # fmt: skip
LEGACY_ACKS = [
    ("incident:D:I", "张三", "2026-11-27T10:00:00"),
    ("warning:W1", "值班员1", "2026-11-27T11:30:00"),
]


def write_legacy_files(directory: Path) -> None:
    """The three files the old stores left beside the snapshots, in WAL mode as they kept them."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, ddl, rows in (
        ("access.sqlite3", LEGACY_ACCESS_DDL, {"users": LEGACY_USERS, "device_tokens": LEGACY_TOKENS}),
        ("audit.sqlite3", LEGACY_AUDIT_DDL, {"audit": LEGACY_AUDIT}),
        ("alarm_ack.sqlite3", LEGACY_ACK_DDL, {"ack": LEGACY_ACKS}),
    ):
        con = sqlite3.connect(directory / name, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(ddl)
        for table, values in rows.items():
            marks = ",".join("?" * len(values[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
        con.close()


def rows_of(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    path = store.sqlite_file(settings.store_url)
    assert path is not None
    with sqlite3.connect(path) as con:
        return [tuple(r) for r in con.execute(sql)]


# --- the schema ------------------------------------------------------------------------------------
def test_the_schema_is_created_on_sqlite_and_matches_the_tables(settings: Settings) -> None:
    from cockpit.store.tables import metadata

    assert not (settings.warehouse_path / "cockpit.sqlite3").exists()
    assert store.upgrade(settings) == []  # no old files: nothing imported
    engine = store.database(settings)
    assert engine is store.get_engine(settings.store_url)  # one pooled engine per URL
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    assert store.current_revision(engine) == store.head_revision() == "0004"
    with engine.connect() as conn:
        # What the migrations built is what tables.py describes (no change left for a new revision).
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    users_columns = {c["name"]: c for c in inspect(engine).get_columns("users")}
    assert not users_columns["duty"]["nullable"] and "note" in {
        c["name"] for c in inspect(engine).get_columns("alarm_ack")
    }
    assert store.upgrade(settings) == []  # again: nothing to do


def test_first_use_from_many_threads_upgrades_once(settings: Settings) -> None:
    errors: list[BaseException] = []

    def use() -> None:
        try:
            from cockpit.access import audit

            audit.record(settings, "view", region="140000", username="t")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rows_of(settings, "SELECT count(*) FROM audit") == [(8,)]


# --- round trips -----------------------------------------------------------------------------------
def test_users_and_device_tokens_round_trip(settings: Settings) -> None:
    from cockpit.auth.users import UserStore

    users = UserStore(settings)
    created = users.create("li", DEFAULT_TEST_PASSWORD, "staff", LULIANG, "李工")
    assert (created.username, created.role, created.scope, created.display_name) == (
        "li",
        "staff",
        LULIANG,
        "李工",
    )
    assert not created.duty and not created.disabled and created.generation == 1
    on_duty = users.update("li", duty=True)
    assert on_duty.duty and on_duty.principal().duty
    assert users.verify("li", DEFAULT_TEST_PASSWORD) == on_duty
    assert users.update("li", password="another-password-2026").generation == 2
    assert users.verify("li", DEFAULT_TEST_PASSWORD) is None
    assert [u.username for u in users.list()] == ["li"]

    users.create("wall", DEFAULT_TEST_PASSWORD, "kiosk", "140000")
    token = users.issue_device_token("wall", 30)
    assert users.device_user(token).username == "wall"  # type: ignore[union-attr]
    assert rows_of(settings, "SELECT username, last_used_at IS NOT NULL FROM device_token") == [("wall", 1)]
    assert token not in str(rows_of(settings, "SELECT * FROM device_token"))  # only its digest is kept
    assert users.revoke_device_tokens("wall") == 1 and users.device_user(token) is None
    changes = [
        json.loads(d) for (d,) in rows_of(settings, "SELECT detail FROM audit WHERE event = 'user_change'")
    ]
    assert {"action": "update", "target": "li", "duty": True} in changes


def test_audit_round_trip(settings: Settings) -> None:
    from cockpit.access import audit

    audit.record(settings, "signin", username="li", role="staff", region=LULIANG, detail={"method": "password"},
                 at=NOW)  # fmt: skip
    audit.record(settings, "signin_failed", outcome="failed", username="li", at=NOW + timedelta(minutes=1))
    audit.record(settings, "export", username="wang", region="141124", detail={"format": "csv"}, at=NOW)
    frame = audit.query(settings)
    assert list(frame.columns) == ["id", "at", "event", "outcome", "username", "role", "ip", "region", "path",
                                   "detail"]  # fmt: skip
    assert list(frame["id"]) == [3, 2, 1]  # newest first
    assert audit.query(settings, event="signin").iloc[0]["detail"] == '{"method": "password"}'
    assert list(audit.query(settings, username="li", outcome="failed")["event"]) == ["signin_failed"]
    assert list(audit.query(settings, since=NOW + timedelta(seconds=30))["id"]) == [2]
    assert len(audit.query(settings, limit=1)) == 1
    assert audit.query(settings, region="999999").empty
    assert audit.total(settings, event="signin_failed", username="li", since=NOW) == 1
    assert audit.total(settings, event="signin_failed", username="wang", since=NOW) == 0


def test_acknowledgements_round_trip_with_their_note(settings: Settings) -> None:
    from cockpit.alarms import AckStore

    acks = AckStore.for_settings(settings)
    first = acks.acknowledge("warning:W1", "张三", NOW, "已电话通知")
    again = acks.acknowledge("warning:W1", "李四", NOW + timedelta(minutes=5))
    assert (first.who, first.at, first.note) == ("张三", NOW, "已电话通知") and again == first
    assert acks.acknowledge("incident:D:I", "王五", NOW).note == ""
    assert set(acks.lookup(["warning:W1", "incident:D:I", "warning:W9"])) == {"warning:W1", "incident:D:I"}
    assert rows_of(settings, "SELECT alarm_id, who, note FROM alarm_ack ORDER BY alarm_id") == [
        ("incident:D:I", "王五", None),
        ("warning:W1", "张三", "已电话通知"),
    ]


def test_sessions_create_get_touch_and_revoke(settings: Settings) -> None:
    from cockpit.auth.users import UserStore
    from cockpit.store import sessions

    UserStore(settings).create("li", DEFAULT_TEST_PASSWORD, "staff", LULIANG)
    engine = store.database(settings)
    token, record = sessions.create(engine, "li", now=NOW, expires_at=NOW + timedelta(hours=12), ip="10.0.0.7",
                                    user_agent="Mozilla/5.0")  # fmt: skip
    assert record.id == sessions.digest(token) != token and record.live(NOW)
    assert sessions.get(engine, token) == record
    assert sessions.get(engine, "x" * 40) is None and sessions.get(engine, "short") is None
    assert sessions.touch(engine, token, NOW + timedelta(minutes=10))
    assert sessions.get(engine, token).last_seen_at == NOW + timedelta(minutes=10)  # type: ignore[union-attr]
    assert not sessions.touch(engine, token, NOW + timedelta(hours=13))  # past its absolute expiry
    assert not sessions.get(engine, token).live(NOW + timedelta(hours=13))  # type: ignore[union-attr]
    assert sessions.revoke(engine, token, NOW) and not sessions.revoke(engine, token, NOW)
    assert not sessions.get(engine, token).live(NOW)  # type: ignore[union-attr]
    others = [
        sessions.create(engine, "li", now=NOW, expires_at=NOW + timedelta(hours=1))[0] for _ in range(3)
    ]
    assert sessions.revoke_all_for_user(engine, "li", NOW) == 3
    assert not any(sessions.get(engine, t).live(NOW) for t in others)  # type: ignore[union-attr]


def test_jobs_create_update_get_and_prune(settings: Settings) -> None:
    from cockpit.store import jobs

    engine = store.database(settings)
    made = jobs.create(engine, "a" * 32, kind="briefing", owner="li", region=LULIANG, now=NOW,
                       params={"period": "2026-10", "formats": ["pptx"]}, message="排队中")  # fmt: skip
    assert jobs.get(engine, "a" * 32) == made and made.status == "queued" and made.files == {}
    assert jobs.update(engine, "a" * 32, now=NOW + timedelta(minutes=1), status="running", progress=0.5)
    later = NOW + timedelta(minutes=2)
    assert jobs.update(engine, "a" * 32, now=later, status="done", progress=1.0, files={"pptx": "简报.pptx"},
                       seconds=3.5, finished=True)  # fmt: skip
    done = jobs.get(engine, "a" * 32)
    assert done is not None and (done.status, done.progress, done.files, done.seconds) == (
        "done", 1.0, {"pptx": "简报.pptx"}, 3.5)  # fmt: skip
    assert (done.message, done.params["period"], done.finished_at, done.updated_at) == ("排队中", "2026-10", later,
                                                                                      later)  # fmt: skip
    assert not jobs.update(engine, "b" * 32, now=NOW, status="failed")
    with pytest.raises(ValueError):
        jobs.update(engine, "a" * 32, now=NOW, status="lost")
    jobs.create(engine, "c" * 32, kind="briefing", owner=None, region=LULIANG, now=NOW + timedelta(days=1))
    assert jobs.prune(engine, before=NOW + timedelta(hours=1)) == ["a" * 32]
    assert jobs.get(engine, "a" * 32) is None and jobs.get(engine, "c" * 32) is not None


# --- the old files -----------------------------------------------------------------------------------
def test_the_old_files_are_imported_with_every_row_and_renamed(settings: Settings) -> None:
    from cockpit.access import audit
    from cockpit.alarms import AckStore
    from cockpit.auth.users import UserStore

    write_legacy_files(settings.warehouse_path)
    imported = {i.source.name: i for i in store.upgrade(settings)}
    assert {n: i.rows for n, i in imported.items()} == {
        "access.sqlite3": {"users": 4, "device_token": 2},
        "audit.sqlite3": {"audit": 4},
        "alarm_ack.sqlite3": {"alarm_ack": 2},
    }
    assert not any(n for i in imported.values() for n in i.skipped.values())
    # Every row, every column, as it was (plus the new columns at their defaults).
    assert rows_of(settings, "SELECT username, password_hash, role, scope, display_name, disabled, generation,"
                             " created_at, updated_at FROM users ORDER BY username") == sorted(LEGACY_USERS)  # fmt: skip
    assert rows_of(settings, "SELECT DISTINCT duty FROM users") == [(0,)]
    assert rows_of(settings, "SELECT * FROM device_token ORDER BY digest") == LEGACY_TOKENS
    assert rows_of(settings, "SELECT * FROM audit ORDER BY id") == LEGACY_AUDIT
    assert rows_of(settings, "SELECT alarm_id, who, at FROM alarm_ack ORDER BY alarm_id") == sorted(
        LEGACY_ACKS
    )
    # The old files are kept under a new name, never imported again.
    for name in ("access.sqlite3", "audit.sqlite3", "alarm_ack.sqlite3"):
        assert not (settings.warehouse_path / name).exists()
        assert (settings.warehouse_path / f"{name}.migrated").is_file()
    # And the stores read them: passwords verify, generations hold, the log continues after its ids.
    users = UserStore(settings)
    assert users.verify("li", LEGACY_PASSWORD).generation == 3  # type: ignore[union-attr]
    assert users.verify("gone", LEGACY_PASSWORD) is None  # still disabled
    audit.record(settings, "view", username="li", region=LULIANG)
    assert audit.query(settings, limit=1).iloc[0]["id"] == 7
    assert AckStore.for_settings(settings).lookup(["warning:W1"])["warning:W1"].who == "值班员1"


def test_importing_is_idempotent(settings: Settings) -> None:
    write_legacy_files(settings.warehouse_path)
    assert len(store.upgrade(settings)) == 3
    counts = rows_of(settings, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM device_token),"
                               " (SELECT count(*) FROM audit), (SELECT count(*) FROM alarm_ack)")  # fmt: skip
    assert counts == [(4, 2, 4, 2)]
    assert store.upgrade(settings) == []  # the files are gone: nothing to import
    # A run that stopped after importing, before renaming: the file is back, only renamed this time.
    migrated = settings.warehouse_path / "audit.sqlite3.migrated"
    migrated.rename(settings.warehouse_path / "audit.sqlite3")
    (again,) = store.upgrade(settings)
    assert again.earlier and again.rows == {} and again.kept_as.name == "audit.sqlite3.migrated"
    assert rows_of(settings, "SELECT count(*) FROM audit") == [(4,)]
    # A newer copy of an old file under the same name is imported, then kept beside the first one.
    write_legacy_files(settings.warehouse_path)
    engine = store.database(settings)
    with engine.begin() as conn:
        from cockpit.store.tables import legacy_import

        conn.execute(legacy_import.delete())
    second = {i.source.name: i for i in store.upgrade(settings)}
    assert second["access.sqlite3"].rows == {
        "users": 0,
        "device_token": 0,
    }  # the same keys: the store's rows stay
    assert second["access.sqlite3"].skipped == {"users": 4, "device_token": 2}
    assert second["audit.sqlite3"].rows == {"audit": 4}  # the log had rows: appended under new ids
    assert rows_of(settings, "SELECT min(id), max(id), count(*) FROM audit") == [(1, 10, 8)]
    assert second["audit.sqlite3"].kept_as.name == "audit.sqlite3.migrated.2"
    assert rows_of(settings, "SELECT count(*) FROM users") == [(4,)]


def test_the_cli_upgrades_and_reports(settings: Settings) -> None:
    from typer.testing import CliRunner

    from cockpit.cli import app as cli

    write_legacy_files(settings.warehouse_path)
    env = {"COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path), "COCKPIT_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert "数据库已升级" in result.output and "空库 → 0004" in result.output
    assert "已导入 access.sqlite3：用户 4 条、大屏令牌 2 条" in result.output
    assert "access.sqlite3.migrated" in result.output
    again = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert again.exit_code == 0 and "已是最新版本 0004" in again.output


# --- the password policy and the duty flag -----------------------------------------------------------
@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("wang", "qwertyuiop12", "过于常见"),  # 12 characters, one of the commonly used passwords
        ("wang", "QwertyUIOP12", "过于常见"),  # in any case
        ("wang", "1qaz2wsx3edc", "过于常见"),
        ("wang.wu", "my-Wang.Wu-2026-pass", "用户名"),  # the user name, in any case
        ("wang", "short-pw-1", "密码长度"),
    ],
)
def test_weak_passwords_are_refused(settings: Settings, username: str, password: str, message: str) -> None:
    from cockpit.auth.users import UserError, UserStore

    users = UserStore(settings)
    with pytest.raises(UserError, match=message):
        users.create(username, password, "staff", LULIANG)
    assert users.get(username) is None
    users.create(username, DEFAULT_TEST_PASSWORD, "staff", LULIANG)
    with pytest.raises(UserError, match=message):
        users.update(username, password=password)
    assert users.verify(username, DEFAULT_TEST_PASSWORD) is not None


def test_generated_passwords_pass_the_policy() -> None:
    from cockpit.auth.passwords import generate_password, password_problem

    for name in ("admin", "wall", "li"):
        assert all(password_problem(name, generate_password(name)) is None for _ in range(50))


def test_set_duty_from_the_cli_is_audited(settings: Settings) -> None:
    from typer.testing import CliRunner

    from cockpit.access import audit
    from cockpit.auth.users import UserStore
    from cockpit.cli import app as cli

    users = UserStore(settings)
    users.create("cityadmin", DEFAULT_TEST_PASSWORD, "admin", LULIANG)
    users.create("li", DEFAULT_TEST_PASSWORD, "staff", "141124")
    users.create("sheng", DEFAULT_TEST_PASSWORD, "leader", "140000")
    env = {"COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path), "COCKPIT_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "set-duty", "li", "on", "--actor", "cityadmin"], env=env)
    assert result.exit_code == 0, result.output
    assert users.get("li").duty  # type: ignore[union-attr]
    listed = json.loads(runner.invoke(cli, ["users", "list", "--json"], env=env).output)
    assert {u["username"]: u["duty"] for u in listed} == {"cityadmin": False, "li": True, "sheng": False}
    assert runner.invoke(cli, ["users", "set-duty", "li", "off"], env=env).exit_code == 0
    assert not users.get("li").duty  # type: ignore[union-attr]
    refused = runner.invoke(cli, ["users", "set-duty", "sheng", "on", "--actor", "cityadmin"], env=env)
    assert refused.exit_code == 3 and not users.get("sheng").duty  # type: ignore[union-attr]
    assert runner.invoke(cli, ["users", "set-duty", "li", "maybe"], env=env).exit_code == 2
    changes = [json.loads(d) for d in audit.query(settings, event="user_change")["detail"]]
    assert [c["duty"] for c in changes if "duty" in c] == [False, True]  # newest first
    denied = audit.query(settings, event="user_change_denied")
    assert json.loads(denied.iloc[0]["detail"])["duty"] is True


def test_the_store_reads_back_through_sqlalchemy(settings: Settings) -> None:
    """A plain Core query sees what the stores wrote (no private format in between)."""
    from cockpit.auth.users import UserStore
    from cockpit.store.tables import users

    UserStore(settings).create("li", DEFAULT_TEST_PASSWORD, "staff", LULIANG)
    with store.database(settings).connect() as conn:
        row = conn.execute(select(users.c.username, users.c.duty, users.c.disabled)).one()
    assert tuple(row) == ("li", False, False)
