"""The query memo cache: Redis shared by every worker and host when configured, else per process.

Every key the app writes carries the snapshot id (see ``Warehouse.cached_df``), so nothing here
ever has to be invalidated: a publish changes the keys, and an old snapshot's entries are never
asked for again; they only wait for their timeout. That is also why a per-process fallback is
safe: it cannot hold anything a shared cache would have invalidated.

A Redis outage must not take pages down. ``ResilientRedisCache`` turns every Redis error into a
miss and keeps serving from a small in-process ``SimpleCache`` for a few seconds before trying
Redis again, so an outage costs recomputation, never an error page, and no request waits on more
than one short socket timeout. The same path covers Redis being down when a worker starts.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
import zlib
from typing import Any

from cachelib.serializers import SimpleSerializer
from flask_caching.backends.base import BaseCache
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache

from cockpit.settings import Settings

log = logging.getLogger("cockpit.cache")

# Errors that mean "Redis is unavailable", not "the program is wrong": connection refused or
# reset, timeouts, a server that is loading or read-only. redis-py wraps most of these in
# RedisError; raw OSError can still escape from socket set-up.
try:
    from redis.exceptions import RedisError

    _UNAVAILABLE: tuple[type[BaseException], ...] = (RedisError, OSError)
except ImportError:  # redis-py missing: only the per-process cache can be used anyway
    _UNAVAILABLE = (OSError,)

# Short socket timeouts: on a LAN Redis answers in well under a millisecond, and a hung Redis
# must cost a request at most this long before the fallback takes over.
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0, "health_check_interval": 30}
RETRY_SECONDS = 5.0
FALLBACK_THRESHOLD = 300  # entries; results can be large frames, and the fallback is per worker


class CompressedSerializer(SimpleSerializer):
    """A pickle, deflated at zlib's fastest level. The per-process cache holds each worker's own copy
    of every entry: the warm wall's 1,747 entries were 22 MB pickled, 3.7 MB deflated, for 0.07 ms
    to deflate and 0.03 ms to inflate an entry (unpickling one costs 0.35 ms)."""

    def dumps(self, value: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> bytes | None:
        data = super().dumps(value, protocol)
        return None if data is None else zlib.compress(data, 1)

    def loads(self, bvalue: bytes) -> Any:
        return super().loads(zlib.decompress(bvalue))


class DeflatedSimpleCache(SimpleCache):
    """flask-caching's per-process cache, keeping its entries deflated (``CompressedSerializer``)."""

    serializer = CompressedSerializer()


def key_prefix(settings: Settings) -> str:
    """One prefix per deployment, so two provinces (or staging and production) can share a Redis."""
    return settings.cache_key_prefix or f"cockpit:{settings.province_adcode}:"


def cache_config(settings: Settings) -> dict[str, object]:
    """The flask-caching config for ``settings``: Redis (resilient) when a URL is set, else local."""
    common: dict[str, object] = {
        "CACHE_KEY_PREFIX": key_prefix(settings),
        "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout,
    }
    if settings.cache_redis_url:
        return {
            **common,
            "CACHE_TYPE": f"{__name__}.ResilientRedisCache",
            "CACHE_REDIS_URL": settings.cache_redis_url,
            "CACHE_OPTIONS": dict(REDIS_OPTIONS),
        }
    log.info("no COCKPIT_CACHE_REDIS_URL: query cache is per process (%s)", settings.cache_type)
    # "SimpleCache" (the default) is this module's, which keeps its entries deflated.
    kind = f"{__name__}.DeflatedSimpleCache" if settings.cache_type == "SimpleCache" else settings.cache_type
    return {**common, "CACHE_TYPE": kind, "CACHE_THRESHOLD": settings.cache_entries}


