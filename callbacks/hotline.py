"""Callbacks of /hotline: one per panel, county drill on the density map, category and channel
picking by clicking their bars, filters. All aggregation happens in DuckDB (hotline_queries)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from cockpit import ids
from cockpit.charts.map import region_map
from cockpit.formatting import AXIS_DAY, AXIS_MONTH, day, number, pct, plain
from cockpit.nav import map_parent
from cockpit.records import records
from cockpit.services import Services
from cockpit.theme import theme
from cockpit.ui.event_page import (
    EventRenderer,
    EventView,
    clicked_point,
    clicked_region,
    figure_kpi,
    register_event_page,
)
from cockpit.ui.panels import asof, count, graph, panel, style_figure, table
from cockpit.warehouse.hotline_queries import HotlineQueries
from cockpit.warehouse.windows import Window
from layouts.hotline import PAGE, parse_view

log = logging.getLogger("callbacks.hotline")
TITLES = {"kpis": "热线概况", "map": "每万人受理量", "trend": "受理量走势", "regions": "分地区",
          "topics": "本周热点诉求", "categories": "诉求类别", "channels": "受理渠道"}  # fmt: skip
GRAIN = {"day": ("日", AXIS_DAY), "week": ("周", AXIS_DAY), "month": ("月", AXIS_MONTH)}
HOT_DAYS = 7


def _ctx(
    view: EventView, services: Services, now: datetime
) -> tuple[HotlineQueries, Window, str | None, str | None]:
    return (services.queries.hotline, view.resolve(now, PAGE.default_kind), view.filters.get("category"),
            view.filters.get("channel"))  # fmt: skip


def _filtered(view: EventView) -> str:
    parts = [view.filters[k] for k in ("category", "channel") if view.filters.get(k)]
    return f"（{'、'.join(parts)}）" if parts else ""


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _per_day(tickets: int, days: float) -> str:
    value = tickets / max(days, 1 / 24)
    return f"{value:.1f}件" if value < 100 else count(value, "件")


def _days(days: float) -> str:
    """The divisor of 日均 as it was used: 5.2 days into a month is not "5天"."""
    return f"{days:.0f}" if abs(days - round(days)) < 0.05 else f"{days:.1f}"


def render_kpis(view: EventView, services: Services, now: datetime) -> Any:
    q, window, cat, ch = _ctx(view, services, now)
    k = q.hotline_kpis(view.region, window, cat, ch)
    tickets, last = int(k["tickets"]), int(k["tickets_last_year"])
    yoy = (
        f"上年同期 {count(last, '件')}，同比 {(tickets / last - 1) * 100:+.1f}%" if last else "上年同期无数据"
    )
    population = (services.warehouse.region(view.region) or {}).get("population")
    per_10k = tickets * 1e4 / population if population else None
    per_day = tickets / max(window.days, 1 / 24)

    def card(code: str, value: Any, shown: str, sub: str) -> html.Div:
        return figure_kpi(
            view, now, code, "window", value, shown, sub, window=window, filters=_filtered(view)
        )

    def share(key: str) -> float | None:
        value = _num(k.get(key))
        return None if value is None else 100 * value

    cards = [
        card("hotline.received", tickets, count(tickets, "件"), yoy),
        card("hotline.daily_mean", per_day, _per_day(tickets, window.days), f"按{_days(window.days)}天计"),
        card("hotline.per_10k", per_10k, "—" if per_10k is None else f"{per_10k:.2f}件", "按常住人口（县级为估算）"),
        card("hotline.close_rate", share("close_rate"), pct(_num(k.get("close_rate"))),
             f"已办结 {count(k.get('closed') or 0, '件')}"),
        card("hotline.satisfaction", share("satisfaction"), pct(_num(k.get("satisfaction"))),
             f"已评价 {count(k.get('rated') or 0, '件')}"),
        card("hotline.ontime", share("ontime"), pct(_num(k.get("ontime"))), "受理后按时响应的工单"),
    ]  # fmt: skip
    return html.Div(cards, className="events-kpis")


def _county_boundaries(services: Services, scope: str) -> pd.DataFrame:
    wh = services.warehouse
    if wh.children(scope).empty:
        return wh.boundaries("county", (wh.region(scope) or {}).get("parent_adcode"))
    level = (wh.region(scope) or {}).get("level")
    if level == "city":
        return wh.boundaries("county", scope)
    return pd.concat([wh.boundaries("county", c) for c in wh.children(scope)["adcode"]], ignore_index=True)


def render_map(view: EventView, services: Services, now: datetime) -> Any:
    q, window, cat, ch = _ctx(view, services, now)
    scope, selected = map_parent(services.warehouse, view.region)
    boundaries = _county_boundaries(services, scope)
    frame = q.hotline_density(scope, window, cat, ch).rename(columns={"per_10k": "value"})
    frame["hover"] = [
        f"<b>{plain(r['name'])}</b><br>受理 {r['tickets']:,} 件 · 每万人 {r['value']:.2f} 件"
        f"<br>人口 {r['population'] / 1e4:.1f} 万{'（估算）' if r['population_is_estimate'] else ''}"
        for r in records(frame)
    ]
    fig = region_map(boundaries, frame, direction="higher", theme=theme("dark"), selected=selected)
    foot = f"{window.label}{_filtered(view)} · 颜色越亮每万人受理越多 · 点击区县下钻"
    return panel(TITLES["map"] + "（分区县）", graph(ids.HOTLINE_GRAPH, "map", fig, 420), foot, name="map")


def render_trend(view: EventView, services: Services, now: datetime) -> Any:
    q, window, cat, ch = _ctx(view, services, now)
    frame = q.hotline_trend(view.region, window, cat, ch)
    unit, fmt = GRAIN[window.grain]
    colours = theme("dark")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=frame["bucket"],
            y=frame["tickets_last_year"],
            name="上年同期",
            mode="lines",
            line={"color": colours["muted"], "width": 2, "dash": "dot"},
            customdata=[number(v, "件", 0) for v in frame["tickets_last_year"]],
            hovertemplate=f"%{{x|{fmt}}} 上年同期 %{{customdata}}<extra></extra>",
        )
    )
    counted = [number(v, "件", 0) for v in frame["tickets"]]
    filling = _still_filling(frame, window, now)
    if filling:  # the bucket "now" is in: its count so far, which is no fall
        counted[-1] += (
            f"（截至{window.end:%H:%M}）" if window.grain == "day" else f"（截至{day(window.end)}）"
        )
    whole = len(frame) - 1 if filling else len(frame)
    fig.add_trace(go.Scatter(x=frame["bucket"][:whole], y=frame["tickets"][:whole], name="本期", mode="lines+markers",
                             line={"color": colours["accent"], "width": 3}, customdata=counted[:whole],
                             hovertemplate=f"%{{x|{fmt}}} 受理 %{{customdata}}<extra></extra>"))  # fmt: skip
    if filling:
        # Dotted to an open marker: a partial count drawn like the others read as a collapse.
        tail = slice(max(whole - 1, 0), len(frame))
        fig.add_trace(go.Scatter(x=frame["bucket"][tail], y=frame["tickets"][tail], name="进行中", mode="lines+markers",
                                 showlegend=False, line={"color": colours["accent"], "width": 2, "dash": "dot"},
                                 marker={"symbol": ["circle", "circle-open"][-len(frame[tail]):], "size": 9},
                                 customdata=counted[tail], hovertemplate=f"%{{x|{fmt}}} 受理 %{{customdata}}<extra></extra>"))  # fmt: skip
    style_figure(fig, 420, legend=True)
    fig.update_layout(margin={"l": 52, "r": 12, "t": 30, "b": 36})
    fig.update_xaxes(tickformat=fmt)
    top = max(float(frame["tickets"].max()), float(frame["tickets_last_year"].max())) if len(frame) else 0.0
    fig.update_yaxes(rangemode="tozero", tickformat=",d", dtick=1 if top <= 8 else None)
    k = q.hotline_kpis(view.region, window, cat, ch)
    foot = f"按{unit}统计；上年同期按日历对齐 · " + asof(k.get("loaded_at"), "hotline_tickets")
    return panel(f"{TITLES['trend']} · {window.label}{_filtered(view)}", graph(ids.HOTLINE_GRAPH, "trend", fig, 420),
                 foot, name="trend")  # fmt: skip


def _still_filling(frame: pd.DataFrame, window: Window, now: datetime) -> bool:
    """Whether the trend's last bucket is still filling: the window stops at "now" (a window never
    reaches past it) inside that bucket. A past window's last bucket is whole, or cut by its end."""
    if frame.empty or window.end < now:
        return False
    step = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}[
        window.grain
    ]
    return bool(pd.Timestamp(frame["bucket"].iloc[-1]) + step > pd.Timestamp(window.end))


