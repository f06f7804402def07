"""Callbacks of /emergency: one per panel (isolation), drill and incident picking by click, filters,
and the acknowledgement of alarms. Everything the browser sends is validated again here."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from cockpit import alarms, figures, ids
from cockpit.access import audit
from cockpit.access.scope import require_permission
from cockpit.charts.incident_markers import LEVEL_COLOURS, LEVEL_ROMAN, LEVEL_SIZES
from cockpit.charts.map import WARNING_COLOURS, region_map
from cockpit.formatting import AXIS_DAY, AXIS_MONTH, day_time, full_day_time, pct, plain, wan_yuan
from cockpit.nav import map_parent
from cockpit.principal import AccessDenied
from cockpit.records import records
from cockpit.services import Services, current
from cockpit.theme import theme
from cockpit.ui.event_page import (
    EventRenderer,
    EventView,
    clicked_point,
    clicked_region,
    figure_kpi,
    figure_mark,
    now_of,
    register_event_page,
)
from cockpit.ui.panels import asof, graph, kpi, panel, style_figure, table
from cockpit.warehouse.emergency_queries import EmergencyQueries
from cockpit.warehouse.events_base import REPORT_DEADLINE_MINUTES, valid_incident_id
from cockpit.warehouse.schema import INCIDENT_CATEGORIES, INCIDENT_LEVELS
from layouts.emergency import LEVEL_LABELS, PAGE, parse_view, visible_incident

log = logging.getLogger("callbacks.emergency")
TITLES = {"alarms": "告警", "kpis": "应急态势", "map": "事件分布与生效预警", "detail": "事件详情",
          "warnings": "生效预警", "timeline": "事件时间轴", "stats": "分地区统计", "matrix": "类别与级别",
          "list": "事件列表"}  # fmt: skip
STEPS = (
    ("reported_at", "已报告"),
    ("responded_at", "处置中"),
    ("controlled_at", "已控制"),
    ("closed_at", "已结案"),
)
FEEDS = "emergency_incidents、emergency_warnings"


def _q(services: Services) -> EmergencyQueries:
    return services.queries.emergency


def _filters(view: EventView) -> tuple[str | None, str | None]:
    return view.filters.get("category"), view.filters.get("level")


def _minutes(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0f}分钟"


def _hours(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1f}小时"


def _when(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else full_day_time(value)


def _level_tag(level: str) -> html.Span:
    return html.Span(LEVEL_LABELS.get(level, level), className=f"tag level-{level}")


# --- panels ------------------------------------------------------------------------------------


def render_alarms(view: EventView, services: Services, now: datetime, message: str = "") -> Any:
    items = alarms.alarm_center(services).active(view.region, now)
    pending = [a for a in items if not a.acknowledged]
    done = [a for a in items if a.acknowledged]
    rows: list[Any] = []
    for a in pending:
        rows.append(
            html.Div(
                [html.Span("●", className=f"alarm-dot {a.severity}"),
                 dcc.Link(a.title, href=a.link, className="alarm-title"), html.Span(a.detail, className="muted"),
                 html.Button("确认", id={"type": ids.EMERGENCY_ACK, "index": a.alarm_id}, n_clicks=0,
                             className="ack-btn")],
                className=f"alarm-item pending {a.severity}",
            )
        )  # fmt: skip
    for a in done[:4]:
        rows.append(
            html.Div(
                [html.Span("✓", className="alarm-dot acked"), dcc.Link(a.title, href=a.link, className="alarm-title"),
                 html.Span(f"已由{a.acknowledged_by}于{day_time(a.acknowledged_at) if a.acknowledged_at else '—'}确认"
                           + (f"：{a.acknowledged_note}" if a.acknowledged_note else ""), className="muted")],
                className="alarm-item acked",
            )
        )  # fmt: skip
    if not rows:
        rows = [html.Div([html.Span("●", className="alarm-dot ok"), "当前无Ⅰ、Ⅱ级突发事件和红色预警告警"],
                         className="alarm-item calm")]  # fmt: skip
    label = f"未确认告警 {len(pending)}" if pending else "告警"
    return html.Div(
        [html.Span(label, className="alarm-label" + (" hot" if pending else "")), html.Div(rows, className="alarm-list"),
         html.Span(message, className="alarm-message")],
        className="alarm-strip" + (" hot" if pending else ""),
    )  # fmt: skip


def render_kpis(view: EventView, services: Services, now: datetime) -> Any:
    q, (cat, lvl) = _q(services), _filters(view)
    window = view.resolve(now, PAGE.default_kind)
    total = q.incident_stats(view.region, window, cat, lvl)
    row = total[total["adcode"].isna()].iloc[0]
    last = q.incident_stats(view.region, window.last_year(), cat, lvl)
    last_total = int(last[last["adcode"].isna()].iloc[0]["total"])
    active = q.active_incidents(view.region, now, cat, lvl)
    by_level = active["level"].value_counts().to_dict()
    warnings = q.warnings_in_force(view.region, now)
    colours = warnings["color"].value_counts().to_dict()
    serious = int(row["level_i"] + row["level_ii"] + row["level_iii"])
    change = int(row["total"]) - last_total
    filters = (
        "（" + "、".join(f for f in (cat, lvl and LEVEL_LABELS.get(lvl, lvl)) if f) + "）"
        if cat or lvl
        else ""
    )

    def card(
        code: str, kind: str, value: Any, shown: Any, sub: str = "", cls: str = "", **label_values: Any
    ) -> html.Div:
        return figure_kpi(
            view,
            now,
            code,
            kind,
            value,
            shown,
            sub,
            cls,
            window,
            filters if code != "warnings.in_force" else "",
            **label_values,
        )

    def part(code: str, value: int) -> html.Span:
        return html.Span(f"{value:,}", **figure_mark(view, now, code, "window", value, window, filters)[1])

    deaths, injuries = int(row["deaths"]), int(row["injuries"])
    cards = [
        card("incidents.unclosed", "now", len(active), f"{len(active)}起",
             "Ⅰ/Ⅱ/Ⅲ/Ⅳ级 " + "/".join(str(by_level.get(k, 0)) for k in INCIDENT_LEVELS)
             + " · " + alarms.status_breakdown(active["status"]),
             "hot" if by_level.get("I") or by_level.get("II") else ""),
        card("incidents.occurred", "window", int(row["total"]), f"{int(row['total'])}起",
             f"{window.label} · 上年同期 {last_total}起（{change:+d}）"),
        card("incidents.serious_occurred", "window", serious, f"{serious}起",
             f"Ⅰ级 {int(row['level_i'])} · Ⅱ级 {int(row['level_ii'])} · Ⅲ级 {int(row['level_iii'])}"),
        kpi(f"{figures.label('incidents.deaths', 'window')} / {figures.label('incidents.injuries', 'window')}{filters}",
            [part("incidents.deaths", deaths), " / ", part("incidents.injuries", injuries), "人"], "期间累计"),
        card("incidents.loss", "window", row["loss_wan_yuan"], wan_yuan(row["loss_wan_yuan"]), "期间累计"),
        card("incidents.report_minutes", "window", row["report_median_min"], _minutes(row["report_median_min"]),
             f"{REPORT_DEADLINE_MINUTES}分钟内报告 {pct(row['report_ontime'])}"),
        card("incidents.response_minutes", "window", row["response_median_min"],
             _minutes(row["response_median_min"]), f"平均控制用时 {_hours(row['control_mean_h'])}"),
        card("warnings.in_force", "now", len(warnings), f"{len(warnings)}条",
             " · ".join(f"{c[0]}{colours.get(c, 0)}" for c in ("红色", "橙色", "黄色", "蓝色")),
             "hot" if colours.get("红色") else ""),
    ]  # fmt: skip
    return html.Div(cards, className="events-kpis")


def _some(names: list[str], shown: int = 4) -> str:
    return "、".join(names[:shown]) + ("等" if len(names) > shown else "")


def _fill_hover(r: dict[str, Any], names: Any, label: str) -> str:
    """A region's map hover: the warnings covering all of it, those inside it, its incidents."""
    count = r["warnings"]
    return (
        f"<b>{plain(r['name'])}</b><br>全域生效预警：{r['warning'] or '无'}{f'（{count}条）' if count else ''}"
        + (f"<br>辖区内预警：{r['partial']}（{_some([plain(n) for n in names])}）" if isinstance(r["partial"], str) else "")
        + f"<br>{label}：{0 if pd.isna(r['total']) else int(r['total'])}起事件"
    )  # fmt: skip


