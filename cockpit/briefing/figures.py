"""Figures built from ``Facts``: the region map, children ranking, status by pillar, lead trend.

The region profile draws them on screen (dark or light theme) and the briefing prints them on
paper; one function per figure keeps the two identical apart from colours.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cockpit import targets
from cockpit.briefing.facts import Facts
from cockpit.charts.map import STATUS_COLOURS, region_map
from cockpit.formatting import number, period_label
from cockpit.theme import theme
from cockpit.warehouse.emergency_queries import EmergencyQueries
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.screen_queries import ScreenQueries

STATUS_ORDER = (targets.GREEN, targets.AMBER, targets.RED, None)


def _layout(fig: go.Figure, theme_name: str, **extra: object) -> go.Figure:
    colours = theme(theme_name)
    settings: dict[str, object] = {
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": colours["text"], "family": colours["font"], "size": 14},
        "margin": {"l": 56, "r": 16, "t": 30, "b": 40},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
    }  # fmt: skip
    fig.update_layout(**(settings | extra))
    fig.update_xaxes(gridcolor=colours["grid"], zerolinecolor=colours["grid"])
    fig.update_yaxes(gridcolor=colours["grid"], zerolinecolor=colours["grid"])
    return fig


def _siblings(facts: Facts) -> pd.DataFrame:
    """Siblings with the period's own value as ``value`` (assess's ``value`` may be a year-to-date mean)."""
    return facts.siblings.drop(columns=["value"], errors="ignore").rename(columns={"latest_value": "value"})


# A map's size in a briefing and on the region profile (px): where its names are placed apart.
PRINTED_MAP = (720, 430)


def map_figure(wh: Warehouse, facts: Facts, theme_name: str = "dark") -> go.Figure:
    """The region's children (a county: its siblings, itself outlined) coloured by the lead
    indicator's target status."""
    lead = facts.lead
    region = facts.region
    if not facts.children.empty:
        frame, parent, selected = facts.children, region, None
    elif facts.parent is not None:
        frame = _siblings(facts)
        parent, selected = facts.parent, region["adcode"]
    else:
        return go.Figure()
    level = "city" if parent["level"] == "province" else "county"
    boundaries = wh.boundaries(level, parent["adcode"])
    values = frame[["adcode", "name", "value", "status", "rank"]].copy()
    n = int(values["rank"].notna().sum())
    values["hover"] = [
        f"<b>{r['name']}</b><br>{lead.name}：{number(r['value'], lead.unit, lead.decimals)}"
        f"<br>{targets.STATUS_LABELS.get(r['status'] if isinstance(r['status'], str) else None)}"
        + ("" if pd.isna(r["rank"]) else f" · 排名 {int(r['rank'])}/{n}")
        for r in values.to_dict("records")
    ]
    values["status"] = values["status"].where(values["status"].notna(), None)
    incidents = EmergencyQueries(wh).active_incidents(parent["adcode"], facts.now)
    fig = region_map(boundaries, values, direction=lead.direction, unit=lead.unit, colour_by="status",
                     theme=theme(theme_name), selected=selected, incidents=incidents,
                     label_size=PRINTED_MAP, label_halo=False)  # fmt: skip
    return fig


def ranking_figure(facts: Facts, theme_name: str = "dark") -> go.Figure:
    """Children (or siblings) on the lead indicator, best first, with the annual target."""
    lead = facts.lead
    frame = facts.children if not facts.children.empty else _siblings(facts)
    frame = frame.dropna(subset=["value"]).sort_values("value", ascending=lead.direction == "lower")
    fig = go.Figure()
    if frame.empty:
        return _layout(fig, theme_name)
    colours = [STATUS_COLOURS.get(s if isinstance(s, str) else None) for s in frame["status"]]
    edge = ["#1668dc" if a == facts.region["adcode"] else "rgba(0,0,0,0)" for a in frame["adcode"]]
    fig.add_trace(go.Bar(x=frame["name"], y=frame["value"], marker={"color": colours, "line": {"color": edge, "width": 3}},
                         text=[number(v, lead.unit, lead.decimals) for v in frame["value"]], textposition="outside",
                         cliponaxis=False, name=lead.short_name,
                         hovertemplate="%{x}：%{text}<extra></extra>"))  # fmt: skip
    if frame["target_value"].notna().any():
        fig.add_trace(go.Scatter(x=frame["name"], y=frame["target_value"], mode="markers", name="年度目标",
                                 marker={"symbol": "line-ew-open", "size": 26, "color": "#d48806", "line": {"width": 3}}))  # fmt: skip
    low, high = frame["value"].min(), frame["value"].max()
    span = max(high - low, abs(high) * 0.02, 1e-6)
    top = high + span * 0.5
    if lead.unit == "%" and high <= 100:  # a share never runs past 100% on its axis
        top = 100.0
    fig.update_yaxes(range=[low - span * 0.6, top], ticksuffix=lead.unit if lead.unit == "%" else "")
    return _layout(fig, theme_name, bargap=0.35)


