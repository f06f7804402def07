"""What a demo build is: its span, clock, seed and scale (``DemoSpec``), and the files it writes.

Everything the generator writes is a function of its inputs and the spec: one numpy PCG64 stream
per named purpose (so raising the hotline volume does not reshuffle the indicators), no wall-clock
time, no set/dict-order dependence. Same inputs give byte-identical files.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

FILE_NAMES: dict[str, str] = {
    "indicator_monthly": "indicator_monthly.csv",
    "indicator_quarterly": "indicator_quarterly.xlsx",
    "indicator_annual_wide": "indicator_annual_wide.csv",
    "indicator_targets": "indicator_targets.csv",
    "emergency_incidents": "emergency_incidents.json",
    "emergency_warnings": "emergency_warnings.csv",
    "hotline_tickets": "hotline_tickets.csv",
    "inspections": "inspections.xlsx",
    "supervision_tasks_13710": "supervision_tasks_13710.csv",
    "regulatory_catalog": "regulatory_catalog.xlsx",
    "credit_records": "credit_records.xlsx",
}
MANIFEST_NAME = "MANIFEST.json"

REASONS = (
    "unknown_region",
    "ambiguous_region",
    "bad_period",
    "future_period",
    "not_a_number",
    "out_of_range",
    "unknown_indicator",
    "duplicate_key",
    "conflicting_duplicate",
    "missing_required",
    "bad_enum",
    "bad_timestamp",
)


@dataclass(frozen=True)
class DemoSpec:
    start: str = "2021-01"  # first month of statistics
    end: str = "2026-10"  # last month of statistics (monthly/quarterly/annual values)
    as_of: datetime = datetime(2026, 11, 28, 9, 0)  # "now" for events
    seed: int = 20211
    # The demo's scale, per resident (the README states these as the demo's assumptions, not facts).
    # 12345 contacts per 10,000 residents a year (≈3.5 M a year for Shanxi), at full volume from
    # 1 January of the year before as_of, so this month, this year and the same stretch last year
    # all have their tickets; earlier years are carried by the monthly indicator feed.
    hotline_per_10k: float = 1000.0
    # A fixed number of tickets spread over the whole span instead (small test fixtures, benchmarks).
    hotline_tickets: int | None = None
    inspections_per_10k: float = 6.0  # 双随机 inspections per 10,000 residents a year (≈21,000)
    # Incidents province-wide a year: about 220 (≈30 level III); levels I and II are capped, as a
    # real year rarely has more than one 特别重大 or five 重大 events in a province.
    incidents_per_million: float = 6.3
    level_caps: tuple[int, int] = (1, 5)

    @property
    def start_ym(self) -> tuple[int, int]:
        return _parse_ym(self.start)

    @property
    def end_ym(self) -> tuple[int, int]:
        return _parse_ym(self.end)

    @property
    def span_start(self) -> datetime:
        year, month = self.start_ym
        return datetime(year, month, 1)

    def months(self) -> list[tuple[int, int]]:
        (y0, m0), (y1, m1) = self.start_ym, self.end_ym
        return [(i // 12, i % 12 + 1) for i in range(y0 * 12 + m0 - 1, y1 * 12 + m1)]

    def quarters(self) -> list[tuple[int, int]]:
        """Quarters whose three months all lie inside start..end."""
        months = set(self.months())
        years = sorted({y for y, _ in months})
        return [(y, q) for y in years for q in range(1, 5) if all((y, 3 * q - k) in months for k in range(3))]

    def full_years(self) -> list[int]:
        months = set(self.months())
        return [y for y in sorted({y for y, _ in months}) if all((y, m) in months for m in range(1, 13))]

    def target_years(self) -> list[int]:
        return list(range(self.start_ym[0], self.end_ym[0] + 1))

    @classmethod
    def small(cls, **changes: Any) -> DemoSpec:
        """A demo a thousandth of the province's scale for tests: quick to build, every kind of row."""
        return cls(**{"hotline_tickets": 8_000, "inspections_per_10k": 0.17, **changes})

    @property
    def hotline_start(self) -> datetime:
        """The first day of tickets: the whole span for a fixed count, else 1 January of last year."""
        if self.hotline_tickets is not None:
            return self.span_start
        return max(self.span_start, datetime(self.as_of.year - 1, 1, 1))

    def rng(self, stream: str) -> np.random.Generator:
        # One independent PCG64 stream per named purpose; crc32 is stable across runs, hash() is not.
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence([self.seed, zlib.crc32(stream.encode())]))
        )


def _parse_ym(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected YYYY-MM, got {text!r}")
    return int(match.group(1)), int(match.group(2))