def render_map(view: EventView, services: Services, now: datetime) -> Any:
    q, (cat, lvl) = _q(services), _filters(view)
    window = view.resolve(now, PAGE.default_kind)
    parent, selected = map_parent(services.warehouse, view.region)
    level = "city" if parent == services.settings.province_adcode else "county"
    boundaries = services.warehouse.boundaries(level, parent)
    fill = q.warning_fill(parent, now)
    stats = q.incident_stats(parent, window, cat, lvl)
    fill = fill.merge(stats[["adcode", "total"]].dropna(subset=["adcode"]), on="adcode", how="left")
    fill["value"] = None
    fill["hover"] = [
        _fill_hover(r, names, window.label)
        for r, names in zip(records(fill), fill["partial_names"], strict=True)
    ]
    # A warning for some counties of a city outlines the city in its colour; only a warning for the
    # whole city (or above) fills it.
    edges = {r.adcode: WARNING_COLOURS[r.partial] for r in fill.itertuples() if isinstance(r.partial, str)}
    incidents = q.incidents(parent, window, cat, lvl)
    fig = region_map(boundaries, fill, colour_by="warning", theme=theme("dark"), selected=selected,
                     incidents=incidents, edges=edges)  # fmt: skip
    chosen = incidents[incidents["incident_id"] == view.filters.get("incident")]
    if len(chosen):  # ring the incident whose detail is open
        fig.add_trace(go.Scattergeo(lon=chosen["lon"], lat=chosen["lat"], mode="markers", hoverinfo="skip",
                                    marker={"size": 26, "color": "rgba(0,0,0,0)", "line": {"color": "#ffffff", "width": 3}},
                                    name="selected"))  # fmt: skip
    legend = [
        html.Span([html.I(style={"background": WARNING_COLOURS[c]}), f"{c}预警"], className="legend-chip")
        for c in ("红色", "橙色", "黄色", "蓝色")
    ]
    legend += [html.Span([html.B("◆", style={"color": LEVEL_COLOURS[lv]}), f"{LEVEL_ROMAN[lv]}级"], className="legend-chip")
               for lv in INCIDENT_LEVELS]  # fmt: skip
    body = graph(ids.EMERGENCY_GRAPH, "map", fig, 430)
    foot = (
        f"区域着色：覆盖全域的最高生效预警；彩色描边：辖区内部分地区有预警（悬停看详情）；"
        f"菱形：{window.label}事件（{len(incidents)}起），坐标 GCJ-02 · "
        + asof(incidents["loaded_at"].max() if len(incidents) else None, FEEDS)
    )
    return panel(TITLES["map"], body, foot, name="map", extra=legend)


