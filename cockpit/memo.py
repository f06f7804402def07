"""The one memo of the cockpit: every cached query, computed frame and rendering goes through here.

A memo is declared once, at module level, with a name (``Memo("panel", ttl=300)``); its key is
the helper's alone and always holds the snapshot id and the viewer (role and region scope of the
signed-in principal, ``-`` outside a request). A publish changes the snapshot id, so nothing is
ever invalidated by hand; two viewers of different scope can never share an entry.

A value that truly does not depend on the viewer declares why (``scope_free="…"``) and is then
shared by every viewer. The declaration is enforced, not trusted: while a scope-free value is being
built, asking who the viewer is outside a scope guard raises :class:`ScopeFreeViolation` (see
``cockpit.principal``). Inside a guarded query the viewer was vouched for and the guard
cuts the answer afterwards, so the query layer's memos can be shared. ``tests/test_memo.py``
reviews every declaration and sends a province and a county user through every memo.

Backends stay as configured: ``shared`` memos use the app's flask-caching store (Redis shared by
every worker when configured, else per process; values are pickled); ``local=True`` memos keep
live objects in a small per-app LRU (no pickling: the wall's map values and the region index are
read many times per request). Local values are shared between requests: never mutate them.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from cockpit.principal import current_principal, scope_free_build

T = TypeVar("T")
REGISTRY: dict[str, Memo] = {}
NO_VIEWER = "-"  # outside a request: the CLI, the scheduler, a cron briefing (nothing restricted)
SHARED_BY_ALL = "*"  # a scope-free memo's viewer part
# Seconds a thread waits for another's build of the same entry before building it itself (the
# whole tree's assessment at 10M tickets is the slowest build, a few seconds).
FLIGHT_WAIT = 60.0


def viewer_key() -> str:
    """The part of every memo key that says for whom the value was made: role and scope."""
    principal = current_principal()
    return NO_VIEWER if principal is None else f"{principal.role}@{principal.scope}"


class HasMemo(Protocol):
    """What a memo needs of its owner (the Warehouse): the snapshot in force and the stores."""

    @property
    def snapshot_id(self) -> str: ...

    @property
    def memo_store(self) -> MemoStore: ...


@dataclass(frozen=True)
class Memo:
    """One memoized thing. ``scope_free``: why its value is the same for every viewer (empty: it is
    keyed by the viewer). ``local``: kept as a live object in this process, not in the shared cache."""

    name: str
    scope_free: str = ""
    local: bool = False
    ttl: int = 3600

    def __post_init__(self) -> None:
        if not self.name or ":" in self.name:
            raise ValueError(f"memo name {self.name!r}: non-empty, without ':'")
        if self.name in REGISTRY and REGISTRY[self.name] != self:
            raise ValueError(f"two memos named {self.name!r}")
        REGISTRY[self.name] = self

    def key(self, snapshot_id: str, parts: Any) -> str:
        viewer = SHARED_BY_ALL if self.scope_free else viewer_key()
        body = json.dumps(parts, default=str, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return f"{self.name}:{snapshot_id}:{viewer}:{body}"

    def get(self, owner: HasMemo, parts: Any, build: Callable[[], T]) -> T:
        """The value for ``parts`` on the owner's current snapshot for the current viewer."""
        return owner.memo_store.get(self, self.key(owner.snapshot_id, parts), build)


@dataclass
class MemoStats:
    hits: int = 0
    builds: int = 0


class _LocalLRU:
    """Live objects, least recently used dropped first, each with an expiry."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def set(self, key: str, value: Any, ttl: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)


@dataclass
class MemoStore:
    """The stores behind every memo of one app: ``cache`` (flask-caching, or None outside an app:
    shared memos then build every time) and the per-app LRU of live objects."""

    cache: Any = None
    local_entries: int = 512
    stats: dict[str, MemoStats] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.local = _LocalLRU(self.local_entries)
        self._stats_lock = threading.Lock()
        self._flight_lock = threading.Lock()
        self._flights: dict[str, threading.Event] = {}

    def get(self, memo: Memo, key: str, build: Callable[[], T]) -> T:
        found = self._lookup(memo, key)
        if found is not None:
            self._count(memo.name, hit=True)
            return found  # type: ignore[no-any-return]
        # One build per key at a time in this process: when fifty viewers open the wall just after a
        # publish, the first builds and the others wait for its value instead of each building the
        # same frames (a stampede that held every thread of both workers for seconds). A waiter whose
        # builder failed, returned None or took longer than FLIGHT_WAIT builds the value itself.
        with self._flight_lock:
            flight = self._flights.get(key)
            leads = flight is None
            if flight is None:
                flight = self._flights[key] = threading.Event()
        if not leads:
            flight.wait(FLIGHT_WAIT)
            found = self._lookup(memo, key)
            if found is not None:
                self._count(memo.name, hit=True)
                return found  # type: ignore[no-any-return]
            return self._build(memo, key, build)
        try:
            return self._build(memo, key, build)
        finally:
            with self._flight_lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.set()

    def _lookup(self, memo: Memo, key: str) -> Any:
        if memo.local:
            return self.local.get(key)
        return self.cache.get(key) if self.cache is not None else None

    def _build(self, memo: Memo, key: str, build: Callable[[], T]) -> T:
        # Built outside any lock: a waiter that gave up may build the same entry, never blocks.
        token = scope_free_build.set(memo.name) if memo.scope_free else None
        try:
            value = build()
        finally:
            if token is not None:
                scope_free_build.reset(token)
        self._count(memo.name, hit=False)
        if value is None:
            return value  # None is "not cached" to every backend: nothing to keep
        if memo.local:
            self.local.set(key, value, memo.ttl)
        elif self.cache is not None:
            self.cache.set(key, value, timeout=memo.ttl)
        return value

    def _count(self, name: str, *, hit: bool) -> None:
        with self._stats_lock:
            stats = self.stats.setdefault(name, MemoStats())
            if hit:
                stats.hits += 1
            else:
                stats.builds += 1

    def clear(self) -> None:
        """Drops every entry of this app (tests; a publish never needs it: keys hold the snapshot)."""
        self.local.clear()
        if self.cache is not None:
            self.cache.clear()
