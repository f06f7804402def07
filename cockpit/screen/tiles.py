"""The big screen's tiles: pure functions from query results to components.

Every tile ends with an as-of line naming its source and load time, and turns visibly stale
when that feed is late (``Freshness``), so no number on the wall is without provenance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from cockpit import figures, targets
from cockpit.alarms import status_breakdown
from cockpit.charts.template import template
from cockpit.feed_names import names_of
from cockpit.formatting import YTD_MEAN, judged_value, number, period_label
from cockpit.formatting import change as signed_change
from cockpit.records import records
from cockpit.theme import theme as theme_colours
from cockpit.ui.panels import ERROR_MESSAGE

KPI_CODES = (
    "online_service_rate",
    "hotline_close_rate",
    "hotline_satisfaction_rate",
    "task_13710_ontime_rate",
    "regulatory_claim_rate",
    "admin_review_correction_rate",
)
LEVEL_NAMES = {"I": "Ⅰ级 特别重大", "II": "Ⅱ级 重大", "III": "Ⅲ级 较大", "IV": "Ⅳ级 一般"}
WARNING_CLASSES = {"红色": "warn-red", "橙色": "warn-orange", "黄色": "warn-yellow", "蓝色": "warn-blue"}


@dataclass(frozen=True)
class Freshness:
    """When a table's feed last succeeded and whether it is late."""

    feeds: tuple[str, ...]
    last_success: datetime | None
    stale: bool
    names: Mapping[str, str] = field(default_factory=dict)  # feed code → its name (cockpit.feed_names)

    def footer(self, extra: str = "") -> html.Div:
        when = self.last_success.strftime("%m-%d %H:%M") if self.last_success else "从未成功"
        text = f"入库 {when} · 来源 {names_of(self.feeds, self.names) or '—'}" + (
            f" · {extra}" if extra else ""
        )
        return html.Div(
            [html.Span("⚠ 数据延迟 " if self.stale else ""), text],
            className="tile-asof stale" if self.stale else "tile-asof",
            title="数据源超过预定时间未更新" if self.stale else "",
        )


def freshness_by_table(
    state: dict[str, dict[str, Any]],
    stale_after: dict[str, int],
    now: datetime,
    labels: dict[str, str] | None = None,
) -> dict[str, Freshness]:
    grouped: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for feed, row in state.items():
        grouped.setdefault(str(row.get("target_table")), []).append((feed, row))
    out: dict[str, Freshness] = {}
    for table, rows in grouped.items():
        successes = [r["last_success_at"] for _, r in rows if _present(r.get("last_success_at"))]
        last = max(successes) if successes else None
        stale = any(
            not _present(r.get("last_success_at"))
            or (now - r["last_success_at"]).total_seconds() > stale_after.get(feed, 2 * 86400)
            for feed, r in rows
        )
        out[table] = Freshness(tuple(sorted(f for f, _ in rows)), last, stale, labels or {})
    return out


def missing_freshness(table: str) -> Freshness:
    return Freshness((), None, True)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NaT


def tile(title: str, body: Any, footer: html.Div | None, *, name: str, extra_class: str = "") -> html.Div:
    return html.Div(
        [
            html.Div(title, className="tile-title"),
            html.Div(body, className="tile-body"),
            footer or html.Div(),
        ],
        className=f"tile tile-{name} {extra_class}".strip(),
    )


def error_tile(name: str, title: str, exc: Exception) -> html.Div:
    """A tile that failed: a plain message; ``safe_render`` has logged ``exc``."""
    return tile(title, html.Div(ERROR_MESSAGE, className="tile-error"), None, name=name)