def render_detail(view: EventView, services: Services, now: datetime) -> Any:
    q = _q(services)
    incident_id = view.filters.get("incident")
    found = visible_incident(services, incident_id) if incident_id else None
    if found is None:
        active = q.active_incidents(view.region, now, *_filters(view))
        rows = [
            html.Li([_level_tag(r["level"]), dcc.Link(r["title"], href=view.href(incident=r["incident_id"])),
                     html.Span(f"{r['occurred_at']:%m-%d %H:%M} · {alarms.STATUS_NAMES.get(r['status'], r['status'])}",
                               className="muted")])
            for r in records(active.head(8))
        ]  # fmt: skip
        listing = (
            html.Ul(rows, className="events-list")
            if rows
            else html.Div("当前无未结案事件", className="muted")
        )
        return panel(
            f"未结案事件（{len(active)}起 · {alarms.status_breakdown(active['status'])}）",
            listing,
            "点击事件、地图或时间轴上的菱形查看详情",
            name="detail",
        )
    steps = []
    for column, label in STEPS:
        when = found.get(column)
        steps.append(html.Div([html.Div(label, className="step-label"), html.Div(_when(when), className="step-time")],
                              className="step done" if when is not None and when <= now else "step"))  # fmt: skip
    late = found["report_minutes"] is not None and found["report_minutes"] > REPORT_DEADLINE_MINUTES
    facts: list[tuple[str, str | Component]] = [
        ("类别 / 级别", html.Span([found["category"], " ", _level_tag(found["level"])])),
        ("地点", f"{found.get('city_name') or ''} {found['region_name']} · {found['lon']:.4f}°E, {found['lat']:.4f}°N（GCJ-02）"),
        ("发生时间", _when(found["occurred_at"])),
        ("报告用时", html.Span(_minutes(found["report_minutes"]) + ("（超时）" if late else ""), className="red" if late else "")),
        ("响应用时", _minutes(found["response_minutes"])),
        ("控制用时", _hours(found["control_hours"])),
        ("伤亡", f"死亡 {found['deaths'] if found['deaths'] is not None else '—'} 人 · 受伤 {found['injuries'] if found['injuries'] is not None else '—'} 人"),
        ("直接经济损失", wan_yuan(found["loss_wan_yuan"])),
    ]  # fmt: skip
    body = [
        html.Div(found["title"], className="detail-title"),
        html.Div(steps, className="steps"),
        html.Dl([part for k, v in facts for part in (html.Dt(k), html.Dd(v))], className="facts"),
    ]
    close = dcc.Link("× 关闭", href=view.href(incident=None), className="close-link")
    foot = f"事件编号 {found['incident_id']} · 更新 {_when(found['updated_at'])} · " + asof(
        found["loaded_at"], "emergency_incidents"
    )
    return panel(TITLES["detail"], body, foot, name="detail", extra=close)


