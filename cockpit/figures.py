"""The figure registry: every figure the cockpit shows outside the indicator catalogue, defined once.

A figure has one code, a unit, how a parent region's value is formed from its children's, where it
comes from, and a Chinese label for each stretch of time it is shown for (the label says which). The
stretch is a *period kind*: ``now`` (a count at this moment), ``today``, ``month``, ``year`` (to
date), ``30d`` (the 30 days up to now) or ``window`` (the span a desk page's filter chose). The
time a kind covers is defined here (:func:`period_range`) and the queries count over exactly that.

Every surface (the wall, desk pages, the region profile, the figures API) takes the label from here
and marks the rendered number with :func:`attrs`, so a test can read from any page which figure,
region and period a number is, and its unrounded value. Indicators reported by feeds are figures too
(``indicator:<code>``), labelled from the catalogue and marked 上报值 where they are shown beside a
figure computed from rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

PERIOD_KINDS = ("now", "today", "month", "year", "30d", "window")


def period_range(kind: str, now: datetime) -> tuple[datetime, datetime]:
    """The half-open span ``[start, end)`` a period kind covers at ``now`` (Beijing time)."""
    start = {
        "today": datetime(now.year, now.month, now.day),
        "month": datetime(now.year, now.month, 1),
        "year": datetime(now.year, 1, 1),
        "30d": now - timedelta(days=30),
    }[kind]
    return start, now


def period_key(kind: str, now: datetime, window: str = "") -> str:
    """The period as every surface writes it: 2026-12-06, 2026-12, 2026, P30D/2026-12-06, or the
    desk page's window code (2026-12 for a calendar month is the same period as ``month``)."""
    if kind == "window":
        return window
    if kind == "month":
        return f"{now:%Y-%m}"
    if kind == "year":
        return f"{now.year}"
    if kind == "30d":
        return f"P30D/{now.date().isoformat()}"
    return now.date().isoformat()


@dataclass(frozen=True)
class Figure:
    code: str
    unit: str
    rollup: str  # how a parent's value is formed: sum of children, rate of sums, median of rows, none
    source: str  # the rows (or the assessment) it is computed from
    labels: Mapping[str, str] = field(default_factory=dict)  # period kind → label (may hold {year})

    def text(self, kind: str, **values: Any) -> str:
        return self.labels[kind].format(**values)


def _f(code: str, unit: str, rollup: str, source: str, **labels: str) -> Figure:
    return Figure(code, unit, rollup, source, {k.removeprefix("k_"): v for k, v in labels.items()})


