"""A short Chinese narrative computed from ``Facts``: every number in it is a ``Figure`` that names
the indicator, region, period and source row it came from, so the text can be checked (tests
recompute each figure from the warehouse) and traced (the briefing lists them on its last page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from cockpit import figures as registry
from cockpit import targets
from cockpit.briefing.facts import CHILD_NOUN, Facts, IndicatorFact
from cockpit.formatting import judged_period, number, period_label

PREV_WORD = {"month": "上月", "quarter": "上季度", "year": "上年"}
LEVEL_WORD = {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般"}


@dataclass(frozen=True)
class Figure:
    """One number as the narrative states it, and where it comes from."""

    label: str
    text: str  # as printed
    value: float | int | None
    adcode: str
    indicator: str | None = None
    period: str | None = None
    source: str | None = None
    loaded_at: datetime | None = None


@dataclass
class Narrative:
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def figure(self, label: str) -> Figure:
        return next(f for f in self.figures if f.label == label)


def _fmt(f: IndicatorFact, value: float | None) -> str:
    return number(value, f.unit, f.decimals)


def _amount(f: IndicatorFact, delta: float) -> str:
    """A change or gap in the indicator's unit: rates in 个百分点."""
    size = f"{abs(delta):.{f.decimals}f}"
    return f"{size}个百分点" if f.unit == "%" else f"{size}{f.unit}"


def _origin(f: IndicatorFact, adcode: str) -> dict[str, Any]:
    return {"adcode": adcode, "indicator": f.code, "period": f.period, "source": f.source_feed,
            "loaded_at": f.loaded_at}  # fmt: skip


def lead_sentence(facts: Facts, out: Narrative) -> str:
    f, name = facts.lead, facts.region["name"]
    adcode = facts.region["adcode"]
    if f.value is None or f.period is None:
        return f"截至{period_label(facts.period)}，{name}{f.name}暂无数据。"
    value = _fmt(f, f.value)
    out.figures.append(Figure("lead_value", value, f.value, **_origin(f, adcode)))
    parts = [f"截至{period_label(f.period)}，{name}{f.name}为{value}"]
    if f.delta is not None:
        word = PREV_WORD.get(f.frequency, "上期")
        rounded = round(f.delta, f.decimals)
        change = "持平" if rounded == 0 else f"{'提高' if rounded > 0 else '下降'}{_amount(f, rounded)}"
        parts.append(f"较{word}{change}" if rounded else f"与{word}{change}")
        out.figures.append(Figure("lead_delta", change, rounded, adcode, f.code, f.period, f.source_feed))
    if f.judged and f.judged_value is not None:  # the year's mean, which the target is set against
        mean = _fmt(f, f.judged_value)
        parts.append(f"{judged_period(f.period, f.basis, f.frequency)}为{mean}")
        out.figures.append(Figure("lead_judged", mean, f.judged_value, adcode, f.code, f.period))
    if f.target_value is not None and f.gap is not None:
        target = _fmt(f, f.target_value)
        out.figures.append(Figure("lead_target", target, f.target_value, adcode, f.code, f.period))
        if round(f.gap, f.decimals) <= 0:
            parts.append(f"已达到年度目标（{target}）")
            out.figures.append(Figure("lead_gap", "0", 0.0, adcode, f.code, f.period))
        else:
            gap = _amount(f, round(f.gap, f.decimals))
            parts.append(f"距年度目标（{target}）还差{gap}")
            out.figures.append(Figure("lead_gap", gap, round(f.gap, f.decimals), adcode, f.code, f.period))
    if f.status is not None:
        how = "按序时进度" if targets.paced(f.pace_target, f.target_value) else ""
        parts.append(f"{how}评价为“{f.status_label}”")
    text = "，".join(parts)
    parent = facts.parent
    if parent is not None and f.rank is not None and f.siblings:
        noun = CHILD_NOUN[parent["level"]]
        rank = f"按序时目标完成程度在{parent['name']}{f.siblings}{noun}中排名第{f.rank}"
        if f.rank == f.siblings:
            rank += "，居末位"
        elif f.rank == 1:
            rank += "，居首位"
        if f.movement:
            rank += f"（较上期{'上升' if f.movement > 0 else '下降'}{abs(f.movement)}位）"
        out.figures.append(Figure("lead_rank", str(f.rank), f.rank, adcode, f.code, f.period))
        out.figures.append(
            Figure("lead_siblings", str(f.siblings), f.siblings, parent["adcode"], f.code, f.period)
        )
        text += "；" + rank
    return text + "。"