def render_warnings(view: EventView, services: Services, now: datetime) -> Any:
    q = _q(services)
    warnings = q.warnings_in_force(view.region, now)
    issued = (
        q.warnings_issued(view.region, view.resolve(now, PAGE.default_kind)).set_index("color")["n"].to_dict()
    )
    rows = [
        html.Li([html.Span(r["color"][0], className=f"warn-dot {r['color']}"), html.B(f"{r['hazard']}{r['color']}预警"),
                 html.Span(f" {r['region_name']} · {r['issuer'] or '—'}", className="muted"),
                 html.Span(f"{r['issued_at']:%m-%d %H:%M} 至 {r['expires_at']:%m-%d %H:%M}", className="muted right")])
        for r in records(warnings.head(8))
    ]  # fmt: skip
    body = [html.Ul(rows, className="events-list") if rows else html.Div("当前无生效预警", className="muted"),
            html.Div("期间发布：" + " · ".join(f"{c}{issued.get(c, 0)}条" for c in ("红色", "橙色", "黄色", "蓝色")),
                     className="sub")]  # fmt: skip
    foot = asof(q.emergency_overview(view.region, now).get("warnings_loaded_at"), "emergency_warnings")
    return panel(f"生效预警（{len(warnings)}条）", body, foot, name="warnings")


