"""Sign-in limits: a lockout per (user, client address), a per-address limit, and a progressive delay
per user — counted in the store (``cockpit.store.lockout``), so every worker shares them.

- ``login_max_failures_user`` (5) failures of one user name from one address lock that name *from
  that address* for ``login_window_minutes`` (15): the owner signing in from their own address still
  gets in while someone else keeps failing from another.
- ``login_max_failures_ip`` (30) failures of any names from one address lock that address.
- Across addresses the user is slowed, never locked: once the user has ``login_max_failures_user``
  failures from anywhere in the window, each further attempt waits 0.25 s × 2^(failures − 5) before
  its password is checked, at most ``login_delay_max_seconds``.
- A successful sign-in clears the user's counter for its address; ``cockpit users unlock NAME``
  clears all of the user's counters. A lock's start and every unlock are audited.

An attempt is counted *before* its password is checked, atomically, so N simultaneous wrong
attempts from one address get at most 5 password checks.

    attempt = begin(settings, "li", ip)   # waits the delay; attempt.allowed, attempt.delay
    failed(settings, attempt) | succeeded(settings, attempt)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cockpit import store
from cockpit.access import audit
from cockpit.settings import Settings
from cockpit.store import lockout

DELAY_BASE = 0.25  # seconds, at the threshold; doubling with each further failure
# How the delay is waited out; tests put a recorder here instead of sleeping.
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Attempt:
    username: str
    ip: str | None
    allowed: bool
    delay: float = 0.0  # seconds waited before the password check
    refused_by: lockout.Scope | None = None
    locked_until: datetime | None = None

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes (at least 1) until a refused attempt may try again."""
        if self.locked_until is None:
            return 1
        return max(1, math.ceil((self.locked_until - now).total_seconds() / 60))


def limits(settings: Settings) -> lockout.Limits:
    return lockout.Limits(
        per_user=settings.login_max_failures_user,
        per_address=settings.login_max_failures_ip,
        window=timedelta(minutes=settings.login_window_minutes),
    )


def delay_for(settings: Settings, failures: int) -> float:
    """The wait before a password check when the user has ``failures`` from any address."""
    beyond = failures - settings.login_max_failures_user
    if beyond < 0 or settings.login_delay_max_seconds <= 0:
        return 0.0
    return min(DELAY_BASE * 2 ** min(beyond, 32), settings.login_delay_max_seconds)


def begin(settings: Settings, username: str, ip: str | None) -> Attempt:
    """Reserves a sign-in attempt (refused when its user or address is locked) and waits the
    user's delay; the caller then checks the password and reports with ``failed``/``succeeded``."""
    reservation = lockout.reserve(store.database(settings), username, ip, now=settings.now(),
                                  limits=limits(settings))  # fmt: skip
    if not reservation.allowed:
        return Attempt(username, ip, False, refused_by=reservation.refused_by,
                       locked_until=reservation.locked_until)  # fmt: skip
    delay = delay_for(settings, reservation.user_failures)
    if delay > 0:
        sleep(delay)
    return Attempt(username, ip, True, delay=delay)


def failed(settings: Settings, attempt: Attempt) -> None:
    """The attempt's password was wrong: it stays counted; a lock it starts is audited."""
    for lock in lockout.failed(store.database(settings), attempt.username, attempt.ip, now=settings.now(),
                               limits=limits(settings)):  # fmt: skip
        audit.record(settings, "signin_locked", outcome="denied", username=attempt.username,
                     detail={"scope": lock.scope, "failures": lock.failures,
                             "until": lock.until.isoformat(timespec="seconds")})  # fmt: skip


def succeeded(settings: Settings, attempt: Attempt) -> None:
    lockout.succeeded(store.database(settings), attempt.username, attempt.ip, limits=limits(settings))


def unlock(settings: Settings, username: str, *, actor: str, role: str | None = None,
           region: str | None = None) -> int:  # fmt: skip
    """Clears every sign-in counter and lock of ``username`` (audited); how many addresses had one."""
    cleared = lockout.clear_user(store.database(settings), username)
    audit.record(settings, "signin_unlocked", username=actor, role=role, region=region,
                 path="cockpit users unlock", detail={"target": username, "addresses": cleared})  # fmt: skip
    return cleared
