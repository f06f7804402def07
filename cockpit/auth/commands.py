"""``cockpit users …`` and the demo accounts: user management from the command line.

Without ``--actor`` the operator at the shell acts with full rights (they own the files anyway).
``--actor NAME`` acts as that cockpit user, so the same privilege rules as the web apply: no role
above the actor's own, no scope outside theirs — useful for delegating and for checking a rule.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cockpit.auth import ratelimit
from cockpit.auth.passwords import generate_password
from cockpit.auth.users import User, UserError, UserStore
from cockpit.principal import ROLE_NAMES, ROLES, AccessDenied, Principal
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse

users_app = typer.Typer(help="用户与角色（账号、角色、地区范围、值班、大屏令牌）", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

ActorOption = Annotated[str | None, typer.Option("--actor", help="以该用户身份操作（适用其权限限制）")]
GenerateOption = Annotated[bool, typer.Option("--generate", help="生成随机密码并显示一次")]


class Duty(StrEnum):
    on = "on"
    off = "off"


def _store() -> UserStore:
    return UserStore(Settings())


def _actor(store: UserStore, name: str | None) -> Principal | None:
    if name is None:
        return None
    user = store.get(name)
    if user is None or user.disabled:
        err.print(f"[red]操作者 {name} 不存在或已停用[/]")
        raise typer.Exit(2)
    return user.principal()


def _password(generate: bool, username: str) -> str:
    if generate:
        return generate_password(username)
    prompt = "密码（至少 12 位，不含用户名，不用常见密码）"
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt="再次输入密码"))


def _run(action):  # type: ignore[no-untyped-def]
    """Runs a store call; refusals and bad input end the command with a Chinese message."""
    try:
        return action()
    except AccessDenied as exc:
        err.print(f"[red]拒绝：{exc.message}[/]（已记入审计日志）")
        raise typer.Exit(3) from exc
    except UserError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc


def _region_name(settings: Settings, adcode: str) -> str:
    warehouse = Warehouse(settings)
    if not warehouse.store.current_id():
        return adcode
    row = warehouse.region(adcode)
    return f"{row['name']}（{adcode}）" if row else adcode


def users_table(settings: Settings, users: list[User], passwords: dict[str, str] | None = None,
                title: str = "用户") -> Table:  # fmt: skip
    table = Table(title=title)
    for col in (
        "用户名",
        "姓名",
        "角色",
        "地区范围",
        "状态",
        "值班",
        *(("密码",) if passwords is not None else ()),
    ):
        # The password must never be cut short by a narrow terminal; other columns fold instead.
        table.add_column(col, no_wrap=col in ("密码", "用户名"), overflow="fold")
    for user in users:
        cells = [user.username, user.display_name or "—", ROLE_NAMES.get(user.role, user.role),
                 _region_name(settings, user.scope), "[red]停用[/]" if user.disabled else "[green]启用[/]",
                 "值班" if user.duty else "—"]  # fmt: skip
        if passwords is not None:
            cells.append(passwords.get(user.username, "（未改动）"))
        table.add_row(*cells)
    return table


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option(help=f"角色：{'、'.join(ROLES)}")],
    scope: Annotated[str, typer.Option(help="地区范围（行政区划代码：省、市或县）")],
    name: Annotated[str, typer.Option(help="显示名称")] = "",
    generate: GenerateOption = False,
    actor: ActorOption = None,
) -> None:
    """新增用户：指定角色与地区范围（密码现场输入，或自动生成）。"""
    store = _store()
    who = _actor(store, actor)
    password = _password(generate, username)
    user = _run(lambda: store.create(username, password, role, scope, name, actor=who))
    console.print(
        users_table(store.settings, [user], {user.username: password} if generate else None, "已添加")
    )


@users_app.command("list")
def list_users(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """列出全部用户：角色、地区范围与状态。"""
    store = _store()
    users = store.list()
    if as_json:
        print(json.dumps([{"username": u.username, "display_name": u.display_name, "role": u.role,
                           "scope": u.scope, "disabled": u.disabled, "duty": u.duty, "updated_at": u.updated_at}
                          for u in users], ensure_ascii=False, indent=2))  # fmt: skip
        return
    console.print(users_table(store.settings, users, title=f"用户（{len(users)}）"))


@users_app.command("set-role")
def set_role(username: str, role: str, actor: ActorOption = None) -> None:
    """修改用户角色。"""
    store = _store()
    who = _actor(store, actor)
    user = _run(lambda: store.update(username, role=role, actor=who))
    console.print(f"{user.username} → {ROLE_NAMES.get(user.role, user.role)}")


@users_app.command("set-scope")
def set_scope(username: str, scope: str, actor: ActorOption = None) -> None:
    """修改用户的地区范围。"""
    store = _store()
    who = _actor(store, actor)
    user = _run(lambda: store.update(username, scope=scope, actor=who))
    console.print(f"{user.username} → {_region_name(store.settings, user.scope)}")


@users_app.command("disable")
def disable(username: str, actor: ActorOption = None) -> None:
    """停用用户：其会话立即结束，其大屏令牌一并吊销。"""
    store = _store()
    who = _actor(store, actor)
    _run(lambda: store.update(username, disabled=True, actor=who))
    console.print(f"{username} 已停用")


@users_app.command("enable")
def enable(username: str, actor: ActorOption = None) -> None:
    """重新启用已停用的用户。"""
    store = _store()
    who = _actor(store, actor)
    _run(lambda: store.update(username, disabled=False, actor=who))
    console.print(f"{username} 已启用")


@users_app.command("set-duty")
def set_duty(
    username: str,
    state: Annotated[Duty, typer.Argument(help="on：值班（可确认告警）；off：不值班")],
    actor: ActorOption = None,
) -> None:
    """安排或取消用户值班（值班人员可确认其范围内的告警）。"""
    store = _store()
    who = _actor(store, actor)
    user = _run(lambda: store.update(username, duty=state is Duty.on, actor=who))
    console.print(f"{user.username} " + ("已设为值班：可确认其范围内的告警" if user.duty else "已取消值班"))


@users_app.command("passwd")
def passwd(username: str, generate: GenerateOption = False, actor: ActorOption = None) -> None:
    """设置用户密码（其已登录的会话立即结束）。"""
    store = _store()
    who = _actor(store, actor)
    password = _password(generate, username)
    _run(lambda: store.update(username, password=password, actor=who))
    console.print(f"{username} 的密码已更新" + (f"：{password}" if generate else ""))


@users_app.command("sign-out")
def sign_out(username: Annotated[str, typer.Argument(help="用户名")], actor: ActorOption = None) -> None:
    """立即结束该用户在所有服务器上的全部会话（需重新登录；大屏令牌不受影响）。"""
    store = _store()
    who = _actor(store, actor)
    ended = _run(lambda: store.sign_out(username, actor=who))
    console.print(f"已结束 {username} 的 {ended} 个会话：该用户须重新登录", soft_wrap=True)
    target = store.get(username)
    if target is not None and target.role == "kiosk":
        console.print(f"大屏令牌未吊销：大屏会自动重新登录；如需阻止，请运行 cockpit users kiosk-token {username} --revoke",
                      soft_wrap=True)  # fmt: skip


@users_app.command("unlock")
def unlock(username: Annotated[str, typer.Argument(help="用户名")], actor: ActorOption = None) -> None:
    """解除该用户的登录锁定：清除其在所有地址的登录失败计数（记入审计日志）。"""
    store = _store()
    who = _actor(store, actor)
    target = _run(lambda: store.get(username))
    if target is None:
        err.print(f"[red]没有用户 {username}[/]")
        raise typer.Exit(2)

    def allowed() -> None:  # the same rule as any other change to the user
        try:
            store._check_grant(who, target.role, target.scope, about=username)
        except AccessDenied as exc:
            store._audit_denied(who, {"action": "unlock", "target": username}, exc)
            raise

    _run(allowed)
    name, role = store._who(who)
    cleared = ratelimit.unlock(store.settings, username, actor=name, role=role, region=target.scope)
    if cleared:
        console.print(f"已解除 {username} 的登录锁定（清除 {cleared} 个地址的登录失败计数）")
    else:
        console.print(f"{username} 没有登录失败记录，无需解除")


@users_app.command("kiosk-token")
def kiosk_token(
    username: str,
    revoke: Annotated[bool, typer.Option("--revoke", help="吊销该账号的全部大屏令牌")] = False,
    base_url: Annotated[str, typer.Option(help="驾驶舱地址，用于打印大屏登记链接")] = "http://127.0.0.1:8050",
    actor: ActorOption = None,
) -> None:
    """为大屏账号签发注册链接，或吊销其全部大屏令牌。"""
    store = _store()
    who = _actor(store, actor)
    if revoke:
        removed = _run(lambda: store.revoke_device_tokens(username, actor=who))
        console.print(f"已吊销 {username} 的 {removed} 个大屏令牌：这些大屏需重新登录")
        return
    target = _run(lambda: store.get(username))
    if target is None:
        err.print(f"[red]没有用户 {username}[/]")
        raise typer.Exit(2)
    _run(
        lambda: store._check_grant(who, target.role, target.scope, about=username)
    )  # same rule as other changes
    token = _run(lambda: store.issue_device_token(username, store.settings.kiosk_token_days))
    console.print("在大屏浏览器中打开一次以下链接（一次性，使用后即换新令牌）：")
    console.print(f"{base_url.rstrip('/')}/auth/device/{token}", soft_wrap=True)


# --- the demo accounts ----------------------------------------------------------------------------
def demo_accounts(settings: Settings) -> list[tuple[str, str, str, str]]:
    """(username, role, scope, display name): one per role, plus city- and county-scoped staff."""

    province = settings.province_adcode
    warehouse = Warehouse(settings)
    cities = warehouse.children(province)
    city = "141100" if "141100" in set(cities["adcode"]) else str(cities["adcode"].iloc[0])
    counties = warehouse.children(city)
    county = "141124" if "141124" in set(counties["adcode"]) else str(counties["adcode"].iloc[0])
    city_name, county_name = warehouse.region(city)["name"], warehouse.region(county)["name"]  # type: ignore[index]
    return [
        ("admin", "admin", province, "系统管理员"),
        ("leader", "leader", province, "省领导"),
        ("staff", "staff", province, "省直工作人员"),
        ("staff-city", "staff", city, f"{city_name}工作人员"),
        ("staff-county", "staff", county, f"{county_name}工作人员"),
        ("wall", "kiosk", province, "指挥大厅大屏"),
    ]


def ensure_demo_accounts(settings: Settings, reset: bool = False) -> None:
    """Creates the demo accounts that are missing (or resets all with ``reset``) and prints them."""
    store = UserStore(settings)
    passwords: dict[str, str] = {}
    for username, role, scope, display in demo_accounts(settings):
        found = store.get(username)
        if found is None:
            passwords[username] = generate_password(username)
            store.create(username, passwords[username], role, scope, display)
        elif reset:
            passwords[username] = generate_password(username)
            store.update(username, role=role, scope=scope, disabled=False, password=passwords[username])
    users = [u for u in (store.get(name) for name, *_ in demo_accounts(settings)) if u is not None]
    console.print(users_table(settings, users, passwords, "演示账号（密码只显示这一次）"))
    if len(passwords) < len(users):
        err.print("已有账号的密码未改动；`cockpit demo accounts --reset` 重设并显示全部演示账号的密码")
