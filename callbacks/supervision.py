"""Callbacks of /supervision: one per panel, plus the department filter (writes the URL).

Map clicks drill through the shared plan-map callback in ``callbacks/targets.py``. The map's
colours are ``cockpit.targets.status`` of each region's on-time rate against its target for the
13710按期办结率 indicator, under that indicator's rule — the same semantics as everywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update

from cockpit import figures, ids, targets
from cockpit.charts.map import region_map
from cockpit.formatting import plain
from cockpit.nav import map_parent
from cockpit.records import records
from cockpit.services import Services, current
from cockpit.theme import theme
from cockpit.ui.panels import ERROR_FIGURE
from cockpit.ui.plan_page import SUPERVISION_STATES, PlanView, html_table, register_plan_panels, today_of
from cockpit.warehouse.plan_queries import PlanQueries
from layouts.supervision import PAGE, STATE_FILTERS

log = logging.getLogger("callbacks.supervision")
DARK = theme("dark")
ONTIME_CODE = "task_13710_ontime_rate"
STATE_LABELS = {"overdue": "逾期未办结", "open": "在办", "done_ontime": "按期办结", "done_late": "逾期办结"}
CLEAR_SCALE = [[0.0, "#2ecc71"], [0.34, "#f5b041"], [1.0, "#ff4d4f"]]
# Long lists are single Markdown tables (see cockpit.ui.plan_page.html_table); past a few hundred rows
# nobody reads on, so they stop here and say how many there are.
MAX_ROWS = 200
COLOURS = {"green": "#2ecc71", "amber": "#f5b041", "red": "#ff4d4f", "open": "#4fb3ff"}


def _figures(view: PlanView, services: Services, by: str | None, region: str | None = None) -> pd.DataFrame:
    return services.queries.plan.task_figures(
        region or view.region, today_of(services), view.year, by, view.department or ""
    )


def _pct(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.1f}%"


def _days(value: Any) -> str:
    return "—" if value is None or pd.isna(value) or int(value) == 0 else f"{int(value)}天"


def render_kpis(view: PlanView, services: Services) -> Any:
    f = _figures(view, services, None).iloc[0]

    def card(
        label: str, value: str, sub: str = "", cls: str = "", figure: str = "", raw: Any = None
    ) -> html.Div:
        # Figures of the registry are marked with what they are (the department filter narrows them:
        # only the unfiltered view is the figure every surface shows).
        kind = "year" if figure == "tasks.ontime_rate" else "now"
        marks = (figures.marked(figure, kind, view.region, now, raw, year=view.year)[1]
                 if figure and not view.department else {})  # fmt: skip
        return html.Div([html.Div(label, className="k-label"), html.Div(value, className=f"k-value {cls}", **marks),
                         html.Div(sub, className="k-sub")], className="kpi")  # fmt: skip

    now = services.settings.data_now()

    loaded = f["loaded_at"].strftime("%m-%d %H:%M") if not pd.isna(f["loaded_at"]) else "—"
    overdue = int(f["overdue"])
    return [
        html.Div(
            [
                card(f"{view.year}年交办", f"{int(f['assigned'])}件", f"{view.department or '全部责任单位'}"),
                card(f"{view.year}年到期", f"{int(f['due'])}件", "时限已到或已办结"),
                card(
                    figures.label("tasks.ontime_rate", "year", year=view.year),
                    _pct(f["ontime_rate"]),
                    "按期办结÷到期",
                    figure="tasks.ontime_rate" if view.year == today_of(services).year else "",
                    raw=f["ontime_rate"],
                ),
                card("清零率", _pct(f["clear_rate"]), "已办结÷到期"),
                card(
                    figures.label("tasks.open", "now"),
                    f"{int(f['open'])}件",
                    "尚在时限内",
                    figure="tasks.open",
                    raw=f["open"],
                ),
                card(
                    figures.label("tasks.overdue", "now"),
                    f"{overdue}件",
                    "须清零，含往年",
                    "status-red" if overdue else "status-green",
                    figure="tasks.overdue",
                    raw=overdue,
                ),
                card("最长逾期", _days(f["max_days_overdue"]), "逾期未办结中最久的"),
            ],
            className="sup-kpis",
            id=f"{ids.SUPERVISION_KPIS}-cards",
        ),
        html.Div(
            f"数据：13710督办系统（supervision_tasks），入库 {loaded}；统计截至{today_of(services):%Y年%-m月%-d日}",
            className="muted small asof",
        ),
    ]


def render_map(view: PlanView, services: Services) -> Any:
    """Overdue (not cleared) tasks per region, green when cleared; the hover adds the on-time rate
    judged against the region's 13710按期办结率 target by ``targets.status``."""
    pq = services.queries.plan
    parent, selected = map_parent(services.warehouse, view.region)
    figures = _figures(view, services, "child", parent).rename(columns={"key": "adcode"})
    children = services.warehouse.children(parent)[["adcode", "name"]]
    frame = children.merge(figures, on="adcode", how="left")
    tgts = pq.resolved_targets([ONTIME_CODE], parent)
    target_by_region = tgts[tgts["year"] == view.year].set_index("adcode")["target_value"]
    rule = pq.rules().for_indicator(ONTIME_CODE)
    frame["target_value"] = frame["adcode"].map(target_by_region)
    frame["status"] = [targets.status(_opt(v), _opt(t), "higher", rule)
                       for v, t in zip(frame["ontime_rate"], frame["target_value"], strict=True)]  # fmt: skip
    frame["value"] = frame["overdue"].fillna(0).astype(float)
    frame["hover"] = [
        f"<b>{plain(r['name'])}</b><br>逾期未办结 {int(r['value'])} 件 · 在办 {0 if pd.isna(r['open']) else int(r['open'])} 件"
        f"<br>{view.year}年按期办结率：{_pct(r['ontime_rate'])}（目标 {_pct(r['target_value'])}，"
        f"{targets.STATUS_LABELS.get(r['status'], '无目标')}）"
        for r in records(frame)
    ]  # fmt: skip
    level = "city" if parent == services.settings.province_adcode else "county"
    fig = region_map(services.warehouse.boundaries(level, parent), frame[["adcode", "name", "value", "hover", "status"]],
                     direction="lower", unit="件", theme=DARK, selected=selected)  # fmt: skip
    # Counts, not a status: green = cleared, redder = more left to clear.
    fig.update_traces(selector={"type": "choropleth"}, colorscale=CLEAR_SCALE, zmin=0,
                      zmax=max(3.0, float(frame["value"].max())), colorbar_title_text="逾期件数")  # fmt: skip
    return fig


