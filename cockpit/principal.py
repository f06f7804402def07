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

# The permission table: what each role may do. The README shows the same table (a test keeps
# them together). "acknowledge" (alarms, /emergency) is held by admins by role and by anyone else
# only through the per-user duty flag (``cockpit users set-duty``), within their scope.
Permission = Literal[
    "wall", "desk", "reconcile", "export", "briefing", "acknowledge", "audit", "users", "feeds"
]
PERMISSION_NAMES: dict[str, str] = {
    "wall": "查看大屏",
    "desk": "查看业务页面",
    "reconcile": "数据核验",
    "export": "明细下钻与导出",
    "briefing": "生成简报",
    "acknowledge": "确认告警（值班）",
    "audit": "查看审计日志",
    "users": "管理用户",
    "feeds": "运行数据源",
}
PERMISSIONS: dict[str, frozenset[str]] = {
    "kiosk": frozenset({"wall"}),
    "leader": frozenset({"wall", "desk", "reconcile", "briefing"}),
    "staff": frozenset({"wall", "desk", "reconcile", "export", "briefing"}),
    "admin": frozenset(PERMISSION_NAMES),
}
DUTY_PERMISSION = "acknowledge"
# The permission a page needs (the wall at "/", any other page "desk" unless listed).
PAGE_PERMISSIONS: dict[str, Permission] = {"/": "wall", "/admin/audit": "audit", "/reconcile": "reconcile"}


def page_permission(path: str) -> Permission:
    return PAGE_PERMISSIONS.get(path, "desk")


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
    duty: bool = False  # on duty for alarms: may acknowledge them within the scope

    def can(self, permission: Permission) -> bool:
        if permission == DUTY_PERMISSION and self.duty and self.role != "kiosk":
            return True
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def shown_name(self) -> str:
        """How the person appears in records others read: the display name, else the user name."""
        return self.display_name or self.username


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
