"""Region scope, enforced in the query layer.

A principal's scope is one region of the admin tree; they may see it and its descendants, never
an ancestor's other children (a sibling's detail). Every query-layer function that takes a
region calls :func:`require_region` before it runs, so a tampered URL, callback payload, API
call or export naming a region outside scope is refused however it arrived.
"""

from __future__ import annotations

from typing import Any

import flask

from cockpit.access.principal import AccessDenied, ScopeDenied, current_principal


def ancestors(warehouse: Any, adcode: str) -> list[str]:
    """``adcode`` and its ancestors up to the province, nearest first (from the region table)."""
    chain: list[str] = []
    code: str | None = adcode
    while code and code not in chain:
        chain.append(code)
        row = warehouse.region(code)
        code = row.get("parent_adcode") if row else None
    return chain


def in_scope(warehouse: Any, scope: str, adcode: str) -> bool:
    """True when ``adcode`` is ``scope`` or lies below it in the admin tree."""
    return scope in ancestors(warehouse, adcode)


def require_region(warehouse: Any, adcode: str) -> None:
    """Raises :class:`ScopeDenied` when the request's principal may not see ``adcode``."""
    principal = current_principal()
    if principal is None:
        return
    if not in_scope(warehouse, principal.scope, str(adcode)):
        raise ScopeDenied(str(adcode), principal)


def init_app(server: flask.Flask) -> None:
    """Refusals answer 403 with a Chinese message, whichever entry point raised them."""

    @server.errorhandler(AccessDenied)
    def _denied(exc: AccessDenied) -> tuple[flask.Response, int]:
        from cockpit.access import audit
        from cockpit.services import current

        audit.record(current().settings, "denied", outcome="denied", region=exc.region,
                     detail={"action": exc.action, "reason": exc.message})  # fmt: skip
        return flask.jsonify(error=exc.message), exc.status
