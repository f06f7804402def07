"""数据源: every feed's last run, counts and freshness — for staff and data administrators."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from cockpit.access.scope import home_region, permitted
from cockpit.feed_names import feed_labels, names_of
from cockpit.nav import nav_bar
from cockpit.principal import current_principal
from cockpit.records import records
from cockpit.services import current


def register() -> None:
    dash.register_page(__name__, path="/feeds", name="数据源", title="数据源状态 · 领导驾驶舱", layout=layout)


def _when(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return value.strftime("%Y-%m-%d %H:%M")


def _reconcile_link() -> list[html.P]:
    """Reported rates checked against their rows; not offered to a role that may not open it."""
    if not permitted("reconcile"):
        return []
    return [html.P(dcc.Link("数据核验：上报率与明细对账 ›", href="/reconcile"), className="recon-link")]


def _unlisted() -> list[Any]:
    """Values sent that the vocabularies do not list, counted as 其他 — in the viewer's own scope."""

    services = current()
    found = services.queries.hotline.hotline_unlisted(home_region(services.settings.province_adcode))
    if found.empty:
        return []
    rows = [
        html.Tr([html.Td(r["field"]), html.Td(str(r["value"])), html.Td(f"{int(r['tickets']):,}", className="num"),
                 html.Td(f"{_when(r['first_at'])} 至 {_when(r['last_at'])}")])
        for r in records(found)
    ]  # fmt: skip
    return [
        html.H3("未登记的取值（已计入“其他”）"),
        html.P(
            "12345 工单报送的渠道或诉求类别不在 seeds/vocabularies.csv 中：这些工单已入库并按“其他”统计，"
            "原值保留在此。请登记为新取值或别名，或请源系统更正。",
            className="muted",
        ),
        html.Table(
            [
                html.Thead(html.Tr([html.Th(h) for h in ("字段", "报送的取值", "工单数", "受理时间")])),
                html.Tbody(rows),
            ],
            className="data-table unlisted-values",
        ),
    ]


QUARANTINE_SHOWN = 200  # rows of one run's quarantine on the page; the CLI lists them all


def _may_inspect() -> bool:
    """Quarantined records are the file's rows, whatever their region: for those who run the feeds
    (the 运行数据源 permission) and see the whole province."""
    return _province_wide() and permitted("feeds")


def _run_of(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def _record(raw: Any) -> str:
    """A quarantined record as the file had it: its fields in order, 字段：值; the row number and
    source are columns of their own."""
    try:
        fields = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        return str(raw)
    if not isinstance(fields, dict):
        return str(raw)
    return "；".join(
        f"{k}：{'' if v is None else v}" for k, v in fields.items() if not str(k).startswith("_")
    )


def _quarantine(run_id: int | None, labels: dict[str, str]) -> list[Any]:
    """One run's quarantined rows, each with its reason and record — what a data administrator
    needs to have the source corrected, without a shell on the server."""
    if run_id is None or not _may_inspect():
        return []
    wh = current().warehouse
    total = wh.quarantine_count(run_id=run_id)
    if not total:
        return [html.H3(f"批次 {run_id} 没有隔离行"), html.P(dcc.Link("收起", href="/feeds"))]
    rows = wh.quarantine(run_id=run_id, limit=QUARANTINE_SHOWN)
    feed = str(rows["feed"].iloc[0])
    shown = f"共 {total:,} 行" + (
        f"，显示前 {QUARANTINE_SHOWN} 行；全部见命令 " if total > QUARANTINE_SHOWN else ""
    )
    body = [
        html.Tr([html.Td(Path(str(r["source"])).name, title=str(r["source"])),
                 html.Td(f"{int(r['row_number']):,}", className="num"), html.Td(r["reason"]),
                 html.Td(_record(r["raw"]), className="raw-record")])
        for r in records(rows)
    ]  # fmt: skip
    return [
        html.H3(f"隔离行 · {names_of([feed], labels)} · 批次 {run_id}", id="quarantine"),
        html.P(
            [
                shown,
                *([html.Code(f"cockpit quarantine --run {run_id}")] if total > QUARANTINE_SHOWN else []),
                "。行号：XLSX 与 Excel 中一致，CSV 为表头后的第几条记录。 ",
                dcc.Link("收起", href="/feeds"),
            ],
            className="muted",
        ),
        html.Table(
            [
                html.Thead(html.Tr([html.Th(h) for h in ("文件", "行号", "原因", "原始内容")])),
                html.Tbody(body),
            ],
            className="data-table quarantine-rows",
        ),
    ]


def _province_wide() -> bool:
    """Run counts are the whole province's: shown only to a principal who may see all of it."""
    principal = current_principal()
    return principal is None or principal.scope == current().settings.province_adcode


def layout(**params: Any) -> html.Div:
    wh = current().warehouse
    counted = _province_wide()
    inspect = _may_inspect()
    state = wh.feed_state()
    runs = wh.runs(limit=500)
    head = html.Tr(
        [
            html.Th(h)
            for h in (
                "数据源",
                "目标表",
                "状态",
                "最近成功",
                "下次拉取",
                "读取",
                "新增",
                "更新",
                "未变",
                "隔离",
            )
        ]
    )
    rows = []
    labels = feed_labels(current())
    for name, s in state.items():
        last = runs[(runs["feed"] == name) & (runs["status"] == "success")].head(1)
        counts: list[Any] = [f"{int(last.iloc[0][c]):,}" if counted and not last.empty else "—"
                             for c in ("rows_read", "inserted", "updated", "unchanged", "quarantined")]  # fmt: skip
        if inspect and not last.empty and int(last.iloc[0]["quarantined"]):
            run = int(last.iloc[0]["run_id"])  # the count opens the rows behind it
            counts[-1] = dcc.Link(
                counts[-1], href=f"/feeds?quarantine={run}#quarantine", title="查看隔离行及原因"
            )
        ok = s["last_status"] == "success"
        rows.append(html.Tr([html.Td([names_of([name], labels), html.Br(), html.Code(name)]),
                             html.Td(html.Code(s["target_table"])),
                             html.Td("成功" if ok else "失败", className="status-success" if ok else "status-failed"),
                             html.Td(_when(s["last_success_at"])), html.Td(_when(s["next_due_at"])),
                             *[html.Td(c, className="num") for c in counts]]))  # fmt: skip
    return html.Div(
        [
            nav_bar("/feeds"),
            html.H1("数据源状态"),
            html.P(
                [
                    f"数据快照 {wh.snapshot_id}。读取 = 新增 + 更新 + 未变 + 隔离；"
                    + ("点击隔离行数查看各行原因与原始内容（或命令 " if inspect else "隔离行及原因见命令 "),
                    html.Code("cockpit quarantine"),
                    "）。" if inspect else "。",
                ],
                className="muted",
            ),
            *(
                []
                if counted
                else [
                    html.P("读取、新增等行数为全省合计，超出您的数据权限范围，不予显示。", className="muted")
                ]
            ),
            *_reconcile_link(),
            html.Table([html.Thead(head), html.Tbody(rows)], className="data-table"),
            *_quarantine(_run_of(params.get("quarantine")), labels),
            *_unlisted(),
        ],
        className="page-feeds theme-dark",
    )