def kpi_cards(
    frame: pd.DataFrame,
    fresh: Freshness,
    assessed: pd.DataFrame | None = None,
    region: str = "",
    flagged: frozenset[str] | set[str] = frozenset(),
) -> html.Div:
    """``assessed``: the plan's assessment rows (rules, 序时进度), when known: each card's status and
    the value and target it was judged on. ``flagged``: codes whose shown (reported) value its own
    rows contradict (数据核验): marked 核."""
    judged = {r["code"]: r for r in records(assessed)} if assessed is not None else {}
    cards = []
    for code in KPI_CODES:
        rows = frame[frame["code"] == code]
        if rows.empty:
            continue
        r = rows.iloc[0]
        status = judged[code]["status"] if code in judged else None  # the plan's one judgement
        delta = None if pd.isna(r["value"]) or pd.isna(r["prev_value"]) else r["value"] - r["prev_value"]
        better = delta is not None and ((delta > 0) == (r["direction"] != "lower")) and delta != 0
        arrow = "" if delta is None or delta == 0 else ("▲" if delta > 0 else "▼")
        change = signed_change(delta, r["unit"], int(r["decimals"]))
        cards.append(
            html.Div(
                [
                    html.Div(r["short_name"] or r["name"], className="kpi-name", title=r["name"]),
                    html.Div(
                        number(r["value"], r["unit"], int(r["decimals"])),
                        className="kpi-value",
                        **figures.attrs(
                            figures.indicator_code(code),
                            region,
                            r["period"],
                            r["value"],
                            str(r["short_name"] or r["name"]),
                        ),
                    ),
                    html.Div(
                        [
                            html.Span(
                                f"{arrow}{change}", className="up" if better else "down" if delta else ""
                            ),
                            # No earlier period is NaN in the frame, not an empty string.
                            html.Span(
                                f" 较{period_label(r['prev_period'])}"
                                if isinstance(r["prev_period"], str) and r["prev_period"]
                                else ""
                            ),
                        ],
                        className="kpi-delta",
                    ),
                    html.Div(
                        [html.Span(className=f"dot {status or 'none'}"), _judgement(judged.get(code), r)],
                        className="kpi-target",
                    ),
                    # Reported by the indicator feed: a rate computed from event rows elsewhere on the
                    # wall (the pulse) carries a label of its own.
                    html.Div(f"{period_label(r['period'])} · 上报值", className="kpi-period"),
                    *([_recon_flag(region, code)] if code in flagged else []),
                ],
                className=f"kpi-card status-{status or 'none'}",
                id={"type": "kpi", "index": code},
            )
        )
    return tile("核心指标", html.Div(cards, className="kpi-grid"), fresh.footer(), name="kpis")


def _recon_flag(region: str, code: str) -> dcc.Link:
    return dcc.Link("核", href=f"/reconcile?region={region}&indicator={code}", className="recon-flag",
                    title="上报值与明细不一致，点击查看数据核验")  # fmt: skip


def pillar_rollup_tile(rollup: pd.DataFrame, assessed: pd.DataFrame, fresh: Freshness) -> html.Div:
    """Five pillars from the plan's own assessment (status rules and 序时进度 from /targets)."""
    rows = []
    for r in records(rollup):
        share = (
            r["on_track_share"]
            if r["on_track_share"] == r["on_track_share"] and r["on_track_share"] is not None
            else 0.0
        )
        rows.append(
            html.Div(
                [
                    html.Div(r["pillar_name"], className="pillar-name"),
                    html.Div(html.Div(className="pillar-fill", style={"width": f"{share * 100:.0f}%"}), className="pillar-bar"),
                    html.Div(f"{int(r['green'])}/{int(r['total'])} 达标", className="pillar-count"),
                    html.Div(f"{len(r['red_names'])} 项落后" if r["red_names"] else "", className="pillar-off"),
                ],
                className="pillar-row",
            )
        )  # fmt: skip
    off_total = int(sum(len(x) for x in rollup["red_names"]))
    title = f"五大建设 目标进度（{off_total} 项落后）" if off_total else "五大建设 目标进度"
    behind = assessed[assessed["status"].isin([targets.RED, targets.AMBER])]
    behind = behind.assign(order=behind["status"].map({targets.RED: 0, targets.AMBER: 1})).sort_values(
        "order"
    )
    listing = [
        html.Li([html.Span([html.Span(className=f"dot {r['status']}"), r["name"]]),
                 html.Span(_judged_value(r), className="num"), html.Span(_judged_target(r), className="num muted")])
        for r in records(behind.head(5))
    ]  # fmt: skip
    extra = (
        [html.Div("未达标指标", className="sub"), html.Ul(listing, className="off-list")] if listing else []
    )
    return tile(title, [*rows, *extra], fresh.footer("按序时进度对照年度目标"), name="pillars")


