"""The sign-in lockout's counters: failed sign-ins per (user name, client address), and per address
across every name (the row of user name ``*``), counted atomically in the store.

An attempt is *reserved* before its password is checked: one transaction raises both counters of
the attempt with conditional UPDATEs (``failures < limit``), so of N simultaneous attempts at most
``limit`` get through, on every worker and on SQLite and PostgreSQL alike (SQLite writes one
transaction at a time; PostgreSQL re-reads a row another transaction changed before deciding). A
failed attempt stays counted, and the failure that reaches a limit locks that key for the window;
a successful one gives its reservation back and clears the user's counter for that address.

    limits = Limits(per_user=5, per_address=30, window=timedelta(minutes=15))
    r = reserve(engine, "li", "10.0.0.7", now=now, limits=limits)   # r.allowed, r.user_failures
    locks = failed(engine, "li", "10.0.0.7", now=now, limits=limits)  # the locks that start now
    succeeded(engine, "li", "10.0.0.7", limits=limits)
    clear_user(engine, "li")                                        # `cockpit users unlock li`

Times are the cockpit's wall time (``Settings.now``), naive, stored as ISO text to the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from cockpit.store.tables import signin_failure as table

ANY_USER = "*"  # not a valid user name: the row counting every name's failures from one address
UNKNOWN_ADDRESS = "?"
RETRIES = 10
PRUNE_BATCH = 100  # keys whose window has passed, removed whenever a new key is added
Scope = Literal["user", "address"]


@dataclass(frozen=True)
class Limits:
    per_user: int  # failures of one user name from one address
    per_address: int  # failures of every name from one address
    window: timedelta  # failures count this long after a key's first; a lock lasts this long


@dataclass(frozen=True)
class Reservation:
    allowed: bool
    # The user's failures (and other attempts under way) from every address within the window, this
    # attempt not included: what the progressive delay grows with.
    user_failures: int = 0
    refused_by: Scope | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Lock:
    scope: Scope
    failures: int
    until: datetime


class _Retry(Exception):
    """A counter row is missing (it is created outside the reserving transaction) or changed between
    the reserving transaction's statements (another worker created or reset it): try again."""

    def __init__(self, missing: bool) -> None:
        super().__init__(missing)
        self.missing = missing


class _Refused(Exception):
    def __init__(self, scope: Scope, until: datetime) -> None:
        super().__init__(scope)
        self.scope, self.until = scope, until


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _address(ip: str | None) -> str:
    return (ip or UNKNOWN_ADDRESS)[:64]


def _keys(username: str, ip: str | None, limits: Limits) -> tuple[tuple[Scope, str, str, int], ...]:
    """(scope, user name, address, limit) of an attempt's two counters, always in this order (so
    concurrent transactions take the rows' locks in the same order)."""
    if username == ANY_USER:
        raise ValueError("not a user name")
    address = _address(ip)
    by_address: tuple[Scope, str, str, int] = ("address", ANY_USER, address, limits.per_address)
    by_user: tuple[Scope, str, str, int] = ("user", username[:64], address, limits.per_user)
    return by_address, by_user


def _key(username: str, address: str) -> ColumnElement[bool]:
    return and_(table.c.username == username, table.c.ip == address)


def reserve(engine: Engine, username: str, ip: str | None, *, now: datetime, limits: Limits) -> Reservation:
    """Counts an attempt before its password is checked, or refuses it (a key locked or at its limit)."""
    for _ in range(RETRIES):
        try:
            with engine.begin() as conn:
                return _reserve(conn, username, ip, now, limits)
        except _Refused as refused:
            return Reservation(False, refused_by=refused.scope, locked_until=refused.until)
        except _Retry as retry:
            if retry.missing:
                for _scope, name, address, _limit in _keys(username, ip, limits):
                    _create(engine, name, address, now, limits)
    raise RuntimeError("sign-in counters kept changing")  # pragma: no cover - a row changes once, not 10x


