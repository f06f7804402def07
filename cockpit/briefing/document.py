"""The briefing as a list of slides, written once and rendered twice: PPTX (``pptx_writer``) and
PDF (``pdf_writer``). Slides hold text, tables and plotly figures; a writer decides how each looks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import plotly.graph_objects as go

from cockpit import clock, targets
from cockpit import figures as registry
from cockpit.briefing import figures
from cockpit.briefing.facts import CHILD_NOUN, Facts
from cockpit.briefing.narrative import Narrative
from cockpit.briefing.narrative import build as build_narrative
from cockpit.formatting import change, number, period_label, wan_yuan
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.schema import FEED_TABLES

LEVEL_NAMES = {"I": "Ⅰ级 特别重大", "II": "Ⅱ级 重大", "III": "Ⅲ级 较大", "IV": "Ⅳ级 一般"}
STATUS_TEXT = targets.STATUS_LABELS


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    # Per row, a target status (green/amber/red/None) that colours the row's status cell.
    status: list[str | None] = field(default_factory=list)
    status_col: int | None = None


@dataclass
class Slide:
    title: str
    kind: str  # "title" | "text" | "figure" | "table"
    paragraphs: list[str] = field(default_factory=list)
    figure: go.Figure | None = None
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)  # beside a figure


@dataclass
class Briefing:
    title: str
    subtitle: str
    slides: list[Slide]
    footer: str
    narrative: Narrative
    facts: Facts
    generated_at: datetime

    @property
    def file_stem(self) -> str:
        return f"简报_{self.facts.region['name']}_{self.facts.period}"


def _fmt(value: float | None, unit: str, decimals: int) -> str:
    return number(value, unit, decimals)


def _kpi_table(facts: Facts) -> Table:
    rows, status = [], []
    for f in facts.picked:
        rank = f"{f.rank}/{f.siblings}" if f.rank else "—"
        move = "—" if not f.movement else (f"↑{f.movement}" if f.movement > 0 else f"↓{-f.movement}")
        rows.append([f.name, period_label(f.period) if f.period else "—", _fmt(f.value, f.unit, f.decimals),
                     change(f.delta, f.unit, f.decimals), _fmt(f.target_value, f.unit, f.decimals),
                     f.status_text, rank, move])  # fmt: skip
        status.append(f.status)
    return Table(
        ["指标", "统计期", "数值", "较上期", "年度目标", "状态", "同级排名", "排名变化"], rows, status, 5
    )


def _off_track(facts: Facts) -> Table:
    rows, status = [], []
    own = [f for f in facts.indicators if f.status in (targets.RED, targets.AMBER)]
    own.sort(key=lambda f: targets.SEVERITY[f.status])
    for f in own:
        # The value the status and the gap were judged on (年均 97.5% for a rate read over the year).
        rows.append([facts.region["name"], f.name, f.judged or _fmt(f.value, f.unit, f.decimals),
                     _fmt(f.target_value, f.unit, f.decimals), change(f.gap, f.unit, f.decimals).lstrip("+"),
                     STATUS_TEXT[f.status]])  # fmt: skip
        status.append(f.status)
    if not facts.children.empty:
        for child in facts.children.to_dict("records"):
            for name in child["red_names"]:
                rows.append([str(child["name"]), str(name), "", "", "", STATUS_TEXT[targets.RED]])
                status.append(targets.RED)
    if not rows:
        rows.append(["—", "本级及下级均无预警或落后指标", "", "", "", ""])
        status.append(None)
    return Table(["地区", "指标", "数值", "年度目标", "差距", "状态"], rows[:18], status[:18], 5)


def _emergency(facts: Facts) -> Slide:
    ev = facts.events
    levels = ev["incident_levels"]
    bullets = [
        f"未结案突发事件 {sum(levels.values())} 起："
        + "，".join(f"{LEVEL_NAMES[k]} {v} 起" for k, v in levels.items())
    ]
    warnings = ev["warnings"]
    if len(warnings):
        by_colour = warnings.groupby("color").size().to_dict()
        bullets.append(
            f"生效预警 {len(warnings)} 条：" + "，".join(f"{c}{n}条" for c, n in by_colour.items())
        )
    else:
        bullets.append("生效预警 0 条")
    rows = [[str(r.title), LEVEL_NAMES.get(str(r.level), str(r.level)), str(r.category), str(r.region_name),
             f"{r.occurred_at:%Y-%m-%d %H:%M}"] for r in ev["incidents"].head(10).itertuples()]  # fmt: skip
    table = Table(
        ["事件", "级别", "类别", "地区", "发生时间"], rows or [["当前无未结案突发事件", "", "", "", ""]]
    )
    return Slide("应急态势（“一颗星”）", "table", paragraphs=bullets, table=table)


def _regulation(facts: Facts) -> Slide:
    ev = facts.events
    hot, ins, sup = ev["hotline"], ev["inspection"], ev["supervision"]

    def rate(v: object) -> str:
        return "—" if v is None or v != v else f"{100 * float(v):.1f}%"  # type: ignore[arg-type]

    L = registry.label
    rows = [
        ["12345热线", L("hotline.received", "month"), f"{int(hot['month'])} 件",
         L("hotline.close_rate", "month"), rate(hot["month_close_rate"])],
        ["12345热线", L("hotline.satisfaction", "30d"), rate(hot["satisfaction"]),
         L("hotline.ontime", "30d"), rate(hot["ontime"])],
        ["双随机一公开", L("inspections.planned", "year"), f"{int(ins.get('planned') or 0)} 项",
         L("inspections.done", "year"), f"{int(ins.get('done') or 0)} 项"],
        ["双随机一公开", L("inspections.problem_rate", "year"), rate(ins.get("problem_rate")),
         L("inspections.penalties", "year"), wan_yuan(float(ins.get("penalties") or 0.0))],
        ["13710督办", L("tasks.open", "now"), f"{int(sup['open'])} 项", L("tasks.overdue", "now"),
         f"{int(sup['overdue'])} 项"],
        ["13710督办", L("tasks.ontime_rate", "year", year=sup["year"]), number(sup["ontime_rate"], "%"), "", ""],
    ]  # fmt: skip
    return Slide("监管与服务", "table", table=Table(["领域", "指标", "数值", "指标", "数值"], rows),
                 paragraphs=[f"统计截至{ev['today'].year}年{ev['today'].month}月{ev['today'].day}日"])  # fmt: skip


FIGURE_LABELS = {"lead_value": "主指标数值", "lead_delta": "较上期变化", "lead_target": "年度目标",
                 "lead_gap": "距目标差距", "lead_rank": "同级排名", "lead_siblings": "同级地区数",
                 "child_best": "下级最好", "child_worst": "下级末位"}  # fmt: skip
# The tables the briefing's slides read (the page has room for these and the figures above).
SOURCE_TABLES = ("indicator_value", "indicator_target", "emergency_incident", "emergency_warning",
                 "hotline_ticket", "inspection", "supervision_task")  # fmt: skip


def _sources(facts: Facts, narrative: Narrative) -> Table:
    rows = []
    for fig in narrative.figures:
        if fig.indicator is None:
            continue
        loaded = f"{fig.loaded_at:%Y-%m-%d %H:%M}" if fig.loaded_at is not None else ""
        rows.append([FIGURE_LABELS.get(fig.label, fig.label), fig.text, fig.adcode, fig.indicator,
                     fig.period or "", fig.source or "", loaded])  # fmt: skip
    for table in SOURCE_TABLES:
        info = facts.loaded.get(table, {})
        when = info.get("loaded_at")
        label = FEED_TABLES[table].label if table in FEED_TABLES else table
        rows.append(["数据源", label, "", table, "", str(info.get("feeds") or "—"),
                     f"{when:%Y-%m-%d %H:%M}" if when is not None and when == when else "从未"])  # fmt: skip
    return Table(["数字", "简报中的值", "地区代码", "指标/表", "统计期", "来源数据源", "入库时间"], rows[:16])


def build(wh: Warehouse, facts: Facts, generated_at: datetime | None = None) -> Briefing:
    generated_at = generated_at or clock.now().replace(microsecond=0)
    narrative = build_narrative(facts)
    region, month = facts.region["name"], period_label(facts.period)
    as_of = facts.data_as_of
    stamp = f"数据截至{month}（入库 {as_of:%Y-%m-%d %H:%M}）" if as_of is not None else f"数据截至{month}"
    breadcrumb = " › ".join(r["name"] for r in facts.chain)
    footer = f"来源：领导驾驶舱数据仓库 · {stamp} · {breadcrumb}"
    lead = facts.lead
    slides = [
        Slide(f"{region}政府治理工作简报", "title",
              paragraphs=[month, breadcrumb, stamp, f"生成时间 {generated_at:%Y-%m-%d %H:%M}"]),
        Slide("概况", "text", paragraphs=narrative.paragraphs),
    ]  # fmt: skip
    noun = CHILD_NOUN.get(facts.region["level"], "")
    if not facts.children.empty or facts.parent is not None:
        where = (
            f"所辖{len(facts.children)}{noun}"
            if not facts.children.empty
            else f"{(facts.parent or {}).get('name', '')}各县（市、区）"
        )
        bullets = [f"{where}{lead.name}目标状态", "绿色：达标；黄色：预警；红色：落后；灰色：无目标",
                   "菱形标记：未结案突发事件"]  # fmt: skip
        slides.append(Slide(f"区域地图 · {lead.short_name}", "figure",
                            figure=figures.map_figure(wh, facts, "light"), bullets=bullets))  # fmt: skip
    slides.append(Slide("核心指标", "table", table=_kpi_table(facts),
                        paragraphs=["状态按序时进度评价；排名为同级地区中按完成序时目标程度的排名"]))  # fmt: skip
    counts = targets.counts(f.status for f in facts.indicators)
    slides.append(Slide("目标状态（五大建设）", "figure", figure=figures.status_figure(facts, "light"),
                        bullets=[f"达标 {counts[targets.GREEN]} 项", f"预警 {counts[targets.AMBER]} 项",
                                 f"落后 {counts[targets.RED]} 项", f"无目标或无数据 {counts['none']} 项"]))  # fmt: skip
    slides.append(Slide("落后与预警清单", "table", table=_off_track(facts)))
    if not facts.children.empty or not facts.siblings.empty:
        scope = "下级地区" if not facts.children.empty else "同级地区"
        slides.append(Slide(f"{scope}排名 · {lead.short_name}", "figure", figure=figures.ranking_figure(facts, "light"),
                            bullets=[f"{lead.name}（{lead.unit}）", "柱色为目标状态，橙色短线为年度目标",
                                     *([f"{region}在{(facts.parent or {}).get('name', '')}排名 {lead.rank}/{lead.siblings}"] if lead.rank else [])]))  # fmt: skip
    slides.append(Slide(f"走势 · {lead.short_name}", "figure", figure=figures.trend_figure(wh, facts, theme_name="light"),
                        bullets=[f"{lead.name}近三年走势", "虚线为年度目标"]))  # fmt: skip
    slides.append(_emergency(facts))
    slides.append(_regulation(facts))
    slides.append(Slide("数据来源与口径", "table", table=_sources(facts, narrative),
                        paragraphs=["简报中每个数字均可按地区代码、指标代码、统计期在“数据浏览”中查到原始记录"]))  # fmt: skip
    return Briefing(
        f"{region}政府治理工作简报", f"{month} · {stamp}", slides, footer, narrative, facts, generated_at
    )
