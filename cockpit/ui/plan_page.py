"""The view and formats of the plan pages (/targets, /evaluation, /supervision): the URL → view
parsing with notices, breadcrumb, status chips, value/gap/share formats, long tables as one
component, and ``plan_panel``, the callback behind each of their panels."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from html import escape
from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, dcc, html, no_update

from cockpit import ids, targets
from cockpit.access.scope import home_region, require_region
from cockpit.formatting import number
from cockpit.memo import Memo
from cockpit.nav import breadcrumb_items
from cockpit.services import Services, current
from cockpit.ui.panels import error_block, safe_render

PLAN_YEAR_PAGE = "targets"  # the one plan page that reads a year from its URL
_ADCODE = re.compile(r"^\d{6}$")
EMPTY_FIGURE = {"data": [], "layout": {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                                       "xaxis": {"visible": False}, "yaxis": {"visible": False}}}  # fmt: skip
SUPERVISION_STATES = {"overdue": "逾期未办结", "open": "在办", "done": "已办结", "all": "全部"}
_FIELDS = ("region", "indicator", "year", "filter", "pillar", "task", "scope", "department", "status")


@dataclass(frozen=True)
class PlanView:
    """What a /targets, /evaluation or /supervision URL says, after validation."""

    page: str
    region: str
    year: int
    indicator: str | None = None
    filter: str | None = None  # "off": only amber and red
    pillar: str | None = None
    task: int | None = None
    scope: str | None = None  # evaluation: a year, "mid" or "final"
    department: str | None = None
    status: str | None = None  # supervision: overdue / open / done / all
    notices: tuple[str, ...] = field(default=())

    def query(self, **changes: Any) -> str:
        data = {k: v for k, v in asdict(self).items() if k in _FIELDS} | changes
        if self.page != PLAN_YEAR_PAGE and "year" not in changes:
            data.pop("year")  # only /targets reads a year; the others would carry it along unread
        return "?" + urlencode({k: v for k, v in data.items() if v not in (None, "")})

    def href(self, page: str | None = None, **changes: Any) -> str:
        return f"/{page or self.page}{self.query(**changes)}"

    def as_store(self) -> dict[str, Any]:
        return asdict(self) | {"notices": list(self.notices)}

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> PlanView:
        return cls(**{**data, "notices": tuple(data.get("notices") or ())})


def default_year(services: Services) -> int:
    years = services.queries.plan.data_years()
    today = services.settings.today().year
    usable = [y for y in years if y <= today]
    return max(usable) if usable else today


def today_of(services: Services) -> date:
    return services.settings.today()


def _text(raw: Any, limit: int = 24) -> str:
    return str(raw)[:limit]


def parse_plan_view(services: Services, page: str, params: dict[str, Any]) -> PlanView:
    """Every URL parameter checked against the warehouse; unknown values fall back with a notice."""
    wh, pq = services.warehouse, services.queries.plan
    province = home_region(services.settings.province_adcode)
    notices: list[str] = []
    region = _text(params.get("region") or province, 12)
    if not _ADCODE.match(region) or wh.region(region) is None:
        notices.append(f"未知地区“{region}”，已显示默认地区")
        region = province
    require_region(wh, region, action="view")  # out of scope: refused, not replaced
    years = pq.data_years()
    year = default_year(services)
    if params.get("year"):
        raw = _text(params["year"], 8)
        if raw.isdigit() and int(raw) in years:
            year = int(raw)
        else:
            notices.append(f"年度“{raw}”无数据，已显示{year}年")
    view = PlanView(page, region, year)
    tree = pq.plan_tree()
    if params.get("indicator"):
        code = _text(params["indicator"], 64)
        if code in set(tree["code"].dropna()):
            view = replace(view, indicator=code)
        else:
            notices.append(f"未知指标“{code}”，已显示默认指标")
    if params.get("filter"):
        if params["filter"] == "off":
            view = replace(view, filter="off")
        else:
            notices.append(f"筛选条件“{_text(params['filter'], 12)}”无效，已显示全部")
    if params.get("pillar"):
        if params["pillar"] in set(tree["pillar_code"]):
            view = replace(view, pillar=str(params["pillar"]))
        else:
            notices.append(f"未知建设领域“{_text(params['pillar'], 12)}”，已显示全部")
    if params.get("task"):
        raw = _text(params["task"], 8)
        if raw.isdigit() and int(raw) in set(tree["task_no"]):
            view = replace(view, task=int(raw))
        else:
            notices.append(f"规划任务“{raw}”不存在，已显示全部")
    return replace(view, notices=tuple(notices))


def default_indicator(view: PlanView, services: Services) -> str:
    """With none in the URL: the most lagging indicator in focus (pillar, task or all), else the first."""
    pq = services.queries.plan
    assessed = pq.assess_region(view.region, view.year, with_projection=False)
    if view.task is not None:
        assessed = assessed[assessed["task_no"] == view.task]
    elif view.pillar:
        assessed = assessed[assessed["pillar_code"] == view.pillar]
    if assessed.empty:
        return str(pq.indicators()["code"].iloc[0])
    order = assessed.assign(sev=assessed["status"].map(lambda s: targets.SEVERITY.get(s, 3)))
    order = order.sort_values(["sev", "pace_attainment"], kind="stable", na_position="last")
    return str(order["code"].iloc[0])


# --- shared pieces ------------------------------------------------------------------------------
def breadcrumb(view: PlanView, services: Services) -> list[Any]:
    return breadcrumb_items(services.warehouse.lineage(view.region), lambda code: view.href(region=code))


def status_chip(status: str | None, text: str | None = None) -> html.Span:
    return html.Span(
        text or targets.STATUS_LABELS.get(status, "无目标"), className=f"chip chip-{status or 'none'}"
    )


def fmt(value: Any, unit: str, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return number(float(value), unit, decimals)


def fmt_gap(value: Any, unit: str, decimals: int) -> str:
    """A gap in a rate is in 百分点."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value) == 0:
        return "无差距"
    return (
        f"{float(value):.{max(decimals, 1)}f}个百分点"
        if unit == "%"
        else number(float(value), unit, decimals)
    )


