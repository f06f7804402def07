"""Users, roles, region scope, the alarm duty flag and kiosk device tokens, in the cockpit's store
(``cockpit.store``: ``<warehouse>/cockpit.sqlite3`` unless ``COCKPIT_DATABASE_URL`` says otherwise).

The store sits beside the snapshots, never inside one, so publishing a snapshot cannot lose a
user, and every server worker and the CLI share it. Passwords are hashed with argon2id and must
pass the policy of ``cockpit.auth.passwords``; device tokens (the wall's way back in after a
session expires) are stored as SHA-256 digests, so a copy of the database yields no credential.

    store = UserStore(settings)
    store.create("li", "…", "staff", "141100", actor=admin)   # admin may not exceed their own rank/scope
    user = store.verify("li", "…")                           # None when wrong, unknown or disabled
    store.sign_out("li", actor=admin)                        # ends every session of li at once

``actor=None`` means the operator at the command line, who has the file-system rights anyway.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cockpit import store
from cockpit.access import audit
from cockpit.access.scope import in_scope
from cockpit.auth.passwords import MAX_PASSWORD, password_problem
from cockpit.principal import ROLE_RANK, ROLES, AccessDenied, Principal, current_principal
from cockpit.settings import Settings
from cockpit.store import remembered
from cockpit.store import sessions as server_sessions
from cockpit.store.tables import device_token, users
from cockpit.warehouse.queries import Warehouse

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
ADCODE = re.compile(r"^\d{6}$")
# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). argon2-cffi's default
# (RFC 9106's low-memory profile: 64 MiB, 4 lanes) held 64 MiB per sign-in: two sign-ins at once
# raised a serving worker's peak by 130 MB, a third of its budget. Sign-in is also rate-limited and
# locked out after repeated failures (cockpit.store.lockout). A stored hash made with other
# parameters is rehashed with these at its next successful sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# One hash at a time per process: a sign-in storm (fifty viewers after a restart) then costs a
# worker 19 MiB, not 19 MiB per request thread; each hash takes tens of milliseconds.
_hashing = threading.Lock()


def _verify(password_hash: str, password: str) -> None:
    with _hashing:
        _hasher.verify(password_hash, password)


def _hash(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so the answer takes as long either way (made on
    first use, not at import: every process importing this module paid for a hash)."""
    return _hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A bad name, role, scope or password: the message is Chinese and safe to show."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    scope: str
    display_name: str
    disabled: bool
    generation: int
    created_at: str
    updated_at: str
    duty: bool = False  # on duty for alarms: may acknowledge them within the scope

    def principal(self) -> Principal:
        return Principal(self.username, self.role, self.scope, self.display_name, duty=self.duty)  # type: ignore[arg-type]