def _reserve(conn: Connection, username: str, ip: str | None, now: datetime, limits: Limits) -> Reservation:
    at, since = _text(now), _text(now - limits.window)
    restart = table.c.first_at <= since  # the key's window has passed: counting starts again
    for scope, name, address, limit in _keys(username, ip, limits):
        taken = conn.execute(
            update(table)
            .where(
                _key(name, address),
                _unlocked(at),
                or_(table.c.failures < limit, restart),
            )
            .values(
                failures=case((restart, 1), else_=table.c.failures + 1),
                first_at=case((restart, at), else_=table.c.first_at),
                last_at=at,
                locked_until=null(),
            )
        ).rowcount
        if not taken:
            # Refused (rolling back the first key's reservation), unless the row was missing or has
            # changed since the UPDATE looked (PostgreSQL reads each statement's own snapshot).
            row = conn.execute(
                select(table.c.failures, table.c.first_at, table.c.locked_until).where(_key(name, address))
            ).first()
            if row is None:
                raise _Retry(missing=True)
            if row.locked_until and row.locked_until > at:
                raise _Refused(scope, datetime.fromisoformat(row.locked_until))
            if row.failures >= limit and row.first_at > since:  # attempts still under way at the limit
                raise _Refused(scope, datetime.fromisoformat(row.first_at) + limits.window)
            raise _Retry(missing=False)
    total = conn.execute(
        select(func.coalesce(func.sum(table.c.failures), 0)).where(
            table.c.username == username[:64], table.c.first_at > since
        )
    ).scalar_one()
    return Reservation(True, user_failures=max(0, int(total) - 1))


def _unlocked(at: str) -> ColumnElement[bool]:
    """The key is not locked at ``at`` (never locked, or its lock has run out)."""
    return or_(table.c.locked_until.is_(None), table.c.locked_until <= at)


def _create(engine: Engine, username: str, address: str, now: datetime, limits: Limits) -> None:
    """Adds a key's row (another worker may just have done so); clears keys whose window has passed."""
    at, since = _text(now), _text(now - limits.window)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(table).values(username=username, ip=address, failures=0, first_at=at, last_at=at)
            )
            # Rows locked by a sign-in under way are skipped, not waited for (no deadlock).
            stale = conn.execute(
                select(table.c.username, table.c.ip)
                .where(table.c.last_at <= since, _unlocked(at))
                .limit(PRUNE_BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            for old in stale:
                conn.execute(delete(table).where(_key(old.username, old.ip)))
    except IntegrityError:
        pass  # there already


def failed(engine: Engine, username: str, ip: str | None, *, now: datetime, limits: Limits) -> list[Lock]:
    """The reserved attempt failed: it stays counted. A key that has now reached its limit is locked
    for the window; the locks that start with this failure are returned (at most one per key, even
    when several failures reach the limit at once)."""
    at, until = _text(now), now + limits.window
    started: list[Lock] = []
    with engine.begin() as conn:
        for scope, name, address, limit in _keys(username, ip, limits):
            locked = conn.execute(
                update(table)
                .where(
                    _key(name, address),
                    _unlocked(at),
                    table.c.failures >= limit,
                )
                .values(locked_until=_text(until))
            ).rowcount
            if locked:
                count = conn.execute(select(table.c.failures).where(_key(name, address))).scalar_one()
                started.append(Lock(scope, int(count), until))
    return started


def succeeded(engine: Engine, username: str, ip: str | None, *, limits: Limits) -> None:
    """The reserved attempt signed in: the address gets its reservation back, and the user's
    counter for this address (with any lock on it) is cleared."""
    (_, any_user, address, per_address), (_, name, _, _) = _keys(username, ip, limits)
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(_key(any_user, address))
            .values(
                failures=case((table.c.failures > 0, table.c.failures - 1), else_=0),
                locked_until=case((table.c.failures - 1 < per_address, null()), else_=table.c.locked_until),
            )
        )
        conn.execute(delete(table).where(_key(name, address)))


def clear_user(engine: Engine, username: str) -> int:
    """Forgets a user's counters and locks from every address; how many addresses had one."""
    if username == ANY_USER:
        raise ValueError("not a user name")
    with engine.begin() as conn:
        return int(conn.execute(delete(table).where(table.c.username == username[:64])).rowcount)