def _judgement(judged: dict[str, Any] | None, shown: Any) -> str:
    """A card's status line. The status is the plan's, judged on a year-to-date mean for some rules
    (rates of flows) and against 序时进度 for others; the line names the value and target it was
    judged on where they are not the card's own, so "98.0% 达标 · 目标 98.6%" cannot appear."""
    if judged is None:
        target = number(shown["target_value"], shown["unit"], int(shown["decimals"]))
        return f"{targets.STATUS_LABELS[None]} · 目标 {target}"
    label = targets.STATUS_LABELS[judged["status"]]
    if judged.get("basis") == YTD_MEAN:  # the figure first, then what it was judged: 年均 99.1% 达标
        label = f"{_judged_value(judged)} {label}"
    return f"{label} · {_judged_target(judged)}"


def _judged_value(r: dict[str, Any]) -> str:
    """The value the judgement used, saying which: a year-to-date mean is not the latest reading the
    KPI cards show under the same name."""
    return judged_value(r["value"], r["unit"], int(r["decimals"]), r.get("basis"))


def _judged_target(r: dict[str, Any]) -> str:
    """序时 only where the pace asks for less than the year's target by now (a rule without pace, or a
    region already past its target, is judged against the target itself)."""
    decimals = int(r["decimals"])
    pace_t, target = _float_or_none(r["pace_target"]), _float_or_none(r["target_value"])
    if targets.paced(pace_t, target):
        return f"序时 {number(pace_t, r['unit'], decimals)}"
    return f"目标 {number(target, r['unit'], decimals)}"


def _float_or_none(value: Any) -> float | None:
    return None if value is None or value is pd.NA or value != value else float(value)


def trend_figure(frame: pd.DataFrame, name: str, unit: str, theme_name: str,
                 written_decimals: int | None = None) -> dict[str, Any]:  # fmt: skip
    """A plain figure dict (what ``go.Figure`` would send, without its slow validation). With
    ``written_decimals`` every value is also written at its point (formatting.number), for a screen
    read without hovering (the phone's full-screen chart)."""
    colours = theme_colours(theme_name)
    labels = frame["period"].tolist()
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": labels, "y": _values(frame["value"]), "mode": "lines", "name": "实际值",
         "line": {"color": colours["accent"], "width": 3},
         "hovertemplate": f"%{{x}}：%{{y:.1f}}{unit}<extra></extra>"}
    ]  # fmt: skip
    if written_decimals is not None:
        values = _values(frame["value"])
        places = _label_places(values) if len(values) <= SPACIOUS_POINTS else _dense_places(values)
        data[0] |= {"mode": "lines+markers+text", "textposition": places, "cliponaxis": False,
                    "text": [number(v, unit, written_decimals) for v in values],
                    "textfont": {"size": 14, "color": colours["text"]}}  # fmt: skip
    if frame["target_value"].notna().any():
        data.append({"type": "scatter", "x": labels, "y": _values(frame["target_value"]), "mode": "lines",
                     "name": "年度目标", "line": {"color": colours["selected"], "width": 2, "dash": "dash", "shape": "hv"},
                     "hovertemplate": f"%{{x}} 目标：%{{y:.1f}}{unit}<extra></extra>"})  # fmt: skip
    layout = {
        "template": template(),
        "margin": {"l": 48, "r": 12, "t": 26, "b": 28}, "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": colours["text"], "family": colours["font"], "size": 14}, "showlegend": True,
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"}, "hovermode": "x unified",
        # Values sit just above their grid lines, so the lowest (85% at the axis) never sits on the
        # first year below it.
        "xaxis": {"gridcolor": colours["grid"], "nticks": 8},
        "yaxis": {"gridcolor": colours["grid"], "ticksuffix": unit if unit == "%" else "",
                  "ticklabelposition": "outside top"},
    }  # fmt: skip
    del name
    return {"data": data, "layout": layout}