def render_timeline(view: EventView, services: Services, now: datetime) -> Any:
    q, (cat, lvl) = _q(services), _filters(view)
    window = view.resolve(now, PAGE.default_kind)
    frame = q.incidents(view.region, window, cat, lvl)
    fig = go.Figure()
    for level in reversed(INCIDENT_LEVELS):  # serious ones drawn last, on top
        part = frame[frame["level"] == level]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["occurred_at"], y=part["category"], mode="markers", name=f"{LEVEL_ROMAN[level]}级",
            marker={"color": LEVEL_COLOURS[level], "size": LEVEL_SIZES[level], "symbol": "diamond",
                    "line": {"width": [2 if s != "closed" else 0 for s in part["status"]], "color": "#ffffff"}},
            customdata=part[["adcode", "incident_id"]].values,
            text=[f"<b>{plain(t)}</b><br>{plain(r)} · {day_time(o)} · {alarms.STATUS_NAMES.get(s, s)}"
                  for t, r, o, s in zip(part["title"], part["region_name"], part["occurred_at"], part["status"], strict=True)],
            hovertemplate="%{text}<extra></extra>",
        ))  # fmt: skip
    style_figure(fig, 230, legend=True)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(INCIDENT_CATEGORIES)), showgrid=True)
    fig.update_xaxes(
        range=[window.start, window.end], tickformat=AXIS_DAY if window.days <= 120 else AXIS_MONTH
    )
    fig.update_layout(margin={"l": 96, "r": 12, "t": 26, "b": 30})
    foot = "白色描边：未结案 · 点击菱形查看事件详情"
    return panel(f"事件时间轴 · {window.label}（{len(frame)}起）", graph(ids.EMERGENCY_GRAPH, "timeline", fig, 230), foot,
                 name="timeline")  # fmt: skip


def render_stats(view: EventView, services: Services, now: datetime) -> Any:
    q, (cat, lvl) = _q(services), _filters(view)
    window = view.resolve(now, PAGE.default_kind)
    stats = q.incident_stats(view.region, window, cat, lvl)
    region = services.warehouse.region(view.region) or {"name": ""}
    rows = []
    for r in records(stats):
        name: Any = (
            f"{region['name']}合计"
            if pd.isna(r["adcode"])
            else dcc.Link(r["name"], href=view.href(region=r["adcode"], incident=None))
        )
        rows.append([name, int(r["total"]), int(r["level_i"]), int(r["level_ii"]), int(r["level_iii"]), int(r["level_iv"]),
                     int(r["deaths"]), int(r["injuries"]), wan_yuan(r["loss_wan_yuan"]), _minutes(r["report_median_min"]),
                     _minutes(r["response_median_min"]), _hours(r["control_mean_h"]), pct(r["report_ontime"])])  # fmt: skip
    header = ["地区", "事件", "Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级", "死亡", "受伤", "直接经济损失", "报告用时", "响应用时",
              "控制用时", "1小时内报告率"]  # fmt: skip
    return panel(f"分地区统计 · {window.label}", table(header, rows, cls="by-region"), "用时为中位数（控制用时为平均数）",
                 name="stats")  # fmt: skip


def render_matrix(view: EventView, services: Services, now: datetime) -> Any:
    window = view.resolve(now, PAGE.default_kind)
    frame = _q(services).incident_matrix(view.region, window)
    pivot = frame.pivot_table(index="category", columns="level", values="n", aggfunc="sum", fill_value=0)
    pivot = pivot.reindex(index=list(INCIDENT_CATEGORIES), columns=list(INCIDENT_LEVELS), fill_value=0)
    rows = []
    for category, values in pivot.iterrows():
        link = dcc.Link(str(category), href=view.href(category=str(category), incident=None))
        rows.append([link, *[int(v) for v in values], int(values.sum())])
    rows.append(["合计", *[int(v) for v in pivot.sum()], int(pivot.values.sum())])
    header = ["类别", *[f"{LEVEL_ROMAN[lv]}级" for lv in INCIDENT_LEVELS], "合计"]
    return panel(f"类别与级别 · {window.label}", table(header, rows, cls="matrix"), name="matrix")


