"""The figure registry: every figure the cockpit shows outside the indicator catalogue, defined once.

A figure has one code, one Chinese label (which says what period it covers), a unit, the period it
covers, how a parent region's value is formed from its children's, and where it comes from. Every
surface (the wall, desk pages, the region profile, briefings) takes the label from here and marks
the rendered number with :func:`attrs`, so a test can read from any page which figure, region and
period a number is, and its unrounded value. Indicators reported by feeds are figures too
(``indicator:<code>``), labelled from the catalogue and marked 上报值 where they are shown beside a
figure computed from rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# How a period key is formed from "now" (Beijing time): the same key on every surface.
_PERIODS = {
    "now": lambda now: now.date().isoformat(),
    "today": lambda now: now.date().isoformat(),
    "month": lambda now: f"{now:%Y-%m}",
    "year": lambda now: f"{now.year}",
    "30d": lambda now: f"{(now - timedelta(days=30)).date().isoformat()}~{now.date().isoformat()}",
}


@dataclass(frozen=True)
class Figure:
    code: str
    label: str  # may hold {year}
    unit: str
    period: str  # a key of _PERIODS: what stretch of time the figure covers
    rollup: str  # how a parent's value is formed: sum of children, rate of sums, none
    source: str  # the rows (or the assessment) it is computed from

    def text(self, **values: Any) -> str:
        return self.label.format(**values)

    def period_key(self, now: datetime) -> str:
        return _PERIODS[self.period](now)


FIGURES: dict[str, Figure] = {
    f.code: f
    for f in (
        Figure("incidents.unclosed", "未结案突发事件", "起", "now", "sum", "emergency_incident: 状态不为已结案"),
        Figure("incidents.serious", "较大及以上未结案事件", "起", "now", "sum", "emergency_incident: Ⅰ–Ⅲ级，未结案"),
        Figure("warnings.in_force", "生效预警", "条", "now", "none", "emergency_warning: 本级及上级发布、当前生效"),
        Figure("hotline.today", "今日受理", "件", "today", "sum", "hotline_ticket: 今日（北京时间）受理"),
        Figure("hotline.month", "本月受理", "件", "month", "sum", "hotline_ticket: 本月受理"),
        Figure("hotline.month_close_rate", "本月办结率（按工单计）", "%", "month", "rate of sums",
               "hotline_ticket: 本月受理中已办结的比例"),
        Figure("hotline.satisfaction_30d", "近30天满意率（按工单计）", "%", "30d", "rate of sums",
               "hotline_ticket: 近30天有评价工单中满意的比例"),
        Figure("hotline.ontime_30d", "近30天按时响应率（按工单计）", "%", "30d", "rate of sums",
               "hotline_ticket: 近30天按时响应的比例"),
        Figure("inspections.planned", "双随机本年计划", "项", "year", "sum", "inspection: 本年计划且已到计划日"),
        Figure("inspections.done", "双随机本年完成", "项", "year", "sum", "inspection: 本年计划中已完成"),
        Figure("inspections.problem_rate", "问题发现率（本年抽查）", "%", "year", "rate of sums",
               "inspection: 已完成抽查中发现问题的比例"),
        Figure("tasks.open", "在办（未到期）", "件", "now", "sum", "supervision_task: 未办结且未到时限"),
        Figure("tasks.overdue", "逾期未办结", "件", "now", "sum", "supervision_task: 未办结且已过时限（含往年）"),
        Figure("tasks.ontime_rate", "按期办结率（{year}年到期任务）", "%", "year", "rate of sums",
               "supervision_task: 本年到期任务中按期办结的比例"),
    )
}  # fmt: skip


def figure(code: str) -> Figure:
    return FIGURES[code]


def label(code: str, **values: Any) -> str:
    return FIGURES[code].text(**values)


def indicator_code(code: str) -> str:
    """The figure code of an indicator as its feed reports it."""
    return f"indicator:{code}"


def attrs(code: str, region: str, period: str, value: Any, shown_label: str = "") -> dict[str, Any]:
    """``data-*`` attributes for a rendered number: which figure, region and period it is, and its
    unrounded value (empty when missing), plus the label it was shown under. Typed ``Any`` because
    Dash components take ``data-*`` keywords their typed signatures cannot name."""
    missing = (
        value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT")
    )
    return {
        "data-figure": code,
        "data-region": str(region),
        "data-period": str(period),
        "data-value": "" if missing else repr(float(value)),
        "data-label": shown_label,
    }
