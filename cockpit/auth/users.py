"""Users, roles, region scope and kiosk device tokens, in ``<warehouse>/access.sqlite3``.

The store sits beside the snapshots, never inside one, so publishing a snapshot cannot lose a
user, and every server worker and the CLI share it (SQLite's lock serialises writers across
processes). Passwords are hashed with argon2id; device tokens (the wall's way back in after a
session expires) are stored as SHA-256 digests, so a copy of the file yields no credential.

    store = UserStore(settings)
    store.create("li", "…", "staff", "141100", actor=admin)   # admin may not exceed their own rank/scope
    user = store.verify("li", "…")                           # None when wrong, unknown or disabled

``actor=None`` means the operator at the command line, who has the file-system rights anyway.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cockpit.access import audit
from cockpit.access.scope import in_scope
from cockpit.principal import ROLE_RANK, ROLES, AccessDenied, Principal, current_principal
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse

STORE_NAME = "access.sqlite3"
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
ADCODE = re.compile(r"^\d{6}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # argon2 accepts any length; a cap keeps a hostile form from costing CPU
_hasher = PasswordHasher()
# Verifying against this when the user is unknown keeps the answer time the same either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

_DDL = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    disabled INTEGER NOT NULL DEFAULT 0,
    generation INTEGER NOT NULL DEFAULT 1,  -- bumped on password change: older sessions end
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_tokens (
    digest TEXT PRIMARY KEY,                -- sha256 of the token; the token itself is never stored
    username TEXT NOT NULL REFERENCES users(username),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT
);
"""


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

    def principal(self) -> Principal:
        return Principal(self.username, self.role, self.scope, self.display_name)  # type: ignore[arg-type]


