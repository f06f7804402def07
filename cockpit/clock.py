"""One clock: every "now", "today", "this month" and "近30天" of the server is wall time in the
configured zone (``COCKPIT_TIMEZONE``, Beijing by default), whatever zone the host runs in.

Timestamps the cockpit stores (load times, audit rows, jobs) are naive wall times in that zone, so
they compare with each other and with event times from the feeds, which are Beijing time too.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def now(zone_name: str = DEFAULT_ZONE) -> datetime:
    """The wall time in ``zone_name`` now, without tzinfo (as stored and compared everywhere)."""
    return datetime.now(zone(zone_name)).replace(tzinfo=None)
