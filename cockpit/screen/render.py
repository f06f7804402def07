"""What the big screen's tiles and map show: each render function turns the screen's view and the
services into a tile's components or the map's figure, from the screen's queries (``queries``) and
the tiles' building blocks (``tiles``). callbacks/screen.py wires them to the page."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dash
import pandas as pd
from dash import html

from cockpit import targets
from cockpit.alarms import pending_alarms
from cockpit.charts import map_labels
from cockpit.charts.map import extent, padded, region_map_dict
from cockpit.feed_names import catalogue
from cockpit.formatting import YTD_MEAN, judged_value, number, period_label, plain
from cockpit.memo import Memo
from cockpit.nav import map_parent
from cockpit.records import first_record, records
from cockpit.screen import tiles
from cockpit.screen.view import View
from cockpit.services import Services
from cockpit.theme import theme
from cockpit.ui.panels import safe_render

log = logging.getLogger("callbacks.screen")
Renderer = Callable[[View, Services], Any]
TITLES = {"kpis": "核心指标", "pillars": "五大建设 目标进度", "map-footer": "排名", "trend": "走势",
          "emergency": "“一颗星”应急态势", "pulse": "监管与服务脉搏", "ticker": "告警"}  # fmt: skip


def now_for(services: Services) -> datetime:
    return services.settings.data_now()


def freshness(services: Services) -> dict[str, tiles.Freshness]:
    stale_after, labels = catalogue(services)
    return tiles.freshness_by_table(
        services.warehouse.feed_state(), stale_after, services.settings.now(), labels
    )


def _fresh(services: Services, table: str) -> tiles.Freshness:
    return freshness(services).get(table) or tiles.missing_freshness(table)


def _indicator(services: Services, code: str) -> dict[str, Any]:
    if code == targets.SCORE_CODE:
        return dict(targets.SCORE_INDICATOR)
    catalogue = services.warehouse.indicators()
    return first_record(catalogue[catalogue["code"] == code])


def _score_values(parent: str, services: Services) -> pd.DataFrame:
    """Children of ``parent`` scored by the share of their targets met this year (the default map):
    the plan's one assessment (rules, 序时进度), as /targets, the region profile and briefings judge."""
    scored = services.queries.plan.scores(parent, _plan_year(services))
    frame = scored.rename(columns={"score": "value"})
    frame["target_value"] = None
    frame["status"] = [
        None if not total else targets.RED if red else targets.AMBER if amber else targets.GREEN
        for total, red, amber in zip(frame["total"], frame["red"], frame["amber"], strict=True)
    ]
    frame["rank"] = targets.rank_among(frame["value"], "higher")
    n = int(frame["value"].notna().sum())
    frame["hover"] = [
        f"<b>{plain(r['name'])}</b><br>目标达标率：{number(r['value'], '%', 0)}（{int(r['met'])}/{int(r['total'])} 项达标）"
        f"<br>落后：{'、'.join(plain(n) for n in r['red_names'][:3]) + ('等' if len(r['red_names']) > 3 else '') if r['red'] else '无'}"
        f"<br>同级排名：{int(r['rank'])}/{n}"
        if not pd.isna(r["value"]) else f"<b>{plain(r['name'])}</b><br>暂无数据"
        for r in records(frame)
    ]  # fmt: skip
    return frame


# The map's values are asked for by the map, its footer and the ticker, and again on every drill
# back to a view: kept as live objects per snapshot, viewer (query results are cut to the viewer's
# scope), day (序时进度) and view. A publish changes the snapshot id, so nothing stale is served.
MAP_LEVEL = Memo("wall_map_level", local=True)
MAP_VALUES = Memo("wall_map_values", local=True)
ASSESSMENT = Memo("wall_assessment", local=True)


def _view_parts(view: View, services: Services) -> list[Any]:
    return [view.region, view.indicator, view.period, services.settings.today().isoformat()]


def map_level(view: View, services: Services) -> tuple[str, str | None]:
    """Which region's children the map shows: the region's own, or a county's siblings."""
    return MAP_LEVEL.get(
        services.warehouse, _view_parts(view, services), lambda: map_parent(services.warehouse, view.region)
    )


