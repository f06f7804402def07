"""The audit log: who signed in (or failed to), viewed which region, exported what, ran which
feed and changed which user.

It lives in the cockpit's store (``cockpit.store``: ``<warehouse>/cockpit.sqlite3`` unless
``COCKPIT_DATABASE_URL`` names another database), never in a snapshot, so publishing a new
snapshot cannot lose it, and every server worker and the CLI append to it. Rows are only ever
inserted.

    from cockpit.access import audit
    audit.record(settings, "export", region="140105", detail={"format": "xlsx", "filters": {...}})
    audit.query(settings, event="signin_failed", limit=100)   # a DataFrame, newest first
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import flask
import pandas as pd
from sqlalchemy import ColumnElement, func, insert, select

from cockpit import store
from cockpit.principal import current_principal
from cockpit.settings import Settings
from cockpit.store.tables import audit

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
COLUMNS = ("id", "at", "event", "outcome", "username", "role", "ip", "region", "path", "detail")


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
    row = {
        "at": (at or settings.now()).isoformat(timespec="seconds"),
        "event": event,
        "outcome": outcome,
        "username": username[:64] if username else None,
        "role": role,
        "ip": ip[:64] if ip else None,
        "region": region[:12] if region else None,
        "path": path[:200] if path else None,
        "detail": json.dumps(detail, ensure_ascii=False, default=str)[:4000] if detail else None,
    }
    with store.database(settings).begin() as conn:
        conn.execute(insert(audit).values(row))


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
    where: list[ColumnElement[bool]] = [
        audit.c[name] == value
        for name, value in (
            ("event", event),
            ("username", username),
            ("region", region),
            ("outcome", outcome),
        )
        if value is not None
    ]
    if since is not None:
        where.append(audit.c.at >= since.isoformat(timespec="seconds"))
    sql = select(*(audit.c[c] for c in COLUMNS)).where(*where).order_by(audit.c.id.desc()).limit(limit)
    with store.database(settings).connect() as conn:
        rows = [tuple(r) for r in conn.execute(sql)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def count(settings: Settings, *, event: str, username: str | None = None, ip: str | None = None,
          since: datetime) -> int:  # fmt: skip
    """How many ``event`` rows since a time, for one user or one IP (login rate limiting)."""
    sql = select(func.count()).select_from(audit).where(audit.c.event == event,
                                                        audit.c.at >= since.isoformat(timespec="seconds"))  # fmt: skip
    if username is not None:
        sql = sql.where(audit.c.username == username)
    if ip is not None:
        sql = sql.where(audit.c.ip == ip)
    with store.database(settings).connect() as conn:
        return int(conn.execute(sql).scalar_one())