def render_regions(view: EventView, services: Services, now: datetime) -> Any:
    q, window, cat, ch = _ctx(view, services, now)
    frame = q.hotline_by_region(view.region, window, cat, ch)
    rows = []
    for r in records(frame):
        name: Any = (
            r["name"]
            if r["adcode"] == view.region
            else dcc.Link(r["name"], href=view.href(region=r["adcode"]))
        )
        rows.append([name, f"{int(r['tickets']):,}", "—" if pd.isna(r["per_10k"]) else f"{r['per_10k']:.2f}",
                     pct(_num(r["close_rate"])), pct(_num(r["satisfaction"])), pct(_num(r["ontime"]))])  # fmt: skip
    header = ["地区", "受理量（件）", "每万人（件）", "办结率", "满意率", "按时响应率"]
    return panel(
        f"{TITLES['regions']} · {window.label}{_filtered(view)}",
        table(header, rows, cls="regions"),
        name="regions",
    )


def render_topics(view: EventView, services: Services, now: datetime) -> Any:
    q, window, cat, ch = _ctx(view, services, now)
    frame = q.hot_topics(view.region, window.end, HOT_DAYS, 10, cat, ch)
    top = float(frame["tickets"].max()) if len(frame) else 1.0
    rows = []
    for r in records(frame):
        change = int(r["tickets"]) - int(r["tickets_before"])
        rows.append([
            r["topic"], r["category"],
            html.Span([html.Span(className="bar", style={"width": f"{80 * r['tickets'] / top:.0f}px"}), f"{int(r['tickets']):,}"],
                      className="bar-cell"),
            html.Span(f"{change:+d}", className="rise" if change > 0 else "fall" if change < 0 else ""),
        ])  # fmt: skip
    body = (
        table(["诉求主题", "类别", "近7日（件）", "较前7日"], rows, numeric_from=2, cls="topics")
        if rows
        else html.Div("近7日无工单", className="muted")
    )
    since = window.end - pd.Timedelta(days=HOT_DAYS)
    return panel(
        f"{TITLES['topics']}（{day(since)}—{day(window.end)}）",
        body,
        "截至所选时段末的7天",
        name="topics",
    )


