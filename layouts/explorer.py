"""数据浏览: indicator × region × period (and the event tables) in a grid — filter, sort, group,
pin — paged from DuckDB (AG Grid's infinite row model), with source feed and load time per row.

The URL holds the whole state (dataset, region, scope, indicator, period, preset, grouping and the
grid's filter/sort models), so a figure elsewhere links straight to the rows behind it, and the
CSV/XLSX links carry the same state to ``/exports/grid.*`` (large exports run as background jobs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import dash
import dash_ag_grid as dag
from dash import dcc, html

from cockpit import ids
from cockpit.access.scope import permitted
from cockpit.exports import grid
from cockpit.feed_names import feed_labels
from cockpit.formatting import period_label
from cockpit.nav import nav_bar
from cockpit.principal import PERMISSION_NAMES
from cockpit.services import current
from cockpit.ui.controls import dropdown
from cockpit.ui.grid import GRID_THEME, ag_grid_locale
from cockpit.ui.jobs import job_slots
from cockpit.warehouse.explorer_queries import (
    DATASETS,
    SCOPES,
    FilterError,
    Query,
    compile_query,
)
from layouts.region import briefing_panel_for

PATH = "/explorer"
FILTERS = {"text": "agTextColumnFilter", "number": "agNumberColumnFilter", "date": "agDateColumnFilter",
           "datetime": "agDateColumnFilter"}  # fmt: skip
TEXT_OPTIONS = [
    "contains",
    "notContains",
    "equals",
    "notEqual",
    "startsWith",
    "endsWith",
    "blank",
    "notBlank",
]
NUMBER_OPTIONS = ["equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual",
                  "inRange", "blank", "notBlank"]  # fmt: skip
DATE_OPTIONS = ["equals", "notEqual", "lessThan", "greaterThan", "inRange", "blank", "notBlank"]


def register() -> None:
    dash.register_page(__name__, path=PATH, name="数据浏览", title="数据浏览 · 领导驾驶舱", layout=layout)


def control(name: str) -> dict[str, str]:
    return {"type": ids.EXPLORER_CONTROL, "name": name}


def column_defs(q: Query) -> list[dict[str, Any]]:
    compiled = compile_query(q, _epoch())
    sort = {s["colId"]: s["sort"] for s in q.sort_model}
    grouped = {g for g in q.group}
    defs = []
    for col in compiled.columns:
        filterable = not q.group or col.id in grouped
        options = {"text": TEXT_OPTIONS, "number": NUMBER_OPTIONS}.get(col.kind, DATE_OPTIONS)
        entry: dict[str, Any] = {
            "field": col.id, "headerName": col.label, "width": col.width, "headerTooltip": col.id,
            "filter": FILTERS[col.kind] if filterable else False,
            "filterParams": {"filterOptions": options, "maxNumConditions": 2, "buttons": ["apply", "reset"],
                             "closeOnApply": True},
        }  # fmt: skip
        if col.kind == "number":
            entry["type"] = "numericColumn"
        if col.id == "source_feed":  # shown by the catalogue's name (年度指标), the code on hover
            entry |= {"refData": feed_labels(current()), "tooltipField": "source_feed"}
        if col.pinned and not q.group:
            entry["pinned"] = "left"
        if col.id in sort:
            entry["sort"] = sort[col.id]
        defs.append(entry)
    return defs


def _epoch() -> Any:
    return datetime(2000, 1, 1)  # columns do not depend on "now"; presets bind it at query time


def _region_options() -> list[dict[str, str]]:
    """Regions found by name or pinyin, as in the screen's search box (the same keys)."""
    frame = current().queries.explorer.region_options()
    return [{"label": str(r["name"]) if r["level"] != "county" else f"{r['parent_name']} · {r['name']}",
             "value": str(r["adcode"]), "search": str(r["keys"] or "")} for r in frame.to_dict("records")]  # fmt: skip


def _controls(q: Query) -> html.Div:
    wh = current().warehouse
    ds = DATASETS[q.dataset]
    fields: list[Any] = [
        _field("数据集", dropdown(id=control("dataset"), options=[{"label": d.label, "value": d.name} for d in DATASETS.values()],
                                   value=q.dataset, clearable=False, className="picker")),
        _field("地区", dropdown(id=control("region"), options=_region_options(), value=q.region, clearable=False,
                                  className="picker")),
        _field("范围", dropdown(id=control("scope"), options=[{"label": v, "value": k} for k, v in SCOPES.items()],
                                  value=q.scope, clearable=False, className="picker")),
    ]  # fmt: skip
    if q.dataset == "indicator_value":
        catalogue = wh.indicators()
        periods = current().queries.explorer.periods(q.indicator)[:120]
        fields += [
            _field("指标", dropdown(id=control("indicator"), options=[{"label": r.name, "value": r.code} for r in catalogue.itertuples()],
                                      value=q.indicator, placeholder="全部指标", className="picker indicator-picker")),
            _field("统计期", dropdown(id=control("period"), options=[{"label": period_label(p), "value": p} for p in periods],
                                       value=q.period, placeholder="全部", className="picker")),
        ]  # fmt: skip
    if ds.presets:
        fields.append(_field("预设", dropdown(id=control("preset"), value=q.preset, placeholder="全部记录", className="picker",
                                                options=[{"label": p.label, "value": k} for k, p in ds.presets.items()])))  # fmt: skip
    fields.append(_field("分组汇总", dropdown(id=control("group"), multi=True, value=list(q.group), placeholder="不分组",
                                               className="picker group-picker",
                                               options=[{"label": c.label, "value": c.id} for c in ds.columns if c.group])))  # fmt: skip
    return html.Div(fields, className="explorer-controls")


