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
from collections.abc import Collection
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
    "signin_locked",
    "signin_unlocked",
    "signout",
    "view",
    "export",
    "briefing",
    "denied",
    "etl_run",
    "user_change",
    "user_change_denied",
    "acknowledge",
    "audit_archive",
)
EVENT_NAMES = {
    "signin": "登录",
    "signin_failed": "登录失败",
    "signin_limited": "登录限流",
    "signin_locked": "登录锁定",
    "signin_unlocked": "解除登录锁定",
    "signout": "退出",
    "view": "查看",
    "export": "导出",
    "briefing": "简报",
    "denied": "越权被拒",
    "etl_run": "数据加载",
    "user_change": "用户变更",
    "user_change_denied": "用户变更被拒",
    "acknowledge": "告警确认",
    "audit_archive": "审计归档",
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


def _filters(
    event: str | None = None,
    username: str | None = None,
    region: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    regions: Collection[str] | None = None,
) -> list[ColumnElement[bool]]:
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
    if regions is not None:  # a scoped administrator: rows about their own regions only
        where.append(audit.c.region.in_(sorted(regions)))
    return where


def query(settings: Settings, *, offset: int = 0, limit: int = 500, **filters: Any) -> pd.DataFrame:
    """Audit rows, newest first; ``filters`` as ``_filters`` takes them (event, username, region,
    outcome, since, regions); ``offset``/``limit`` page."""
    where = _filters(**filters)
    sql = (
        select(*(audit.c[c] for c in COLUMNS))
        .where(*where)
        .order_by(audit.c.id.desc())
        .offset(max(0, offset))
        .limit(limit)
    )
    with store.database(settings).connect() as conn:
        rows = [tuple(r) for r in conn.execute(sql)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def total(settings: Settings, **filters: Any) -> int:
    """How many rows ``query`` would page through with the same filters (event, username, region,
    outcome, since, regions)."""
    sql = select(func.count()).select_from(audit).where(*_filters(**filters))
    with store.database(settings).connect() as conn:
        return int(conn.execute(sql).scalar_one())