def render_overdue(view: PlanView, services: Services) -> Any:
    rows = services.queries.plan.task_list(view.region, today_of(services), states=("overdue",),
                                                     department=view.department or "", limit=MAX_ROWS)  # fmt: skip
    total = int(_figures(view, services, None).iloc[0]["overdue"])
    title = f"逾期未办结 · {total}件（逾期最久的在前" + (
        f"，显示前{len(rows)}件）" if total > len(rows) else "）"
    )
    if rows.empty:
        return [
            html.Div(title, className="panel-title"),
            html.Div("已全部清零：没有逾期未办结的任务", className="muted"),
        ]
    body = [[(f"{int(r['days_overdue'])}天", "num late-days"), (r["title"], "task-title", None, f"{r['task_id']} {r['category']} {r['title']}"),
             r["department"], r["region_name"], f"{r['deadline']:%Y-%m-%d}"] for r in records(rows)]  # fmt: skip
    table = html_table(
        ["逾期", "任务", "责任单位", "地区", "办结时限"], body, f"{ids.SUPERVISION_OVERDUE}-rows"
    )
    return [html.Div(title, className="panel-title"), html.Div(table, className="scroll")]


def render_stages(view: PlanView, services: Services) -> Any:
    profile = services.queries.plan.task_profile(view.region, today_of(services), view.department or "")
    fig = go.Figure(go.Bar(
        x=profile["label"], y=profile["n"], marker_color=[COLOURS.get(s, COLOURS["open"]) for s in profile["status"]],
        text=profile["n"], textposition="outside", hovertemplate="%{x}：%{y}件<extra></extra>", cliponaxis=False,
    ))  # fmt: skip
    _small_layout(fig)
    note = "阶段按“13710”节奏1:3:7:10折算到每项任务的办结时限"
    return [html.Div("在办任务所处阶段与逾期时长", className="panel-title"),
            dcc.Graph(figure=fig, config={"displayModeBar": False}, style={"height": "165px"}),
            html.Div(note, className="muted small")]  # fmt: skip