def status_sentence(facts: Facts, out: Narrative) -> str:
    rated = [f for f in facts.indicators if f.status is not None]
    c = targets.counts(f.status for f in rated)
    adcode = facts.region["adcode"]
    for key, label in ((targets.GREEN, "green"), (targets.AMBER, "amber"), (targets.RED, "red")):
        out.figures.append(Figure(f"count_{label}", str(c[key]), c[key], adcode, period=facts.period))
    out.figures.append(Figure("count_rated", str(len(rated)), len(rated), adcode, period=facts.period))
    text = (f"{facts.region['name']}有目标的{len(rated)}项指标中，达标{c[targets.GREEN]}项、预警{c[targets.AMBER]}项、"
            f"落后{c[targets.RED]}项")  # fmt: skip
    red = [f.name for f in rated if f.status == targets.RED]
    amber = [f.name for f in rated if f.status == targets.AMBER]
    if red:
        text += f"；落后指标：{'、'.join(red)}"
    if amber:
        text += f"；预警指标：{'、'.join(amber[:5])}{'等' if len(amber) > 5 else ''}"
    return text + "。"


def children_sentence(facts: Facts, out: Narrative) -> str | None:
    kids = facts.children
    if kids.empty:
        return None
    f = facts.lead
    noun = CHILD_NOUN[facts.region["level"]]
    ranked = kids.dropna(subset=["rank"]).sort_values(["rank", "adcode"])
    parts = [f"所辖{len(kids)}{noun}中"]
    if not ranked.empty:
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        parts.append(f"按序时目标完成程度，{f.short_name}{best['name']}最好（{_fmt(f, best['value'])}），"
                     f"{worst['name']}排名末位（{_fmt(f, worst['value'])}）")  # fmt: skip
        out.figures.append(
            Figure(
                "child_best", _fmt(f, best["value"]), best["value"], best["adcode"], f.code, best["period"]
            )
        )
        out.figures.append(Figure("child_worst", _fmt(f, worst["value"]), worst["value"], worst["adcode"], f.code,
                                  worst["period"]))  # fmt: skip
    scored = kids.dropna(subset=["score"]).sort_values(["score", "adcode"])
    if not scored.empty:
        low = scored.iloc[0]
        parts.append(
            f"目标达标率最低的是{low['name']}（{low['score']:.0f}%，{int(low['met'])}/{int(low['rated'])}项达标）"
        )
        out.figures.append(Figure("child_low_score", f"{low['score']:.0f}%", float(low["score"]), low["adcode"],
                                  period=facts.period))  # fmt: skip
    lagging = kids[kids["red"] > 0]
    if not lagging.empty:
        names = "、".join(lagging["name"].head(5)) + ("等" if len(lagging) > 5 else "")
        parts.append(f"{len(lagging)}{noun}有落后指标（{names}）")
        out.figures.append(Figure("child_lagging", str(len(lagging)), len(lagging), facts.region["adcode"],
                                  period=facts.period))  # fmt: skip
    return "，".join(parts[:2]) + ("；" + "；".join(parts[2:]) if len(parts) > 2 else "") + "。"


def _rate(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def events_sentence(facts: Facts, out: Narrative) -> str:
    ev, adcode, name = facts.events, facts.region["adcode"], facts.region["name"]
    today = ev["today"]
    levels = ev["incident_levels"]
    active = sum(levels.values())
    serious = levels["I"] + levels["II"] + levels["III"]
    warnings = len(ev["warnings"])
    hot, ins, sup = ev["hotline"], ev["inspection"], ev["supervision"]
    # The events figures under their registry codes and periods (cockpit.figures), as the screens mark them.
    now = facts.now
    coded = [("incidents.unclosed", "now", active), ("incidents.serious", "now", serious),
             ("warnings.in_force", "now", warnings), ("hotline.received", "month", int(hot["month"])),
             ("inspections.planned", "year", int(ins["planned"])), ("inspections.done", "year", int(ins["done"])),
             ("tasks.open", "now", int(sup["open"])), ("tasks.overdue", "now", int(sup["overdue"]))]  # fmt: skip
    for code, kind, value in coded:
        out.figures.append(Figure(code, str(value), value, adcode, period=registry.period_key(kind, now)))
    satisfaction_pct = (
        None
        if hot["satisfaction"] is None or pd.isna(hot["satisfaction"])
        else 100 * float(hot["satisfaction"])
    )
    out.figures.append(Figure("hotline.satisfaction", _rate(hot["satisfaction"]), satisfaction_pct, adcode,
                              period=registry.period_key("30d", now)))  # fmt: skip
    incident = f"未结案突发事件{active}起" + (f"（其中较大及以上{serious}起）" if serious else "")
    satisfaction = _rate(hot["satisfaction"])
    rating = f"近30天满意率{satisfaction}" if satisfaction != "—" else "近30天暂无满意度评价"
    return (
        f"截至{today.month}月{today.day}日，{name}{incident}，生效预警{warnings}条；"
        f"本月12345热线受理{hot['month']}件，{rating}；"
        f"本年双随机抽查计划{ins['planned']}项、已完成{ins['done']}项；"
        f"13710督办任务在办（未到期）{sup['open']}项、逾期未办结{sup['overdue']}项。"
    )


def build(facts: Facts) -> Narrative:
    out = Narrative()
    out.paragraphs.append(lead_sentence(facts, out))
    out.paragraphs.append(status_sentence(facts, out))
    if (children := children_sentence(facts, out)) is not None:
        out.paragraphs.append(children)
    out.paragraphs.append(events_sentence(facts, out))
    return out
