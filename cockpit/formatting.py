"""Chinese number and date formats: 万/亿, 百分点, 2026年10月."""

from __future__ import annotations

import html
import math

from cockpit.periods import parse_period


def number(value: float | None, unit: str = "", decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "%":
        return f"{value:.{decimals}f}%"
    magnitude = abs(value)
    if magnitude >= 1e8:
        text = f"{value / 1e8:.2f}亿"
    elif magnitude >= 1e4:
        text = f"{value / 1e4:.2f}万"
    else:
        text = f"{value:,.{decimals}f}" if decimals else f"{value:,.0f}"
    return f"{text}{unit}" if unit and unit != "%" else text


def points(delta: float | None, decimals: int = 1) -> str:
    """A change in a rate is in 百分点, not %."""
    if delta is None or math.isnan(delta):
        return "—"
    return f"{delta:+.{decimals}f}个百分点"


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


def plain(value: object) -> str:
    """Feed text (titles, names, topics, departments, reasons) for plotly ``text``, ``hovertext``,
    ``hovertemplate`` and hover ``customdata``: plotly renders a subset of HTML there (links
    included; it drops only ``javascript:`` links and ``<script>`` itself), so feed text is escaped
    and shows as typed. Our own ``<b>``/``<br>`` around it stay markup. Quotes are left alone:
    plotly decodes ``&lt;``, ``&gt;`` and ``&amp;`` but would show ``&quot;`` as typed."""
    return html.escape("" if value is None else str(value), quote=False)