def map_values(view: View, services: Services) -> tuple[pd.DataFrame, dict[str, Any], str | None]:
    """(children with value, status, rank, hover; the indicator; the period). Shared: don't mutate."""
    return MAP_VALUES.get(
        services.warehouse, _view_parts(view, services), lambda: _map_values(view, services)
    )


def _map_values(view: View, services: Services) -> tuple[pd.DataFrame, dict[str, Any], str | None]:
    ind = _indicator(services, view.indicator)
    parent, _selected = map_level(view, services)
    if view.indicator == targets.SCORE_CODE:
        return _score_values(parent, services), ind, None
    period = view.period or services.warehouse.latest_period(view.indicator)
    if not period:
        return pd.DataFrame(), ind, period
    frame = services.queries.screen.children_values(view.indicator, period, parent)
    if frame.empty:
        return frame, ind, period
    plan = services.queries.plan
    if view.period is None:
        # The wall's default view: the plan's own assessment (rules, 序时进度, inherited targets),
        # exactly what /targets shows for this indicator and year.
        assessed = plan.assess_indicator(view.indicator, parent, int(period[:4]), with_projection=False)
        judged = assessed[["adcode", "status", "pace_target", "basis"]].assign(judged_value=assessed["value"])
        frame = frame.drop(columns=["status"], errors="ignore").merge(judged, on="adcode", how="left")
        # Rank by the value the map shows (some rules judge the year's mean; the map shows the month).
        frame["rank"] = targets.rank_among(frame["value"], ind["direction"])
    else:
        # A deep link to a past month is judged against that year's annual target.
        frame = targets.status_frame(frame, ind["direction"], plan.rules().for_indicator(view.indicator))
        frame["rank"] = targets.rank_among(frame["value"], ind["direction"])
        frame["pace_target"] = None
    decimals, unit = int(ind["decimals"]), str(ind["unit"])
    ranked = int(frame["value"].notna().sum())
    frame["hover"] = [
        f"<b>{plain(r['name'])}</b><br>{plain(ind['name'])}：{number(r['value'], ind['unit'], decimals)}"
        # The status below is judged on the year's mean for some rules: say so, with the mean.
        f"{'<br>' + judged_value(r['judged_value'], unit, decimals, YTD_MEAN) if r.get('basis') == YTD_MEAN else ''}"
        f"<br>目标：{number(r['target_value'], ind['unit'], decimals)}"
        f"{'' if pd.isna(r['pace_target']) else ' · 序时 ' + number(r['pace_target'], unit, decimals)}"
        f" · {targets.STATUS_LABELS[None if pd.isna(r['status']) else r['status']]}"
        f"<br>同级排名：{_rank_text(r['rank'], ranked)}"
        for r in records(frame)
    ]
    return frame, ind, period


def _rank_text(rank: Any, ranked: int) -> str:
    """A region's place among the ``ranked`` siblings with a value ("3/11"), or "—" without one."""
    return "—" if pd.isna(rank) else f"{int(rank)}/{ranked}"


# The centre column on the 1920×1080 design canvas (px): the map beside the ranking and trend, or
# above them (stacked), whichever draws it larger: beside for tall regions (a province), above for
# wide ones (most cities). assets/canvas.js makes the same choice on the wall's real width.
CENTRE_WIDTH, SIDE_WIDTH, MAP_HEIGHT, STACKED_MAP_HEIGHT = 916, 416, 903, 587


def _map_boundaries(view: View, services: Services) -> tuple[pd.DataFrame, str, str | None]:
    """The shown regions' boundaries, their parent and the region outlined among them (if any)."""
    parent, selected = map_level(view, services)
    return services.warehouse.boundaries(boundary_level(parent, services), parent), parent, selected


def boundary_level(parent: str, services: Services) -> str:
    """The level of the shapes a map of ``parent``'s children draws."""
    return "city" if parent == services.settings.province_adcode else "county"


def map_aspect(boundaries: pd.DataFrame) -> float:
    """Width over height of the map the regions make."""
    return map_labels.aspect(padded(extent(tuple(boundaries["geojson"])))) if len(boundaries) else 0.6


