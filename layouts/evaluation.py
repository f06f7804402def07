"""规划实施评估 (/evaluation): the plan's annual monitoring, mid-term and final evaluation (四(三)).

For one plan year, or for the whole 2021–2025 period: what was met, missed and by how much, per
pillar, per indicator and per region. URL parameters: region, scope (a year, ``mid`` or
``final``). Panels fill through ``callbacks/evaluation.py``; statuses come from the same
``cockpit.targets`` rules as the targets page and the big screen.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import dash
from dash import dcc, html

from cockpit import ids
from cockpit.nav import nav_bar
from cockpit.services import Services, current
from cockpit.ui.plan_page import PlanView, breadcrumb, loading, notices_block, parse_plan_view

PAGE = "evaluation"
MID, FINAL = "mid", "final"


def register() -> None:
    dash.register_page(
        __name__, path="/evaluation", name="规划评估", title="规划实施评估 · 领导驾驶舱", layout=layout
    )


def scope_years(scope: str, period: tuple[int, int]) -> tuple[list[int], int]:
    """The years a scope covers and the year it judges: final = the whole plan period judged at its
    last year; mid = the first half (to the middle year); a single year = itself."""
    start, end = period
    if scope == FINAL:
        return list(range(start, end + 1)), end
    if scope == MID:
        middle = start + (end - start) // 2
        return list(range(start, middle + 1)), middle
    return [int(scope)], int(scope)


def scope_label(scope: str, period: tuple[int, int]) -> str:
    start, end = period
    if scope == FINAL:
        return f"总结评估（{start}–{end}年）"
    if scope == MID:
        return f"中期评估（{scope_years(scope, period)[1]}年）"
    return f"{scope}年度监测"


def parse_scope(view: PlanView, services: Services, raw: Any) -> PlanView:
    pq = services.queries.plan
    period = pq.plan_period()
    years = set(pq.data_years())
    if raw in (None, ""):
        return replace(view, scope=FINAL)
    text = str(raw)[:12]
    if text in (MID, FINAL) or (text.isdigit() and int(text) in years):
        return replace(view, scope=text)
    notice = f"评估范围“{text}”无效，已显示{scope_label(FINAL, period)}"
    return replace(view, scope=FINAL, notices=(*view.notices, notice))


def layout(**params: Any) -> html.Div:
    services = current()
    view = parse_plan_view(services, PAGE, {k: v for k, v in params.items() if k in ("region",)})
    view = parse_scope(view, services, params.get("scope"))
    pq = services.queries.plan
    period = pq.plan_period()
    scopes = [(FINAL, scope_label(FINAL, period)), (MID, scope_label(MID, period))]
    scopes += [(str(y), f"{y}年") for y in pq.data_years()]
    links = [
        dcc.Link(
            label, href=view.href(scope=code), className="seg-btn active" if code == view.scope else "seg-btn"
        )
        for code, label in scopes
    ]
    plan = services.warehouse.meta()
    header = html.Div(
        [
            html.H1("规划实施评估"),
            html.Div(breadcrumb(view, services), className="plan-crumbs"),
            html.Div(links, id=ids.TARGETS_EVAL_SCOPES, className="seg"),
            html.Div(
                dcc.Link("← 规划目标监测", href=f"/targets?region={view.region}", className="header-link"),
                className="header-links",
            ),
        ],
        className="plan-header",
    )
    title = _plan_title(plan.get("plan"))
    return html.Div(
        [
            dcc.Store(id=ids.plan_view(PAGE), data=view.as_store()),
            nav_bar("/evaluation", f"?region={view.region}"),
            header,
            html.Div(title, className="muted small"),
            notices_block(view, ids.TARGETS_NOTICE),
            loading(ids.TARGETS_EVAL_SUMMARY),
            loading(ids.TARGETS_EVAL_NARRATIVE),
            html.Div(
                [
                    html.Div([loading(ids.TARGETS_EVAL_INDICATORS)], className="panel"),
                    html.Div(
                        [
                            html.Div(loading(ids.TARGETS_EVAL_PILLARS), className="panel"),
                            html.Div(loading(ids.TARGETS_EVAL_REGIONS), className="panel"),
                        ],
                        className="eval-side",
                    ),
                ],
                className="eval-grid",
            ),
        ],
        id=ids.TARGETS_EVAL_PAGE,
        className="desk-page theme-dark plan-page",
    )


def _plan_title(raw: str | None) -> str:
    try:
        plan = json.loads(raw or "{}")
    except ValueError:
        return ""
    parts = [plan.get("title"), plan.get("document_no"), plan.get("evaluation")]
    return " · ".join(str(p) for p in parts[:2] if p) + (f"。规划要求：{parts[2]}。" if parts[2] else "")