SPACIOUS_POINTS = 8  # at most this many points get their numbers placed off the line


def _label_places(values: list[float | None]) -> list[str]:
    """Where each point's number goes: on the side of the point the line does not pass. Above a peak,
    below a valley, above-left on a rise (the line comes from below-left), above-right on a fall; the
    ends lean inwards so their numbers stay inside the plot; equal neighbours (a plateau, where the
    numbers would sit side by side) go above and below by turns."""
    places = []
    run = 0  # position in a run of equal values
    for i, v in enumerate(values):
        before = values[i - 1] if i > 0 else None
        after = values[i + 1] if i + 1 < len(values) else None
        rise_in = None if v is None or before is None else v - before
        rise_out = None if v is None or after is None else after - v
        run = run + 1 if rise_in == 0 else 0
        if rise_in == 0 or rise_out == 0:
            places.append("top center" if run % 2 == 0 else "bottom center")
        elif rise_in is None and rise_out is None:
            places.append("top center")
        elif rise_in is None:  # the first point: the line leaves to the right
            places.append("bottom right" if rise_out and rise_out > 0 else "top right")
        elif rise_out is None:  # the last point: the line arrives from the left
            places.append("top left" if rise_in > 0 else "bottom left")
        elif rise_in > 0 > rise_out:
            places.append("top center")
        elif rise_in < 0 < rise_out:
            places.append("bottom center")
        else:
            places.append("top left" if rise_in > 0 else "top right")
    return places


def _dense_places(values: list[float | None]) -> list[str]:
    """Many points (a phone's twelve months) have no room beside them: numbers go above and below by
    turns, so neighbours' never sit side by side — except that a peak's goes above, a valley's below
    and the ends' lean inwards, off the line."""
    places: list[str] = []
    for i, v in enumerate(values):
        before = values[i - 1] if i > 0 else None
        after = values[i + 1] if i + 1 < len(values) else None
        known = v is not None and before is not None and after is not None
        if v is not None and (before is None) != (after is None):  # an end: as a short series's
            places.append(
                _label_places([v, after] if before is None else [before, v])[0 if before is None else 1]
            )
        elif known and v > before and v > after:  # type: ignore[operator]
            places.append("top center")
        elif known and v < before and v < after:  # type: ignore[operator]
            places.append("bottom center")
        else:
            places.append("bottom center" if places and places[-1] == "top center" else "top center")
    return places


def _values(column: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in column]


def emergency_panel(
    incidents: pd.DataFrame,
    warnings: pd.DataFrame,
    fresh: Freshness,
    warn_fresh: Freshness,
    region: str,
    now: datetime,
) -> html.Div:
    by_level = incidents.groupby("level").size().to_dict() if not incidents.empty else {}
    levels = html.Div(
        [
            html.Div(
                [html.Div(str(by_level.get(level, 0)), className="big"), html.Div(label)],
                className=f"level level-{level}",
            )
            for level, label in LEVEL_NAMES.items()
        ],
        className="level-row",
    )
    by_colour = warnings.groupby("color").size().to_dict() if not warnings.empty else {}
    colours = html.Div(
        [
            html.Span(f"{colour}预警 {by_colour.get(colour, 0)}", className=f"warn-chip {cls}")
            for colour, cls in WARNING_CLASSES.items()
        ],
        className="warn-row",
    )
    latest = [
        html.Li(
            [
                html.Span(LEVEL_NAMES[r["level"]][:2], className=f"tag level-{r['level']}"),
                f" {r['title']}",
                html.Span(f" {r['occurred_at']:%m-%d %H:%M}", className="muted"),
            ]
        )
        for r in records(incidents.head(4))
    ]
    unclosed, marks = figures.marked("incidents.unclosed", "now", region, now, len(incidents))
    in_force, warn_marks = figures.marked("warnings.in_force", "now", region, now, len(warnings))
    body = [html.Div([f"{unclosed} ", html.B(f"{len(incidents)}", **marks),
                      f" 起（{status_breakdown(incidents['status'])}）"], className="sub"), levels,
            html.Div([f"{in_force} ", html.B(f"{len(warnings)}", **warn_marks), " 条"], className="sub"), colours,
            html.Ul(latest, className="incident-list") if latest else html.Div("当前无未结案事件", className="muted")]  # fmt: skip
    return tile("“一颗星”应急态势", body, _combined(fresh, warn_fresh), name="emergency")