def status_figure(facts: Facts, theme_name: str = "dark") -> go.Figure:
    """How many of the region's indicators are met / amber / red / unrated, per pillar."""
    rows = pd.DataFrame([{"pillar": f.pillar_name, "status": f.status} for f in facts.indicators])
    pillars = list(dict.fromkeys(rows["pillar"]))
    fig = go.Figure()
    for status in STATUS_ORDER:
        counts = [int(((rows["pillar"] == p) & (rows["status"].isna() if status is None else rows["status"] == status)).sum())
                  for p in pillars]  # fmt: skip
        fig.add_trace(go.Bar(y=pillars, x=counts, orientation="h", name=targets.STATUS_LABELS[status],
                             marker_color=STATUS_COLOURS[status], text=[c or "" for c in counts],
                             textposition="inside", insidetextanchor="middle", textangle=0))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="指标数（项）", dtick=1)
    return _layout(fig, theme_name, barmode="stack", margin={"l": 90, "r": 16, "t": 30, "b": 50})


def trend_figure(wh: Warehouse, facts: Facts, code: str | None = None, theme_name: str = "dark") -> go.Figure:
    """A region's values of one indicator over the last three years up to the facts' period, with targets."""
    ind = facts.by_code(code or facts.lead.code)
    frame = ScreenQueries(wh).trend(ind.code, facts.region["adcode"])
    frame = frame[frame["period"].astype(str) <= (ind.period or facts.period)]
    start = str(int(facts.period[:4]) - 2)
    frame = frame[frame["period"].astype(str) >= start]
    colours = theme(theme_name)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=frame["period"], y=frame["value"], mode="lines+markers", name="实际值",
                             line={"color": colours["accent"], "width": 3}, marker={"size": 5},
                             hovertemplate=f"%{{x}}：%{{y}}{ind.unit}<extra></extra>"))  # fmt: skip
    if frame["target_value"].notna().any():
        fig.add_trace(go.Scatter(x=frame["period"], y=frame["target_value"], mode="lines", name="年度目标",
                                 line={"color": colours["selected"], "width": 2, "dash": "dash", "shape": "hv"}))  # fmt: skip
    fig.update_yaxes(
        ticksuffix=ind.unit if ind.unit == "%" else "", title_text=None if ind.unit == "%" else ind.unit
    )
    fig.update_xaxes(type="category", nticks=12)
    return _layout(fig, theme_name, hovermode="x unified")


def sparkline_svg(values: list[float], colour: str = "#4fb3ff", width: int = 120, height: int = 28) -> str:
    """A tiny inline SVG polyline (a data: URL in an <img>): 23 sparklines cost no plotly graphs."""
    points = [v for v in values if v is not None and not pd.isna(v)]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = (width - 4) / (len(points) - 1)
    coords = " ".join(
        f"{2 + i * step:.1f},{height - 3 - (v - low) / span * (height - 6):.1f}" for i, v in enumerate(points)
    )
    last_x, last_y = coords.split(" ")[-1].split(",")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
            f"<polyline fill='none' stroke='{colour}' stroke-width='1.6' points='{coords}'/>"
            f"<circle cx='{last_x}' cy='{last_y}' r='2.4' fill='{colour}'/></svg>")  # fmt: skip


def title_of(facts: Facts) -> str:
    return f"{facts.region['name']} · {facts.lead.name}（{period_label(facts.lead.period or facts.period)}）"
