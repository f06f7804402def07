"""Placeholder home page: the province, its cities and every feed's freshness, from the warehouse.

The big-screen cockpit replaces this page; until then it proves the stack serves real data.
"""

from __future__ import annotations

import dash
from dash import dcc, html

from cockpit import ids
from cockpit.formatting import number, period_label
from cockpit.services import current

DEFAULT_INDICATOR = "online_service_rate"


def register() -> None:
    dash.register_page(__name__, path="/", name="总览", title="山西省政府治理领导驾驶舱", layout=layout)


def values_table(indicator_code: str, period: str | None = None) -> html.Table:
    services = current()
    wh = services.warehouse
    province = services.settings.province_adcode
    catalogue = wh.indicators().set_index("code")
    if indicator_code not in catalogue.index:
        return html.Table([html.Tr(html.Td(f"未知指标：{indicator_code}"))])
    ind = catalogue.loc[indicator_code]
    period = period or wh.latest_period(indicator_code)
    if period is None:
        return html.Table([html.Tr(html.Td("暂无数据"))])
    frame = wh.values_for_children(indicator_code, period, province)
    head = html.Tr(
        [
            html.Th(h)
            for h in ("地区", f"{ind['name']}（{period_label(period)}）", "年度目标", "来源", "入库时间")
        ]
    )
    body = [
        html.Tr(
            [
                html.Td(r.name),
                html.Td(number(r.value, ind["unit"], int(ind["decimals"]))),
                html.Td(number(r.target_value, ind["unit"], int(ind["decimals"]))),
                html.Td(r.source_feed or "—"),
                html.Td(
                    r.loaded_at.strftime("%Y-%m-%d %H:%M")
                    if r.loaded_at == r.loaded_at and r.loaded_at
                    else "—"
                ),
            ],
            className=f"level-{r.level}",
        )
        for r in frame.itertuples()
    ]
    return html.Table(
        [html.Thead(head), html.Tbody(body)], className="data-table", id=ids.HOME_TABLE + "-inner"
    )


def feeds_table() -> html.Table:
    state = current().warehouse.feed_state()
    head = html.Tr([html.Th(h) for h in ("数据源", "状态", "最近成功", "下次拉取")])
    rows = [
        html.Tr(
            [
                html.Td(name),
                html.Td(
                    "成功" if s["last_status"] == "success" else "失败",
                    className=f"status-{s['last_status']}",
                ),
                html.Td(s["last_success_at"].strftime("%Y-%m-%d %H:%M") if s["last_success_at"] else "—"),
                html.Td(s["next_due_at"].strftime("%Y-%m-%d %H:%M") if s["next_due_at"] else "—"),
            ]
        )
        for name, s in state.items()
    ]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="data-table")


def layout(indicator: str | None = None, **_url_params: str) -> html.Div:
    services = current()
    meta = services.warehouse.meta()
    catalogue = services.warehouse.indicators()
    indicator = indicator if indicator in set(catalogue["code"]) else DEFAULT_INDICATOR
    return html.Div(
        [
            html.H1(f"{meta.get('province_name', '')}政府治理领导驾驶舱"),
            html.P(
                f"数据快照 {services.warehouse.snapshot_id} · 区划来源 {meta.get('geography_source', '—')}",
                className="muted",
            ),
            dcc.Dropdown(
                id=ids.HOME_INDICATOR,
                options=[
                    {"label": f"{r.pillar_name} · {r.name}", "value": r.code} for r in catalogue.itertuples()
                ],
                value=indicator,
                clearable=False,
            ),
            html.Div(values_table(indicator), id=ids.HOME_TABLE),
            html.H2("数据源新鲜度"),
            html.Div(feeds_table(), id=ids.HOME_FEEDS),
        ],
        className="home",
    )
