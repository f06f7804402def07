"""区域画像: one region (province, city or county) at one month, for staff at a desk.

Every indicator with value, period, target status, rank among siblings and movement, a sparkline
and its lineage; the children sortable; the region's emergencies, inspections, hotline and 13710
figures; and from each number a link to the rows behind it (/explorer). The figures come from
``cockpit.briefing.facts``, so the page and a briefing of the same state say the same thing.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from cockpit import figures as registry
from cockpit import ids, targets
from cockpit.access.scope import home_region, permitted
from cockpit.briefing import facts as facts_mod
from cockpit.briefing import figures
from cockpit.briefing.narrative import build as narrative
from cockpit.charts.map import GRAPH_CONFIG
from cockpit.downloads import chart_href
from cockpit.feed_names import feed_labels, names_of
from cockpit.formatting import change, number, period_label, wan_yuan
from cockpit.nav import REGION_PROFILE_PATH, breadcrumb_items, nav_bar
from cockpit.services import current
from cockpit.ui.controls import dropdown
from cockpit.ui.grid import GRID_THEME, ag_grid_locale
from cockpit.ui.jobs import job_slots

PATH = REGION_PROFILE_PATH
LEVEL_LABEL = {"province": "省", "city": "市", "county": "县（市、区）"}
DOMAINS = (("/targets", "目标考核"), ("/supervision", "13710督办"), ("/emergency", "应急指挥"),
           ("/regulation", "互联网+监管"), ("/hotline", "12345热线"), ("/", "大屏"))  # fmt: skip
STATUS_CLASS = {targets.GREEN: "green", targets.AMBER: "amber", targets.RED: "red"}


def register() -> None:
    dash.register_page(__name__, path=PATH, path_template="/region/<adcode>", name="区域画像",
                       title="区域画像 · 领导驾驶舱", layout=layout)  # fmt: skip


def region_href(adcode: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{PATH}/{adcode}" + (f"?{query}" if query else "")


def explorer_href(**params: str | None) -> str:
    return "/explorer?" + urlencode({k: v for k, v in params.items() if v})


def _notice_page(message: str, province: str) -> html.Div:
    return html.Div(
        [nav_bar(PATH), html.Div([html.H2("区域画像"), html.Div(message, className="notice big-notice"),
                                  dcc.Link("打开全省画像", href=region_href(province), className="header-btn")],
                                 className="region-empty")],
        className="desk-page theme-dark region-page",
    )  # fmt: skip


def _export_links(chart: str, f: facts_mod.Facts) -> html.Div:
    if not permitted("export"):  # offered only to who may download
        return html.Div(className="export-links")
    return html.Div(
        [html.Span("导出", className="muted")]
        + [html.A(fmt.upper(), href=chart_href(chart, fmt, f.region["adcode"], f.period, f.lead.code),
                  download="", className="export-link", id={"type": ids.EXPORT_CHART, "chart": chart, "fmt": fmt})
           for fmt in ("png", "svg", "pdf")],
        className="export-links",
    )  # fmt: skip


def _movement(value: int | None) -> html.Span:
    if not value:
        return html.Span("—", className="muted")
    return html.Span(f"↑{value}" if value > 0 else f"↓{-value}", className="up" if value > 0 else "down")


def _sparkline(values: list[float], status: str | None) -> Any:
    colour = {"green": "#2ecc71", "amber": "#f5b041", "red": "#ff4d4f"}.get(status or "", "#4fb3ff")
    svg = figures.sparkline_svg(values, colour)
    if not svg:
        return ""
    return html.Img(
        src="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(), className="spark"
    )


def indicator_table(f: facts_mod.Facts) -> html.Table:
    labels = feed_labels(current())
    history = current().queries.explorer.value_lineage(f.region["adcode"], [i.code for i in f.indicators])
    head = [
        "领域",
        "指标",
        "数值",
        "统计期",
        "较上期",
        "年度目标",
        "状态",
        "同级排名",
        "变化",
        "近12期",
        "来源 · 入库",
        "",
    ]
    rows = []
    for i in f.indicators:
        series = history[(history["indicator_code"] == i.code) & (history["period"] <= (i.period or ""))]
        rows_href = explorer_href(
            dataset="indicator_value", region=f.region["adcode"], scope="self", indicator=i.code
        )
        source = names_of([i.source_feed], labels) if i.source_feed else "—"
        lineage = f"{source} · {i.loaded_at:%m-%d %H:%M}" if i.loaded_at is not None else "—"
        delta = change(i.delta, i.unit, i.decimals)
        rows.append(html.Tr([
            html.Td(i.pillar_name, className="muted"),
            html.Td(i.name, title=i.code),
            html.Td(dcc.Link(number(i.value, i.unit, i.decimals), href=rows_href, className="drill",
                             title="查看这个数字背后的数据行"), className="num"),
            html.Td(period_label(i.period) if i.period else "—"),
            html.Td(delta, className="num"),
            html.Td(number(i.target_value, i.unit, i.decimals), className="num"),
            html.Td([html.Span(i.status_label, className=f"badge {STATUS_CLASS.get(i.status or '', 'none')}"),
                     *([html.Span(i.judged, className="muted small judged")] if i.judged else [])]),
            html.Td(f"{i.rank}/{i.siblings}" if i.rank else "—", className="num"),
            html.Td(_movement(i.movement)),
            html.Td(_sparkline(series["value"].tail(12).tolist(), i.status)),
            html.Td(lineage, className="muted small"),
            html.Td(dcc.Link("明细›", href=rows_href, className="drill")),
        ], className=f"row-{i.code}"))  # fmt: skip
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      className="data-table region-indicators")  # fmt: skip


def children_grid(f: facts_mod.Facts) -> Any:
    if f.children.empty:
        return html.Div("本级为县级，无下级地区；同级比较见地图与排名图。", className="muted")
    lead = f.lead
    rows = []
    for c in f.children.to_dict("records"):
        status = c["status"] if isinstance(c["status"], str) else None
        rows.append({"name": f"[{c['name']}]({region_href(str(c['adcode']), period=f.period, indicator=lead.code)})",
                     "adcode": c["adcode"], "value": c["value"], "status": targets.STATUS_LABELS.get(status),
                     "rank": c["rank"], "movement": c["movement"],
                     "score": None if pd.isna(c["score"]) else round(float(c["score"]), 1),
                     "met": c["met"], "amber": c["amber"], "red": c["red"], "red_names": "、".join(c["red_names"]) or "—"})  # fmt: skip
    unit = lead.unit
    columns = [
        {"field": "name", "headerName": "地区", "cellRenderer": "markdown", "pinned": "left", "width": 130},
        {"field": "adcode", "headerName": "代码", "width": 100},
        {
            "field": "value",
            "headerName": f"{lead.short_name}（{unit}）",
            "type": "numericColumn",
            "width": 150,
        },
        {"field": "status", "headerName": "状态", "width": 90},
        {"field": "rank", "headerName": "排名", "type": "numericColumn", "width": 80},
        {"field": "movement", "headerName": "排名变化", "type": "numericColumn", "width": 100},
        {"field": "score", "headerName": "达标率（%）", "type": "numericColumn", "width": 120},
        {"field": "met", "headerName": "达标", "type": "numericColumn", "width": 80},
        {"field": "amber", "headerName": "预警", "type": "numericColumn", "width": 80},
        {"field": "red", "headerName": "落后", "type": "numericColumn", "width": 80},
        {"field": "red_names", "headerName": "落后指标", "flex": 1, "minWidth": 200},
    ]
    return dag.AgGrid(
        id=ids.REGION_CHILDREN, rowData=rows, columnDefs=columns,
        defaultColDef={"sortable": True, "resizable": True, "filter": True},
        dashGridOptions={"domLayout": "autoHeight", "localeText": ag_grid_locale(), "animateRows": False,
                         "theme": GRID_THEME},
        className="cockpit-grid", style={"width": "100%"},
    )  # fmt: skip


def _stat(label: str, value: Any, href: str | None = None, warn: bool = False,
          marks: dict[str, Any] | None = None) -> html.Div:  # fmt: skip
    shown = dcc.Link(str(value), href=href, className="drill") if href else str(value)
    return html.Div([html.Div(shown, className="stat-value" + (" warn" if warn else ""), **(marks or {})),
                     html.Div(label, className="stat-label")], className="stat")  # fmt: skip


def _rate(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def events_panel(f: facts_mod.Facts) -> html.Div:
    ev, code = f.events, f.region["adcode"]
    levels = ev["incident_levels"]
    serious = levels["I"] + levels["II"] + levels["III"]
    hot, ins, sup = ev["hotline"], ev["inspection"], ev["supervision"]

    def rows(dataset: str, preset: str) -> str:
        return explorer_href(dataset=dataset, region=code, preset=preset)

    def block(title: str, path: str, stats: list[html.Div]) -> html.Div:
        return html.Div([html.Div([html.Span(title, className="block-title"),
                                   dcc.Link("打开专题页 ›", href=f"{path}?region={code}", className="domain-link")],
                                  className="block-head"), html.Div(stats, className="stats")], className="event-block")  # fmt: skip

    def stat(figure: str, kind: str, value: Any, shown: Any, href: str | None = None, warn: bool = False,
             **label_values: Any) -> html.Div:  # fmt: skip
        """A figure of the registry: its label, and the number marked with what it is."""
        text, marks = registry.marked(figure, kind, code, f.now, value, **label_values)
        return _stat(text, shown, href, warn, marks)

    unclosed = sum(levels.values())
    pct = {k: None if v is None or pd.isna(v) else 100 * float(v)
           for k, v in (("satisfaction", hot["satisfaction"]), ("ontime", hot["ontime"]), ("problem", ins["problem_rate"]))}  # fmt: skip
    penalties = float(ins.get("penalties") or 0.0)
    return html.Div([
        block("“一颗星”应急", "/emergency", [
            stat("incidents.unclosed", "now", unclosed, unclosed, rows("emergency_incident", "active"), warn=serious > 0),
            stat("incidents.serious", "now", serious, serious, rows("emergency_incident", "active"), warn=serious > 0),
            stat("warnings.in_force", "now", len(ev["warnings"]), len(ev["warnings"]), rows("emergency_warning", "in_force"))]),
        block("12345热线", "/hotline", [
            stat("hotline.received", "month", int(hot["month"]), f"{int(hot['month'])}件", rows("hotline_ticket", "month")),
            stat("hotline.received", "today", int(hot["today"]), f"{int(hot['today'])}件", rows("hotline_ticket", "today")),
            stat("hotline.satisfaction", "30d", pct["satisfaction"], number(pct["satisfaction"], "%")),
            stat("hotline.ontime", "30d", pct["ontime"], number(pct["ontime"], "%"))]),
        block("双随机一公开", "/regulation", [
            stat("inspections.planned", "year", int(ins.get("planned") or 0), f"{int(ins.get('planned') or 0)}项",
                 rows("inspection", "year")),
            stat("inspections.done", "year", int(ins.get("done") or 0), f"{int(ins.get('done') or 0)}项",
                 rows("inspection", "year")),
            stat("inspections.problem_rate", "year", pct["problem"], number(pct["problem"], "%")),
            stat("inspections.penalties", "year", penalties, wan_yuan(penalties))]),
        block("13710督办", "/supervision", [
            stat("tasks.open", "now", int(sup["open"]), f"{int(sup['open'])}件", rows("supervision_task", "open")),
            stat("tasks.overdue", "now", int(sup["overdue"]), f"{int(sup['overdue'])}件", rows("supervision_task", "overdue"),
                 warn=int(sup["overdue"]) > 0),
            stat("tasks.ontime_rate", "year", sup["ontime_rate"], number(sup["ontime_rate"], "%"), year=sup["year"])]),
    ], className="events-grid")  # fmt: skip


def _graph(graph_id: Any, fig: Any, height: int) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=fig, config=GRAPH_CONFIG | {"displayModeBar": False},  # type: ignore[arg-type]
                     style={"height": f"{height}px"}, responsive=True)  # fmt: skip


def _header(f: facts_mod.Facts, months: list[str], catalogue: pd.DataFrame) -> html.Div:
    crumbs = breadcrumb_items(f.chain, lambda code: region_href(code, period=f.period, indicator=f.lead.code))
    as_of = f.data_as_of
    code = f.region["adcode"]
    return html.Div([
        html.Div([html.H1(f"{f.region['name']} · 区域画像"), html.Div(crumbs, className="breadcrumb")], className="title-block"),
        html.Div([
            dropdown(id={"type": ids.REGION_VIEW, "name": "period"}, options=[{"label": period_label(m), "value": m} for m in months],
                         value=f.period, clearable=False, className="picker period-picker"),
            dropdown(id={"type": ids.REGION_VIEW, "name": "indicator"},
                         options=[{"label": r.name, "value": r.code} for r in catalogue.itertuples()],
                         value=f.lead.code, clearable=False, className="picker indicator-picker"),
            html.Div(f"数据截至{period_label(f.period)} · 入库 {as_of:%Y-%m-%d %H:%M}" if as_of else "", className="asof"),
        ], className="controls"),
        html.Div([dcc.Link(name, href=f"{path}?region={code}", className="header-btn domain") for path, name in DOMAINS]
                 + [dcc.Link("数据浏览", href=explorer_href(dataset="indicator_value", region=code, period=f.period),
                             className="header-btn")], className="domain-links"),
    ], className="region-header")  # fmt: skip


def briefing_panel(f: facts_mod.Facts) -> html.Div:
    return briefing_panel_for({"region": f.region["adcode"], "period": f.period, "indicators": f.selected})


def briefing_panel_for(state: dict[str, Any]) -> html.Div:
    """The one-click briefing of a drill state (region, period, indicators); callbacks/region.py."""
    return html.Div([
        html.Button("一键生成简报（PPTX + PDF）", id={"type": ids.EXPORT_BRIEFING, "name": "start"}, className="brief-btn", n_clicks=0),
        *job_slots(ids.EXPORT_BRIEFING),
        dcc.Store(id={"type": ids.EXPORT_BRIEFING, "name": "state"}, data=state),
    ], className="brief-panel")  # fmt: skip


def layout(adcode: str | None = None, **params: Any) -> html.Div:
    services = current()
    wh = services.warehouse
    province = home_region(services.settings.province_adcode)
    adcode = str(adcode or params.get("region") or province)
    indicator = params.get("indicator")
    try:
        f = facts_mod.compute(
            services, adcode, params.get("period") or None, [str(indicator)] if indicator else None
        )
    except facts_mod.FactsError as exc:
        return _notice_page(str(exc), province)
    latest = facts_mod.latest_month(wh) or f.period
    months = [m for m in services.queries.explorer.periods(None) if len(m) == 7 and m <= latest][:36]
    text = narrative(f)
    lead = f.lead
    code = f.region["adcode"]
    has_map = not f.children.empty or f.parent is not None
    map_title = f"{'所辖地区' if not f.children.empty else '同级地区'} · {lead.short_name}目标状态"
    left = html.Div([
        html.Div([html.Span(map_title, className="panel-title"), _export_links("map", f)], className="panel-head"),
        _graph(ids.REGION_MAP, figures.map_figure(wh, f, "dark"), 430) if has_map else html.Div("全省视图", className="muted"),
        html.Div("点击地图上的地区打开其画像", className="muted small"),
    ], className="panel map-panel")  # fmt: skip
    right = html.Div([
        html.Div([html.Span("要点（由数据计算）", className="panel-title")], className="panel-head"),
        html.Div([html.P(p) for p in text.paragraphs], className="narrative"),
        _graph({"type": ids.REGION_TREND, "name": "status"}, figures.status_figure(f, "dark"), 190),
        briefing_panel(f),
    ], className="panel summary-panel")  # fmt: skip
    charts = html.Div([
        html.Div([html.Div([html.Span(f"{lead.short_name} · 走势", className="panel-title"), _export_links("trend", f)], className="panel-head"),
                  _graph(ids.REGION_TREND, figures.trend_figure(wh, f, theme_name="dark"), 300)], className="panel"),
        html.Div([html.Div([html.Span(f"{lead.short_name} · {'下级' if not f.children.empty else '同级'}排名", className="panel-title"),
                            _export_links("ranking", f)], className="panel-head"),
                  _graph({"type": ids.REGION_TREND, "name": "ranking"}, figures.ranking_figure(f, "dark"), 300)], className="panel"),
    ], className="two-col")  # fmt: skip
    return html.Div([
        nav_bar(PATH, f"?region={code}"),
        _header(f, months, wh.indicators()),
        html.Div([left, right], className="two-col top-row"),
        html.Div([html.Div([html.Span("全部指标", className="panel-title"),
                            html.Span("点击数值查看背后的数据行（来源数据源、入库时间）", className="muted small")], className="panel-head"),
                  indicator_table(f)], className="panel"),
        html.Div([html.Div([html.Span(f"下级地区（{len(f.children)}）" if not f.children.empty else "下级地区", className="panel-title"),
                            None if f.children.empty else dcc.Link("在数据浏览中查看明细 ›", href=explorer_href(dataset="indicator_value", region=code,
                                     scope="children", indicator=lead.code, period=lead.period), className="drill")],
                           className="panel-head"), children_grid(f)], className="panel"),
        charts,
        html.Div([html.Div(html.Span("事件、监管与服务", className="panel-title"), className="panel-head"), events_panel(f)], className="panel"),
    ], className="desk-page theme-dark region-page", id="region-page", **{"data-region": code})  # fmt: skip
