"""A served demo keeps moving: the 12345 tickets received since the build, added as the day goes.

The build writes events up to its ``as_of`` (the hour ``make run`` started). While the cockpit
serves, the scheduler calls ``LiveDemo.tick`` each cycle; every ``demo_live_every`` seconds it
writes the tickets received from the build's ``as_of`` up to the data clock's minute — the build's
own model continued (etl.demo.hotline.live_tickets) — and loads them through the ordinary 12345
feed, so they are checked, counted and logged like any other run, and 今日受理 moves with the clock.

Each run carries every live ticket of the last ``_WINDOW`` with its state at that moment, so a
ticket received at 09:10 that closes at 15:00 is updated by the first run after 15:00 (the feed
merges on 工单编号). A pinned clock (``COCKPIT_AS_OF``) or ``COCKPIT_DEMO_LIVE_EVERY=0`` keeps the
demo still, as tests and screenshots need.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from cockpit.settings import Settings
from cockpit.warehouse.build import geography_builder, read_indicators
from etl.demo.hotline import live_tickets, write_live_tickets
from etl.demo.regions import RegionBook
from etl.demo.spec import MANIFEST_NAME, DemoSpec
from etl.runner import FeedBusy, FeedRunError, run_feed

log = logging.getLogger("etl.demo.live")

FEED = "hotline_tickets"
LIVE_FILE = Path("live") / "hotline_tickets.csv"
_WINDOW = timedelta(days=7)  # tickets older than this when the demo runs keep their last state


def spec_of(manifest: dict[str, object]) -> DemoSpec:
    """The DemoSpec a build wrote down in its MANIFEST.json (scale fields at their defaults)."""
    spec = manifest["spec"]
    assert isinstance(spec, dict)
    tickets = spec.get("hotline_tickets")
    return DemoSpec(
        start=str(spec["start"]),
        end=str(spec["end"]),
        as_of=datetime.fromisoformat(str(spec["as_of"])),
        seed=int(spec["seed"]),
        hotline_tickets=None if tickets is None else int(tickets),
    )


class LiveDemo:
    """The live top-up of one demo build; ``for_settings`` is None when the demo should stay still."""

    name = f"{FEED}（演示实时工单）"  # how a run is named where the scheduler reports it

    def __init__(self, settings: Settings, spec: DemoSpec) -> None:
        self.settings = settings
        self.spec = spec
        self.every = timedelta(seconds=settings.demo_live_every)
        self.last: datetime | None = None
        self._book: RegionBook | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> LiveDemo | None:
        manifest = settings.demo_path / MANIFEST_NAME
        if settings.as_of is not None or settings.demo_live_every <= 0 or not manifest.is_file():
            return None
        try:
            spec = spec_of(json.loads(manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, AssertionError) as exc:
            log.warning("demo manifest unreadable, no live tickets: %s", exc)
            return None
        return cls(settings, spec)

    @property
    def path(self) -> Path:
        return self.settings.demo_path / LIVE_FILE

    def book(self) -> RegionBook:
        if self._book is None:
            regions = geography_builder().build_regions(
                self.settings.province_adcode, self.settings.reference_dir
            )
            self._book = RegionBook.build(regions, self.spec)
        return self._book

    def write(self, now: datetime) -> int:
        """Write the live tickets as they stand at ``now``; returns how many."""
        indicators = read_indicators(self.settings.seeds_dir)
        lines = live_tickets(self.book(), self.spec, indicators, now - _WINDOW, now)
        write_live_tickets(self.path, lines)
        return len(lines)

    def due(self, now: datetime) -> bool:
        return now > self.spec.as_of and (self.last is None or now - self.last >= self.every)

    def tick(self, now: datetime | None = None) -> object | None:
        """Top up when due: the feed run's result (or its error), None when nothing was due."""
        now = now or self.settings.data_now()
        if not self.due(now):
            return None
        self.last = now
        self.write(now)
        try:
            return run_feed(self.settings, FEED, source=str(self.path))
        except (FeedBusy, FeedRunError) as exc:
            log.error("live demo tickets: %s", exc)
            return exc
