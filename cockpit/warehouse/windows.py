"""Time windows of the desk pages: a half-open ``[start, end)`` range that never reaches past now.

A page's URL names its window (``period=2026-10``, ``2026Q3``, ``2026``, or ``from``/``to`` dates);
``resolve_window`` turns it into a Window with Chinese notices for anything unreadable, and
``window_of_kind`` gives the window a figure registry period kind (今日, 本月, 近30天 …) covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cockpit import figures
from cockpit.periods import PeriodError, parse_period

# --- time windows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A half-open time range ``[start, end)`` that never reaches past "now"."""

    start: datetime
    end: datetime
    code: str  # as the URL writes it: 2026-10, 2026Q3, 2026, or 2026-10-01~2026-11-15
    label: str

    @property
    def days(self) -> float:
        return max((self.end - self.start).total_seconds() / 86400, 0.0)

    def last_year(self) -> Window:
        """The same stretch of the calendar one year earlier (同期)."""
        return Window(_minus_year(self.start), _minus_year(self.end), self.code, f"{self.label}上年同期")

    @property
    def grain(self) -> str:
        return "day" if self.days <= 45 else "week" if self.days <= 190 else "month"

    @property
    def quarter_code(self) -> str:
        """The quarter holding the window's last instant: catalogue figures are quarterly."""
        last = self.end - timedelta(seconds=1)
        return f"{last.year}Q{(last.month - 1) // 3 + 1}"


def _minus_year(when: datetime) -> datetime:
    try:
        return when.replace(year=when.year - 1)
    except ValueError:  # 29 February
        return when.replace(year=when.year - 1, day=28)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


EARLIEST = date(2000, 1, 1)
AHEAD = timedelta(days=366)  # a "to" date may run past today (cut at now), but not beyond a year


def _sane(first: date, last: date, now: datetime) -> bool:
    """Dates the pages can count over: none before 2000, none more than a year after now (a
    ``to`` of 9999-12-31 would overflow the day after it)."""
    return first >= EARLIEST and last <= now.date() + AHEAD


def _cn_day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def default_window(now: datetime, kind: str) -> Window:
    period = f"{now.year}-{now.month:02d}" if kind == "month" else f"{now.year}"
    window, _ = resolve_window({"period": period}, now, kind)
    return window


def resolve_window(
    params: dict[str, Any], now: datetime, default_kind: str = "year"
) -> tuple[Window, list[str]]:
    """``period`` (2026-10 / 2026Q3 / 2026) or ``from``/``to`` (ISO dates) → a window and notices.

    Anything unreadable, reversed or in the future falls back to the default (this month or this
    year to date) with a Chinese notice; a period still running is cut at "now" and says so."""
    notices: list[str] = []
    raw_from, raw_to = params.get("from"), params.get("to")
    if raw_from or raw_to:
        first = _day(str(raw_from or "")[:32]) if raw_from else None
        last = _day(str(raw_to or "")[:32]) if raw_to else now.date()
        if first is None or last is None or first > last or first > now.date() or not _sane(first, last, now):
            notices.append(
                f"时间范围“{str(raw_from or '')[:12]}～{str(raw_to or '')[:12]}”无效，已显示默认时段"
            )
        else:
            end = min(datetime.combine(last + timedelta(days=1), datetime.min.time()), now)
            code = f"{first.isoformat()}~{last.isoformat()}"
            label = f"{_cn_day(first)}至{_cn_day(min(last, now.date()))}"
            return Window(datetime.combine(first, datetime.min.time()), end, code, label), notices
    raw = params.get("period")
    if raw:
        try:
            period = parse_period(str(raw)[:32])
        except PeriodError:
            period = None
        if period is None or period.start > now.date() or period.start.year < 2000:
            notices.append(f"统计期“{str(raw)[:12]}”无效，已显示默认时段")
        else:
            start = datetime.combine(period.start, datetime.min.time())
            end_full = datetime.combine(period.end + timedelta(days=1), datetime.min.time())
            label = period.label
            if end_full > now:
                label += f"（截至{now.month}月{now.day}日）"
            return Window(start, min(end_full, now), period.code, label), notices
    if default_kind == "month":
        return resolve_window({"period": f"{now.year}-{now.month:02d}"}, now)[0], notices
    return resolve_window({"period": f"{now.year}"}, now)[0], notices


def window_of_kind(kind: str, now: datetime) -> Window:
    """The window a period kind of the figure registry covers at ``now``."""
    start, end = figures.period_range(kind, now)
    return Window(start, end, figures.period_key(kind, now), kind)
