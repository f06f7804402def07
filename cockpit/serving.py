"""Production serving: gunicorn, N worker processes x T threads, each with its own app.

``cockpit serve --workers N`` runs this; ``gunicorn cockpit.wsgi:application`` with the same
options (``gunicorn_options`` lists them) is equivalent.

Why ``preload_app`` is off. With preload, the master builds the app and forks it into every
worker. That would save some start-up time and share a little memory copy-on-write (little in
practice: CPython's reference counts dirty the shared pages), but anything the app opened before
the fork is inherited by every worker: a DuckDB connection (its thread pool, locks and buffer
manager do not survive fork, and DuckDB's per-process instance cache would hand the inherited
instance back on reconnect), a Redis connection pool, the briefing thread pool. Without preload
the master never imports the app at all; each worker imports and builds it after the fork, and
``Warehouse`` opens DuckDB lazily on the first query in that worker (and refuses a connection
opened in another process). Building the app reads no warehouse data, so N workers start in
parallel in a couple of seconds.

How workers notice a publish: each query reads the one-line ``CURRENT`` pointer beside the
snapshots (a tiny file read) and opens the new snapshot when it moved; cache keys carry the
snapshot id, so no worker — on this host or another — can serve an entry of the old snapshot.
Nothing needs a signal, a restart or a message bus.

Workers are recycled after ``MAX_REQUESTS`` requests (with jitter, so not all at once): a
long-running worker otherwise keeps the memory high-water mark of its biggest query.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from cockpit.settings import Settings

log = logging.getLogger("cockpit.serving")

MAX_REQUESTS = 5000
MAX_REQUESTS_JITTER = 500


def build_application(settings: Settings) -> Any:
    """The WSGI callable for ``settings``: the Dash app's Flask server, proxy-aware when configured."""
    from cockpit.app import create_app

    server = create_app(settings).server
    if settings.proxy_hops:
        # Behind a load balancer the socket peer is the balancer: take the client address and
        # scheme from the X-Forwarded-* headers it sets, trusting exactly that many hops.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return server


def blank_server_header() -> None:
    """Send an empty ``Server:`` header instead of ``gunicorn``: don't advertise the stack."""
    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = ""  # type: ignore[attr-defined]  # read per response by Response


M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def limit_malloc_arenas(arenas: int) -> bool:
    """glibc gives every thread that allocates its own malloc arena (up to 8 per core); with a
    worker's request threads each building frames, freed memory stays spread over arenas and the
    worker's resident size keeps growing. Fewer arenas trade a little lock contention for a
    resident size that follows what is in use (what ``MALLOC_ARENA_MAX`` does, at run time)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or arenas < 1:
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False


def _configure_worker_logging() -> None:
    # Once per worker, before its app is built: what the app logs while loading is kept too.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s [%(process)d] %(name)s %(levelname)s %(message)s"
    )


def _post_worker_init(worker: Any) -> None:
    _configure_worker_logging()
    log.info("worker %d ready", os.getpid())


def gunicorn_options(
    settings: Settings, *, bind: str | None = None, workers: int | None = None, threads: int | None = None
) -> dict[str, Any]:
    """Gunicorn settings for the cockpit; unknown keys for the installed gunicorn are skipped."""

    def post_fork(server: Any, worker: Any) -> None:
        # Before the worker imports the app, so the limit holds for everything it allocates.
        limit_malloc_arenas(settings.malloc_arenas)

    options: dict[str, Any] = {
        "bind": [bind or f"{settings.host}:{settings.port}"],
        "workers": workers or settings.workers,
        # Threads: Dash fires several callbacks per page at once and DuckDB releases the GIL while
        # it scans, so threads overlap well; processes are for CPU-bound Python (figure building).
        "worker_class": "gthread",
        "threads": threads or settings.threads,
        "timeout": settings.worker_timeout,
        "graceful_timeout": 30,
        "keepalive": 5,  # behind a load balancer, keep its connections warm
        "preload_app": False,  # see the module docstring
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "proc_name": "cockpit",
        "errorlog": "-",
        "post_fork": post_fork,
        "post_worker_init": _post_worker_init,
        # The control socket defaults to one path per user: two servers on one host would clash.
        "control_socket_disable": True,
    }
    if Path("/dev/shm").is_dir():
        # The worker heartbeat is an fchmod on a temp file; on a slow disk it can stall a worker.
        options["worker_tmp_dir"] = "/dev/shm"
    return options


def run(
    settings: Settings, *, bind: str | None = None, workers: int | None = None, threads: int | None = None
) -> None:
    """Run gunicorn in this process until it is stopped (SIGTERM / Ctrl-C: graceful)."""
    import gc

    from gunicorn.app.base import BaseApplication

    from cockpit import warmup

    options = gunicorn_options(settings, bind=bind, workers=workers, threads=threads)

    class CockpitServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            # Called in each worker after the fork (preload_app is off): one app per worker.
            _configure_worker_logging()
            server = build_application(settings)
            # Everything alive now (the libraries' modules, the app, its layouts: ~200,000 objects)
            # lives as long as the worker. Frozen, the cyclic collector stops re-scanning it: a full
            # collection took ~140 ms, a pause that landed on whichever request was running.
            gc.collect()
            gc.freeze()
            warmup.start(server, settings.warm_roles)
            return server

    blank_server_header()
    CockpitServer().run()
