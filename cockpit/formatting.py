"""Chinese number and date formats: 万/亿, 百分点/持平, 2026年3月, 3月5日 — the one place they are written.

Months and days are never zero-padded (2026年3月, not 2026年03月), on axes as in text; a change
that rounds to nothing is 持平 wherever it is shown.
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime

from cockpit.periods import parse_period


def number(value: float | None, unit: str = "", decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "%":
        return f"{value:.{decimals}f}%"
    magnitude = abs(value)
    # 99,999,999 rounds to 10000.00万: it is written 1.00亿, as the rounding makes it.
    if magnitude >= 1e8 or round(magnitude / 1e4, 2) >= 1e4:
        text = f"{value / 1e8:.2f}亿"
    elif magnitude >= 1e4:
        text = f"{value / 1e4:.2f}万"
    else:
        text = f"{value:,.{decimals}f}" if decimals else f"{value:,.0f}"
    return f"{text}{unit}" if unit and unit != "%" else text


def change(delta: float | None, unit: str = "", decimals: int = 1) -> str:
    """A change (or a difference) with its sign: a rate's in 个百分点 (at least one decimal), other
    units as ``number`` writes them; 持平 when it rounds to nothing at the figure's decimals."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return "—"
    if unit == "%":
        places = max(decimals, 1)
        return "持平" if round(delta, places) == 0 else f"{delta:+.{places}f}个百分点"
    if round(delta, decimals) == 0:
        return "持平"
    return ("+" if delta > 0 else "-") + number(abs(delta), unit, decimals)


# plotly's (d3's) date formats for axes and hovers: ``%-m`` is the month without its leading zero.
AXIS_MONTH = "%Y年%-m月"
AXIS_MONTH_ONLY = "%-m月"
AXIS_DAY = "%-m月%-d日"


def day(when: date) -> str:
    """3月5日"""
    return f"{when.month}月{when.day}日"


def day_time(when: datetime) -> str:
    """3月5日 08:30"""
    return f"{when.month}月{when.day}日 {when:%H:%M}"


def full_day_time(when: datetime) -> str:
    """2026年3月5日 08:30"""
    return f"{when.year}年{day_time(when)}"


def age(since: datetime, now: datetime) -> str:
    """How long ago, as an alarm list says it: 刚刚, 12分钟前, 3小时前, 2天前 (whole units, rounded down)."""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return "刚刚"
    if minutes < 60:
        return f"{minutes}分钟前"
    if minutes < 24 * 60:
        return f"{minutes // 60}小时前"
    return f"{minutes // (24 * 60)}天前"


def wan_yuan(value: float | None) -> str:
    """An amount given in 万元, written with 万元 or 亿元."""
    if value is None or value != value:
        return "—"
    return f"{value / 1e4:,.2f}亿元" if abs(value) >= 1e4 else f"{value:,.2f}万元"


def pct(share: float | None, decimals: int = 1) -> str:
    """A share (0..1) as a percentage."""
    if share is None or share != share:
        return "—"
    return f"{share * 100:.{decimals}f}%"


def period_label(code: str | None) -> str:
    return parse_period(code).label if code else "—"


YTD_MEAN = "ytd_mean"  # an assessment's ``basis`` when the year's actual is the mean of its periods


def judged_period(period: object, basis: object, frequency: str) -> str:
    """What a judged actual is: the period itself, or a year-to-date mean (2026年1–10月均值). An
    assessment row without a period (NaN, None) has no data."""
    if not isinstance(period, str) or not period:
        return "暂无数据"
    if basis == YTD_MEAN and frequency != "year":
        year = period[:4]
        if frequency == "quarter":
            return f"{year}年前{period[-1]}季度均值"
        return f"{year}年1–{int(period[5:7])}月均值"
    return period_label(period)


def judged_value(value: float | None, unit: str, decimals: int, basis: str | None) -> str:
    """A judged actual, saying so when it is a year-to-date mean (年均 99.1%): under the same name
    a card or a table shows the latest reading."""
    shown = number(value, unit, decimals)
    return f"年均 {shown}" if basis == YTD_MEAN else shown


def plain(value: object) -> str:
    """Feed text (titles, names, topics, departments, reasons) for plotly ``text``, ``hovertext``,
    ``hovertemplate`` and hover ``customdata``: plotly renders a subset of HTML there (links
    included; it drops only ``javascript:`` links and ``<script>`` itself), so feed text is escaped
    and shows as typed. Our own ``<b>``/``<br>`` around it stay markup. Quotes are left alone:
    plotly decodes ``&lt;``, ``&gt;`` and ``&amp;`` but would show ``&quot;`` as typed."""
    return html.escape("" if value is None else str(value), quote=False)