def store_path(settings: Settings) -> Path:
    return settings.warehouse_path / STORE_NAME


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = store_path(settings)

    def _now(self) -> str:
        return self.settings.now().isoformat(timespec="seconds")

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(_DDL)
        return con

    # --- reading ------------------------------------------------------------------------------
    def get(self, username: str) -> User | None:
        if not isinstance(username, str) or not USERNAME.match(username):
            return None
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone()
        return _user(row) if row else None

    def list(self) -> list[User]:
        with closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM users ORDER BY username").fetchall()
        return [_user(r) for r in rows]

    def verify(self, username: str, password: str) -> User | None:
        """The enabled user with this password, or None (wrong, unknown or disabled alike)."""
        if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD:
            return None
        found = None
        if isinstance(username, str) and USERNAME.match(username):
            with closing(self._connect()) as con:
                found = con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone()
        try:
            _hasher.verify(found["password_hash"] if found else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if found is None or found["disabled"]:
            return None
        if _hasher.check_needs_rehash(found["password_hash"]):  # parameters were raised since
            with closing(self._connect()) as con:
                con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                            [_hasher.hash(password), username])  # fmt: skip
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
            _check_password(password)
            self._check_grant(actor, role, scope)
            display = _check_display(display_name)
        except AccessDenied as exc:
            self._audit_denied(actor, change, exc)
            raise
        now = self._now()
        try:
            with closing(self._connect()) as con:
                con.execute(
                    "INSERT INTO users (username, password_hash, role, scope, display_name, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [username, _hasher.hash(password), role, scope, display, now, now],
                )
        except sqlite3.IntegrityError as exc:
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
        actor: Principal | None = None,
    ) -> User:
        target = self.get(username)
        if target is None:
            raise UserError(f"没有用户 {str(username)[:64]}")
        change: dict[str, Any] = {"action": "update", "target": username}
        change.update({k: v for k, v in {"role": role, "scope": scope, "disabled": disabled,
                                         "display_name": display_name}.items() if v is not None})  # fmt: skip
        if password is not None:
            change["password"] = "changed"  # never the password itself
        try:
            if password is not None:
                _check_password(password)
            display = _check_display(display_name) if display_name is not None else None
            # The target must be someone the actor could have created: not above them, not elsewhere.
            self._check_grant(actor, target.role, target.scope, about=username)
            self._check_grant(actor, role or target.role, scope or target.scope)
            if actor is not None and actor.username == username and disabled:
                raise AccessDenied("不能停用自己的账号", action="user_change")
        except AccessDenied as exc:
            self._audit_denied(actor, change, exc)
            raise
        sets: list[str] = []
        params: list[Any] = []
        for column, value in (("role", role), ("scope", scope), ("display_name", display)):
            if value is not None:
                sets.append(f"{column} = ?")  # column names are the fixed ones above
                params.append(value)
        if disabled is not None:
            sets.append("disabled = ?")
            params.append(int(disabled))
        if password is not None:
            sets += ["password_hash = ?", "generation = generation + 1"]
            params.append(_hasher.hash(password))
        with closing(self._connect()) as con:
            if sets:
                con.execute(f"UPDATE users SET {', '.join(sets)}, updated_at = ? WHERE username = ?",
                            [*params, self._now(), username])  # fmt: skip
            if disabled or (role is not None and role != "kiosk"):
                # A disabled account or one no longer a wall loses its walls' way back in.
                con.execute("DELETE FROM device_tokens WHERE username = ?", [username])
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
        with closing(self._connect()) as con:
            con.execute(
                "INSERT INTO device_tokens (digest, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [_digest(token), username, now.isoformat(timespec="seconds"),
                 (now + timedelta(days=days)).isoformat(timespec="seconds")],
            )  # fmt: skip
        return token

    def device_user(self, token: str) -> User | None:
        """The enabled kiosk user a live device token belongs to; None for anything else."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        now = self._now()
        with closing(self._connect()) as con:
            row = con.execute(
                "SELECT u.* FROM device_tokens d JOIN users u USING (username)"
                " WHERE d.digest = ? AND d.expires_at > ?",
                [_digest(token), now],
            ).fetchone()
            if row is not None:
                con.execute(
                    "UPDATE device_tokens SET last_used_at = ? WHERE digest = ?", [now, _digest(token)]
                )
        if row is None or row["disabled"] or row["role"] != "kiosk":
            return None
        return _user(row)

    def revoke_device_token(self, token: str) -> None:
        """Forgets one device token (the wall that signed out on purpose)."""
        if isinstance(token, str) and len(token) <= 100:
            with closing(self._connect()) as con:
                con.execute("DELETE FROM device_tokens WHERE digest = ?", [_digest(token)])

    def revoke_device_tokens(self, username: str, actor: Principal | None = None) -> int:
        change = {"action": "revoke_device_tokens", "target": username}
        target = self.get(username)
        if target is None:
            raise UserError(f"没有用户 {str(username)[:64]}")
        try:
            self._check_grant(actor, target.role, target.scope, about=username)
        except AccessDenied as exc:
            self._audit_denied(actor, change, exc)
            raise
        with closing(self._connect()) as con:
            removed = con.execute("DELETE FROM device_tokens WHERE username = ?", [username]).rowcount
        self._audit_ok(actor, {**change, "removed": removed}, target.scope)
        return int(removed)

    # --- the privilege rules ------------------------------------------------------------------
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


def _user(row: sqlite3.Row) -> User:
    return User(row["username"], row["role"], row["scope"], row["display_name"], bool(row["disabled"]),
                int(row["generation"]), row["created_at"], row["updated_at"])  # fmt: skip


def _check_username(username: str) -> None:
    if not isinstance(username, str) or not USERNAME.match(username):
        raise UserError("用户名须为 2–64 位字母、数字或 _ . @ -")


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(f"密码长度须为 {MIN_PASSWORD}–{MAX_PASSWORD} 位")


def _check_display(display_name: str | None) -> str:
    text = (display_name or "").strip()
    if len(text) > 64 or any(ord(c) < 32 for c in text):
        raise UserError("显示名称须少于 64 字且不含控制字符")
    return text