class ResilientRedisCache(BaseCache):
    """A RedisCache whose failures are misses, backed by a per-process SimpleCache while Redis is out."""

    def __init__(
        self,
        redis: RedisCache,
        fallback: DeflatedSimpleCache,
        *,
        retry_seconds: float = RETRY_SECONDS,
        where: str = "redis",
        default_timeout: int = 300,
    ) -> None:
        super().__init__(default_timeout=default_timeout)
        self.redis = redis
        self.fallback = fallback
        self.retry_seconds = retry_seconds
        self.where = where
        self.errors = 0  # Redis calls that failed (each counted as a miss or a skipped write)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def factory(
        cls, app: Any, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> ResilientRedisCache:
        default_timeout = int(kwargs.get("default_timeout", config.get("CACHE_DEFAULT_TIMEOUT", 300)))
        redis = RedisCache.factory(app, dict(config), list(args), dict(kwargs))
        fallback = DeflatedSimpleCache(threshold=FALLBACK_THRESHOLD, default_timeout=default_timeout)
        cache = cls(
            redis,
            fallback,
            retry_seconds=float(config.get("CACHE_REDIS_RETRY_SECONDS", RETRY_SECONDS)),
            where=_redacted(str(config.get("CACHE_REDIS_URL"))),
            default_timeout=default_timeout,
        )
        cache.check_at_start()
        return cache

    # --- availability -------------------------------------------------------------------------
    def check_at_start(self) -> bool:
        """Pings Redis once; when it is down the worker starts on the fallback and retries later."""
        try:
            self.redis._write_client.ping()
        except _UNAVAILABLE as exc:
            self._trip(exc, at_start=True)
            return False
        log.info("query cache: Redis at %s (key prefix %r)", self.where, self.redis.key_prefix)
        return True

    @property
    def redis_up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _trip(self, exc: BaseException, at_start: bool = False) -> None:
        with self._lock:
            self.errors += 1
            first = self.redis_up  # log once per outage window, not once per request
            self._down_until = time.monotonic() + self.retry_seconds
        if first:
            log.warning(
                "Redis %s %s (%s: %s): serving the query cache from this process for %.0fs",
                self.where,
                "unreachable at start-up" if at_start else "failed",
                type(exc).__name__,
                exc,
                self.retry_seconds,
            )

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.redis_up:
            try:
                return getattr(self.redis, name)(*args, **kwargs)
            except _UNAVAILABLE as exc:
                self._trip(exc)
        return getattr(self.fallback, name)(*args, **kwargs)

    # --- the cache interface --------------------------------------------------------------------
    def get(self, key: str) -> Any:
        return self._call("get", key)

    def get_many(self, *keys: str) -> list[Any]:
        return self._call("get_many", *keys)  # type: ignore[no-any-return]

    def has(self, key: str) -> bool:
        return bool(self._call("has", key))

    def set(self, key: str, value: Any, timeout: Any = None) -> bool:
        return bool(self._call("set", key, value, timeout=timeout))

    def add(self, key: str, value: Any, timeout: Any = None) -> bool:
        return bool(self._call("add", key, value, timeout=timeout))

    def set_many(self, mapping: dict[str, Any], timeout: Any = None) -> list[Any]:
        return self._call("set_many", mapping, timeout=timeout)  # type: ignore[no-any-return]

    def delete(self, key: str) -> bool:
        self.fallback.delete(key)  # a delete must reach both, or the fallback could resurrect it
        return bool(self._call("delete", key))

    def delete_many(self, *keys: str) -> list[Any]:
        self.fallback.delete_many(*keys)
        return self._call("delete_many", *keys)  # type: ignore[no-any-return]

    def clear(self) -> bool:
        self.fallback.clear()
        return bool(self._call("clear"))

    def inc(self, key: str, delta: int = 1) -> Any:
        return self._call("inc", key, delta)

    def dec(self, key: str, delta: int = 1) -> Any:
        return self._call("dec", key, delta)


def _redacted(url: str) -> str:
    """The URL without its password, for logs (``redis://:secret@host`` → ``redis://***@host``)."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}"


# --- compressed static files ----------------------------------------------------------------------
# Dash gzips every response (flask-compress); for plotly.js that is ~150 ms of CPU per download.
# Static files (Dash's bundles, assets/) are compressed once per worker and kept; every other
# response (callbacks, API, exports) gets a key the store never keeps, so it is compressed fresh.
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
_UNCACHED = "-"


def static_compress_key(request: Any) -> str:
    if request.method == "GET" and request.path.startswith(STATIC_PREFIXES):
        return f"{request.path}?{request.query_string.decode('latin-1')}"
    return _UNCACHED


class StaticCompressCache:
    """The ``COMPRESS_CACHE_BACKEND`` store: keeps only static files' compressed bodies."""

    MAX_ENTRIES = 256

    def __init__(self) -> None:
        self._entries: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        return None if key.endswith(";" + _UNCACHED) else self._entries.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";" + _UNCACHED):
            return
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = value
