"""Scope at the Dash entry points: the callback endpoint and the page layouts.

The query layer already refuses an out-of-scope region, but many callbacks catch every
exception to keep one tile's failure off the rest of the wall, which would turn a refusal into
an error tile. So ``/_dash-update-component`` is checked before any callback runs: every region
code a payload carries in its inputs and state (stores, click data, dropdown values) must be in
the principal's scope, or the request answers 403 and is audited.

Navigation (the app's own ``dcc.Location``'s pathname and search, where the callback declares them)
is left to the page layouts, wrapped here:
a page asked for an out-of-scope region renders a refusal page instead of the region (audited
by the query layer's check), and every page render records one ``view`` audit row with its
region and filters — once per navigation, not per tile callback.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import dash
import flask
from dash import dcc, html
from werkzeug.exceptions import BadRequest

from cockpit import ids
from cockpit.access import audit, scope
from cockpit.principal import PERMISSION_NAMES, AccessDenied, current_principal, page_permission

NAV_PROPS = frozenset({"pathname", "search", "href", "hash"})
# The app's dcc.Location components (the root's and Dash pages' router): only their navigation
# props are exempt, and only where the callback declares them — Dash hands values to a callback by
# position, whatever id or property the payload names.
LOCATION_IDS = frozenset({ids.URL, "_pages_location"})
_CODE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")
_MAX_CODES = 200  # a payload naming more regions than any screen shows is refused outright
_MAX_DEPTH = 12
_MAX_TEXT = 4000
CALLBACK_ENDPOINT = "_dash-update-component"


class PayloadTooDeep(BadRequest):
    description = "请求数据嵌套过深"


def _props(item: Any, depth: int = 0) -> Iterator[Any]:
    """The value of every input/state entry; pattern-matching ones come as lists (nested deeper
    than any screen sends: refused, since Dash would hand them on unchecked)."""
    if depth > _MAX_DEPTH:
        raise PayloadTooDeep()
    if isinstance(item, list):
        for entry in item:
            yield from _props(entry, depth + 1)
    elif isinstance(item, dict) and "property" in item:
        yield item.get("value")


def _navigation(entry: Any, declared: Any) -> bool:
    """A Location's pathname/search that the callback declares at this very position."""
    if not isinstance(entry, dict) or not isinstance(declared, dict):
        return False
    ident, prop = entry.get("id"), entry.get("property")
    return (
        isinstance(ident, str)
        and ident in LOCATION_IDS
        and prop in NAV_PROPS
        and (declared.get("id"), declared.get("property")) == (ident, prop)
    )


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value[:_MAX_TEXT]
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)[:_MAX_TEXT]
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)


def payload_regions(body: Any, spec: dict[str, Any] | None = None) -> set[str]:
    """Six-digit codes in a callback payload's inputs and state. Only the navigation props of the
    app's Locations that ``spec`` (the callback's entry in ``app.callback_map``) declares at the
    same position are left out; without a spec every value is checked."""
    found: set[str] = set()
    if not isinstance(body, dict):
        return found
    for key in ("inputs", "state"):
        entries = body.get(key) or []
        declared = list((spec or {}).get(key) or [])
        for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            if _navigation(entry, declared[i] if i < len(declared) else None):
                continue
            for value in _props(entry, 1):
                for text in _strings(value):
                    found.update(_CODE.findall(text))
    return found


WALL_CALLBACKS = "cockpit.wall_callbacks"


def allow_on_wall(app: dash.Dash, outputs: set[str]) -> None:
    """Marks callbacks (by their output key) as the wall's own: all a role without "desk" may call."""
    app.server.extensions.setdefault(WALL_CALLBACKS, set()).update(outputs)


def _wall_callback(body: Any) -> bool:
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str):
        return False
    if output in flask.current_app.extensions.get(WALL_CALLBACKS, ()):
        return True
    # Dash's page routing: the page it renders checks its own permission (guard_layout).
    return (output.startswith("..") and "_pages_content.children" in output) or output.startswith("_pages_")


