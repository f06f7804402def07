"""The signed-in principal of a request, its role and region scope.

The auth layer (``cockpit.auth``) sets the principal at the start of every request with
:func:`set_principal`; everything else reads it with :func:`current_principal`. Outside a
request (the CLI, the ETL scheduler, a briefing run from cron) there is no principal and no
scope restriction: those run with the operator's own file-system rights.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

import flask

Role = Literal["kiosk", "leader", "staff", "admin"]
ROLES: tuple[Role, ...] = ("kiosk", "leader", "staff", "admin")
ROLE_NAMES: dict[str, str] = {"kiosk": "大屏展示", "leader": "领导", "staff": "工作人员", "admin": "管理员"}
# Higher rank may do everything a lower rank may; nobody grants a role above their own.
ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}

Permission = Literal["view", "reconcile", "export", "feeds", "users", "audit"]
# "reconcile" (数据核验, /reconcile) is for people who act on a disputed figure, not for the wall.
PERMISSIONS: dict[str, frozenset[str]] = {
    "kiosk": frozenset({"view"}),
    "leader": frozenset({"view", "reconcile"}),
    "staff": frozenset({"view", "reconcile", "export"}),
    "admin": frozenset({"view", "reconcile", "export", "feeds", "users", "audit"}),
}

_G_KEY = "cockpit_principal"
# Set while a scope-guarded query runs (``cockpit.access.scope``): the region was vouched for, the
# queries it calls in turn run unfiltered and the guard cuts the answer to the scope afterwards.
inside_guard: ContextVar[bool] = ContextVar("cockpit_scope_inside", default=False)
# The name of the scope-free memo whose value is being built (``cockpit.memo``), if any.
scope_free_build: ContextVar[str | None] = ContextVar("cockpit_scope_free_build", default=None)


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    scope: str  # adcode of the region this person may see: the province, a city or a county
    display_name: str = ""

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


class AccessDenied(PermissionError):
    """Refused: the message is Chinese and safe to show; the audit log gets the detail."""

    status = 403

    def __init__(self, message: str, *, action: str = "access", region: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.action = action
        self.region = region


class ScopeDenied(AccessDenied):
    """A region outside the principal's scope was asked for (a tampered URL, payload or export)."""

    def __init__(self, adcode: str, principal: Principal | None) -> None:
        who = principal.username if principal else "?"
        super().__init__(f"无权查看地区 {adcode[:12]}", action="scope", region=adcode[:12])
        self.adcode = adcode
        self.who = who


class ScopeFreeViolation(RuntimeError):
    """A memo declared scope-free built a value that depends on who is looking: it would hand one
    viewer's rendering to another. A programming error, never shown to a user as data."""


def current_principal() -> Principal | None:
    if not flask.has_request_context():
        return None
    principal: Principal | None = flask.g.get(_G_KEY)
    if principal is not None and (memo := scope_free_build.get()) and not inside_guard.get():
        raise ScopeFreeViolation(
            f"memo {memo!r} is declared scope-free, but building it asked who the viewer is "
            "outside a scope guard: key it by the viewer instead"
        )
    return principal


def set_principal(principal: Principal | None) -> None:
    setattr(flask.g, _G_KEY, principal)


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    """Runs a block as ``principal`` inside the current request (for tests and background jobs
    that act for a user, such as a briefing requested from a page)."""
    previous = current_principal()
    set_principal(principal)
    try:
        yield
    finally:
        set_principal(previous)