def render_clearance(view: PlanView, services: Services) -> Any:
    years = services.queries.plan.task_years(view.region, today_of(services), view.department or "")
    fig = go.Figure()
    for col, label, colour in (
        ("done_ontime", "按期办结", COLOURS["green"]),
        ("done_late", "逾期办结", COLOURS["amber"]),
        ("open", "在办", COLOURS["open"]),
        ("overdue", "逾期未办结", COLOURS["red"]),
    ):
        fig.add_trace(go.Bar(x=years["year"].astype(str) + "年", y=years[col], name=label, marker_color=colour,
                             hovertemplate=f"%{{x}} {label}：%{{y}}件<extra></extra>"))  # fmt: skip
    _small_layout(fig)
    fig.update_layout(barmode="stack", showlegend=True,
                      legend={"orientation": "h", "y": 1.15, "x": 0, "font": {"size": 11}})  # fmt: skip
    left = years["overdue"].sum()
    sub = f"往年及本年逾期未清零 {int(left)}件" if left else "历年任务均已清零"
    return [html.Div(f"清零进度（按交办年度） · {sub}", className="panel-title"),
            dcc.Graph(figure=fig, config={"displayModeBar": False}, style={"height": "190px"})]  # fmt: skip


def _small_layout(fig: go.Figure) -> None:
    fig.update_layout(
        margin={"l": 36, "r": 8, "t": 18, "b": 24}, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"color": DARK["text"], "family": DARK["font"], "size": 12}, showlegend=False,
        xaxis={"gridcolor": DARK["grid"]}, yaxis={"gridcolor": DARK["grid"], "title": None},
    )  # fmt: skip


def render_by_region(view: PlanView, services: Services) -> Any:
    figures = _figures(view, services, "child").rename(columns={"key": "adcode"})
    names = dict(zip(services.warehouse.children(view.region)["adcode"], services.warehouse.children(view.region)["name"],
                     strict=True))  # fmt: skip
    own = (services.warehouse.region(view.region) or {"name": view.region})["name"]
    figures["name"] = [names.get(a, f"{own}（本级）") for a in figures["adcode"]]
    figures = figures.sort_values(
        ["overdue", "ontime_rate", "adcode"], ascending=[False, True, True], na_position="last"
    )
    head = html.Tr(
        [
            html.Th(h)
            for h in ("地区", f"{view.year}年交办", "按期办结率", "清零率", "在办", "逾期", "最长逾期")
        ]
    )
    body = [
        html.Tr([html.Td(dcc.Link(r["name"], href=view.href(region=r["adcode"], status=view.status)) if r["adcode"] != view.region else r["name"]),
                 html.Td(int(r["assigned"]), className="num"), html.Td(_pct(r["ontime_rate"]), className="num"),
                 html.Td(_pct(r["clear_rate"]), className="num"), html.Td(int(r["open"]), className="num"),
                 html.Td(int(r["overdue"]), className="num late-days" if r["overdue"] else "num"),
                 html.Td(_days(r["max_days_overdue"]), className="num")])
        for r in records(figures)
    ]  # fmt: skip
    return [html.Div("分地区 · 逾期多的在前（点击地区查看其任务）", className="panel-title"),
            html.Div(html.Table([html.Thead(head), html.Tbody(body)], className="data-table plan-table",
                                id=f"{ids.SUPERVISION_BY_REGION}-rows"), className="scroll")]  # fmt: skip


def render_by_department(view: PlanView, services: Services) -> Any:
    figures = _figures(view, services, "department")
    # The unit's name breaks ties: the grouped rows come back in no fixed order, and a table that
    # reshuffles between two renderings of the same data is not one truth.
    figures = figures.sort_values(
        ["overdue", "ontime_rate", "assigned", "key"],
        ascending=[False, True, False, True],
        na_position="last",
    )
    body = [[(r["key"], None, view.href(department=r["key"])), (int(r["assigned"]), "num"), (_pct(r["ontime_rate"]), "num"),
             (int(r["open"]), "num"), (int(r["overdue"]), "num late-days" if r["overdue"] else "num"), (_days(r["max_days_overdue"]), "num")]
            for r in records(figures)]  # fmt: skip
    head = ["责任单位", f"{view.year}年交办", "按期办结率", "在办", "逾期", "最长逾期"]
    return [html.Div(f"分责任单位 · {len(figures)}个（逾期多的在前，点击单位筛选）", className="panel-title"),
            html.Div(html_table(head, body, f"{ids.SUPERVISION_BY_DEPARTMENT}-rows"), className="scroll")]  # fmt: skip


