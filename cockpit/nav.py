"""The desk pages' navigation bar, built from Dash's page registry: a page appears once it exists."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from cockpit.access.principal import current_principal

# Display order; pages not listed here follow in registration order.
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
)

# Pages for roles beyond "view": the permission a principal needs to see the link.
ADMIN_PAGES = {"/feeds": "feeds", "/admin/audit": "audit"}  # users are managed from the CLI


def nav_bar(active_path: str, query: str = "") -> html.Div:
    """``query`` (e.g. ``?region=141100``) is carried along so a region stays selected across pages."""
    principal = current_principal()
    # Cosmetic only: each page and download checks the role and scope on the server again.
    pages: list[dict[str, Any]] = [
        p for p in dash.page_registry.values()
        if principal is None or principal.can(ADMIN_PAGES.get(p["path"], "view"))  # type: ignore[arg-type]
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
    from cockpit.auth.views import user_menu  # who is signed in, and 退出

    return html.Div(
        [html.Span("领导驾驶舱", className="nav-brand"), *links, user_menu()], className="nav-bar"
    )
