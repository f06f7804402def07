"""Callbacks of /targets: one per panel (a failing panel shows its own error, the rest still fill),
and the one drill callback every plan page's map shares (/targets, /evaluation, /supervision).

Every status, 序时目标 and projection comes from ``PlanQueries`` → ``cockpit.targets``; nothing
here decides whether a region is on track.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, cast

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from cockpit import ids, targets
from cockpit.charts.map import region_map
from cockpit.formatting import AXIS_MONTH, AXIS_MONTH_ONLY, change, judged_period, period_label, plain
from cockpit.nav import map_parent
from cockpit.projection import decimal_year
from cockpit.records import first_record, records
from cockpit.services import Services, current
from cockpit.theme import theme
from cockpit.ui.panels import ERROR_FIGURE
from cockpit.ui.plan_page import (
    PlanView,
    fmt,
    fmt_gap,
    fmt_share,
    register_plan_panels,
    status_chip,
    today_of,
)
from layouts.targets import PAGE

log = logging.getLogger("callbacks.targets")
DARK = theme("dark")


def _indicator(services: Services, code: str) -> dict[str, Any]:
    return services.queries.plan.indicator(code)


def _assessed(view: PlanView, services: Services) -> tuple[pd.DataFrame, str, str | None]:
    parent, selected = map_parent(services.warehouse, view.region)
    frame = services.queries.plan.assess_indicator(str(view.indicator), parent, view.year)
    return frame, parent, selected


def movement(value: Any) -> html.Span:
    if value is None or pd.isna(value) or int(value) == 0:
        return html.Span("—", className="move flat")
    up = int(value) > 0
    return html.Span(f"{'▲' if up else '▼'}{abs(int(value))}", className=f"move {'up' if up else 'down'}")


def reach_text(row: Any) -> str:
    reach, year = row.get("proj_reach_year"), row.get("proj_year")
    if row.get("status") == targets.GREEN and row.get("gap") in (0, 0.0):
        return "已达标"
    if reach is None or pd.isna(reach):
        return "按当前趋势难以达标" if row.get("target_value") is not None else "—"
    return f"预计{int(reach)}年达标" if int(reach) > int(year) else f"预计{int(year)}年内达标"


# --- panels -------------------------------------------------------------------------------------
def render_tree(view: PlanView, services: Services) -> Any:
    pq = services.queries.plan
    tree = pq.plan_tree()
    assessed = pq.assess_region(view.region, view.year, with_projection=False).set_index("code")
    tasks_13710 = pq.supervision_counts_by_plan_task(view.region, today_of(services)).set_index("task_no")
    off = view.filter == "off"
    blocks = []
    for (pcode, pname), pgroup in tree.groupby(["pillar_code", "pillar_name"], sort=False):
        codes = pgroup["code"].dropna().tolist()
        c = targets.counts(assessed.loc[codes, "status"]) if codes else targets.counts([])
        task_blocks: list[html.Div | dcc.Link] = []
        bare: list[int] = []
        for key, tgroup in pgroup.groupby(["task_no", "task_title"], sort=False):
            tno, title = cast(tuple[int, str], key)  # plan_task.task_no INTEGER, title TEXT
            inds = tgroup.dropna(subset=["code"])
            if inds.empty:
                bare.append(int(tno))
                continue
            rows = [_tree_indicator(view, assessed.loc[code], str(pcode), int(tno)) for code in inds["code"]
                    if not off or assessed.loc[code, "status"] in (targets.AMBER, targets.RED)]  # fmt: skip
            if rows:
                cls = "tree-task focus" if view.task == int(tno) else "tree-task"
                task_blocks.append(
                    html.Div([html.Div(f"{int(tno)}. {title}", className=cls, title=title), *rows])
                )
        if off and not task_blocks:
            task_blocks.append(html.Div("本领域指标均已达标", className="muted tree-empty"))
        if bare:
            open_, overdue = (int(tasks_13710.reindex(bare)[k].fillna(0).sum()) for k in ("open", "overdue"))
            task_blocks.append(
                dcc.Link(
                    f"任务{'、'.join(map(str, bare))}无量化指标 · 13710督办在办{open_}件"
                    + (f"、逾期{overdue}件" if overdue else ""),
                    href=f"/supervision?region={view.region}",
                    className="tree-bare" + (" late" if overdue else ""),
                )
            )
        rated = c[targets.GREEN] + c[targets.AMBER] + c[targets.RED]
        summary = html.Summary(
            [
                dcc.Link(str(pname), href=view.href(pillar=pcode, task=None, indicator=None), className="pillar-link"),
                html.Span([html.Span(str(c[s]), className=f"count count-{s}") for s in (targets.GREEN, targets.AMBER, targets.RED)],
                          className="counts"),
                html.Div(html.Div(className="fill", style={"width": f"{100 * c[targets.GREEN] / rated if rated else 0:.0f}%"}),
                         className="bar"),
            ]
        )  # fmt: skip
        cls = "tree-pillar focus" if view.pillar == pcode else "tree-pillar"
        blocks.append(html.Details([summary, *task_blocks], open=view.pillar in (None, pcode), className=cls))
    return blocks


def _tree_indicator(view: PlanView, row: pd.Series, pillar: str, task: int) -> dcc.Link:
    decimals = int(row["decimals"])
    return dcc.Link(
        [
            html.Span(className=f"dot {row['status'] or 'none'}"),
            html.Span(row["short_name"] or row["name"], className="ind-name", title=row["name"]),
            html.Span(f"{fmt(row['value'], row['unit'], decimals)} / {fmt(row['target_value'], row['unit'], decimals)}",
                      className="ind-val"),
        ],
        href=view.href(indicator=row.name, pillar=pillar, task=task),
        className="tree-ind selected" if row.name == view.indicator else "tree-ind",
        id={"type": "targets-tree-indicator", "index": str(row.name)},
    )  # fmt: skip


def render_detail(view: PlanView, services: Services) -> Any:
    ind = _indicator(services, str(view.indicator))
    rule = services.queries.plan.rules().for_indicator(str(view.indicator))
    note = services.queries.plan.rule_notes().get(str(view.indicator), "")
    frame, _parent, _sel = _assessed(view, services)
    row = frame[frame["adcode"] == view.region].iloc[0]
    arrow = "↓越低越好" if ind["direction"] == "lower" else "↑越高越好"
    return html.Div(
        [
            html.Div(
                [html.H2(f"{row['name']} · {ind['name']}"), status_chip(row["status"]),
                 html.Span(f"单位：{ind['unit']} · {arrow} · {ind['pillar_name']} · 规划任务{int(ind['task_no'])}",
                           className="muted")],
                className="detail-title",
            ),
            html.Div(rule.describe(str(ind["unit"])), id=ids.TARGETS_RULE, className="rule", title=note),
        ]
    )  # fmt: skip


def render_kpis(view: PlanView, services: Services) -> Any:
    ind = _indicator(services, str(view.indicator))
    unit, decimals = str(ind["unit"]), int(ind["decimals"])
    frame, _parent, _sel = _assessed(view, services)
    row = first_record(frame[frame["adcode"] == view.region])
    if not isinstance(row.get("period"), str):
        return html.Div(f"{row['name']}暂无{ind['name']}数据", className="muted kpi-empty")
    share = row["pace_share"]
    inherited = row.get("target_source") == "inherited"
    pace_sub = "全年" if share >= 1 else f"序时进度 {share * 100:.1f}%"
    if frame["adcode"].iloc[0] == view.region and row.get("level") != "province":
        # A region with children heads its own table; its rank is among its siblings, one level up.
        region = services.warehouse.region(view.region) or {}
        up = services.queries.plan.assess_indicator(str(view.indicator), str(region.get("parent_adcode")),
                                                              view.year, with_projection=False)  # fmt: skip
        row |= {k: up.set_index("adcode").loc[view.region, k] for k in ("rank", "movement")}
        frame = up
    siblings = frame[frame["adcode"] != frame["adcode"].iloc[0]]
    rank = "—" if pd.isna(row.get("rank")) else f"{int(row['rank'])}/{int(siblings['rank'].notna().sum())}"

    def card(label: str, value: str, sub: Any = "", cls: str = "") -> html.Div:
        return html.Div([html.Div(label, className="k-label"), html.Div(value, className=f"k-value {cls}"),
                         html.Div(sub, className="k-sub")], className="kpi")  # fmt: skip

    cards = [
        card("实际值", fmt(row["value"], unit, decimals), judged_period(row.get("period"), row.get("basis"), str(ind["frequency"]))),
        card("年度目标", fmt(row["target_value"], unit, decimals),
             f"{int(row['year'])}年目标" + ("（沿用上级目标）" if inherited else "")),
        card("序时目标", fmt(row["pace_target"], unit, decimals), pace_sub),
        card("差距", fmt_gap(row["pace_gap"], unit, decimals), f"距年度目标 {fmt_gap(row['gap'], unit, decimals)}",
             f"status-{row['status']}"),
        card("完成度", fmt_share(row["attainment"]), f"序时完成度 {fmt_share(row['pace_attainment'])}"),
        card("预计年底", fmt(row.get("proj_value"), unit, decimals), reach_text(row)),
        card("同级排名", rank, movement(row.get("movement")) if rank != "—" else "按序时完成度"),
        card("较上期", _change(row, unit, decimals, str(ind["direction"])),
             f"上期 {period_label(row['prev_period'])}" if isinstance(row.get("prev_period"), str) else "无上期数据"),
    ]  # fmt: skip
    return html.Div(cards, className="kpi-row")


def _change(row: dict[str, Any], unit: str, decimals: int, direction: str) -> Any:
    prev = row.get("prev_value")
    if prev is None or pd.isna(prev):
        return "—"
    delta = float(row["value"]) - float(prev)
    text = change(delta, unit, decimals)
    if text == "持平":
        return text
    better = (delta < 0) if direction == "lower" else (delta > 0)
    return html.Span(text, className="move up" if better else "move down")


def render_map(view: PlanView, services: Services) -> Any:
    ind = _indicator(services, str(view.indicator))
    unit, decimals = str(ind["unit"]), int(ind["decimals"])
    frame, parent, selected = _assessed(view, services)
    children = frame[frame["adcode"] != parent].copy()
    level = "city" if parent == services.settings.province_adcode else "county"
    boundaries = services.warehouse.boundaries(level, parent)
    n = int(children["rank"].notna().sum())
    children["hover"] = [
        f"<b>{plain(r['name'])}</b><br>实际：{fmt(r['value'], unit, decimals)} · 目标：{fmt(r['target_value'], unit, decimals)}"
        f"<br>序时目标：{fmt(r['pace_target'], unit, decimals)} · {targets.STATUS_LABELS.get(r['status'], '无目标')}"
        f"<br>排名：{'—' if pd.isna(r['rank']) else str(int(r['rank'])) + f'/{n}'}"
        for r in records(children)
    ]
    alarms = children.loc[children["status"] == targets.RED, "adcode"].tolist()
    fig = region_map(boundaries, children[["adcode", "name", "value", "hover", "status"]], direction=str(ind["direction"]),
                     unit=unit, colour_by="status", theme=DARK, selected=selected, alarms=alarms)  # fmt: skip
    return fig


def render_trend(view: PlanView, services: Services) -> Any:
    pq = services.queries.plan
    code = str(view.indicator)
    ind = pq.indicator(code)
    unit = str(ind["unit"])
    rule = pq.rules().for_indicator(code)
    start, end = pq.plan_period()
    values = pq.series([code], view.region, start - 1, view.year)
    values = values[values["adcode"] == view.region]
    tgts = pq.resolved_targets([code], view.region)
    tgts = tgts[(tgts["adcode"] == view.region) & (tgts["year"] <= max(view.year, end))].sort_values("year")
    fig = go.Figure()
    if values.empty:
        fig.add_annotation(text="暂无数据", showarrow=False, font={"color": DARK["muted"], "size": 16})
        return _trend_layout(fig, unit)
    xs = [_date(p) for p in values["period"]]
    fig.add_trace(go.Scatter(x=xs, y=values["value"], mode="lines+markers" if len(xs) < 12 else "lines", name="实际值",
                             line={"color": DARK["accent"], "width": 2.5},
                             hovertemplate=f"%{{x|{AXIS_MONTH}}}：%{{y}}{unit}<extra></extra>"))  # fmt: skip
    if not tgts.empty:
        tx = [date(int(y), 1, 1) for y in tgts["year"]] + [date(int(tgts["year"].iloc[-1]), 12, 31)]
        ty = [*tgts["target_value"].tolist(), tgts["target_value"].iloc[-1]]
        fig.add_trace(go.Scatter(x=tx, y=ty, mode="lines", name="年度目标", line={"color": DARK["selected"], "width": 2,
                                 "dash": "dash", "shape": "hv"}, hovertemplate=f"%{{x|%Y}}年目标：%{{y}}{unit}<extra></extra>"))  # fmt: skip
    row = pq.assess_indicator(code, map_parent(services.warehouse, view.region)[0], view.year)
    row = row[row["adcode"] == view.region]
    if not row.empty and isinstance(row["period"].iloc[0], str):
        r = row.iloc[0]
        path = targets.pace_path(
            int(r["year"]), _opt(r["start_value"]), _opt(r["target_value"]), str(ind["direction"]), rule
        )
        if path:
            fig.add_trace(go.Scatter(x=[p[0] for p in path], y=[p[1] for p in path], mode="lines", name="序时进度",
                                     line={"color": "#b98cff", "width": 2, "dash": "dot"},
                                     hovertemplate=f"%{{x|{AXIS_MONTH_ONLY}}}末序时目标：%{{y:.2f}}{unit}<extra></extra>"))  # fmt: skip
        proj = targets.projection_of(values, int(r["year"]), _opt(r["target_value"]), str(ind["direction"]), rule,
                                     (_opt(ind.get("min_value")), _opt(ind.get("max_value"))))  # fmt: skip
        if proj is not None and proj.value is not None:
            fig.add_trace(go.Scatter(x=[_from_decimal(proj.last_x), date(proj.target_year, 12, 31)],
                                     y=[proj.last_fit, proj.value], mode="lines+markers", name="趋势预测", cliponaxis=False,
                                     line={"color": DARK["muted"], "width": 2, "dash": "longdash"}, marker={"size": 6},
                                     hovertemplate=f"%{{x|{AXIS_MONTH}}}预测：%{{y:.2f}}{unit}<extra></extra>"))  # fmt: skip
    ys = [
        float(y) for t in fig.data for y in (() if t.y is None else t.y) if y is not None and not pd.isna(y)
    ]
    lo, hi = min(ys), max(ys)
    pad = max((hi - lo) * 0.08, 0.5 * 10 ** -int(ind["decimals"]))
    # Within the indicator's own bounds: a 0–100% rate never gets an axis to 101%.
    floor, ceiling = _opt(ind.get("min_value")), _opt(ind.get("max_value"))
    bottom = lo - pad if floor is None else max(lo - pad, floor)
    top = hi + pad if ceiling is None else min(hi + pad, ceiling)
    fig.update_yaxes(range=[bottom, top if top > bottom else hi + pad])
    fig.update_xaxes(
        range=[date(start, 1, 1), date(max(view.year, int(values["period"].str[:4].max())), 12, 31)]
    )
    return _trend_layout(fig, unit)


def _trend_layout(fig: go.Figure, unit: str) -> go.Figure:
    fig.update_layout(
        margin={"l": 52, "r": 16, "t": 30, "b": 36}, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"color": DARK["text"], "family": DARK["font"], "size": 13}, hovermode="x unified",
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        xaxis={"gridcolor": DARK["grid"], "tickformat": "%Y年", "dtick": "M12", "hoverformat": AXIS_MONTH},
        yaxis={"gridcolor": DARK["grid"], "ticksuffix": unit if unit == "%" else "", "title": None if unit == "%" else unit},
    )  # fmt: skip
    return fig


def render_table(view: PlanView, services: Services) -> Any:
    ind = _indicator(services, str(view.indicator))
    unit, decimals = str(ind["unit"]), int(ind["decimals"])
    frame, parent, _selected = _assessed(view, services)
    head_row, rows = frame.iloc[0], frame.iloc[1:].sort_values(["rank", "adcode"], na_position="last")
    if view.filter == "off":
        rows = rows[rows["status"].isin([targets.AMBER, targets.RED])]
    kind = "市" if parent == services.settings.province_adcode else "县（市、区）"

    def line(r: Any, cls: str = "") -> html.Tr:
        name = (
            dcc.Link(r["name"], href=view.href(region=r["adcode"]), className="region-link")
            if cls != "total"
            else r["name"]
        )
        sel = " selected" if r["adcode"] == view.region else ""
        return html.Tr(
            [html.Td("" if pd.isna(r.get("rank")) else int(r["rank"]), className="num"), html.Td(movement(r.get("movement"))),
             html.Td(name), html.Td(fmt(r["value"], unit, decimals), className="num"),
             html.Td(fmt(r["target_value"], unit, decimals) + ("*" if r.get("target_source") == "inherited" else ""), className="num"),
             html.Td(fmt(r["pace_target"], unit, decimals), className="num"), html.Td(fmt_share(r["pace_attainment"]), className="num"),
             html.Td(status_chip(r["status"])), html.Td(fmt(r.get("proj_value"), unit, decimals), className="num")],
            className=f"{cls} status-row-{r['status'] or 'none'}{sel}",
        )  # fmt: skip

    head = html.Tr(
        [
            html.Th(h)
            for h in ("排名", "变动", "地区", "实际值", "目标", "序时目标", "序时完成度", "状态", "预计年底")
        ]
    )
    body = [line(head_row, "total"), *[line(r) for _, r in rows.iterrows()]]
    if view.filter == "off" and rows.empty:
        body.append(html.Tr(html.Td("下辖地区均已达到序时目标", colSpan=9, className="muted")))
    c = targets.counts(frame.iloc[1:]["status"])
    title = (f"{head_row['name']}下辖{len(frame) - 1}个{kind} · 达标{c['green']} 预警{c['amber']} 落后{c['red']}"
             + (" · 仅显示未达标" if view.filter == "off" else ""))  # fmt: skip
    notes = "排名按序时完成度；变动为较上一期；*为沿用上级目标"
    return [html.Div(title, className="panel-title"),
            html.Table([html.Thead(head), html.Tbody(body)], className="data-table plan-table", id=f"{ids.TARGETS_TABLE}-rows"),
            html.Div(notes, className="muted small")]  # fmt: skip


def render_lagging(view: PlanView, services: Services) -> Any:
    """Counties red on this indicator anywhere below the view's region (the province: all of them)."""
    wh = services.warehouse
    if wh.children(view.region).empty:
        return html.Div()
    ind = _indicator(services, str(view.indicator))
    unit, decimals = str(ind["unit"]), int(ind["decimals"])
    frame = services.queries.plan.assess_indicator(
        str(view.indicator), view.region, view.year, deep=True, with_projection=False
    )
    red = frame[(frame["level"] == "county") & (frame["status"] == targets.RED)].sort_values(
        "pace_attainment"
    )
    cities = dict(zip(frame["adcode"], frame["short_name"], strict=True))
    items = [
        html.Li([dcc.Link(f"{r['name']}（{cities.get(r['parent_adcode'], '')}）", href=view.href(region=r["adcode"])),
                 html.Span(f"{fmt(r['value'], unit, decimals)} / 序时目标 {fmt(r['pace_target'], unit, decimals)}",
                           className="num")])
        for _, r in red.head(12).iterrows()
    ]  # fmt: skip
    body = (
        html.Ul(items, className="lagging-list")
        if items
        else html.Div("没有落后的县（市、区）", className="muted")
    )
    more = html.Div(f"另有{len(red) - 12}个", className="muted small") if len(red) > 12 else html.Div()
    return [html.Div(f"落后县（市、区） · {len(red)}个", className="panel-title"), body, more]