def _body() -> Any:
    """The callback payload; nesting too deep for the parser answers 400, not 500."""
    try:
        return flask.request.get_json(silent=True)
    except RecursionError:
        raise PayloadTooDeep() from None


def check_callback_payload(callback_map: dict[str, Any] | None = None) -> None:
    """Refuses (403, audited) a callback whose payload names a region outside scope, and any
    callback but the wall's own for a role that may see only the wall; a payload nested too
    deep answers 400."""
    body = _body()
    principal = current_principal()
    if principal is None:
        return
    if not principal.can("desk") and not _wall_callback(body):
        scope.require_permission("desk", message="当前角色只能查看大屏")
    wh = scope.context().warehouse
    output = body.get("output") if isinstance(body, dict) else None
    spec = (callback_map or {}).get(output) if isinstance(output, str) else None
    try:
        codes = payload_regions(body, spec)
    except RecursionError:
        raise PayloadTooDeep() from None
    if len(codes) > _MAX_CODES:
        raise scope.deny(f"{len(codes)}个地区", action="callback")
    for code in sorted(codes):
        # Six digits that name no region (a count, a date fragment) concern no one's scope.
        if wh.region(code) is not None and not scope.visible(wh, code):
            raise scope.deny(code, action="callback")


def gate_callbacks(app: dash.Dash) -> None:
    """Wraps Dash's callback view so the payload check runs after every ``before_request`` hook
    (where sign-in sets the principal), whatever order those were registered in."""
    server = app.server
    endpoint = app.config.routes_pathname_prefix + CALLBACK_ENDPOINT
    original = server.view_functions[endpoint]
    if getattr(original, "__scope_gate__", False):
        return

    @functools.wraps(original)
    def gated(*args: Any, **kwargs: Any) -> Any:
        check_callback_payload(app.callback_map)
        try:
            return original(*args, **kwargs)
        except RecursionError:  # Dash walks nested inputs recursively too
            raise PayloadTooDeep() from None

    gated.__scope_gate__ = True  # type: ignore[attr-defined]
    server.view_functions[endpoint] = gated


def refusal(exc: AccessDenied) -> html.Div:
    home = scope.home_region()
    return html.Div(
        [
            html.H2("无权查看", className="notice-title"),
            html.P(f"{exc.message}：超出您的数据权限范围，本次访问已记录。", className="notice"),
            dcc.Link("返回本辖区", href=f"/?region={home}", className="header-btn"),
        ],
        className="page-notice refused",
    )


def _record_view(path: str, params: dict[str, Any]) -> None:
    if current_principal() is None or not flask.has_request_context():
        return
    region = str(params.get("adcode") or params.get("region") or scope.home_region())[:12]
    filters = {str(k)[:32]: str(v)[:64] for k, v in params.items() if k not in ("adcode", "region")}
    audit.record(scope.context().settings, "view", region=region, path=path[:200],
                 detail={"page": path, "filters": filters})  # fmt: skip


def guard_layout(path: str, layout: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(layout, "__scope_wrapped__", False):
        return layout

    needed = page_permission(path)

    @functools.wraps(layout)
    def guarded(**params: Any) -> Any:
        try:
            scope.require_permission(needed, message=f"当前角色无权{PERMISSION_NAMES[needed]}")
            page = layout(**params)
        except AccessDenied as exc:
            return refusal(exc)
        _record_view(path, params)
        return page

    guarded.__scope_wrapped__ = True  # type: ignore[attr-defined]
    return guarded


def guard_pages() -> None:
    """Wraps every registered page's layout function (call after the pages are registered)."""
    for page in dash.page_registry.values():
        if callable(page.get("layout")):
            page["layout"] = guard_layout(str(page.get("path") or ""), page["layout"])


def init_app(app: dash.Dash) -> None:
    """The callback gate and the page guards (after ``scope.init_app`` has handed scope its context)."""
    gate_callbacks(app)
    guard_pages()
