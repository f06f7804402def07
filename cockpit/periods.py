"""Statistical periods: month ``2026-10``, quarter ``2026Q3``, year ``2026``.

One canonical code per period is what the warehouse stores; feeds write periods in many
ways (2026年10月, 202610, 2026年第三季度, an Excel date for the first of the month …).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


class PeriodError(ValueError):
    pass


# Per kind: (code, Chinese label) of a period starting in year y, month m, quarter q.
_FORMATS = {
    "year": ("{y}", "{y}年"),
    "quarter": ("{y}Q{q}", "{y}年第{q}季度"),
    "month": ("{y}-{m:02d}", "{y}年{m}月"),
}


@dataclass(frozen=True, order=True)
class Period:
    start: date
    kind: str  # "month" | "quarter" | "year"

    @property
    def code(self) -> str:
        return self._format(0)

    @property
    def label(self) -> str:
        return self._format(1)

    def _format(self, which: int) -> str:
        y, m = self.start.year, self.start.month
        return _FORMATS[self.kind][which].format(y=y, m=m, q=(m - 1) // 3 + 1)

    @property
    def end(self) -> date:
        year, month = self.start.year, self.start.month
        last_month = {"month": month, "quarter": month + 2, "year": 12}[self.kind]
        return date(year, last_month, calendar.monthrange(year, last_month)[1])


def _month(year: int, month: int, raw: str) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(f"无法识别的统计期“{raw}”（月份{month}不存在）")
    return Period(date(year, month, 1), "month")


def parse_period(raw: object) -> Period:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(raw)))
    if re.fullmatch(r"\d{4}(\.0)?年?(度)?", text):
        return Period(date(int(text[:4]), 1, 1), "year")
    m = re.fullmatch(r"(\d{4})[-/年]?(?:Q|第)?([1-4一二三四])(?:季度|季)", text) or re.fullmatch(
        r"(\d{4})[-/]?Q([1-4])", text, flags=re.IGNORECASE
    )
    if m:
        quarter = _CN_DIGITS[m.group(2)]
        return Period(date(int(m.group(1)), 3 * quarter - 2, 1), "quarter")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})(?:月份?)?", text) or re.fullmatch(r"(\d{4})(\d{2})", text)
    if m:
        return _month(int(m.group(1)), int(m.group(2)), str(raw))
    # Excel turns "2026-10" into a date; only the first of a month is read as that month.
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/]0?1(?:00:00:00)?", text)
    if m:
        return _month(int(m.group(1)), int(m.group(2)), str(raw))
    raise PeriodError(f"无法识别的统计期“{raw}”")


def kind_of(code: str) -> str:
    return "quarter" if "Q" in code else "year" if len(code) == 4 else "month"
