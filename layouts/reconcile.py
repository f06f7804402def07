"""数据核验 (/reconcile): reported rates that their own rows contradict — beyond the tolerance kept in
``seeds/reconciliation.csv``, or impossible for any count of the rows (98.2% of 7 tickets).

URL parameters: region (default: the viewer's home region; its descendants are included) and
indicator (one reconciled rate). For people who act on a disputed figure: the wall's role is
refused (permission ``reconcile``), every other role sees its own scope only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from cockpit import figures
from cockpit.access.scope import home_region, require_permission, require_region
from cockpit.exports import grid
from cockpit.formatting import number, period_label
from cockpit.nav import nav_bar
from cockpit.periods import parse_period
from cockpit.services import current
from cockpit.warehouse.explorer_queries import Query
from cockpit.warehouse.reconcile_queries import BEYOND, IMPOSSIBLE, PAIRS

PATH = "/reconcile"
MAX_ROWS = 500  # a page, not an export: more than this is a feed problem to fix at the source
_ADCODE = re.compile(r"^\d{6}$")
HEADERS = ("地区", "指标", "统计期", "上报值", "明细计算值", "差异（个百分点）", "结论", "明细")


def register() -> None:
    dash.register_page(__name__, path=PATH, name="数据核验", title="数据核验 · 领导驾驶舱", layout=layout)


def layout(**params: Any) -> html.Div:
    require_permission("reconcile", message="当前角色无权查看数据核验")
    services = current()
    wh, rq = services.warehouse, services.queries.reconcile
    notices: list[str] = []
    region = str(params.get("region") or home_region(services.settings.province_adcode))[:12]
    if not _ADCODE.match(region) or wh.region(region) is None:
        notices.append(f"未知地区“{region}”，已显示默认地区")
        region = home_region(services.settings.province_adcode)
    require_region(wh, region, action="view")  # out of scope: refused, not replaced
    rules = rq.rules()
    names = dict(zip(wh.indicators()["code"], wh.indicators()["short_name"], strict=True))
    indicator = str(params.get("indicator") or "")[:64] or None
    if indicator is not None and indicator not in set(rules["indicator_code"]):
        notices.append(f"指标“{indicator}”不在核验范围内，已显示全部指标")
        indicator = None
    today = services.settings.today()
    found = rq.discrepancies(region, today, indicator)
    name = str((wh.region(region) or {}).get("name") or region)
    return html.Div(
        [
            nav_bar(PATH, f"?region={region}"),
            html.H1("数据核验"),
            html.P(
                f"{name}及所辖地区：上报的比率与数据仓库中的明细行逐期核对（截至{today.year}年{today.month}月"
                f"{today.day}日，不含尚未结束的本月、本季度）。",
                className="muted",
            ),
            *[html.Div(n, className="notice") for n in notices],
            _filter(region, indicator, rules, names),
            _headline(found),
            _table(found, names) if not found.empty else None,
            _footnote(rules, wh.indicators()),
        ],
        className="desk-page theme-dark page-reconcile",
    )


def _filter(region: str, indicator: str | None, rules: pd.DataFrame, names: dict[str, Any]) -> html.Div:
    def link(code: str | None, label: str) -> dcc.Link:
        query = f"?region={region}" + (f"&indicator={code}" if code else "")
        return dcc.Link(
            label, href=PATH + query, className="seg-btn active" if code == indicator else "seg-btn"
        )

    listed = set(rules["indicator_code"])
    codes = [str(c) for c in names if c in listed]  # catalogue order, as the table
    return html.Div([link(None, "全部指标"), *[link(c, str(names.get(c) or c)) for c in codes]],
                    className="seg recon-filter")  # fmt: skip


def _headline(found: pd.DataFrame) -> html.Div:
    if found.empty:
        return html.Div("未发现上报值与明细不一致", className="recon-headline ok")
    counts = [f"{v} {int(found['verdict'].str.contains(v).sum())} 项" for v in (IMPOSSIBLE, BEYOND)]
    shown = f"（列出前 {MAX_ROWS} 项）" if len(found) > MAX_ROWS else ""
    return html.Div(
        f"上报值与明细不一致 {len(found)} 项：{'，'.join(counts)}{shown}", className="recon-headline"
    )


def _table(found: pd.DataFrame, names: dict[str, Any]) -> html.Table:
    catalogue = current().warehouse.indicators().set_index("code")["decimals"]
    rows = []
    for r in found.head(MAX_ROWS).to_dict("records"):
        code, decimals = r["indicator"], int(catalogue.get(r["indicator"], 1))
        href = rows_href(r["adcode"], code, r["period"])
        difference = float(r["difference_pp"])
        rows.append(html.Tr([
            html.Td(r["region_name"]), html.Td(str(names.get(code) or r["indicator_name"]), title=r["indicator_name"]),
            html.Td(period_label(r["period"])),
            html.Td(number(r["reported"], "%", decimals), className="num",
                    **figures.attrs(figures.indicator_code(code), r["adcode"], r["period"], r["reported"],
                                    str(r["indicator_name"]))),
            html.Td(f"{number(r['computed'], '%', decimals + 1)}（{r['matching']}/{r['rows']}）", className="num",
                    title=figures.label(r["figure"], "window"),
                    **figures.attrs(r["figure"], r["adcode"], r["period"], r["computed"],
                                    figures.label(r["figure"], "window"))),
            html.Td(("+" if difference > 0 else "") + number(difference, "", decimals + 1), className="num"),
            html.Td(r["verdict"], className="recon-verdict impossible" if r["impossible"] else "recon-verdict"),
            html.Td(dcc.Link("查看明细", href=href) if href else "—"),
        ]))  # fmt: skip
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in HEADERS])), html.Tbody(rows)],
                      className="data-table recon-table")  # fmt: skip


def rows_href(adcode: str, indicator: str, period: str) -> str | None:
    """The rows behind a computed rate: the explorer filtered to its period (13710: the year up to
    the month's end); the catalogue has no explorer dataset, so its rates open /regulation."""
    pair = PAIRS.get(indicator)
    if pair is None:
        return None
    span = parse_period(period)
    if pair.shape == "catalog":
        return f"/regulation?region={adcode}&period={span.code}"
    first = date(span.start.year, 1, 1) if pair.shape == "tasks" else span.start
    model: dict[str, Any] = {pair.time: {"filterType": "date", "type": "inRange", "dateFrom": first.isoformat(),
                                         "dateTo": span.end.isoformat()}}  # fmt: skip
    if indicator == "hotline_satisfaction_rate":
        model["satisfied"] = {"filterType": "text", "type": "notBlank"}
    return grid.href("/explorer", Query(pair.table, adcode, filter_model=model))


def _footnote(rules: pd.DataFrame, indicators: pd.DataFrame) -> html.Div:
    full = dict(zip(indicators["code"], indicators["name"], strict=True))
    items = [
        html.Li(f"{full.get(r['indicator_code'], r['indicator_code'])}：{r['definition']}。"
                f"容差 {float(r['tolerance_pp']):g}个百分点（明细不少于 {int(r['min_rows'])} 行时判断）。")
        for r in rules.to_dict("records")
    ]  # fmt: skip
    return html.Div(
        [
            html.H3("核验口径"),
            html.Ul(items),
            html.P(
                [
                    f"{BEYOND}：上报值与明细计算值之差大于该指标的容差。{IMPOSSIBLE}：按上报值的小数位数，"
                    "n 行明细中无论多少行符合条件（k = 0…n），k/n 都得不出该上报值。地区的明细含其所辖地区"
                    "（监管事项认领率、检查清单公布率只计本级部门）；某地区某期没有明细行的不作核验，"
                    "统计期尚未结束的也不核验。容差见 ",
                    html.Code("seeds/reconciliation.csv"),
                    "。",
                ],
                className="muted",
            ),
        ],
        className="recon-footnote",
    )
