"""One set of Chinese formats (cockpit.formatting): 万/亿 as rounding makes them, 个百分点 and 持平,
unpadded months and days in text and on axes."""

from __future__ import annotations

import ast
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from cockpit.formatting import AXIS_DAY, AXIS_MONTH, age, change, day, day_time, full_day_time, number

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(99_999_999, "1.00亿"), (99_995_000, "9999.50万"), (12_345, "1.23万"), (9_999, "9,999.0"),
     (123_456_789_012, "1234.57亿"), (-99_999_999, "-1.00亿"), (None, "—"), (float("nan"), "—")],
)  # fmt: skip
def test_wan_and_yi_as_the_rounding_makes_them(value: float | None, shown: str) -> None:
    assert number(value) == shown


def test_a_change_is_signed_in_its_unit_and_persistent_when_it_rounds_to_nothing() -> None:
    assert change(1.26, "%", 1) == "+1.3个百分点"
    assert change(-0.5, "%", 0) == "-0.5个百分点"  # a rate's change keeps a decimal
    assert change(0.04, "%", 1) == change(-0.04, "%", 1) == change(0.0, "%", 1) == "持平"
    assert change(0.0, "件", 0) == "持平" and change(3, "件", 0) == "+3件"
    assert change(-25_000, "元", 0) == "-2.50万元"
    assert change(None) == change(float("nan")) == "—"


def test_months_and_days_are_not_padded() -> None:
    assert day(date(2026, 3, 5)) == "3月5日"
    assert day_time(datetime(2026, 3, 5, 8, 30)) == "3月5日 08:30"
    assert full_day_time(datetime(2026, 3, 5, 8, 30)) == "2026年3月5日 08:30"
    assert AXIS_MONTH == "%Y年%-m月" and AXIS_DAY == "%-m月%-d日"  # d3's "-": no padding


def test_no_page_writes_its_own_padded_chinese_date() -> None:
    """Dates in Chinese are written by cockpit.formatting only (the loader's input layouts aside, in
    typed_sql.py since the loader was split)."""
    padded = re.compile(r"%m月|%d日")
    found = []
    for folder in ("layouts", "callbacks", "cockpit"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name in ("formatting.py", "loader.py", "typed_sql.py"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and padded.search(node.value)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_an_age_is_said_in_whole_units_rounded_down() -> None:
    now = datetime(2026, 11, 28, 12, 0)
    assert age(datetime(2026, 11, 28, 11, 59, 30), now) == "刚刚"
    assert age(datetime(2026, 11, 28, 11, 48), now) == "12分钟前"
    assert age(datetime(2026, 11, 28, 8, 59), now) == "3小时前"
    assert age(datetime(2026, 11, 25, 12, 0), now) == "3天前"