def store_path(settings: Settings) -> Path:
    """The SQLite file holding the users: the store's own file, unless it is a server database."""
    return store.sqlite_file(settings.store_url) or settings.warehouse_path / "cockpit.sqlite3"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = store_path(settings)

    def _now(self) -> str:
        return self.settings.now().isoformat(timespec="seconds")

    @property
    def _db(self) -> Engine:
        return store.database(self.settings)  # upgraded on the process's first use

    def _row(self, username: str) -> Any:
        with self._db.connect() as conn:
            return conn.execute(select(users).where(users.c.username == username)).mappings().first()

    # --- reading ------------------------------------------------------------------------------
    def get(self, username: str) -> User | None:
        if not isinstance(username, str) or not USERNAME.match(username):
            return None
        row = self._row(username)
        return _user(row) if row else None

    def list(self) -> list[User]:
        with self._db.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.username)).mappings().all()
        return [_user(r) for r in rows]

    def verify(self, username: str, password: str) -> User | None:
        """The enabled user with this password, or None (wrong, unknown or disabled alike)."""
        if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD:
            return None
        found = None
        if isinstance(username, str) and USERNAME.match(username):
            found = self._row(username)
        try:
            _verify(found["password_hash"] if found else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if found is None or found["disabled"]:
            return None
        if _hasher.check_needs_rehash(found["password_hash"]):  # parameters changed since
            with self._db.begin() as conn:
                conn.execute(update(users).where(users.c.username == username)
                             .values(password_hash=_hash(password)))  # fmt: skip
        return _user(found)

    # --- changing -----------------------------------------------------------------------------
    def create(
        self,
        username: str,
        password: str,
        role: str,
        scope: str,
        display_name: str = "",
        actor: Principal | None = None,
    ) -> User:
        change = {"action": "create", "target": username, "role": role, "scope": scope}
        try:
            _check_username(username)
            _check_password(username, password)
            self._check_grant(actor, role, scope)
            display = _check_display(display_name)
        except AccessDenied as exc:
            self._audit_denied(actor, change, exc)
            raise
        now = self._now()
        try:
            with self._db.begin() as conn:
                conn.execute(
                    insert(users).values(username=username, password_hash=_hash(password), role=role,
                                         scope=scope, display_name=display, created_at=now, updated_at=now)
                )  # fmt: skip
        except IntegrityError as exc:
            raise UserError(f"用户 {username} 已存在") from exc
        self._audit_ok(actor, change, scope)
        user = self.get(username)
        assert user is not None
        return user

    def update(
        self,
        username: str,
        *,
        role: str | None = None,
        scope: str | None = None,
        disabled: bool | None = None,
        password: str | None = None,
        display_name: str | None = None,
        duty: bool | None = None,
        actor: Principal | None = None,
    ) -> User:
        target = self.get(username)
        if target is None:
            raise UserError(f"没有用户 {str(username)[:64]}")
        change: dict[str, Any] = {"action": "update", "target": username}
        change.update({k: v for k, v in {"role": role, "scope": scope, "disabled": disabled,
                                         "display_name": display_name, "duty": duty}.items() if v is not None})  # fmt: skip
        if password is not None:
            change["password"] = "changed"  # never the password itself
        try:
            if password is not None:
                _check_password(username, password)
            display = _check_display(display_name) if display_name is not None else None
            # The target must be someone the actor could have created: not above them, not elsewhere.
            self._check_grant(actor, target.role, target.scope, about=username)
            self._check_grant(actor, role or target.role, scope or target.scope)
            if actor is not None and actor.username == username and disabled:
                raise AccessDenied("不能停用自己的账号", action="user_change")
        except AccessDenied as exc:
            self._audit_denied(actor, change, exc)
            raise
        values: dict[str, Any] = {
            name: value
            for name, value in (("role", role), ("scope", scope), ("display_name", display),
                                ("disabled", disabled), ("duty", duty))
            if value is not None
        }  # fmt: skip
        if password is not None:
            values.update(password_hash=_hash(password), generation=users.c.generation + 1)
        # Who the sessions were opened for has changed: every one of them ends, on every worker.
        ends_sessions = (
            bool(disabled)
            or password is not None
            or (role is not None and role != target.role)
            or (scope is not None and scope != target.scope)
        )
        with self._db.begin() as conn:
            if values:
                conn.execute(update(users).where(users.c.username == username)
                             .values(**values, updated_at=self._now()))  # fmt: skip
            if disabled or (role is not None and role != "kiosk"):
                # A disabled account or one no longer a wall loses its walls' way back in.
                conn.execute(delete(device_token).where(device_token.c.username == username))
            if ends_sessions:
                change["sessions_ended"] = server_sessions.revoke_all_for_user(
                    conn, username, self.settings.now()
                )
                remembered.forget_all(conn, username)  # and every phone that remembered them
        self._audit_ok(actor, change, scope or target.scope)
        user = self.get(username)
        assert user is not None
        return user

    # --- kiosk device tokens ------------------------------------------------------------------
    def issue_device_token(self, username: str, days: int) -> str:
        """A new long random token for a kiosk user's wall; only its digest is kept."""
        user = self.get(username)
        if user is None or user.role != "kiosk" or user.disabled:
            raise UserError(f"{str(username)[:64]} 不是可用的大屏展示账号")
        token = secrets.token_urlsafe(32)
        now = self.settings.now()
        with self._db.begin() as conn:
            conn.execute(
                insert(device_token).values(
                    digest=_digest(token), username=username, created_at=now.isoformat(timespec="seconds"),
                    expires_at=(now + timedelta(days=days)).isoformat(timespec="seconds"),
                )
            )  # fmt: skip
        return token

    def device_user(self, token: str) -> User | None:
        """The enabled kiosk user a live device token belongs to; None for anything else."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        now = self._now()
        digest = _digest(token)
        with self._db.connect() as conn:
            row = (
                conn.execute(
                    select(users)
                    .join(device_token, device_token.c.username == users.c.username)
                    .where(device_token.c.digest == digest, device_token.c.expires_at > now)
                )
                .mappings()
                .first()
            )
        if row is not None:
            with self._db.begin() as conn:
                conn.execute(
                    update(device_token).where(device_token.c.digest == digest).values(last_used_at=now)
                )
        if row is None or row["disabled"] or row["role"] != "kiosk":
            return None
        return _user(row)

    def revoke_device_token(self, token: str) -> None:
        """Forgets one device token (the wall that signed out on purpose)."""
        if isinstance(token, str) and len(token) <= 100:
            with self._db.begin() as conn:
                conn.execute(delete(device_token).where(device_token.c.digest == _digest(token)))

    def revoke_device_tokens(self, username: str, actor: Principal | None = None) -> int:
        change = {"action": "revoke_device_tokens", "target": username}
        target = self._target_for(username, actor, change)
        with self._db.begin() as conn:
            removed = conn.execute(delete(device_token).where(device_token.c.username == username)).rowcount
        self._audit_ok(actor, {**change, "removed": removed}, target.scope)
        return int(removed)

    # --- sessions -------------------------------------------------------------------------------
    def sign_out(self, username: str, actor: Principal | None = None) -> int:
        """Ends every open session of ``username`` at once, and forgets the phones that remembered
        them (audited as a user change); how many sessions. A kiosk account's device tokens stay:
        its walls sign themselves in again (``revoke_device_tokens`` stops that)."""
        change: dict[str, Any] = {"action": "sign_out", "target": username}
        target = self._target_for(username, actor, change)
        ended = server_sessions.revoke_all_for_user(self._db, username, self.settings.now())
        if forgotten := remembered.forget_all(self._db, username):
            change["devices_forgotten"] = forgotten
        self._audit_ok(actor, {**change, "sessions_ended": ended}, target.scope)
        return ended

    # --- the privilege rules ------------------------------------------------------------------
    def _target_for(self, username: str, actor: Principal | None, change: dict[str, Any]) -> User:
        """The user an action is about, when ``actor`` may act on them (refusals audited)."""
        target = self.get(username)
        if target is None:
            raise UserError(f"没有用户 {str(username)[:64]}")
        try:
            self._check_grant(actor, target.role, target.scope, about=username)
        except AccessDenied as exc:
            self._audit_denied(actor, change, exc)
            raise
        return target

    def _check_grant(self, actor: Principal | None, role: str, scope: str, about: str | None = None) -> None:
        """Refuses (AccessDenied) a role above the actor's own or a scope outside theirs."""
        if role not in ROLES:
            raise UserError(f"未知角色 {str(role)[:16]}（可选：{'、'.join(ROLES)}）")
        if not isinstance(scope, str) or not ADCODE.match(scope):
            raise UserError(f"地区代码须为 6 位数字，收到 {str(scope)[:12]}")
        warehouse = self._warehouse()
        if warehouse is not None and warehouse.region(scope) is None:
            raise UserError(f"未知地区 {scope}")
        if actor is None:
            return
        who = f"用户 {about}" if about else "该账号"
        if not actor.can("users"):
            raise AccessDenied("无权管理用户", action="user_change")
        if ROLE_RANK[role] > ROLE_RANK.get(actor.role, -1):
            raise AccessDenied(f"不能授予或管理高于本人的角色（{who}：{role}）", action="user_change")

        if warehouse is None or not in_scope(warehouse, actor.scope, scope):
            raise AccessDenied(f"不能授予或管理本人范围以外的地区（{who}：{scope}）", action="user_change",
                               region=scope)  # fmt: skip

    def _warehouse(self) -> Any:
        warehouse = Warehouse(self.settings)
        return warehouse if warehouse.store.current_id() else None

    def _who(self, actor: Principal | None) -> tuple[str, str | None]:
        if actor is not None:
            return actor.username, actor.role
        if current_principal() is not None:  # pragma: no cover - web code always passes its actor
            p = current_principal()
            return p.username, p.role  # type: ignore[union-attr]
        return f"cli:{_os_user()}", None

    def _audit_ok(self, actor: Principal | None, change: dict[str, Any], scope: str | None) -> None:
        username, role = self._who(actor)
        audit.record(self.settings, "user_change", username=username, role=role, region=scope,
                     detail=change, path=None if actor else "cockpit users")  # fmt: skip

    def _audit_denied(self, actor: Principal | None, change: dict[str, Any], exc: AccessDenied) -> None:
        username, role = self._who(actor)
        audit.record(self.settings, "user_change_denied", outcome="denied", username=username, role=role,
                     region=exc.region, detail={**change, "reason": exc.message},
                     path=None if actor else "cockpit users")  # fmt: skip


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _user(row: Any) -> User:
    return User(row["username"], row["role"], row["scope"], row["display_name"], bool(row["disabled"]),
                int(row["generation"]), row["created_at"], row["updated_at"], bool(row["duty"]))  # fmt: skip


def _check_username(username: str) -> None:
    if not isinstance(username, str) or not USERNAME.match(username):
        raise UserError("用户名须为 2–64 位字母、数字或 _ . @ -")


def _check_password(username: str, password: str) -> None:
    problem = password_problem(username, password)
    if problem is not None:
        raise UserError(problem)


def _check_display(display_name: str | None) -> str:
    text = (display_name or "").strip()
    if len(text) > 64 or any(ord(c) < 32 for c in text):
        raise UserError("显示名称须少于 64 字且不含控制字符")
    return text
