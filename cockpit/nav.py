"""The desk pages' navigation bar, built from Dash's page registry: a page appears once it exists."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

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


def nav_bar(active_path: str, query: str = "") -> html.Div:
    """``query`` (e.g. ``?region=141100``) is carried along so a region stays selected across pages."""
    pages: list[dict[str, Any]] = list(dash.page_registry.values())
    pages.sort(key=lambda p: ORDER.index(p["path"]) if p["path"] in ORDER else len(ORDER))
    links = [
        dcc.Link(
            page["name"],
            href=page["path"] + query,
            className="nav-link active" if page["path"] == active_path else "nav-link",
        )
        for page in pages
    ]
    return html.Div([html.Span("领导驾驶舱", className="nav-brand"), *links], className="nav-bar")
