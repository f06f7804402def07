"""A long-running scheduler: pulls each feed when it is due, one at a time.

Due times live in the warehouse (``feed_state.next_due_at``), so a restarted scheduler
resumes where the last one stopped, and the dashboard reads lateness from the same place.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import date, datetime

from cockpit.access.audit_archive import archive
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse
from etl.catalog import load_catalog
from etl.demo.live import LiveDemo
from etl.runner import FeedBusy, FeedRunError, run_feed

log = logging.getLogger("etl.scheduler")


def due_feeds(settings: Settings, now: datetime) -> list[str]:
    catalog = load_catalog(settings.feeds_path)
    state = Warehouse(settings).feed_state()
    due = []
    for name in catalog:
        row = state.get(name)
        if row is None or row["next_due_at"] is None or row["next_due_at"] <= now:
            due.append(name)
    return due


def run_scheduler(
    settings: Settings,
    *,
    poll_seconds: float = 15.0,
    max_cycles: int | None = None,
    stop: threading.Event | None = None,
    on_run: Callable[[str, object], None] | None = None,
    live: LiveDemo | None = None,
) -> int:
    """Loop until stopped (SIGINT/SIGTERM, ``stop`` set, or ``max_cycles`` polls). Returns runs made.

    ``live``: a demo build's live tickets, topped up each cycle when due (``LiveDemo.for_settings``)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    runs = 0
    cycles = 0
    archived_on: date | None = None
    while not stop.is_set():
        if settings.now().date() != archived_on:  # audit retention, once a day
            archived_on = settings.now().date()
            _archive_audit(settings)
        for name in due_feeds(settings, settings.now()):
            if stop.is_set():
                break
            started = time.monotonic()
            try:
                result: object = run_feed(settings, name)
            except FeedBusy as exc:
                result = exc
                log.info("skip %s: %s", name, exc)
            except FeedRunError as exc:
                result = exc
                log.error("%s", exc)
            runs += 1
            log.info("feed %s done in %.1fs", name, time.monotonic() - started)
            if on_run:
                on_run(name, result)
        if live is not None and not stop.is_set():
            topped = live.tick()
            if topped is not None:
                runs += 1
                if on_run:
                    on_run(live.name, topped)
        cycles += 1
        if max_cycles is not None and cycles >= max_cycles:
            break
        stop.wait(poll_seconds)
    return runs


def _archive_audit(settings: Settings) -> None:
    try:
        done = archive(settings)
    except Exception:  # the feeds must keep running; the next day tries again
        log.exception("audit archive failed")
        return
    if done.rows:
        log.info("archived %d audit rows older than %s", done.rows, done.cutoff)