FIGURES: dict[str, Figure] = {
    f.code: f
    for f in (
        # 一颗星
        _f("incidents.unclosed", "起", "sum", "emergency_incident: 状态不为已结案", now="未结案突发事件"),
        _f("incidents.serious", "起", "sum", "emergency_incident: Ⅰ–Ⅲ级，未结案", now="较大及以上未结案事件"),
        _f("incidents.occurred", "起", "sum", "emergency_incident: 期间发生", window="期间发生事件"),
        _f("incidents.serious_occurred", "起", "sum", "emergency_incident: 期间发生的Ⅰ–Ⅲ级事件",
           window="期间较大及以上事件"),
        _f("incidents.deaths", "人", "sum", "emergency_incident: 期间发生事件的死亡人数", window="期间死亡"),
        _f("incidents.injuries", "人", "sum", "emergency_incident: 期间发生事件的受伤人数", window="期间受伤"),
        _f("incidents.loss", "万元", "sum", "emergency_incident: 期间发生事件的直接经济损失",
           window="直接经济损失（期间）"),
        _f("incidents.report_minutes", "分钟", "median of rows", "emergency_incident: 发生到报告的用时",
           window="报告用时（中位数）"),
        _f("incidents.report_ontime_rate", "%", "rate of sums",
           "emergency_incident: 期间发生且已报告的事件中按时限报告的比例", window="按时报送率（按事件计）"),
        _f("incidents.response_minutes", "分钟", "median of rows", "emergency_incident: 报告到响应的用时",
           window="响应用时（中位数）"),
        _f("warnings.in_force", "条", "none", "emergency_warning: 本级、下级及上级发布，当前生效", now="生效预警"),
        # 12345
        _f("hotline.received", "件", "sum", "hotline_ticket: 期间受理",
           today="今日受理", month="本月受理", window="受理量"),
        _f("hotline.daily_mean", "件", "none", "hotline_ticket: 期间受理量÷期间天数", window="日均受理"),
        _f("hotline.per_10k", "件", "none", "hotline_ticket: 期间受理量÷常住人口×1万（县级人口为估算）",
           window="每万人受理"),
        _f("hotline.close_rate", "%", "rate of sums", "hotline_ticket: 期间受理中已办结的比例",
           month="本月办结率（按工单计）", window="办结率（按工单计）"),
        _f("hotline.satisfaction", "%", "rate of sums", "hotline_ticket: 期间受理且已评价工单中满意的比例",
           k_30d="近30天满意率（按工单计）", window="满意率（按工单计）"),
        _f("hotline.ontime", "%", "rate of sums", "hotline_ticket: 期间受理中按时响应的比例",
           k_30d="近30天按时响应率（按工单计）", window="按时响应率（按工单计）"),
        # 互联网+监管
        _f("inspections.planned", "项", "sum", "inspection: 计划日在期间内（已到计划日）",
           year="双随机本年计划", window="双随机计划"),
        _f("inspections.done", "项", "sum", "inspection: 计划日在期间内且已完成",
           year="双随机本年完成", window="双随机完成"),
        _f("inspections.done_rate", "%", "rate of sums", "inspection: 计划日在期间内的抽查中已完成的比例",
           window="双随机完成率（按任务计）"),
        _f("inspections.problem_rate", "%", "rate of sums", "inspection: 已完成抽查中发现问题的比例",
           year="问题发现率（本年抽查）", window="问题发现率（期间抽查）"),
        _f("inspections.penalties", "万元", "sum", "inspection: 罚没金额", year="本年罚没金额", window="罚没金额（期间）"),
        _f("catalog.claim_rate", "%", "rate of sums", "regulatory_catalog: 本级部门已认领事项÷事项总数（期末季度）",
           window="监管事项认领率（按事项计）"),
        _f("catalog.publish_rate", "%", "rate of sums", "regulatory_catalog: 本级部门已公布清单÷清单总数（期末季度）",
           window="检查清单公布率（按清单计）"),
        _f("credit.listed_now", "家", "sum", "credit_record: 当前在失信名单", now="失信主体（在列）"),
        _f("credit.repair_rate", "%", "rate of sums", "credit_record: 累计修复÷累计列入", now="信用修复率（累计）"),
        # 13710
        _f("tasks.open", "件", "sum", "supervision_task: 未办结且未到时限", now="在办（未到期）"),
        _f("tasks.overdue", "件", "sum", "supervision_task: 未办结且已过时限（含往年）", now="逾期未办结"),
        _f("tasks.ontime_rate", "%", "rate of sums", "supervision_task: 本年到期任务中按期办结的比例",
           year="按期办结率（{year}年到期任务）", window="按期办结率（本年到期至期末的任务）"),
        _f("tasks.clearance_rate", "%", "rate of sums", "supervision_task: 本年到期至期末的任务中截至期末已办结的比例",
           window="清零率（本年到期至期末的任务）"),
    )
}  # fmt: skip


def figure(code: str) -> Figure:
    return FIGURES[code]


def label(code: str, kind: str, **values: Any) -> str:
    return FIGURES[code].text(kind, **values)


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


def marked(code: str, kind: str, region: str, now: datetime, value: Any, window: str = "",
           **label_values: Any) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """The label of a figure for a period kind and the marks of its rendered number."""
    text = label(code, kind, **label_values)
    return text, attrs(code, region, period_key(kind, now, window), value, text)