def _date(period: str) -> date:
    return _from_decimal(decimal_year(period))


def _from_decimal(x: float) -> date:
    year = int(x - 1e-9)
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return date.fromordinal(date(year, 1, 1).toordinal() + max(round((x - year) * days) - 1, 0))


def _opt(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# --- wiring -------------------------------------------------------------------------------------
PANELS: dict[str, tuple[Any, Callable[[PlanView, Services], Any], Any]] = {
    "tree": (Output(ids.TARGETS_TREE, "children"), render_tree, None),
    "detail": (Output(ids.TARGETS_DETAIL, "children"), render_detail, None),
    "kpis": (Output(ids.TARGETS_KPIS, "children"), render_kpis, None),
    "map": (Output(ids.plan_map(PAGE), "figure"), render_map, ERROR_FIGURE),
    "trend": (Output(ids.TARGETS_TREND, "figure"), render_trend, ERROR_FIGURE),
    "table": (Output(ids.TARGETS_TABLE, "children"), render_table, None),
    "lagging": (Output(ids.TARGETS_LAGGING, "children"), render_lagging, None),
}


def drill_search(click: Any, view_data: Any, services: Services) -> str | None:
    """The URL search a map click leads to, or None for anything that isn't a known region."""
    try:
        adcode = str(click["points"][0]["location"])
        view = PlanView.from_store(view_data)
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    if not (adcode.isdigit() and len(adcode) == 6) or services.warehouse.region(adcode) is None:
        log.warning("drill to unknown region refused: %r", adcode[:20])
        return None
    return view.query(region=adcode)


def register(app: dash.Dash) -> None:
    register_plan_panels(app, PAGE, PANELS)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input({"type": ids.TARGETS_MAP, "index": ALL}, "clickData"),
        State({"type": ids.TARGETS_VIEW, "index": ALL}, "data"),
        prevent_initial_call=True,
    )
    def drill(clicks: list[Any], views: list[Any]) -> Any:
        page = (ctx.triggered_id or {}).get("index") if isinstance(ctx.triggered_id, dict) else None
        states = (
            {s["id"]["index"]: v for s, v in zip(ctx.states_list[0], views, strict=False)}
            if ctx.states_list
            else {}
        )
        click = next(
            (c for c, i in zip(clicks, ctx.inputs_list[0], strict=False) if i["id"]["index"] == page), None
        )
        search = drill_search(click, states.get(page), current()) if page in states else None
        return search or no_update
