"""Projection to a target year from the recent trend, and the year the trend meets the target.

The trend is a least-squares line through the last few years of values (three by default: a
whole number of years, so a seasonal indicator's winter dip and year-end push cancel out),
placed on a real time axis so missing months only thin the fit instead of bending it. Time is
the period's end as a decimal year: 2026-10 ends at 2026 + 304/365, a year's value at its
31 December.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cockpit.pace import as_period

PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
MIN_POINTS = 3
# Beyond this many years a "reach year" says nothing a leader can act on.
HORIZON_YEARS = 30


@dataclass(frozen=True)
class Projection:
    target_year: int
    target: float | None
    value: float | None  # the trend's value at the end of the target year
    reach_year: int | None  # the year by whose end the trend meets the target; None: it does not
    met: bool  # the latest actual already meets the target
    slope: float  # per year, in the indicator's unit
    points: int
    last_x: float
    last_fit: float

    @property
    def on_track(self) -> bool:
        """Whether the trend meets the target by the end of the target year."""
        return bool(self.met or (self.reach_year is not None and self.reach_year <= self.target_year))

    def at(self, x: float) -> float:
        return self.last_fit + self.slope * (x - self.last_x)


def decimal_year(period: str) -> float:
    end = as_period(period).end
    days = 366 if calendar.isleap(end.year) else 365
    return end.year + end.timetuple().tm_yday / days


def _meets(value: float, target: float, direction: str, within: float = 0.0) -> bool:
    return value <= target + within + 1e-9 if direction == "lower" else value >= target - within - 1e-9


def project(
    periods: Sequence[str],
    values: Sequence[float | None],
    target_year: int,
    target: float | None,
    direction: str,
    *,
    window_years: float = 3.0,
    bounds: tuple[float | None, float | None] = (None, None),
    met_within: float = 0.0,
) -> Projection | None:
    """None when there are fewer than three values to draw a trend through. ``met_within``: the
    status rule's band inside which the target counts as met."""
    pairs = sorted(
        (decimal_year(p), float(v))
        for p, v in zip(periods, values, strict=True)
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    )
    if len(pairs) < MIN_POINTS:
        return None
    per_year = PER_YEAR[as_period(max(periods)).kind]
    keep = max(MIN_POINTS, round(window_years * per_year))
    xs, ys = np.array([p[0] for p in pairs[-keep:]]), np.array([p[1] for p in pairs[-keep:]])
    last_x = float(xs[-1])
    slope, intercept = np.polyfit(xs - last_x, ys, 1) if np.ptp(xs) > 0 else (0.0, float(ys.mean()))
    slope, last_fit = float(slope), float(intercept)
    lo, hi = bounds

    def clip(v: float) -> float:
        return min(max(v, lo if lo is not None else -math.inf), hi if hi is not None else math.inf)

    value = clip(last_fit + slope * (target_year + 1.0 - last_x))
    last_year = int(math.ceil(last_x) - 1)
    met = bool(target is not None and _meets(float(ys[-1]), float(target), direction, met_within))
    reach: int | None = None
    if target is not None:
        if met or _meets(last_fit, target, direction, met_within):
            reach = last_year
        else:
            improving = slope < 0 if direction == "lower" else slope > 0
            if improving:
                aim = target - met_within if direction != "lower" else target + met_within
                crossing = last_x + (aim - last_fit) / slope
                if crossing - last_x <= HORIZON_YEARS:
                    reach = max(last_year, int(math.ceil(crossing) - 1))
    return Projection(target_year, target, value, reach, met, slope, len(xs), last_x, last_fit)
