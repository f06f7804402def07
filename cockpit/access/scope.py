"""Region scope, enforced in the query layer.

A principal's scope is one region of the admin tree; they may see it and its descendants, never
an ancestor's other children (a sibling's detail). Every query-layer method that takes a region
is wrapped by :func:`scoped`, so a tampered URL, callback payload, API call or export naming a
region outside scope is refused however it arrived; list queries that name no region
(:func:`scoped_list`) return only in-scope rows.

Roll-ups: a scoped user sees their own region's figures (the roll-up of everything below it)
but no ancestor's: an ancestor's total mixes in the siblings' data, and its ranking tables
would rank them. Entry points (pages, API, exports) refuse an ancestor like any other
out-of-scope region. Inside the query layer one exception keeps maps working: a row-per-region
frame asked for an ancestor (a county's map draws its parent's children) comes back cut down to
the in-scope rows, with sibling ranks blanked — never an ancestor-wide aggregate.

Outside a request (CLI, ETL, cron briefings) there is no principal and nothing is restricted.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import flask
import pandas as pd

from cockpit.access import audit
from cockpit.memo import HasMemo, Memo
from cockpit.principal import AccessDenied, Principal, ScopeDenied, current_principal
from cockpit.principal import inside_guard as _INSIDE
from cockpit.settings import Settings

# _INSIDE is set while a guarded query runs: the queries it calls in turn were vouched for by the
# outer check and run unfiltered, so memoized intermediate results never hold a cut-down frame.
F = TypeVar("F", bound=Callable[..., Any])
# Columns that rank a region among its siblings; blanked when siblings are cut away.
RANK_COLUMNS = ("rank", "prev_rank", "movement", "score_rank")
_AUDITED_KEY = "cockpit_scope_denied"
EXTENSION = "cockpit.scope"


class RegionTree(HasMemo, Protocol):
    """What a scope check needs of the warehouse: the admin tree (the query layer's Warehouse)."""

    def region(self, adcode: str) -> dict[str, Any] | None: ...

    def lineage(self, adcode: str) -> list[dict[str, Any]]: ...

    def cached_df(
        self, name: str, sql: str, params: list[Any] | dict[str, Any] | None = None
    ) -> pd.DataFrame: ...


class ScopeContext(Protocol):
    """What scope checks read from the app, handed over at ``init_app`` (the app's Services):
    the settings (the province, the audit store) and the region tree."""

    @property
    def settings(self) -> Settings: ...

    @property
    def warehouse(self) -> RegionTree: ...


def context() -> ScopeContext:
    """The current app's scope context (set by :func:`init_app`)."""
    return flask.current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def ancestors(warehouse: RegionTree, adcode: str) -> list[str]:
    """``adcode`` and its ancestors up to the province, nearest first (from the region table)."""
    return [str(row["adcode"]) for row in reversed(warehouse.lineage(adcode))]


def in_scope(warehouse: RegionTree, scope: str, adcode: str) -> bool:
    """True when ``adcode`` is ``scope`` or lies below it in the admin tree."""
    return scope in ancestors(warehouse, adcode)


# The admin tree is the public reference every scope check walks; a county user may know it.
DESCENDANTS = Memo("descendants", scope_free="the public admin tree below a region", local=True)


def descendants(warehouse: RegionTree, scope: str) -> frozenset[str]:
    """``scope`` and every region below it (memoized per snapshot: the tree only changes on init)."""
    return DESCENDANTS.get(warehouse, scope, lambda: _descendants(warehouse, scope))


def _descendants(warehouse: RegionTree, scope: str) -> frozenset[str]:
    tree = warehouse.cached_df("scope_tree", "SELECT adcode, parent_adcode FROM region")
    below: dict[str, list[str]] = {}
    for code, parent in zip(tree["adcode"], tree["parent_adcode"], strict=True):
        if isinstance(parent, str):
            below.setdefault(parent, []).append(str(code))
    out, todo = {scope}, [scope]
    while todo:
        for child in below.get(todo.pop(), ()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return frozenset(out)


def visible(warehouse: RegionTree, adcode: str | None) -> bool:
    """May the request's principal see ``adcode``? (No refusal, no audit: for hiding links.)"""
    principal = current_principal()
    if principal is None:
        return True
    return bool(adcode) and in_scope(warehouse, principal.scope, str(adcode))


def home_region(default: str | None = None) -> str:
    """The region a page opens on when the URL names none: the principal's scope, else the province."""
    principal = current_principal()
    if principal is not None:
        return principal.scope
    if default is not None:
        return default
    return context().settings.province_adcode


def _audit_denied(exc: AccessDenied, principal: Principal | None) -> None:
    """One ``denied`` row per refusal; several guarded queries refusing the same tampered
    request write it once."""
    if getattr(exc, "audited", False) or not flask.has_request_context():
        return
    key = (exc.action, exc.region)
    seen: set[tuple[str, str | None]] = flask.g.setdefault(_AUDITED_KEY, set())
    exc.audited = True  # type: ignore[attr-defined]
    if key in seen or EXTENSION not in flask.current_app.extensions:
        return
    seen.add(key)
    detail: dict[str, Any] = {"action": exc.action, "reason": exc.message}
    if principal is not None:
        detail["scope"] = principal.scope
    audit.record(context().settings, "denied", outcome="denied", region=exc.region, detail=detail)


def deny(adcode: Any, *, action: str = "scope") -> ScopeDenied:
    """A recorded refusal to raise: ``raise deny(code)``."""
    principal = current_principal()
    exc = ScopeDenied(str(adcode)[:40], principal)
    exc.action = action
    _audit_denied(exc, principal)
    return exc


def require_region(warehouse: RegionTree, adcode: Any, *, action: str = "scope") -> None:
    """Raises (and audits) :class:`ScopeDenied` when the request's principal may not see ``adcode``."""
    principal = current_principal()
    if principal is None:
        return
    if not isinstance(adcode, str) or not in_scope(warehouse, principal.scope, adcode):
        raise deny(adcode, action=action)


def permitted(permission: str) -> bool:
    """Whether the signed-in principal's role grants ``permission`` (no principal — the CLI, a job
    started by the system — may): what a page offers; ``require_permission`` is what it enforces."""
    principal = current_principal()
    return principal is None or principal.can(permission)  # type: ignore[arg-type]


def require_permission(permission: str, *, region: str | None = None, message: str = "") -> Principal | None:
    """Raises (and audits) :class:`AccessDenied` when the principal's role lacks ``permission``."""
    principal = current_principal()
    if permitted(permission):
        return principal
    exc = AccessDenied(message or "当前角色无权执行此操作", action=permission, region=region)
    _audit_denied(exc, principal)
    raise exc


def filter_rows(warehouse: RegionTree, frame: pd.DataFrame, column: str = "adcode") -> pd.DataFrame:
    """``frame`` cut down to rows whose ``column`` is in the principal's scope."""
    principal = current_principal()
    if principal is None or column not in frame.columns:
        return frame
    allowed = descendants(warehouse, principal.scope)
    return frame[frame[column].astype(str).isin(allowed)]


def _warehouse_of(obj: Any) -> Any:
    return getattr(obj, "wh", obj)


def scoped(param: str, *, get: Callable[[Any], Any] | None = None, rows: str = "adcode") -> Callable[[F], F]:
    """Guards a query method whose ``param`` names a region (``get`` extracts it from a richer
    argument, such as a compiled explorer query). In scope: runs. An ancestor of the scope: runs
    only if the answer is a per-region frame, cut down to in-scope rows with ranks blanked.
    Anything else: refused and audited. ``rows`` names the column holding each row's region."""

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)
        if param not in signature.parameters:
            raise TypeError(f"{fn.__qualname__} has no parameter {param!r}")

        @functools.wraps(fn)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal is None or _INSIDE.get():
                return fn(self, *args, **kwargs)
            bound = signature.bind(self, *args, **kwargs)
            raw = bound.arguments.get(param)
            adcode = get(raw) if get is not None else raw
            wh = _warehouse_of(self)
            if adcode is None and get is None:
                chain, above = [], True  # an optional parent left out: the top level, cut to scope
            elif not isinstance(adcode, str):
                raise deny(adcode)
            else:
                chain = ancestors(wh, adcode)
                above = principal.scope != adcode and adcode in ancestors(wh, principal.scope)
            if principal.scope not in chain and not above:
                raise deny(adcode)
            token = _INSIDE.set(True)
            try:
                result = fn(self, *args, **kwargs)
            finally:
                _INSIDE.reset(token)
            if principal.scope in chain:
                return result
            if not isinstance(result, pd.DataFrame) or rows not in result.columns:
                raise deny(adcode)  # an ancestor-wide aggregate: never for a scoped user
            cut = filter_rows(wh, result, rows)
            ranks: dict[str, Any] = {c: pd.NA for c in RANK_COLUMNS if c in cut.columns}
            return cut.assign(**ranks).reset_index(drop=True) if ranks else cut.reset_index(drop=True)

        guarded.__region_guard__ = param  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return wrap


def scoped_list(column: str = "adcode", *, only: tuple[str, str] | None = None) -> Callable[[F], F]:
    """For list queries that name no region but return per-region rows (all counties, the search
    index): keeps only the principal's in-scope rows. ``only=(kind_column, kind)`` filters just
    the rows of that kind (the search index also lists indicators)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def listed(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = fn(self, *args, **kwargs)
            if current_principal() is None or _INSIDE.get() or not isinstance(result, pd.DataFrame):
                return result
            wh = _warehouse_of(self)
            if only is None:
                return filter_rows(wh, result, column).reset_index(drop=True)
            kind_column, kind = only
            allowed = descendants(wh, current_principal().scope)  # type: ignore[union-attr]
            keep = (result[kind_column] != kind) | result[column].astype(str).isin(allowed)
            return result[keep].reset_index(drop=True)

        listed.__region_list__ = column  # type: ignore[attr-defined]
        return listed  # type: ignore[return-value]

    return wrap


def unrestricted(reason: str) -> Callable[[F], F]:
    """Marks a query that takes a region but is deliberately unguarded (``reason`` says why), so
    the test enumerating the query layer knows it was considered."""

    def wrap(fn: F) -> F:
        fn.__region_unrestricted__ = reason  # type: ignore[attr-defined]
        return fn

    return wrap


def denied_response(exc: AccessDenied) -> tuple[flask.Response, int]:
    """403 with the Chinese message (audited once). Blueprints with their own catch-all
    ``Exception`` handler must register this too: Flask prefers a blueprint's handler for any
    base class over the app's handler for the exact class."""
    _audit_denied(exc, current_principal())
    return flask.jsonify(error=exc.message, status=exc.status), exc.status


def init_app(server: flask.Flask, app_context: ScopeContext) -> None:
    """Refusals answer 403 with a Chinese message, whichever entry point raised them; checks read
    the province, the audit store and the region tree from ``app_context`` (the app's Services)."""
    server.extensions[EXTENSION] = app_context
    server.register_error_handler(AccessDenied, denied_response)


def scoped_result(field: str = "adcode") -> Callable[[F], F]:
    """For a lookup by some other key (an incident id) whose one-row answer names its region:
    refused when that region is out of scope."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = fn(self, *args, **kwargs)
            if isinstance(result, dict) and current_principal() is not None and not _INSIDE.get():
                require_region(_warehouse_of(self), result.get(field))
            return result

        checked.__region_result__ = field  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return wrap