def fmt_share(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return ">999%" if math.isinf(float(value)) or float(value) > 9.99 else f"{float(value) * 100:.1f}%"


def html_table(
    head: list[str], rows: list[list[Any]], table_id: str, cls: str = "data-table plan-table"
) -> dcc.Markdown:
    """A long table as one component. Dash 4's renderer slows down steeply with the number of
    components in a page (4 tables of 100 rows as html.Td: 37 s to paint; as one Markdown each:
    0.6 s). A cell is text, or (text, class) / (text, class, href, title); every value is escaped."""

    def cell(value: Any) -> str:
        text, klass, href, title = (
            (*value, None, None, None)[:4] if isinstance(value, tuple) else (value, None, None, None)
        )
        body = escape(str(text))
        if href:
            body = f'<a href="{escape(str(href))}">{body}</a>'
        attrs = (f' class="{escape(klass)}"' if klass else "") + (
            f' title="{escape(str(title))}"' if title else ""
        )
        return f"<td{attrs}>{body}</td>"

    thead = "".join(f"<th>{escape(h)}</th>" for h in head)
    tbody = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    markup = f'<table id="{escape(table_id)}" class="{escape(cls)}"><thead><tr>{thead}</tr></thead><tbody>{tbody}</tbody></table>'
    return dcc.Markdown(markup, dangerously_allow_html=True, className="html-table")


def notices_block(view: PlanView, element_id: str) -> html.Div:
    return html.Div(
        [html.Div(n, className="notice") for n in view.notices], id=element_id, className="plan-notices"
    )


def loading(element_id: str | dict[str, str]) -> html.Div:
    return html.Div(html.Div("加载中…", className="muted loading"), id=element_id)


# A plan page's panel as rendered for a viewer, a view and a day (the 序时进度 moves with the date):
# the province's /targets table alone takes ~350 ms to build, and every leader opens the same one.
PANEL = Memo("plan_panel", ttl=300)


def plan_panel(
    page: str, name: str, renderer: Callable[[PlanView, Services], Any], empty: Any = None
) -> Callable[[dict[str, Any] | None], Any]:
    """The callback behind one panel of a plan page: the view from its store, rendered safely (a
    failing figure panel shows ``empty``, any other its error) and remembered per viewer."""

    def callback(data: dict[str, Any] | None) -> Any:
        if not data:
            return no_update
        on_error = (lambda _exc: empty) if empty is not None else error_block

        def render() -> Any:
            view, services = PlanView.from_store(data), current()
            parts = [page, name, view.as_store(), today_of(services).isoformat()]
            return PANEL.get(services.warehouse, parts, lambda: renderer(view, services))

        return safe_render(page, name, render, on_error)

    return callback


def register_plan_panels(
    app: dash.Dash, page: str, panels: dict[str, tuple[Output, Callable[[PlanView, Services], Any], Any]]
) -> None:
    """One callback per panel of a plan page (name → (output, renderer, what a failed figure shows)),
    each fed by the page's view store."""
    for name, (output, renderer, empty) in panels.items():
        app.callback(output, Input(ids.plan_view(page), "data"))(plan_panel(page, name, renderer, empty))
