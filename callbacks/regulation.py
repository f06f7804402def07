"""Callbacks of /regulation: one per panel, map drill, department picking by click, filters."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from cockpit import figures, ids, targets
from cockpit.charts.map import region_map
from cockpit.formatting import AXIS_MONTH, pct, plain, wan_yuan
from cockpit.nav import map_parent
from cockpit.periods import parse_period
from cockpit.records import first_record, records
from cockpit.services import Services
from cockpit.theme import theme
from cockpit.ui.event_page import (
    EventRenderer,
    EventView,
    clicked_point,
    clicked_region,
    figure_kpi,
    figure_mark,
    register_event_page,
)
from cockpit.ui.panels import asof, graph, kpi, panel, style_figure, table
from cockpit.warehouse.regulation_queries import RegulationQueries
from cockpit.warehouse.windows import Window
from layouts.regulation import BASELINE, METRICS, PAGE, parse_view

log = logging.getLogger("callbacks.regulation")
TITLES = {"kpis": "监管概况", "map": "分地区", "departments": "分部门", "regions": "分地区统计",
          "sectors": "问题突出行业", "inspections": "双随机抽查进度", "catalog": "认领率与公布率走势",
          "credit": "信用监管"}  # fmt: skip
MIN_DONE = 3  # a sector needs this many finished inspections before its rate is ranked


def _ctx(view: EventView, services: Services, now: datetime) -> tuple[RegulationQueries, Window, str | None]:
    return services.queries.regulation, view.resolve(now, PAGE.default_kind), view.filters.get("department")


def _total(frame: pd.DataFrame) -> dict[str, Any]:
    rows = frame[frame["key"].isna()]
    return first_record(rows) if len(rows) else {}


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _quarter(code: Any) -> str:
    return parse_period(str(code)).label if isinstance(code, str) and code else "—"


# The plan's indicators behind the two baselines: their status rules (seeds/status_rules.csv) judge
# the rates computed from the catalogue rows too, so a rate has one colour on every page.
RULE_OF = {"claim": "regulatory_claim_rate", "publish": "inspection_list_publish_rate"}
GRADES = {targets.GREEN: "ok", targets.AMBER: "warn", targets.RED: "bad"}


def _grade(share: float | None, key: str, rules: targets.Rules) -> str:
    """Against the plan's baseline, by the indicator's status rule (targets.status)."""
    if share is None:
        return ""
    rule = rules.for_indicator(RULE_OF[key])
    return GRADES.get(targets.status(share * 100, BASELINE[key], "higher", rule) or "", "")


def _rate_cell(share: Any, key: str, rules: targets.Rules) -> html.Span:
    value = _num(share)
    return html.Span(pct(value), className=_grade(value, key, rules))


def render_kpis(view: EventView, services: Services, now: datetime) -> Any:
    rules = services.queries.plan.rules()  # once per render, not per cell
    q, window, dept = _ctx(view, services, now)
    cat = q.catalog_by_region(view.region, window, dept)
    own = cat[cat["is_self"]].iloc[0].to_dict() if cat["is_self"].any() else {}
    ins = _total(q.inspections_by(view.region, window, "sector", dept))
    credit = _total(q.credit_by(view.region, window, now, "sector", dept))
    claim, publish = _num(own.get("claim_rate")), _num(own.get("publish_rate"))

    def against(value: float | None, key: str) -> str:
        return {"ok": "good", "warn": "warn", "bad": "hot"}.get(_grade(value, key, rules), "")

    listed_ever = int(credit.get("listed_ever") or 0)
    repaired_ever = int(credit.get("repaired_ever") or 0)
    filters = f"（{dept}）" if dept else ""

    def card(code: str, kind: str, value: Any, shown: Any, sub: str = "", cls: str = "") -> html.Div:
        return figure_kpi(view, now, code, kind, value, shown, sub, cls, window, filters)

    def part(code: str, value: int) -> html.Span:
        return html.Span(f"{value:,}", **figure_mark(view, now, code, "window", value, window, filters)[1])

    def share(value: float | None) -> float | None:
        return None if value is None else 100 * value

    done, planned = int(ins.get("done") or 0), int(ins.get("planned") or 0)
    repair = repaired_ever / listed_ever if listed_ever else None
    cards = [
        card("catalog.claim_rate", "window", share(claim), pct(claim, 2), f"本级部门 · {_quarter(own.get('period'))} · 基线 100%",
             against(claim, "claim")),
        card("catalog.publish_rate", "window", share(publish), pct(publish, 2),
             f"本级部门 · {_quarter(own.get('period'))} · 基线 98%", against(publish, "publish")),
        kpi(f"{figures.label('inspections.done', 'window')} / {figures.label('inspections.planned', 'window')}{filters}",
            [part("inspections.done", done), "/", part("inspections.planned", planned)],
            f"完成率 {pct(_num(ins.get('done_rate')))}"),
        card("inspections.problem_rate", "window", share(_num(ins.get("problem_rate"))), pct(_num(ins.get("problem_rate"))),
             f"发现问题 {int(ins.get('problems') or 0):,} 户次"),
        card("inspections.penalties", "window", _num(ins.get("penalties")) or 0.0,
             wan_yuan(_num(ins.get("penalties")) or 0.0), f"处罚 {int(ins.get('penalised') or 0):,} 起"),
        card("credit.listed_now", "now", int(credit.get("listed_now") or 0), f"{int(credit.get('listed_now') or 0):,}家",
             f"期间新列入 {int(credit.get('listed') or 0):,} · 修复 {int(credit.get('repaired') or 0):,}"),
        card("credit.repair_rate", "now", share(repair), pct(repair), f"累计修复 {repaired_ever:,} 家"),
    ]  # fmt: skip
    return html.Div(cards, className="events-kpis")


def _metric_frame(view: EventView, services: Services, now: datetime, parent: str) -> pd.DataFrame:
    q, window, dept = _ctx(view, services, now)
    metric = view.filters.get("metric", "claim")
    if metric in ("claim", "publish"):
        frame = q.catalog_by_region(parent, window, dept)
        frame = frame[~frame["is_self"]]
        frame = frame.assign(value=frame[f"{metric}_rate"] * 100)
    elif metric in ("done", "problem", "penalty"):
        frame = q.inspections_by_region(parent, window, dept)
        column = {"done": "done_rate", "problem": "problem_rate", "penalty": "penalties"}[metric]
        frame = frame.assign(value=frame[column] * (100 if metric != "penalty" else 1))
    else:
        frame = q.credit_by_region(parent, window, now, dept).assign(
            value=lambda f: f["listed_now"].astype(float)
        )
    return frame[["adcode", "name", "value"]]


def render_map(view: EventView, services: Services, now: datetime) -> Any:
    metric = view.filters.get("metric", "claim")
    label, unit, direction = METRICS[metric]
    parent, selected = map_parent(services.warehouse, view.region)
    level = "city" if parent == services.settings.province_adcode else "county"
    boundaries = services.warehouse.boundaries(level, parent)
    frame = _metric_frame(view, services, now, parent)
    shown = {"%": lambda v: f"{v:.2f}%", "万元": lambda v: wan_yuan(v), "家": lambda v: f"{v:,.0f}家"}[unit]
    frame["hover"] = [
        f"<b>{plain(r['name'])}</b><br>{label}：{'—' if pd.isna(r['value']) else shown(r['value'])}"
        for r in records(frame)
    ]
    fig = region_map(boundaries, frame, direction=direction, unit="%" if unit == "%" else "", theme=theme("dark"),
                     selected=selected)  # fmt: skip
    values = frame["value"].dropna()
    floor = {"claim": 99.0, "publish": 97.0, "done": 90.0}.get(metric)
    if floor is not None and len(values):  # rates end at 100%: never let the scale run past it
        fig.update_traces(zmin=min(float(values.min()), floor), zmax=100.0, selector={"type": "choropleth"})
    dept = view.filters.get("department")
    title = f"{label} · 分地区" + (f"（{dept}）" if dept else "")
    return panel(title, graph(ids.REGULATION_GRAPH, "map", fig, 420), "点击地区下钻 · 认领率和公布率为各地本级部门",
                 name="map")  # fmt: skip


def render_departments(view: EventView, services: Services, now: datetime) -> Any:
    rules = services.queries.plan.rules()  # once per render, not per cell
    q, window, dept = _ctx(view, services, now)
    cat = q.catalog_by_department(view.region, window)
    ins = q.inspections_by(view.region, window, "department")
    ins = ins[ins["key"].notna()].rename(columns={"key": "department"})
    merged = cat.merge(ins, on="department", how="outer").sort_values(
        ["claim_rate", "department"], na_position="last"
    )
    rows = []
    for r in records(merged):
        name = dcc.Link(
            r["department"], href=view.href(department=None if r["department"] == dept else r["department"])
        )
        rows.append([html.B(name) if r["department"] == dept else name,
                     "—" if pd.isna(r["items_total"]) else f"{int(r['items_total']):,}",
                     _rate_cell(r["claim_rate"], "claim", rules), _rate_cell(r["publish_rate"], "publish", rules),
                     "—" if pd.isna(r["planned"]) else f"{int(r['done']):,}/{int(r['planned']):,}",
                     pct(_num(r["problem_rate"])), "—" if pd.isna(r["penalties"]) else wan_yuan(r["penalties"])])  # fmt: skip
    header = ["部门", "应认领事项", "认领率", "清单公布率", "抽查完成/计划", "问题发现率", "罚没金额"]
    period = _quarter(cat["period"].iloc[0]) if len(cat) else "—"
    foot = f"认领与公布为本级部门（{period}）；抽查含下辖地区，{window.label} · " + asof(
        None, "regulatory_catalog、inspections"
    )
    return panel(TITLES["departments"], table(header, rows, cls="departments"), foot.replace("入库 — · ", ""),
                 name="departments")  # fmt: skip


def render_regions(view: EventView, services: Services, now: datetime) -> Any:
    rules = services.queries.plan.rules()  # once per render, not per cell
    q, window, dept = _ctx(view, services, now)
    cat = q.catalog_by_region(view.region, window, dept)
    kids = cat if not (~cat["is_self"]).any() else cat[~cat["is_self"]]
    ins = q.inspections_by_region(view.region, window, dept).drop(columns=["name", "short_name"])
    credit = q.credit_by_region(view.region, window, now, dept)[
        ["adcode", "listed_now", "listed", "repaired"]
    ]
    merged = kids.merge(ins, on="adcode", how="left").merge(credit, on="adcode", how="left")
    rows = []
    for r in records(merged):
        name: Any = (
            r["name"]
            if r["adcode"] == view.region
            else dcc.Link(r["name"], href=view.href(region=r["adcode"]))
        )
        rows.append([name, _rate_cell(r["claim_rate"], "claim", rules), _rate_cell(r["publish_rate"], "publish", rules),
                     f"{int(r['done'] or 0):,}/{int(r['planned'] or 0):,}", pct(_num(r["done_rate"])),
                     pct(_num(r["problem_rate"])), wan_yuan(_num(r["penalties"]) or 0.0),
                     f"{int(r['listed_now'] or 0):,}"])  # fmt: skip
    header = ["地区", "认领率", "公布率", "抽查完成/计划", "完成率", "问题发现率", "罚没金额", "失信在列"]
    return panel(f"{TITLES['regions']} · {window.label}", table(header, rows, cls="regions"), name="regions")


def render_sectors(view: EventView, services: Services, now: datetime) -> Any:
    q, window, dept = _ctx(view, services, now)
    frame = q.inspections_by(view.region, window, "sector", dept)
    frame = frame[frame["key"].notna() & (frame["done"] >= MIN_DONE)]
    frame = frame.sort_values(["problem_rate", "penalties", "key"], ascending=[False, False, True]).head(8)
    top = float(frame["problem_rate"].max() or 1.0) if len(frame) else 1.0
    rows = [
        [r["key"], f"{int(r['done']):,}", html.Span([html.Span(className="bar", style={"width": f"{60 * r['problem_rate'] / top:.0f}px"}),
                                                     pct(r["problem_rate"])], className="bar-cell"),
         f"{int(r['problems']):,}", wan_yuan(r["penalties"])]
        for r in records(frame)
    ]  # fmt: skip
    body = (
        table(["行业领域", "已完成抽查", "问题发现率", "发现问题", "罚没金额"], rows, cls="sectors")
        if rows
        else html.Div("期间无足够的已完成抽查", className="muted")
    )
    region = services.warehouse.region(view.region) or {"name": ""}
    return panel(f"{region['name']} 问题突出行业 · {window.label}", body, f"按问题发现率排序，已完成抽查不少于{MIN_DONE}次",
                 name="sectors")  # fmt: skip


def render_inspections(view: EventView, services: Services, now: datetime) -> Any:
    q, window, dept = _ctx(view, services, now)
    frame = q.inspection_monthly(view.region, window, dept)
    colours = theme("dark")
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=frame["month"],
            y=frame["planned"],
            name="计划",
            marker_color="#2f5d8a",
            hovertemplate=f"%{{x|{AXIS_MONTH}}} 计划 %{{y}}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=frame["month"],
            y=frame["done"],
            name="完成",
            marker_color=colours["accent"],
            hovertemplate=f"%{{x|{AXIS_MONTH}}} 完成 %{{y}}<extra></extra>",
        )
    )
    fig.add_trace(go.Scatter(x=frame["month"], y=frame["problems"], name="发现问题", mode="lines+markers",
                             line={"color": "#ff8c1a"}, hovertemplate=f"%{{x|{AXIS_MONTH}}} 发现问题 %{{y}}<extra></extra>"))  # fmt: skip
    style_figure(fig, 240, legend=True)
    fig.update_layout(barmode="overlay", margin={"l": 40, "r": 10, "t": 26, "b": 30})
    fig.update_xaxes(tickformat=AXIS_MONTH)
    return panel(f"{TITLES['inspections']} · {window.label}", graph(ids.REGULATION_GRAPH, "inspections", fig, 240),
                 "按计划月份统计", name="inspections")  # fmt: skip


def render_catalog(view: EventView, services: Services, now: datetime) -> Any:
    frame = services.queries.regulation.catalog_trend(view.region)
    labels = [parse_period(p).label.replace("年第", "Q").replace("季度", "") for p in frame["period"]]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=frame["claim_rate"] * 100,
            name="认领率",
            mode="lines",
            line={"color": "#4fb3ff", "width": 3},
            hovertemplate="%{x} 认领率 %{y:.2f}%<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=frame["publish_rate"] * 100,
            name="公布率",
            mode="lines",
            line={"color": "#2ecc71", "width": 3},
            hovertemplate="%{x} 公布率 %{y:.2f}%<extra></extra>",
        )
    )
    for key, colour in (("claim", "#4fb3ff"), ("publish", "#2ecc71")):
        fig.add_hline(y=BASELINE[key], line_dash="dash", line_color=colour, opacity=0.6)
    style_figure(fig, 240, legend=True)
    fig.update_layout(margin={"l": 48, "r": 10, "t": 26, "b": 30})
    fig.update_yaxes(ticksuffix="%")
    return panel("本级认领率与清单公布率（虚线为规划基线）", graph(ids.REGULATION_GRAPH, "catalog", fig, 240),
                 "基线：认领率 100%，检查实施清单公布率 98%（晋政发〔2021〕32号）", name="catalog")  # fmt: skip


def render_credit(view: EventView, services: Services, now: datetime) -> Any:
    q, window, dept = _ctx(view, services, now)
    sectors = q.credit_by(view.region, window, now, "sector", dept)
    sectors = sectors[sectors["key"].notna()].sort_values("listed_now", ascending=False).head(8)
    left = table(["行业领域", "在列", "期间新列入", "期间修复"],
                 [[r["key"], f"{int(r['listed_now']):,}", f"{int(r['listed']):,}", f"{int(r['repaired']):,}"]
                  for r in records(sectors)],
                 cls="credit")  # fmt: skip
    recent = q.credit_recent(view.region, window, 8, dept)
    rows = [
        [r["entity_name"], r["region_name"], r["department"], r["reason"], f"{r['listed_at']:%Y-%m-%d}",
         "在列" if pd.isna(r["repaired_at"]) else f"已修复 {r['repaired_at']:%Y-%m-%d}"]
        for r in records(recent)
    ]  # fmt: skip
    right = table(
        ["主体名称", "地区", "认定部门", "失信行为", "列入日期", "状态"], rows, numeric_from=9, cls="list"
    )
    body = html.Div([html.Div(left), html.Div(right)], className="events-row credit-row")
    # Named as every footer names a feed (the catalogue's name), with when its rows last came in.
    loaded = services.warehouse.feed_state().get("credit_records", {}).get("last_success_at")
    return panel(f"{TITLES['credit']} · 失信主体与信用修复 · {window.label}", body, asof(loaded, "credit_records"),
                 name="credit")  # fmt: skip


RENDERERS: dict[str, EventRenderer] = {
    "kpis": render_kpis, "map": render_map, "departments": render_departments, "regions": render_regions,
    "sectors": render_sectors, "inspections": render_inspections, "catalog": render_catalog, "credit": render_credit,
}  # fmt: skip


PANELS = PAGE.panel_callbacks(RENDERERS, TITLES, parse_view)


def _allowed(services: Services) -> dict[str, Collection[str]]:
    return {"metric": list(METRICS), "department": services.queries.regulation.departments()}


def click_target(view: EventView, _graph: str, click: Any, services: Services) -> str | None:
    """A region clicked on the map drills into it."""
    region = clicked_region(clicked_point(click), services)
    return view.query(region=region) if region else None


def register(app: dash.Dash) -> None:
    register_event_page(app, PAGE, panels=PANELS, allowed=_allowed, click_target=click_target)
