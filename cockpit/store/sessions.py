"""Server-side sessions: the browser holds a random token, the store its sha256 (``session.id``),
so a copy of the database signs nobody in.

    token, record = create(engine, "li", now=now, expires_at=now + timedelta(hours=12), ip=ip)
    record = get(engine, token)          # None when unknown; check ``record.live(now)``
    touch(engine, token, now)            # the idle clock
    revoke(engine, token, now)           # sign-out
    revoke_all_for_user(engine, "li", now)   # password, role or scope change, disabling, sign-out

Times are the cockpit's wall time (``Settings.now``), naive, stored as ISO text to the second.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, insert, select, update

from cockpit.store.tables import session

TOKEN_BYTES = 32
MAX_TOKEN = 100  # a longer "token" is not one of ours: not even hashed


@dataclass(frozen=True)
class SessionRecord:
    id: str  # sha256 of the token
    username: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    ip: str | None
    user_agent: str | None

    def live(self, now: datetime) -> bool:
        """Not revoked and not past its absolute expiry (idle expiry is the caller's rule)."""
        return self.revoked_at is None and now < self.expires_at


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def create(engine: Engine, username: str, *, now: datetime, expires_at: datetime, ip: str | None = None,
           user_agent: str | None = None) -> tuple[str, SessionRecord]:  # fmt: skip
    """A new session for ``username``: the token (for the cookie, shown once) and its record."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    values = {
        "id": digest(token),
        "username": username,
        "created_at": _text(now),
        "last_seen_at": _text(now),
        "expires_at": _text(expires_at),
        "ip": ip[:64] if ip else None,
        "user_agent": user_agent[:300] if user_agent else None,
    }
    with engine.begin() as conn:
        conn.execute(insert(session).values(values))
    return token, _record({**values, "revoked_at": None})


def get(engine: Engine, token: str) -> SessionRecord | None:
    """The session of ``token`` (live or not), or None."""
    if not _plausible(token):
        return None
    with engine.connect() as conn:
        row = conn.execute(select(session).where(session.c.id == digest(token))).mappings().first()
    return _record(row) if row is not None else None


def touch(engine: Engine, token: str, now: datetime) -> bool:
    """Marks a live session as seen now; False when there is none."""
    return _update_open(engine, token, {"last_seen_at": _text(now)}, session.c.expires_at > _text(now))


def revoke(engine: Engine, token: str, now: datetime) -> bool:
    """Ends one session; False when it was unknown or already ended."""
    return _update_open(engine, token, {"revoked_at": _text(now)})


def _update_open(engine: Engine, token: str, values: dict[str, Any], *where: ColumnElement[bool]) -> bool:
    """Updates the session ``token`` names if it isn't revoked (and ``where`` holds)."""
    if not _plausible(token):
        return False
    with engine.begin() as conn:
        done = conn.execute(
            update(session)
            .where(session.c.id == digest(token), session.c.revoked_at.is_(None), *where)
            .values(values)
        )
    return bool(done.rowcount)


def revoke_all_for_user(bind: Engine | Connection, username: str, now: datetime) -> int:
    """Ends every open session of ``username`` (not revoked, not past its end); how many were
    open. Given a connection, it runs in that connection's transaction (with the change to the
    user that calls for it)."""
    statement = (
        update(session)
        .where(
            session.c.username == username, session.c.revoked_at.is_(None), session.c.expires_at > _text(now)
        )
        .values(revoked_at=_text(now))
    )
    if isinstance(bind, Connection):
        return int(bind.execute(statement).rowcount)
    with bind.begin() as conn:
        return int(conn.execute(statement).rowcount)


def _plausible(token: Any) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= MAX_TOKEN


def _record(row: Any) -> SessionRecord:
    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return SessionRecord(
        id=row["id"],
        username=row["username"],
        created_at=datetime.fromisoformat(row["created_at"]),
        last_seen_at=datetime.fromisoformat(row["last_seen_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        revoked_at=moment(row["revoked_at"]),
        ip=row["ip"],
        user_agent=row["user_agent"],
    )