def render_tasks(view: PlanView, services: Services) -> Any:
    state = view.status or "all"
    pq = services.queries.plan
    rows = pq.task_list(view.region, today_of(services), states=STATE_FILTERS[state],
                        department=view.department or "", limit=MAX_ROWS)  # fmt: skip
    total = _state_total(pq.task_figures(view.region, today_of(services), view.year, None, view.department or "").iloc[0],
                         state, pq, view, services)  # fmt: skip
    own = (services.warehouse.region(view.region) or {"name": view.region})["name"]
    body = [
        [(STATE_LABELS[r["state"]], f"state-{r['state']}"),
         (r["stage"] if r["state"] != "overdue" else f"逾期{int(r['days_overdue'])}天", f"stage stage-{r['stage_status']}"),
         (r["title"], "task-title", None, f"{r['task_id']} {r['category']} {r['title']}"), r["department"], r["region_name"],
         f"{r['assigned_at']:%Y-%m-%d}", f"{r['deadline']:%Y-%m-%d}", "—" if pd.isna(r["completed_at"]) else f"{r['completed_at']:%Y-%m-%d}"]
        for r in records(rows)
    ]  # fmt: skip
    shown = f"，显示最先{len(rows)}件（逾期最久、时限最近、刚办结的在前）" if total > len(rows) else ""
    title = f"{own}的督办任务 · {SUPERVISION_STATES[state]} · 共{total}件{shown}"
    if not body:
        return [html.Div(title, className="panel-title"), html.Div("没有符合条件的任务", className="muted")]
    head = ["状态", "阶段", "任务", "责任单位", "地区", "交办", "时限", "办结"]
    return [html.Div(title, className="panel-title"),
            html.Div(html_table(head, body, f"{ids.SUPERVISION_TASKS}-rows"), className="scroll")]  # fmt: skip


def _state_total(figures: pd.Series, state: str, pq: PlanQueries, view: PlanView, services: Services) -> int:
    """How many tasks the list would hold without its row limit."""
    if state == "overdue":
        return int(figures["overdue"])
    if state == "open":
        return int(figures["open"])
    years = pq.task_years(view.region, today_of(services), view.department or "")
    done = int(years["done_ontime"].sum() + years["done_late"].sum())
    return done if state == "done" else done + int(figures["open"]) + int(figures["overdue"])


def _opt(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


PANELS: dict[str, tuple[Any, Callable[[PlanView, Services], Any], Any]] = {
    "kpis": (Output(ids.SUPERVISION_KPIS, "children"), render_kpis, None),
    "map": (Output(ids.plan_map(PAGE), "figure"), render_map, ERROR_FIGURE),
    "overdue": (Output(ids.SUPERVISION_OVERDUE, "children"), render_overdue, None),
    "stages": (Output(ids.SUPERVISION_STAGES, "children"), render_stages, None),
    "clearance": (Output(ids.SUPERVISION_CLEARANCE, "children"), render_clearance, None),
    "by_region": (Output(ids.SUPERVISION_BY_REGION, "children"), render_by_region, None),
    "by_department": (Output(ids.SUPERVISION_BY_DEPARTMENT, "children"), render_by_department, None),
    "tasks": (Output(ids.SUPERVISION_TASKS, "children"), render_tasks, None),
}


def department_search(value: Any, view_data: Any, services: Services) -> str | None:
    """The URL search for a department choice; None for a value that isn't one of the region's."""
    try:
        view = PlanView.from_store(view_data)
    except (TypeError, ValueError):
        return None
    if value in (None, ""):
        return view.query(department=None) if view.department else None
    if not isinstance(value, str) or value == view.department:
        return None
    if value not in services.queries.plan.departments(view.region, today_of(services)):
        log.warning("unknown department refused: %r", str(value)[:20])
        return None
    return view.query(department=value)


def register(app: dash.Dash) -> None:
    register_plan_panels(app, PAGE, PANELS)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.SUPERVISION_DEPARTMENT, "value"),
        State(ids.plan_view(PAGE), "data"),
        prevent_initial_call=True,
    )
    def choose_department(value: Any, view_data: Any) -> Any:
        return department_search(value, view_data, current()) or no_update