def map_size(aspect: float) -> tuple[int, int]:
    """The map's size on the design canvas (where its names are placed apart)."""
    natural = aspect * MAP_HEIGHT
    beside = min((CENTRE_WIDTH - SIDE_WIDTH) / natural, 1.0)
    above = min(CENTRE_WIDTH / natural, STACKED_MAP_HEIGHT / MAP_HEIGHT)
    if beside >= above:
        return round(natural * beside), MAP_HEIGHT
    return CENTRE_WIDTH, STACKED_MAP_HEIGHT


def centre_style(view: View, services: Services) -> dict[str, str]:
    aspect = map_aspect(_map_boundaries(view, services)[0])
    return {"--map-w": f"{round(aspect * MAP_HEIGHT)}px", "--map-aspect": f"{aspect:.4f}"}


def render_map(view: View, services: Services) -> Any:
    frame, ind, _period = map_values(view, services)
    boundaries, parent, selected = _map_boundaries(view, services)
    if frame.empty:
        frame = boundaries[["adcode"]].assign(value=None, hover="暂无数据", status=None)
    alarms = frame.loc[frame["status"] == targets.RED, "adcode"].tolist()
    incidents = services.queries.emergency.active_incidents(parent, now_for(services))
    return region_map_dict(boundaries, frame, direction=ind["direction"], unit=ind["unit"], theme=theme(view.theme),
                           selected=selected, alarms=alarms, incidents=incidents, colourbar_title=ind["name"],
                           label_size=map_size(map_aspect(boundaries)))  # fmt: skip


MAP_ERROR = {"layout": {"annotations": [{"text": "地图暂时无法加载", "showarrow": False}]}}


def digest(figure: Any) -> str:
    """A short fingerprint of a figure, to tell whether a refresh changed anything."""
    return hashlib.sha1(json.dumps(figure, default=str, ensure_ascii=False).encode()).hexdigest()[:20]


def render_map_safely(view: View, services: Services) -> Any:
    """The map, or its own placeholder: a failing map must not take the page or the drill down."""
    return safe_render("screen", "map", lambda: render_map(view, services), lambda _exc: MAP_ERROR)


def render_map_footer(view: View, services: Services) -> Any:
    frame, ind, period = map_values(view, services)
    fresh = _fresh(services, "indicator_value")
    if frame.empty:
        return tiles.tile(
            f"{ind['name']}", html.Div("暂无数据", className="muted"), fresh.footer(), name="map-footer"
        )
    ranked = frame.dropna(subset=["value"]).sort_values(["rank", "adcode"])  # ties in a fixed order
    decimals = int(ind["decimals"])
    tied = ranked["rank"].duplicated(keep=False)

    def entry(r: Any, is_tied: bool) -> html.Li:
        place = f"{int(r.rank)}" + ("=" if is_tied else "")
        return html.Li([html.Span(place, className="rank", title="并列" if is_tied else None), html.Span(r.short_name),
                        html.Span(number(r.value, ind["unit"], decimals), className=f"val status-{r.status}")])  # fmt: skip

    # The top and bottom three, widened to everyone tied at the cut: a region tied with a listed
    # one is never left out (four at 96% are four, "=" marks 并列).
    top_cut = ranked["rank"].iloc[min(2, len(ranked) - 1)] if len(ranked) else 0
    best_rows = ranked[ranked["rank"] <= top_cut]
    rest = ranked[~ranked.index.isin(best_rows.index)]
    bottom_cut = rest["rank"].iloc[max(len(rest) - 3, 0)] if len(rest) else None
    worst_rows = rest[rest["rank"] >= bottom_cut] if bottom_cut is not None else rest
    best = [entry(r, bool(t)) for r, t in zip(best_rows.itertuples(), tied[best_rows.index], strict=True)]
    worst = [entry(r, bool(t)) for r, t in zip(worst_rows.itertuples(), tied[worst_rows.index], strict=True)]
    counts = frame["status"].value_counts().to_dict()
    parent, _selected = map_level(view, services)
    noun = "个市" if parent == services.settings.province_adcode else "个县（市、区）"
    summary = " · ".join(
        f"{targets.STATUS_LABELS[k]} {counts.get(k, 0)}{noun}"
        for k in (targets.GREEN, targets.AMBER, targets.RED)
    )
    body = html.Div([html.Div(f"{period_label(period) if period else '各指标最新一期'} · {summary}", className="sub"),
                     html.Div([html.Ul(best, className="rank-list"), html.Ul(worst, className="rank-list worst")],
                              className="rank-cols")])  # fmt: skip
    arrow = "↓越低越好" if ind["direction"] == "lower" else "↑越高越好"
    return tiles.tile(f"{ind['name']}（{arrow}）", body, fresh.footer(), name="map-footer")


