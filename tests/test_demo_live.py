"""A served demo keeps moving: live 12345 tickets continue the build's model and load as a feed run."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.settings import Settings
from etl.demo import DemoSpec, RegionBook
from etl.demo.hotline import live_tickets
from etl.demo.live import LiveDemo
from tests.conftest import make_settings

_BUILD_ID = re.compile(r"^GD\d{14}$")
_LIVE_ID = re.compile(r"^GD\d{8}T\d{6}$")


@pytest.fixture(scope="module")
def model_inputs() -> tuple[RegionBook, Any]:
    from cockpit import geography
    from cockpit.warehouse.build import read_indicators

    settings = Settings()
    regions = geography.build_regions(settings.province_adcode, settings.reference_dir)
    return regions, read_indicators(settings.seeds_dir)


def _fields(lines: list[str]) -> dict[str, list[str]]:
    return {line.split(",")[0]: line.split(",") for line in lines}


def test_live_tickets_continue_the_build_at_its_rate_and_regenerate_the_same(model_inputs: Any) -> None:
    regions, indicators = model_inputs
    spec = DemoSpec(as_of=datetime(2026, 12, 7, 9, 0), end="2026-11")  # a Monday, full provincial scale
    book = RegionBook.build(regions, spec)
    noon = live_tickets(book, spec, indicators, spec.as_of, datetime(2026, 12, 7, 12, 0))
    day = live_tickets(book, spec, indicators, spec.as_of, datetime(2026, 12, 8, 9, 0))
    assert noon == live_tickets(book, spec, indicators, spec.as_of, datetime(2026, 12, 7, 12, 0))
    early, later = _fields(noon), _fields(day)
    assert set(early) <= set(later) and len(later) > len(early) > 0
    for ticket, row in early.items():
        # The same ticket: received at the same time in the same county about the same thing …
        assert later[ticket][:7] == row[:7]
        assert spec.as_of < datetime.fromisoformat(row[2]) <= datetime(2026, 12, 7, 12, 0)
        assert _LIVE_ID.match(ticket) and not _BUILD_ID.match(ticket)
        if row[7]:  # … and one closed by noon stays closed at the same moment
            assert later[ticket][7] == row[7]
    closed_early = sum(1 for r in early.values() if r[7])
    assert sum(1 for t in early if later[t][7]) > closed_early  # tickets close as time goes on
    # A day's volume is the province's: 1,000 a year per 10,000 residents, more on a winter Monday.
    yearly = sum(book.population[c] for c in book.cities) / 10
    assert 1.0 * yearly / 365 < len(day) < 2.0 * yearly / 365


def _live_settings(demo: tuple[Settings, dict[str, object]], root: Path, **extra: object) -> Settings:
    settings, _ = demo
    shutil.copytree(settings.warehouse_path, root / "warehouse", ignore=shutil.ignore_patterns("*.lock"))
    shutil.copytree(settings.demo_path, root / "data" / "demo")
    return make_settings(root, as_of=None, **extra)


def test_a_tick_loads_the_day_so_far_through_the_feed_and_a_rerun_changes_nothing(
    demo_warehouse: tuple[Settings, dict[str, object]], tmp_path: Path
) -> None:
    from cockpit.warehouse.hotline_queries import HotlineQueries
    from cockpit.warehouse.queries import Warehouse
    from etl.runner import RunResult

    settings = _live_settings(demo_warehouse, tmp_path)
    live = LiveDemo.for_settings(settings)
    assert live is not None and live.spec.as_of == datetime(2026, 11, 28, 9, 0)
    province = settings.province_adcode
    now = datetime(2026, 11, 28, 17, 45)
    before = HotlineQueries(Warehouse(settings)).hotline_pulse(province, now)["today"]

    first = live.tick(now)
    assert isinstance(first, RunResult) and first.source == str(live.path)
    written = len(live.path.read_text(encoding="utf-8").splitlines()) - 1
    assert first.counts.read == written == first.counts.inserted > 0 and first.counts.quarantined == 0
    after = HotlineQueries(Warehouse(settings)).hotline_pulse(province, now)["today"]
    assert after == before + first.counts.inserted

    assert live.tick(now + timedelta(minutes=1)) is None  # not due before demo_live_every
    live.last = None
    again = live.tick(now)
    assert isinstance(again, RunResult)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, written)


def test_the_demo_stays_still_when_its_clock_is_pinned_or_live_is_off(
    demo_warehouse: tuple[Settings, dict[str, object]], tmp_path: Path
) -> None:
    settings = _live_settings(demo_warehouse, tmp_path)
    assert LiveDemo.for_settings(settings.model_copy(update={"demo_live_every": 0})) is None
    assert LiveDemo.for_settings(settings.model_copy(update={"as_of": settings.today()})) is None
    assert LiveDemo.for_settings(settings.model_copy(update={"demo_dir": tmp_path / "none"})) is None


def test_the_scheduler_tops_the_demo_up_each_cycle(
    demo_warehouse: tuple[Settings, dict[str, object]], tmp_path: Path
) -> None:
    from etl.scheduler import run_scheduler

    settings = _live_settings(demo_warehouse, tmp_path)
    live = LiveDemo.for_settings(settings)
    assert live is not None
    seen: list[str] = []
    run_scheduler(
        settings, poll_seconds=0.01, max_cycles=1, on_run=lambda name, _: seen.append(name), live=live
    )
    assert seen[-1] == "hotline_tickets（演示实时工单）" and live.last is not None
