"""记住此设备: a phone kept signed in for a bounded number of days. The browser holds a random token
in an HttpOnly cookie, the store its sha256 with the user, the password generation, role and scope
it was issued under, and its end; a copy of the database signs nobody in.

    token = issue(engine, "li", generation=3, role="leader", scope="141100", now=now, days=30)
    found = lookup(engine, token, now)      # (username, generation, role, scope) while it lasts
    forget(engine, token)                   # signing out on that phone
    forget_all(conn, "li")                  # password, role or scope change, disabling, sign-out

The caller compares ``found`` with the user as stored now: a changed password, role or scope
(or a disabled account) ends every remembered device, as it ends every session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from cockpit.store.tables import remembered_device

TOKEN_BYTES = 32
MAX_TOKEN = 100


@dataclass(frozen=True)
class Remembered:
    username: str
    generation: int
    role: str
    scope: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def issue(engine: Engine, username: str, *, generation: int, role: str, scope: str, now: datetime,
          days: int) -> str:  # fmt: skip
    """A new token for the cookie (shown once), good for ``days`` days."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    values = {"digest": _digest(token), "username": username, "generation": generation, "role": role,
              "scope": scope, "created_at": _text(now), "expires_at": _text(now + timedelta(days=days))}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(remembered_device).values(values))
    return token


def lookup(engine: Engine, token: Any, now: datetime) -> Remembered | None:
    """What a live token was issued for (its use is noted), or None."""
    if not isinstance(token, str) or not 20 <= len(token) <= MAX_TOKEN:
        return None
    digest = _digest(token)
    with engine.begin() as conn:
        row = (
            conn.execute(
                select(remembered_device).where(
                    remembered_device.c.digest == digest, remembered_device.c.expires_at > _text(now)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        conn.execute(
            update(remembered_device)
            .where(remembered_device.c.digest == digest)
            .values(last_used_at=_text(now))
        )
    return Remembered(row["username"], int(row["generation"]), row["role"], row["scope"])


def forget(engine: Engine, token: Any) -> None:
    if isinstance(token, str) and len(token) <= MAX_TOKEN:
        with engine.begin() as conn:
            conn.execute(delete(remembered_device).where(remembered_device.c.digest == _digest(token)))


def forget_all(bind: Engine | Connection, username: str) -> int:
    """Forgets every device remembered for ``username``; how many. Given a connection, it runs in
    that connection's transaction (with the change to the user that calls for it)."""
    statement = delete(remembered_device).where(remembered_device.c.username == username)
    if isinstance(bind, Connection):
        return int(bind.execute(statement).rowcount)
    with bind.begin() as conn:
        return int(conn.execute(statement).rowcount)