def _field(label: str, component: Any) -> html.Div:
    return html.Div([html.Label(label), component], className="field")


def briefing_state(q: Query) -> dict[str, Any]:
    period = q.period if q.period and len(q.period) == 7 else None
    return {"region": q.region, "period": period, "indicators": [q.indicator] if q.indicator else []}


class ExportLink(NamedTuple):
    href: str | None
    title: str
    class_name: str


NO_EXPORT = f"当前角色没有“{PERMISSION_NAMES['export']}”权限"


def export_links(services: Any, q: Query, formats: Sequence[str]) -> list[ExportLink]:
    """Each export button's address, hint and class for the rows ``q`` selects: a plain download
    link when the file is small, a button that starts a background export when it is large (no
    address: a click starts the job), disabled above the row cap (the hint says why)."""
    settings = services.settings
    if not permitted("export"):  # the download would answer 403
        return [ExportLink(None, NO_EXPORT, "export-btn disabled") for _ in formats]
    try:
        total = grid.size_of(services, q, settings.data_now())
    except FilterError as exc:
        return [ExportLink(None, str(exc), "export-btn disabled") for _ in formats]
    if total > settings.export_inline_rows:
        title = f"共 {total:,} 行：在后台生成，完成后在此处下载"
        return [ExportLink(None, title, "export-btn background") for _ in formats]
    return [
        ExportLink(grid.href(f"/exports/grid.{fmt}", q), f"共 {total:,} 行", "export-btn") for fmt in formats
    ]


def layout(**params: Any) -> html.Div:
    services = current()
    clean = {k: v for k, v in params.items() if isinstance(v, str)}
    try:
        q = grid.parse_query(services, clean)
        defs = column_defs(q)
    except FilterError as exc:
        return html.Div([
            nav_bar(PATH),
            html.H1("数据浏览"),
            html.Div(f"无法打开：{exc}", className="notice big-notice", id=ids.EXPLORER_NOTICE),
            dcc.Link("重新开始（全省指标数据）", href=PATH, className="header-btn"),
        ], className="desk-page theme-dark explorer-page")  # fmt: skip
    links = export_links(services, q, ("csv", "xlsx"))
    export_block = html.Div([
        html.A("导出 CSV", id={"type": ids.EXPORT_GRID, "fmt": "csv"}, href=links[0].href,
               title=links[0].title, className=links[0].class_name, download="", n_clicks=0),
        html.A("导出 XLSX", id={"type": ids.EXPORT_GRID, "fmt": "xlsx"}, href=links[1].href,
               title=links[1].title, className=links[1].class_name + " secondary", download="", n_clicks=0),
        *job_slots(ids.EXPORT_JOB),
    ], className="explorer-exports")  # fmt: skip
    status = html.Div([html.Span("加载中…", id=ids.EXPLORER_COUNT, className="count"),
                       html.Span(id=ids.EXPLORER_NOTICE, className="notice")], className="explorer-status")  # fmt: skip
    the_grid = dag.AgGrid(
        id=ids.EXPLORER_GRID,
        rowModelType="infinite",
        columnDefs=defs,
        filterModel=dict(q.filter_model),
        defaultColDef={"sortable": True, "resizable": True, "floatingFilter": False, "suppressHeaderMenuButton": False},
        dashGridOptions={"theme": GRID_THEME, "localeText": ag_grid_locale(), "rowBuffer": 0, "cacheBlockSize": 100,
                         "maxBlocksInCache": 20, "infiniteInitialRowCount": 100, "maxConcurrentDatasourceRequests": 2,
                         "tooltipShowDelay": 300, "enableCellTextSelection": True},
        className="cockpit-grid", style={"height": "640px", "width": "100%"},
    )  # fmt: skip
    head = html.Div([html.H1("数据浏览"),
                     html.Div("筛选与排序在服务器端执行，导出内容与表格当前筛选结果一致", className="muted small"),
                     export_block], className="explorer-header")  # fmt: skip
    return html.Div([
        nav_bar(PATH, f"?region={q.region}"),
        dcc.Store(id=ids.EXPLORER_VIEW, data=grid.url_params(q)),
        head,
        _controls(q),
        status,
        html.Div(the_grid, className="panel"),
        html.Div(briefing_panel_for(briefing_state(q)), className="panel"),
    ], className="desk-page theme-dark explorer-page")  # fmt: skip