def _combined(*parts: Freshness) -> html.Div:
    """One footer for a tile fed by several tables: every feed named, stale if any is."""
    last = max([p.last_success for p in parts if p.last_success], default=None)
    names = {code: name for p in parts for code, name in p.names.items()}
    return Freshness(
        tuple(f for p in parts for f in p.feeds), last, any(p.stale for p in parts), names
    ).footer()


def pulse_panel(hotline: dict[str, Any], inspections: dict[str, Any], tasks: dict[str, Any],
                fresh: dict[str, Freshness], region: str, now: datetime) -> html.Div:  # fmt: skip
    """The regulatory and service pulse: figures computed from event rows, labelled and marked from
    the figure registry (cockpit.figures) like every other surface that shows them."""

    def second(code: str, kind: str, value: int) -> list[Any]:
        """A second figure under a stat: its label and its count, marked like the stat itself."""
        text, marks = figures.marked(code, kind, region, now, value)
        return [f"{text} ", html.Span(f"{value:,}", **marks)]

    def stat(code: str, kind: str, value: Any, shown: str, extra: Any = "", cls: str = "",
             **label_values: Any) -> html.Div:  # fmt: skip
        text, marks = figures.marked(code, kind, region, now, value, **label_values)
        return html.Div(
            [
                html.Div(shown, className=f"big {cls}", **marks),
                html.Div(text),
                html.Div(extra, className="muted"),
            ],
            className="stat",
        )

    month, last_year = hotline.get("month") or 0, hotline.get("month_last_year") or 0
    yoy = f"同比 {(month / last_year - 1) * 100:+.1f}%" if last_year else ""
    closed = _pct(hotline.get("month_close_rate"))
    satisfaction = _pct(hotline.get("satisfaction"))
    hot = [
        stat("hotline.received", "today", hotline.get("today"), number(hotline.get("today"), "件", 0)),
        stat("hotline.received", "month", month, number(month, "件", 0), yoy),
        stat("hotline.close_rate", "month", closed, number(closed, "%")),
        stat("hotline.satisfaction", "30d", satisfaction, number(satisfaction, "%")),
    ]
    planned, done = inspections.get("planned") or 0, inspections.get("done") or 0
    problem_rate = _pct(inspections.get("problem_rate"))
    overdue = int(tasks.get("overdue") or 0)
    sup = [
        stat("inspections.done", "year", done, f"{done:,}", second("inspections.planned", "year", planned)),
        stat("inspections.problem_rate", "year", problem_rate, number(problem_rate, "%")),
        stat("tasks.overdue", "now", overdue, f"{overdue:,}", second("tasks.open", "now", int(tasks.get("open") or 0)),
             "alarm" if overdue else ""),
        stat("tasks.ontime_rate", "year", tasks.get("ontime_rate"), number(tasks.get("ontime_rate"), "%"),
             year=tasks.get("year")),
    ]  # fmt: skip
    body = [html.Div("12345 热线", className="sub"), html.Div(hot, className="stat-grid"),
            html.Div("“互联网+监管” 与 “13710” 督办", className="sub"), html.Div(sup, className="stat-grid")]  # fmt: skip
    parts = [
        fresh.get(t) or missing_freshness(t) for t in ("hotline_ticket", "inspection", "supervision_task")
    ]
    return tile("监管与服务脉搏", body, _combined(*parts), name="pulse")


def _pct(share: Any) -> float | None:
    return None if share is None or (isinstance(share, float) and math.isnan(share)) else float(share) * 100


def graph(
    figure: go.Figure | dict[str, Any], graph_id: str | dict[str, str], height: str = "100%"
) -> dcc.Graph:
    return dcc.Graph(
        id=graph_id, figure=figure, responsive=True,
        config={"displaylogo": False, "displayModeBar": False, "locale": "zh-CN"},
        style={"height": height, "width": "100%"},
    )  # fmt: skip
