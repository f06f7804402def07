"""One clock: "today", "now" and the wall's clock are Beijing's whatever the host's zone (issue 13)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cockpit.settings import Settings
from tests.conftest import make_settings

UTC = ZoneInfo("UTC")
# 23:30 and 00:30 in Beijing, as a host in UTC sees them (15:30 and 16:30 the day before).
LATE = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)


@pytest.fixture
def live_clock(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, as_of=None)


def test_today_is_beijing_s_on_a_host_in_utc(live_clock: Settings) -> None:
    with time_machine.travel(LATE, tick=False):  # a ZoneInfo moment: the host's TZ becomes UTC too
        assert date.today() == date(2026, 11, 28) and datetime.now().hour == 15  # the host's view
        assert live_clock.today() == date(2026, 11, 28)
        assert live_clock.now() == datetime(2026, 11, 28, 23, 30)
        assert live_clock.data_now() == datetime(2026, 11, 28, 23, 30)
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        assert date.today() == date(2026, 11, 28)  # the host is still on the 28th
        assert live_clock.today() == date(2026, 11, 29)
        assert live_clock.now() == datetime(2026, 11, 29, 0, 30)


def test_the_zone_is_a_setting_and_as_of_pins_the_day(tmp_path: Path) -> None:
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        assert make_settings(tmp_path, as_of=None, timezone="Asia/Urumqi").now().hour == 22
        pinned = make_settings(tmp_path, as_of=date(2026, 10, 31))
        assert pinned.today() == date(2026, 10, 31) and pinned.data_now() == datetime(
            2026, 10, 31, 23, 59, 59
        )
    with pytest.raises(ValueError, match="unknown time zone"):
        make_settings(tmp_path, timezone="Beijing")


def test_an_incident_from_this_evening_is_not_in_the_future(settings: Settings, tmp_path: Path) -> None:
    """The loader refuses events later than now: "now" must be Beijing's, or on a UTC host every
    event of the last eight hours would be quarantined as a future timestamp."""
    from etl.runner import run_feed
    from tests.test_etl import _incident

    records = [_incident(1, occurTime="2026-11-28 22:50:00", reportTime="2026-11-28 23:05:00",
                         updateTime="2026-11-28 23:10:00"),
               _incident(2, occurTime="2026-11-29 01:00:00", reportTime="2026-11-29 01:05:00",
                         updateTime="2026-11-29 01:05:00")]  # fmt: skip
    src = tmp_path / "incidents.json"
    src.write_text(json.dumps({"code": 0, "data": records}, ensure_ascii=False), encoding="utf-8")
    with time_machine.travel(LATE, tick=False):
        result = run_feed(settings.model_copy(update={"as_of": None}), "emergency_incidents", str(src))
    assert (result.counts.inserted, result.counts.quarantined) == (1, 1)  # 01:00 tomorrow is the future
