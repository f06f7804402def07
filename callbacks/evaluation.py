"""Callbacks of /evaluation: summary and narrative, indicators, pillars, regions — one per panel.

All statuses are ``PlanQueries.evaluation`` rows, i.e. ``cockpit.targets.assess`` on each year's
last period against that year's target. The narrative is computed from the same rows.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import dash
import pandas as pd
from dash import Output, dcc, html

from cockpit import ids, targets
from cockpit.services import Services
from cockpit.ui.plan_page import PlanView, fmt, fmt_gap, fmt_share, register_plan_panels, status_chip
from layouts.evaluation import FINAL, PAGE, scope_label, scope_years

log = logging.getLogger("callbacks.evaluation")


def _data(view: PlanView, services: Services) -> tuple[pd.DataFrame, list[int], int, tuple[int, int]]:
    pq = services.queries.plan
    period = pq.plan_period()
    years, focus = scope_years(str(view.scope or FINAL), period)
    return pq.evaluation(view.region, years), years, focus, period


def _counts(statuses: pd.Series) -> dict[str, int]:
    c = targets.counts(statuses)
    c["rated"] = c[targets.GREEN] + c[targets.AMBER] + c[targets.RED]
    return c


def _rate(c: dict[str, int]) -> float | None:
    return c[targets.GREEN] / c["rated"] if c["rated"] else None


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _bar(share: float | None) -> html.Span:
    return html.Span(html.Span(style={"width": f"{(share or 0) * 100:.0f}%"}), className="pct-bar")


def render_summary(view: PlanView, services: Services) -> Any:
    frame, years, focus, period = _data(view, services)
    own = frame[(frame["adcode"] == view.region) & (frame["year"] == focus)]
    c = _counts(own["status"])

    def card(label: str, value: str, sub: str = "", cls: str = "") -> html.Div:
        return html.Div([html.Div(label, className="k-label"), html.Div(value, className=f"k-value {cls}"),
                         html.Div(sub, className="k-sub")], className="kpi")  # fmt: skip

    region = services.warehouse.region(view.region) or {"name": view.region}
    return html.Div(
        [
            card(
                scope_label(str(view.scope), period).split("（")[0],
                f"{years[0]}–{years[-1]}年" if len(years) > 1 else f"{focus}年",
                f"{region['name']} · 对照{focus}年目标",
            ),
            card("监测指标", f"{len(own)}项", "有数据的指标"),
            card("达标", f"{c['green']}项", "达到年度目标", "status-green"),
            card("预警", f"{c['amber']}项", "接近目标", "status-amber"),
            card("未达标", f"{c['red']}项", "低于预警线", "status-red"),
            card("达标率", _pct(_rate(c)), "达标指标占有目标指标"),
        ],
        className="eval-cards",
    )


def render_narrative(view: PlanView, services: Services) -> Any:
    frame, years, focus, period = _data(view, services)
    region = services.warehouse.region(view.region) or {"name": view.region}
    focus_rows = frame[frame["year"] == focus]
    own = focus_rows[focus_rows["adcode"] == view.region]
    c = _counts(own["status"])
    parts = [f"{scope_label(str(view.scope), period)}：{region['name']}{len(own)}项监测指标中，{c['green']}项达到{focus}年目标，"
             f"{c['amber']}项接近目标（预警），{c['red']}项未达到。"]  # fmt: skip
    parts.extend(_year_in_progress(view, services, focus, own, str(region["name"])))
    missed = own[own["status"].isin([targets.RED, targets.AMBER])].sort_values("attainment")
    if not missed.empty:
        gaps = [f"{r['short_name'] or r['name']}（差{fmt_gap(r['gap'], r['unit'], int(r['decimals']))}）"
                for _, r in missed.head(4).iterrows()]  # fmt: skip
        parts.append(f"差距较大的是{'、'.join(gaps)}。")
    pillars = [
        (name, _counts(g["status"])) for (_o, name), g in own.groupby(["pillar_ordinal", "pillar_name"])
    ]
    pillars = [(n, pc) for n, pc in pillars if pc["rated"]]
    if len(pillars) > 1:
        best = max(pillars, key=lambda p: _rate(p[1]) or 0)
        worst = min(pillars, key=lambda p: _rate(p[1]) or 0)
        if best[0] != worst[0]:
            parts.append(f"分领域看，{best[0]}达标率最高（{best[1]['green']}/{best[1]['rated']}），"
                         f"{worst[0]}最低（{worst[1]['green']}/{worst[1]['rated']}）。")  # fmt: skip
    children = focus_rows[focus_rows["adcode"] != view.region]
    if not children.empty:
        names = _child_names(services, view.region)
        behind = children[children["status"].isin([targets.AMBER, targets.RED])].groupby("adcode").size()
        clean = len(set(children["adcode"])) - len(behind)
        if not behind.empty:
            top = behind[behind == behind.max()].index.tolist()
            all_met = f"{clean}个地区全部达标" if clean else "没有地区全部达标"
            parts.append(f"下辖{len(set(children['adcode']))}个地区中，{'、'.join(names.get(a, a) for a in top)}未达标指标最多"
                         f"（{'各' if len(top) > 1 else ''}{int(behind.max())}项），{all_met}。")  # fmt: skip
    if len(years) > 1:
        history = frame[frame["adcode"] == view.region]
        always = history.groupby("code")["status"].apply(lambda s: bool((s == targets.GREEN).all()))
        parts.append(f"{years[0]}–{years[-1]}年逐年看，{int(always.sum())}项指标每年均达标，"
                     f"{int((~always).sum())}项有年份未达标。")  # fmt: skip
    return html.P("".join(parts), className="eval-narrative")


def _year_in_progress(
    view: PlanView, services: Services, focus: int, own: pd.DataFrame, name: str
) -> list[str]:
    """The year in progress is evaluated on what it has reported so far; the wall and /targets judge it
    on each indicator's latest period, last year's where this year's is not in. Say so, with their
    figure (``yearly_score``'s, the wall trend's), so two rates for one year read as what they are."""
    if focus != services.settings.data_now().year:
        return []
    pq = services.queries.plan
    latest = pq.assess_region(view.region, focus, with_projection=False)
    waiting = latest[latest["period"].notna() & ~latest["code"].isin(own["code"])]
    monitored = pq.yearly_score(view.region, [focus], in_progress=focus)
    if waiting.empty or monitored.empty:
        return []
    names = [str(r["short_name"] or r["name"]) for _, r in waiting.iterrows()]
    listed = "、".join(names[:3]) + ("等" if len(names) > 3 else "")
    m = monitored.iloc[0]
    return [f"{focus}年尚未结束，{listed}{len(names)}项指标本年尚未报送；一屏知全省与规划目标监测按各指标最新一期计，"
            f"{name}目标达标率（综合）为{_pct(m['score'] / 100)}（{int(m['met'])}/{int(m['total'])}）。"]  # fmt: skip


def _child_names(services: Services, region: str) -> dict[str, str]:
    kids = services.warehouse.children(region)
    return dict(zip(kids["adcode"], kids["name"], strict=True))


def render_indicators(view: PlanView, services: Services) -> Any:
    frame, years, focus, period = _data(view, services)
    own = frame[frame["adcode"] == view.region]
    focus_rows = own[own["year"] == focus].copy()
    if focus_rows.empty:
        return html.Div(f"{focus}年暂无数据", className="muted")
    is_province = view.region == services.settings.province_adcode
    focus_rows["sev"] = focus_rows["status"].map(lambda s: targets.SEVERITY.get(s, 3))
    focus_rows = focus_rows.sort_values(["sev", "pillar_ordinal", "task_no"])
    by_year = {(c, int(y)): s for c, y, s in zip(own["code"], own["year"], own["status"], strict=True)}
    head = [
        "指标",
        "领域",
        "2020年基线",
        f"{focus}年目标",
        "实际",
        "差距",
        "完成度",
        f"规划进度（至{period[1]}年）",
        "逐年达标",
        "状态",
    ]
    rows = []
    for _, r in focus_rows.iterrows():
        unit, dec = str(r["unit"]), int(r["decimals"])
        dots = [html.Span(className=f"dot {by_year.get((r['code'], y)) or 'none'}", title=f"{y}年：{targets.STATUS_LABELS.get(by_year.get((r['code'], y)), '无数据')}")
                for y in years]  # fmt: skip
        met = sum(1 for y in years if by_year.get((r["code"], y)) == targets.GREEN)
        link = dcc.Link(r["name"], href=f"/targets?region={view.region}&indicator={r['code']}&year={focus}")
        rows.append(html.Tr([
            html.Td(link), html.Td(r["pillar_name"]),
            html.Td(fmt(r["baseline_2020"], unit, dec) if is_province else "—", className="num"),
            html.Td(fmt(r["target_value"], unit, dec), className="num"), html.Td(fmt(r["value"], unit, dec), className="num"),
            html.Td(fmt_gap(r["gap"], unit, dec), className="num"), html.Td(fmt_share(r["attainment"]), className="num"),
            html.Td(_plan_progress(r, is_province), className="num"),
            html.Td([*dots, html.Span(f" {met}/{len(years)}", className="muted")]), html.Td(status_chip(r["status"])),
        ]))  # fmt: skip
    note = ("规划进度 =（实际−2020年基线）÷（2025年规划目标−基线）；2020年基线仅有全省口径。"
            "年度实际：水平类指标取年末一期，比率类取年内均值（见各指标状态规则）。")  # fmt: skip
    return [html.Div(f"分指标 · {focus}年实际对照目标", className="panel-title"),
            html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)], className="data-table plan-table"),
            html.Div(note, className="muted small")]  # fmt: skip


def _plan_progress(r: pd.Series, is_province: bool) -> str:
    base, goal, value = r.get("baseline_2020"), r.get("target_2025"), r.get("value")
    if not is_province or base is None or goal is None or value is None:
        return "—"
    if any(pd.isna(v) for v in (base, goal, value)):
        return "—"
    if abs(float(goal) - float(base)) < 1e-9:
        return "保持" if targets.gap(float(value), float(goal), str(r["direction"])) == 0 else "未保持"
    return f"{(float(value) - float(base)) / (float(goal) - float(base)) * 100:.0f}%"


def render_pillars(view: PlanView, services: Services) -> Any:
    frame, _years, focus, _period = _data(view, services)
    own = frame[(frame["adcode"] == view.region) & (frame["year"] == focus)]
    rows = []
    for key, g in own.groupby(["pillar_ordinal", "pillar_name"]):
        _o, name = cast(tuple[int, str], key)  # pillar.ordinal INTEGER, pillar.name TEXT
        c = _counts(g["status"])
        behind = g[g["status"].isin([targets.RED, targets.AMBER])]
        names = "、".join(
            f"{r['short_name'] or r['name']}（{targets.STATUS_LABELS[r['status']]}）"
            for _, r in behind.iterrows()
        )
        rows.append(html.Tr([html.Td(name), html.Td(len(g), className="num"), html.Td(c["green"], className="num"),
                             html.Td(c["amber"], className="num"), html.Td(c["red"], className="num"),
                             html.Td([_bar(_rate(c)), _pct(_rate(c))]), html.Td(names or "—", className="missed-list")]))  # fmt: skip
    head = html.Tr(
        [html.Th(h) for h in ("领域", "指标", "达标", "预警", "未达标", "达标率", "未达标与预警指标")]
    )
    return [html.Div(f"分领域 · 五大建设（{focus}年）", className="panel-title"),
            html.Table([html.Thead(head), html.Tbody(rows)], className="data-table plan-table")]  # fmt: skip


def render_regions(view: PlanView, services: Services) -> Any:
    frame, _years, focus, _period = _data(view, services)
    focus_rows = frame[(frame["year"] == focus) & (frame["adcode"] != view.region)]
    names = _child_names(services, view.region)
    if focus_rows.empty:
        return [html.Div("分地区", className="panel-title"), html.Div("本级无下级地区", className="muted")]
    rows = []
    for adcode, g in focus_rows.groupby("adcode"):
        c = _counts(g["status"])
        red = g[g["status"] == targets.RED]["short_name"].tolist()
        amber = g[g["status"] == targets.AMBER]["short_name"].tolist()
        rows.append((_rate(c) or 0, str(adcode), c, red, amber))
    rows.sort(key=lambda x: (x[0], x[1]))
    body = [
        html.Tr([html.Td(dcc.Link(names.get(a, a), href=view.href(region=a))), html.Td(c["green"], className="num"),
                 html.Td(c["amber"], className="num"), html.Td(c["red"], className="num"),
                 html.Td([_bar(_rate(c)), _pct(_rate(c))]),
                 html.Td("、".join(red + amber[: max(0, 4 - len(red))]) + ("等" if len(red) + len(amber) > 4 else "") or "—",
                         className="missed-list")], className="status-row-red" if red else "")
        for _share, a, c, red, amber in rows
    ]  # fmt: skip
    head = html.Tr(
        [html.Th(h) for h in ("地区", "达标", "预警", "未达标", "达标率", "未达标指标（落后在前）")]
    )
    return [html.Div(f"分地区 · 下辖{len(rows)}个地区（{focus}年，达标率低的在前）", className="panel-title"),
            html.Table([html.Thead(head), html.Tbody(body)], className="data-table plan-table")]  # fmt: skip


PANELS = {
    ids.TARGETS_EVAL_SUMMARY: render_summary,
    ids.TARGETS_EVAL_NARRATIVE: render_narrative,
    ids.TARGETS_EVAL_INDICATORS: render_indicators,
    ids.TARGETS_EVAL_PILLARS: render_pillars,
    ids.TARGETS_EVAL_REGIONS: render_regions,
}


def register(app: dash.Dash) -> None:
    register_plan_panels(
        app, PAGE, {key: (Output(key, "children"), render, None) for key, render in PANELS.items()}
    )
