"""Sign-in rate limiting, counted from the audit log's failed sign-ins.

The audit log is one SQLite file every worker appends to, so the limit holds across workers and
restarts without another store. A user name (or client address) with too many failures inside
the window is refused with 429 before its password is even checked.
"""

from __future__ import annotations

from datetime import timedelta

from cockpit.access import audit
from cockpit.settings import Settings


def limited(settings: Settings, username: str, ip: str | None) -> bool:
    since = settings.now() - timedelta(minutes=settings.login_window_minutes)
    by_user = audit.count(settings, event="signin_failed", username=username[:64], since=since)
    if by_user >= settings.login_max_failures_user:
        return True
    if ip is None:
        return False
    return audit.count(settings, event="signin_failed", ip=ip, since=since) >= settings.login_max_failures_ip