def render_list(view: EventView, services: Services, now: datetime) -> Any:
    window = view.resolve(now, PAGE.default_kind)
    frame = _q(services).incidents(view.region, window, *_filters(view))
    rows = [
        [f"{r['occurred_at']:%m-%d %H:%M}", dcc.Link(r["title"], href=view.href(incident=r["incident_id"])), _level_tag(r["level"]),
         alarms.STATUS_NAMES.get(r["status"], r["status"])]
        for r in records(frame.head(10))
    ]  # fmt: skip
    body = (
        table(["发生时间", "事件", "级别", "状态"], rows, numeric_from=9, cls="list")
        if rows
        else html.Div("期间无事件", className="muted")
    )
    return panel(f"最近事件（共{len(frame)}起）", body, name="list")


RENDERERS: dict[str, EventRenderer] = {
    "alarms": render_alarms, "kpis": render_kpis, "map": render_map, "detail": render_detail,
    "warnings": render_warnings, "timeline": render_timeline, "stats": render_stats, "matrix": render_matrix,
    "list": render_list,
}  # fmt: skip


PANELS = PAGE.panel_callbacks(
    RENDERERS, TITLES, parse_view, live=("alarms",)
)  # acknowledgements change between snapshots


# --- interactions ------------------------------------------------------------------------------


def _allowed(_services: Services) -> dict[str, Collection[str]]:
    return {"category": INCIDENT_CATEGORIES, "level": INCIDENT_LEVELS}


def click_target(view: EventView, click: Any, services: Services) -> str | None:
    """A region clicked on the map drills; an incident marker opens the incident."""
    point = clicked_point(click)
    if point is None:
        return None
    data = point.get("customdata")
    if isinstance(data, list) and len(data) >= 2 and valid_incident_id(data[1]):
        if visible_incident(services, data[1]) is not None:
            return view.query(incident=str(data[1]))
        return None
    region = clicked_region(point, services)
    return view.query(region=region, incident=None) if region else None


def register(app: dash.Dash) -> None:
    register_event_page(
        app,
        PAGE,
        panels=PANELS,
        allowed=_allowed,
        click_target=lambda view, _graph, click, services: click_target(view, click, services),
    )

    @app.callback(
        Output({"type": ids.EMERGENCY_PANEL, "name": "alarms"}, "children", allow_duplicate=True),
        Input({"type": ids.EMERGENCY_ACK, "index": ALL}, "n_clicks"),
        State(ids.EMERGENCY_ACK_NOTE, "value"),
        State(ids.EMERGENCY_VIEW, "data"),
        prevent_initial_call=True,
    )
    def acknowledge(_clicks: list[Any], note: str | None, view_data: dict[str, Any] | None) -> Any:
        trigger = ctx.triggered_id
        # New buttons appearing also "trigger" with n_clicks 0: only a real click counts.
        if (
            not view_data
            or not isinstance(trigger, dict)
            or not (ctx.triggered and ctx.triggered[0]["value"])
        ):
            return no_update
        services = current()
        now = now_of(services)
        view = EventView.from_store(view_data)
        return render_alarms(
            view, services, now, acknowledge_alarm(services, str(trigger.get("index")), note, now)
        )


def acknowledge_alarm(services: Services, alarm_id: str, note: str | None, now: datetime) -> str:
    """Acknowledges an alarm as the signed-in user, if they are on duty (else refused and audited);
    the message the alarm bar shows."""
    try:
        principal = require_permission("acknowledge", message="您不在值班名单中，无权确认告警")
        who = principal.shown_name if principal is not None else ""
        alarm = alarms.alarm_center(services).acknowledge(alarm_id, who, now, note=note or "")
    except AccessDenied as exc:
        return f"未确认：{exc.message}（已记录）"
    except alarms.AlarmError as exc:
        return f"未确认：{exc}"
    audit.record(services.settings, "acknowledge", region=alarm.adcode,
                 detail={"alarm": alarm.alarm_id, "title": alarm.title, "note": note or ""})  # fmt: skip
    return f"已确认：{alarm.title}"
