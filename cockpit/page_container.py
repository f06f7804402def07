"""Dash's page container, with the page already in it on a full page load.

Dash pages render a page through a callback: the browser fetches ``/_dash-layout`` (an empty
container), its ``dcc.Location`` reports the URL, and the router callback answers with the page.
That is a second round trip, and a second pass of dash-renderer over the layout, in front of
every first paint, the wall's map included. Here the layout served to ``/_dash-layout`` already
holds the page of the URL that asked for it (the request's same-origin ``Referer``: the document
that fetched its layout), rendered by the same page function with the same parameters as the
router would, and the location already carries that path and query, so the router, which fires
only when the location changes, stays quiet. Navigating within the app is unchanged.

Without a usable ``Referer`` (a stripped header, another origin, a page that fails to render),
the container is served empty and the router fills it, as Dash does on its own.
"""

from __future__ import annotations

import copy
import logging
from typing import Any
from urllib.parse import urlsplit

import dash
import flask
from dash import _pages  # the router's own path and query parsing, so both agree to the letter
from dash.development.base_component import Component

log = logging.getLogger(__name__)

CONTENT, LOCATION, STORE = "_pages_content", "_pages_location", "_pages_store"


def page_for(pathname: str, search: str) -> tuple[Any, dict[str, Any]] | None:
    """The page's layout and the router's store (its title) for a URL, exactly as Dash's router
    callback computes them; ``None`` for a path no page claims (the router answers the 404)."""
    app = dash.get_app()
    page, path_variables = _pages._path_to_page(app.strip_relative_path(pathname))
    if not page:
        return None
    params = {**(path_variables or {}), **_pages._parse_query_string(search)}
    layout = page.get("layout", "")
    title = page["title"]
    return (
        layout(**params) if callable(layout) else layout,
        {"title": title(**(path_variables or {})) if callable(title) else title},
    )


def _requested_page() -> tuple[str, str] | None:
    """The path and query of the document fetching its layout, when that is knowable and ours."""
    if not flask.has_request_context() or not flask.request.path.endswith("/_dash-layout"):
        return None
    referer = urlsplit(flask.request.headers.get("Referer", ""))
    here = urlsplit(flask.request.host_url)
    if (referer.scheme, referer.netloc) != (here.scheme, here.netloc):
        return None
    return referer.path or "/", f"?{referer.query}" if referer.query else ""


def _by_id(root: Component) -> dict[str, Component]:
    found: dict[str, Component] = {}
    for child in root.children or []:  # the container is one level deep
        if isinstance(child, Component) and isinstance(getattr(child, "id", None), str):
            found[child.id] = child  # type: ignore[attr-defined]
    return found


def page_container() -> Component:
    """``dash.page_container``, filled with the requested page when the request says which."""
    container = copy.deepcopy(dash.page_container)
    wanted = _requested_page()
    if wanted is None:
        return container
    pathname, search = wanted
    try:
        rendered = page_for(pathname, search)
    except Exception:  # the router will render it again and show the failure where pages show theirs
        log.exception("first render of %s%s failed; leaving it to the router", pathname, search)
        return container
    if rendered is None:
        return container
    parts = _by_id(container)
    parts[CONTENT].children = rendered[0]  # type: ignore[attr-defined]
    parts[STORE].data = rendered[1]  # type: ignore[attr-defined]
    location = parts[LOCATION]
    location.pathname, location.search = pathname, search  # type: ignore[attr-defined]
    return container