def _bars(frame: pd.DataFrame, name: str, chosen: str | None, height: int) -> Any:
    frame = frame.iloc[::-1]  # largest on top
    colours = theme("dark")
    fig = go.Figure(
        go.Bar(
            x=frame["tickets"],
            y=[plain(k) for k in frame["key"]],  # tick labels render markup too; clicks read customdata
            orientation="h",
            customdata=frame[["key"]].values,
            marker_color=[colours["selected"] if k == chosen else colours["accent"] for k in frame["key"]],
            text=[f"{t:,}件" for t in frame["tickets"]],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"{plain(k)}：{t:,}件 · 办结率 {pct(c)} · 满意率 {pct(s)}"
                for k, t, c, s in zip(
                    frame["key"], frame["tickets"], frame["close_rate"], frame["satisfaction"], strict=True
                )
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    style_figure(fig, height)
    fig.update_layout(margin={"l": 96, "r": 60, "t": 6, "b": 28})
    fig.update_xaxes(
        tickformat=",d", range=[0, max(float(frame["tickets"].max()) if len(frame) else 0.0, 1.0) * 1.12]
    )
    return graph(ids.HOTLINE_GRAPH, name, fig, height)


def render_categories(view: EventView, services: Services, now: datetime) -> Any:
    q, window, cat, ch = _ctx(view, services, now)
    frame = q.hotline_by(view.region, window, "category", None, ch)
    return panel(f"{TITLES['categories']} · {window.label}", _bars(frame, "categories", cat, 320),
                 "点击类别筛选，再次点击取消", name="categories")  # fmt: skip


def render_channels(view: EventView, services: Services, now: datetime) -> Any:
    q, window, cat, ch = _ctx(view, services, now)
    frame = q.hotline_by(view.region, window, "channel", cat, None)
    return panel(f"{TITLES['channels']} · {window.label}", _bars(frame, "channels", ch, 320),
                 "点击渠道筛选，再次点击取消", name="channels")  # fmt: skip


RENDERERS: dict[str, EventRenderer] = {
    "kpis": render_kpis, "map": render_map, "trend": render_trend, "regions": render_regions,
    "topics": render_topics, "categories": render_categories, "channels": render_channels,
}  # fmt: skip


PANELS = PAGE.panel_callbacks(RENDERERS, TITLES, parse_view)


def _allowed(services: Services) -> dict[str, Collection[str]]:
    return dict(services.queries.hotline.hotline_vocabulary())


def click_target(view: EventView, graph_name: str, click: Any, services: Services) -> str | None:
    point = clicked_point(click)
    if point is None:
        return None
    if graph_name == "map":
        region = clicked_region(point, services)
        return view.query(region=region) if region else None
    field = {"categories": "category", "channels": "channel"}.get(graph_name)
    data = point.get("customdata")
    value = data[0] if isinstance(data, list) and data else None
    if field is None or not isinstance(value, str) or value not in _allowed(services)[field]:
        return None
    # Clicking the chosen bar again clears the filter.
    return view.query(**{field: None if view.filters.get(field) == value else value})


def register(app: dash.Dash) -> None:
    register_event_page(app, PAGE, panels=PANELS, allowed=_allowed, click_target=click_target)
