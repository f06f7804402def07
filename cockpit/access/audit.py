"""The audit log: who signed in (or failed to), viewed which region, exported what, ran which
feed and changed which user.

It lives in its own SQLite file beside the snapshots (``<warehouse>/audit.sqlite3``), never in a
snapshot, so publishing a new snapshot cannot lose it, and every server worker and the CLI
append to the same file (SQLite's lock serialises writers across processes). Rows are only
ever inserted.

    from cockpit.access import audit
    audit.record(settings, "export", region="140105", detail={"format": "xlsx", "filters": {...}})
    audit.query(settings, event="signin_failed", limit=100)   # a DataFrame, newest first
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import flask
import pandas as pd

from cockpit.principal import current_principal
from cockpit.settings import Settings

STORE_NAME = "audit.sqlite3"
# Events the cockpit records; ``query`` accepts these names as filters.
EVENTS = (
    "signin",
    "signin_failed",
    "signin_limited",
    "signout",
    "view",
    "export",
    "briefing",
    "denied",
    "etl_run",
    "user_change",
    "user_change_denied",
)
EVENT_NAMES = {
    "signin": "登录",
    "signin_failed": "登录失败",
    "signin_limited": "登录限流",
    "signout": "退出",
    "view": "查看",
    "export": "导出",
    "briefing": "简报",
    "denied": "越权被拒",
    "etl_run": "数据加载",
    "user_change": "用户变更",
    "user_change_denied": "用户变更被拒",
}
_DDL = """
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


def store_path(settings: Settings) -> Path:
    return settings.warehouse_path / STORE_NAME


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")  # readers don't block the many appending workers
    con.executescript(_DDL)
    return con


def record(
    settings: Settings,
    event: str,
    *,
    outcome: str = "ok",
    region: str | None = None,
    detail: dict[str, Any] | None = None,
    username: str | None = None,
    role: str | None = None,
    path: str | None = None,
    at: datetime | None = None,
) -> None:
    """Appends one row. Who, their IP and the path come from the current request unless given."""
    principal = current_principal()
    ip = None
    if flask.has_request_context():
        ip = flask.request.remote_addr
        path = path or flask.request.path
    username = username or (principal.username if principal else None)
    role = role or (principal.role if principal else None)
    row = (
        (at or settings.now()).isoformat(timespec="seconds"),
        event,
        outcome,
        username[:64] if username else None,
        role,
        ip,
        region[:12] if region else None,
        path[:200] if path else None,
        json.dumps(detail, ensure_ascii=False, default=str)[:4000] if detail else None,
    )
    with closing(_connect(store_path(settings))) as con:
        con.execute(
            "INSERT INTO audit (at, event, outcome, username, role, ip, region, path, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )


def query(
    settings: Settings,
    *,
    event: str | None = None,
    username: str | None = None,
    region: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Audit rows, newest first, filtered by any of the arguments."""
    sql = """SELECT id, at, event, outcome, username, role, ip, region, path, detail FROM audit
             WHERE (? IS NULL OR event = ?) AND (? IS NULL OR username = ?)
               AND (? IS NULL OR region = ?) AND (? IS NULL OR outcome = ?) AND (? IS NULL OR at >= ?)
             ORDER BY id DESC LIMIT ?"""
    since_s = since.isoformat(timespec="seconds") if since else None
    params = [event, event, username, username, region, region, outcome, outcome, since_s, since_s, limit]
    with closing(_connect(store_path(settings))) as con:
        return pd.read_sql_query(sql, con, params=params)


def count(settings: Settings, *, event: str, username: str | None = None, ip: str | None = None,
          since: datetime) -> int:  # fmt: skip
    """How many ``event`` rows since a time, for one user or one IP (login rate limiting)."""
    sql = """SELECT count(*) FROM audit WHERE event = ? AND at >= ?
             AND (? IS NULL OR username = ?) AND (? IS NULL OR ip = ?)"""
    with closing(_connect(store_path(settings))) as con:
        found = con.execute(sql, [event, since.isoformat(timespec="seconds"), username, username, ip, ip])
        return int(found.fetchone()[0])
