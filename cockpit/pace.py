"""序时进度: where an indicator with an annual target should stand at the end of a given period.

An annual target is judged against the year as it passes: after October a level indicator is
expected to have covered 304/365 of the way from last year's result to this year's target, a
count that accumulates from zero to have reached 304/365 of it. The elapsed share is counted in
days (a leap year has 366 of them), or read from a declared seasonal profile when the work is
not spread evenly over the year (13710 tasks are cleared towards the year-end assessment).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from functools import lru_cache

from cockpit.periods import Period, parse_period

LINEAR, CUMULATIVE, NONE = "linear", "cumulative", "none"
PACE_MODES = (LINEAR, CUMULATIVE, NONE)
PACE_LABELS = {LINEAR: "按序时进度（由上年实际向本年目标线性推进）", CUMULATIVE: "按序时进度（年内累计）",
               NONE: "不设序时进度（全年每期均须达到目标）"}  # fmt: skip


def as_period(period: str | Period) -> Period:
    return period if isinstance(period, Period) else _parsed(period)


@lru_cache(maxsize=4096)
def _parsed(code: str) -> Period:
    # Assessments read the same few hundred period codes over and over.
    return parse_period(code)


def elapsed_share(period: str | Period, profile: Sequence[float] | None = None) -> float:
    """Share of its year that has passed by the end of ``period`` (1.0 for a whole year).

    ``profile``: 12 cumulative shares at each month end, used instead of the calendar."""
    p = as_period(period)
    if p.kind == "year":
        return 1.0
    end = p.end
    if profile is not None:
        return float(profile[end.month - 1])
    days = 366 if calendar.isleap(end.year) else 365
    return end.timetuple().tm_yday / days


def pace_target(
    target: float | None, start: float | None, share: float, mode: str, direction: str
) -> float | None:
    """The value expected by now (序时目标) for an annual ``target``.

    ``start`` is where the year began (last year's result, else last year's target). A region
    that began the year already past its target is expected to hold the target, not to slide back."""
    if target is None:
        return None
    if mode == NONE or share >= 1.0:
        return target
    if mode == CUMULATIVE:
        return target * share
    if start is None:
        return target
    already = start <= target if direction == "lower" else start >= target
    if already:
        return target
    return start + (target - start) * share