def trend_frame(view: View, services: Services) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The region's series of the view's indicator (period, value, target_value) and the indicator:
    what the wall's trend tile and the phone's full-screen chart draw."""
    ind = _indicator(services, view.indicator)
    if view.indicator == targets.SCORE_CODE:
        plan, year = services.queries.plan, _plan_year(services)
        yearly = plan.yearly_score(view.region, [y for y in plan.data_years() if y <= year], in_progress=year)
        frame = pd.DataFrame(
            {"period": yearly["year"].astype(str), "value": yearly["score"], "target_value": None}
        )
    else:
        frame = services.queries.screen.trend(view.indicator, view.region)
    return frame, ind


def render_trend(view: View, services: Services) -> Any:
    frame, ind = trend_frame(view, services)
    region = services.warehouse.region(view.region) or {"name": view.region}
    fresh = _fresh(services, "indicator_value")
    if frame.empty:
        return tiles.tile(
            f"{region['name']} · {ind['name']} 走势",
            html.Div("暂无数据", className="muted"),
            fresh.footer(),
            name="trend",
        )
    # A wall is read, not hovered: a short series (a yearly one) has its values written at its points.
    written = int(ind["decimals"]) if len(frame) <= tiles.SPACIOUS_POINTS else None
    fig = tiles.trend_figure(frame, ind["name"], ind["unit"], view.theme, written)
    return tiles.tile(f"{region['name']} · {ind['name']} 走势", tiles.graph(fig, {"type": "trend-graph", "index": view.indicator}),
                      fresh.footer(), name="trend")  # fmt: skip


def _plan_year(services: Services) -> int:
    return now_for(services).year


def _assessed(view: View, services: Services) -> pd.DataFrame:
    """The region's plan assessment this year (KPIs and pillars both read it). Shared: don't mutate."""
    year = _plan_year(services)

    def build() -> pd.DataFrame:
        return services.queries.plan.assess_region(view.region, year, with_projection=False)

    return ASSESSMENT.get(services.warehouse, [view.region, year], build)


def render_kpis(view: View, services: Services) -> Any:
    frame = services.queries.screen.latest_values(view.region, list(tiles.KPI_CODES))
    # Status comes from the plan's assessment (rules from data, 序时进度), the same as /targets.
    assessed = _assessed(view, services)
    # 数据核验: cards whose reported value the rows contradict carry a marker to the evidence.
    flags = services.queries.reconcile.flags(view.region, services.settings.today())
    flagged = {code for adcode, code in flags if adcode == view.region}
    return tiles.kpi_cards(frame, _fresh(services, "indicator_value"), assessed, view.region, flagged)


def render_pillars(view: View, services: Services) -> Any:
    rollup = services.queries.plan.pillar_rollup(view.region, _plan_year(services))
    return tiles.pillar_rollup_tile(rollup, _assessed(view, services), _fresh(services, "indicator_value"))


def render_emergency(view: View, services: Services) -> Any:
    events, now = services.queries.emergency, now_for(services)
    return tiles.emergency_panel(events.active_incidents(view.region, now), events.warnings_in_force(view.region, now),
                                 _fresh(services, "emergency_incident"), _fresh(services, "emergency_warning"),
                                 view.region, now)  # fmt: skip


def render_pulse(view: View, services: Services) -> Any:
    queries, now = services.queries, now_for(services)
    return tiles.pulse_panel(queries.hotline.hotline_pulse(view.region, now), queries.regulation.inspection_pulse(view.region, now),
                             queries.plan.task_summary(view.region, services.settings.today(), _plan_year(services)),
                             freshness(services), view.region, now)  # fmt: skip


@dataclass(frozen=True)
class AlarmItem:
    """One thing that crosses a red rule in a view: how grave, what, where it leads, and since when
    (an incident's or a warning's start; None for a region off track, which has no start)."""

    severity: str  # red | orange
    text: str
    link: str
    since: datetime | None = None


def alarm_items(view: View, services: Services) -> list[AlarmItem]:
    """Everything that crosses a red rule in the current view: the wall's ticker and the phone's list."""
    out: list[AlarmItem] = []
    frame, ind, _period = map_values(view, services)
    if not frame.empty and view.indicator == targets.SCORE_CODE:
        for r in records(frame[frame["status"] == targets.RED]):
            out.append(AlarmItem("red", f"{r['name']} {int(r['red'])} 项指标落后：{'、'.join(r['red_names'][:3])}",
                                 view.query(region=r["adcode"])))  # fmt: skip
    elif not frame.empty:
        for r in records(frame[frame["status"] == targets.RED]):
            out.append(AlarmItem("red", f"{r['name']} {ind['short_name']} {number(r['value'], ind['unit'], int(ind['decimals']))}，"
                                        f"低于年度目标 {number(r['target_value'], ind['unit'], int(ind['decimals']))}",
                                 view.query(region=r["adcode"])))  # fmt: skip
    # Level I/II incidents and red warnings stay on the wall until someone acknowledges them (/emergency).
    for alarm in pending_alarms(services, view.region, now_for(services)):
        severity = "red" if alarm.severity == "red" else "orange"
        out.append(AlarmItem(severity, f"{alarm.title}（{alarm.region_name}）", alarm.link, alarm.since))
    return out


def alarms(view: View, services: Services) -> list[tuple[str, str, str]]:
    """(severity, text, link) for everything that crosses a red rule in the current view."""
    return [(a.severity, a.text, a.link) for a in alarm_items(view, services)]


def render_ticker(view: View, services: Services) -> Any:
    items = alarms(view, services)
    if not items:
        return html.Div([html.Span("● ", className="ok"), "当前无红色告警"], className="ticker calm")
    links = [
        dash.dcc.Link(text, href=href if href.startswith("/") else "/" + href, className=f"alarm {sev}")
        for sev, text, href in items
    ]
    # Scroll speed follows the length, so long alarm lists stay readable from across the room.
    seconds = max(20, 8 * len(items))
    return html.Div([html.Span(f"告警 {len(items)}", className="ticker-label"),
                     html.Div(html.Div(links, className="ticker-track", style={"--ticker-seconds": f"{seconds}s"}),
                              className="ticker-window")],
                    className="ticker")  # fmt: skip


RENDERERS: dict[str, Renderer] = {
    "kpis": render_kpis, "pillars": render_pillars, "map-footer": render_map_footer, "trend": render_trend,
    "emergency": render_emergency, "pulse": render_pulse, "ticker": render_ticker,
}  # fmt: skip

# A tile as rendered, per snapshot, viewer, view and minute (like the desk's panels): the viewers of
# one view, a drill back to it and the phone's first screen within the minute share one rendering
# instead of each turning the same frames into components again (about 60 ms a view). The minute is
# the data's (events count up to it) and the clock's (a feed's lateness is judged against it).
TILE = Memo("wall_tile", ttl=120)  # keys change every minute: kept no longer than needed


def render_tile(name: str, view: View, services: Services) -> Any:
    """The tile ``name`` of ``view`` for the current viewer (``KeyError`` for an unknown name)."""
    renderer = RENDERERS[name]
    minute = services.settings.now().replace(second=0, microsecond=0)
    parts = [name, view.as_store(), now_for(services).isoformat(), minute.isoformat()]
    return TILE.get(services.warehouse, parts, lambda: renderer(view, services))
