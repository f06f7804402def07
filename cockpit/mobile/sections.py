"""The parts of the phone's first screen, as HTML: the alarms with their age, the wall's headline
figures, the drill map and the ranking. Every number comes from the functions the wall renders
with (``cockpit.screen.render``): the phone never computes a figure a second way."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from cockpit import figures, targets
from cockpit.charts.map import STATUS_COLOURS
from cockpit.formatting import age, number, period_label
from cockpit.mobile.markup import to_html
from cockpit.mobile.svg_map import drawn_map
from cockpit.nav import breadcrumb_items, parent_in_scope
from cockpit.records import records
from cockpit.screen import tiles
from cockpit.screen.render import alarm_items, boundary_level, map_level, map_values, now_for, render_tile
from cockpit.screen.view import View
from cockpit.services import Services
from cockpit.ui.panels import safe_render

PHONE_PATH = "/m"


def phone_href(view: View, **changes: Any) -> str:
    """The phone view of ``view`` with some fields changed (the wall's own URL parameters)."""
    return PHONE_PATH + view.query(**changes)


def _e(value: Any) -> Markup:
    return escape("" if value is None else str(value))


def crumbs(view: View, services: Services) -> Markup:
    """Province › city › county, links up the tree (an ancestor outside scope is plain text), and
    返回上级 where the viewer may go up."""
    chain = services.warehouse.lineage(view.region)
    if len(chain) < 2:  # the province alone: its name is the page's title already
        return Markup("")
    items = to_html(breadcrumb_items(chain, lambda code: phone_href(view, region=code)))
    parent = parent_in_scope(chain)
    back = (
        Markup('<a class="m-back m-btn" id="m-back" href="{}">↑ 返回上级</a>').format(phone_href(view, region=parent))
        if parent else Markup("")
    )  # fmt: skip
    return Markup('<nav class="m-crumbs" id="m-crumbs" aria-label="地区">{}</nav>{}').format(items, back)


def alarm_list(view: View, services: Services) -> Markup:
    """What needs attention, most urgent first: level I/II incidents and red warnings (with how long
    they have been going on), then the regions off track. The same list as the wall's ticker."""
    now = now_for(services)
    items = alarm_items(view, services)
    items.sort(key=lambda a: (a.since is None, a.severity != "red"))  # stable: the wall's order within
    if not items:
        return Markup('<section class="m-alarms calm" id="m-alarms"><h2>告警</h2>'
                      '<p class="m-calm"><span class="ok">●</span> 当前无红色告警</p></section>')  # fmt: skip
    rows = []
    for item in items:
        href = item.link if item.link.startswith("/") else PHONE_PATH + item.link
        when = (
            Markup('<span class="m-age" title="{}">{}</span>').format(item.since.isoformat(timespec="minutes"), age(item.since, now))
            if item.since else Markup('<span class="m-age">目标落后</span>')
        )  # fmt: skip
        rows.append(
            Markup('<li class="m-alarm {}"><a href="{}">{}</a>{}</li>').format(
                item.severity, href, item.text, when
            )
        )
    return Markup('<section class="m-alarms" id="m-alarms"><h2>告警 <span class="m-count">{}</span></h2>'
                  '<ul>{}</ul></section>').format(len(items), Markup("").join(rows))  # fmt: skip


def headline(view: View, services: Services, profile_link: bool = True) -> Markup:
    """The wall's 核心指标 tile itself (its values, status, change, target and ``data-*`` marks), and
    the way to the region's profile and briefing (not on the profile itself)."""
    tile = safe_render("phone", "kpis", lambda: render_tile("kpis", view, services),
                       lambda exc: tiles.error_tile("kpis", "核心指标", exc))  # fmt: skip
    link = (
        Markup('<a class="m-btn m-profile-link" id="m-profile-link" href="{}">{}画像与一键简报 ›</a>').format(
            PHONE_PATH + "/profile" + view.query(), region_name(view, services)
        )
        if profile_link
        else Markup("")
    )
    return Markup('<section class="m-kpis" id="m-kpis">{}{}</section>').format(to_html(tile), link)


def profile_summary(paragraphs: list[str], region: str, period: str | None, can_brief: bool) -> Markup:
    """The region profile's computed narrative (cockpit.briefing.narrative, as the desk's profile
    shows it) and the one-click briefing: the PDF, opened in the phone's own viewer."""
    text = Markup("").join(Markup("<p>{}</p>").format(p) for p in paragraphs)
    brief = (
        Markup(
            '<button type="button" class="m-btn m-brief" id="m-brief" data-region="{}" data-period="{}">'
            "一键简报（PDF）</button>"
            '<p class="m-brief-state muted" id="m-brief-state" aria-live="polite"></p>'
        ).format(region, period or "")
        if can_brief
        else Markup("")
    )
    return Markup(
        '<section class="m-profile" id="m-profile"><h2>要点 <small>由数据计算</small></h2>{}{}</section>'
    ).format(text, brief)


def _shown(row: dict[str, Any], ind: dict[str, Any]) -> str:
    return number(row.get("value"), str(ind["unit"]), int(ind["decimals"]))


def _rank(row: dict[str, Any], ranked: int) -> str:
    rank = row.get("rank")
    return "—" if rank is None or pd.isna(rank) else f"{int(rank)}/{ranked}"


def _status(row: dict[str, Any]) -> str | None:
    status = row.get("status")
    return None if status is None or pd.isna(status) else str(status)


def drill_map(view: View, services: Services) -> Markup:
    """The children as SVG shapes filled by status. A tap shows the region's value and status
    (static/mobile.js); a second tap, or the button, drills. Without script a tap drills at once."""
    frame, ind, period = map_values(view, services)
    parent, selected = map_level(view, services)
    drawn = drawn_map(services, boundary_level(parent, services), parent)
    rows = {str(r["adcode"]): r for r in records(frame)} if not frame.empty else {}
    ranked = int(frame["value"].notna().sum()) if not frame.empty else 0
    shapes, labels = [], []
    # The emphasised region last, so its outline lies over its neighbours'.
    for s in sorted(drawn.shapes, key=lambda s: s.adcode == selected):
        row = rows.get(s.adcode, {})
        status = _status(row)
        shapes.append(Markup(
            '<a class="m-region{}" href="{}" data-adcode="{}" data-name="{}" data-shown="{}" data-status="{}"'
            ' data-rank="{}"><path d="{}" fill="{}"/></a>'
        ).format(" selected" if s.adcode == selected else "", phone_href(view, region=s.adcode), s.adcode,
                 s.name, _shown(row, ind), targets.STATUS_LABELS[status], _rank(row, ranked), s.path,
                 STATUS_COLOURS.get(status, STATUS_COLOURS[None])))  # fmt: skip
        labels.append(
            Markup('<text x="{}" y="{}" data-for="{}">{}</text>').format(
                s.label_x, s.label_y, s.adcode, s.name
            )
        )
    when = period_label(period) if period else "各指标最新一期"
    legend = Markup("").join(
        Markup('<span class="m-key"><i style="background:{}"></i>{}</span>').format(STATUS_COLOURS[k], targets.STATUS_LABELS[k])
        for k in (targets.GREEN, targets.AMBER, targets.RED)
    )  # fmt: skip
    return Markup(
        '<section class="m-map" id="m-map"><h2>{} <small>{}</small></h2>'
        '<svg class="m-svg" viewBox="0 0 {} {}" role="img" aria-label="{}地图">{}<g class="m-labels">{}</g></svg>'
        '<div class="m-legend">{}</div>'
        '<div class="m-map-info" id="m-map-info" aria-live="polite">点按地区查看数值，再点一次进入该地区</div>'
        '<a class="m-btn m-chart-link" id="m-chart-link" href="{}">{}走势图 ›</a>'
        "</section>"
    ).format(ind["name"], when, drawn.width, drawn.height, ind["name"], Markup("").join(shapes),
             Markup("").join(labels), legend, PHONE_PATH + "/chart" + view.query(), region_name(view, services))  # fmt: skip


def ranking(view: View, services: Services) -> Markup:
    """The map's regions as a list, best first: the same values, a tap drills."""
    frame, ind, period = map_values(view, services)
    if frame.empty:
        return Markup(
            '<section class="m-ranking" id="m-ranking"><h2>排名</h2><p class="muted">暂无数据</p></section>'
        )
    ranked = int(frame["value"].notna().sum())
    ordered = frame.sort_values(["rank", "adcode"], na_position="last")
    mark_period = period or ""
    rows = []
    for r in records(ordered):
        status = _status(r)
        marks = (
            figures.attrs(figures.indicator_code(view.indicator), r["adcode"], mark_period, r["value"], str(ind["short_name"]))
            if view.indicator != targets.SCORE_CODE else {}
        )  # fmt: skip
        attributes = Markup("").join(Markup(' {}="{}"').format(k, v) for k, v in marks.items())
        rows.append(Markup(
            '<li><a href="{}" class="m-rank-row" data-adcode="{}"><span class="m-rank-no">{}</span>'
            '<span class="m-rank-name">{}</span><span class="m-rank-value"{}>{}</span>'
            '<span class="m-status status-{}">{}</span></a></li>'
        ).format(phone_href(view, region=r["adcode"]), r["adcode"], _rank(r, ranked), r["name"], attributes,
                 _shown(r, ind), status or "none", targets.STATUS_LABELS[status]))  # fmt: skip
    arrow = "↓越低越好" if ind["direction"] == "lower" else "↑越高越好"
    return Markup(
        '<section class="m-ranking" id="m-ranking"><h2>排名 <small>{}</small></h2><ol>{}</ol></section>'
    ).format(arrow, Markup("").join(rows))


def region_name(view: View, services: Services) -> str:
    row = services.warehouse.region(view.region) or {}
    return str(row.get("name") or view.region)
