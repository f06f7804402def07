"""The desk pages' navigation bar, built from Dash's page registry: a page appears once it exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash import dcc, html

from cockpit.access.scope import context, visible
from cockpit.auth.views import user_menu  # who is signed in, and 退出
from cockpit.principal import current_principal, page_permission
from cockpit.warehouse.queries import Warehouse

# Display order; pages not listed here follow in registration order.
# The desk's region profile (layouts/region.py); the phone links to it and from it.
REGION_PROFILE_PATH = "/region"

ORDER = (
    "/",
    "/targets",
    "/evaluation",
    "/supervision",
    "/emergency",
    "/regulation",
    "/hotline",
    "/explorer",
    "/feeds",
    "/reconcile",
)


def nav_bar(active_path: str, query: str = "") -> html.Div:
    """``query`` (e.g. ``?region=141100``) is carried along so a region stays selected across pages."""
    principal = current_principal()
    # Cosmetic only: each page and download checks the role and scope on the server again.
    pages: list[dict[str, Any]] = [
        p for p in dash.page_registry.values()
        if principal is None or principal.can(page_permission(p["path"]))
    ]  # fmt: skip
    pages.sort(key=lambda p: ORDER.index(p["path"]) if p["path"] in ORDER else len(ORDER))
    links = [
        dcc.Link(
            page["name"],
            href=page["path"] + query,
            className="nav-link active" if page["path"] == active_path else "nav-link",
        )
        for page in pages
    ]
    return html.Div(
        [html.Span("领导驾驶舱", className="nav-brand"), *links, user_menu()], className="nav-bar"
    )


def breadcrumb_items(chain: list[dict[str, Any]], href: Callable[[str], str]) -> list[Any]:
    """Province › city › county with links up the tree. An ancestor outside the viewer's scope is
    plain text: its link would only lead to a refusal."""
    warehouse = context().warehouse
    items: list[Any] = []
    for i, row in enumerate(chain):
        if i:
            items.append(html.Span("›", className="crumb-sep"))
        if i == len(chain) - 1:
            items.append(html.Span(row["name"], className="crumb current"))
        elif visible(warehouse, row["adcode"]):
            items.append(dcc.Link(row["name"], href=href(row["adcode"]), className="crumb"))
        else:
            items.append(html.Span(row["name"], className="crumb outside-scope"))
    return items


def parent_in_scope(chain: list[dict[str, Any]]) -> str | None:
    """The parent's adcode when the viewer may go up to it (for 返回上级), else None."""
    if len(chain) < 2 or not visible(context().warehouse, chain[-2]["adcode"]):
        return None
    return str(chain[-2]["adcode"])


def map_parent(warehouse: Warehouse, region: str) -> tuple[str, str | None]:
    """Whose children a map of ``region`` draws, and the region to emphasise: a region with children
    draws its own; a county draws its siblings, itself emphasised."""
    if not warehouse.children(region).empty:
        return region, None
    row = warehouse.region(region) or {}
    return str(row.get("parent_adcode") or region), region
