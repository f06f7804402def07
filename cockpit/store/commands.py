"""``cockpit db …``: the store's schema by hand. Nobody has to run it (the app and every command
upgrade the store on first use), but an operator upgrading a deployment may want to see it done."""

from __future__ import annotations

import typer
from rich.console import Console

from cockpit.settings import Settings
from cockpit.store.engine import StoreError, get_engine, shown
from cockpit.store.legacy import Imported
from cockpit.store.migrate import current_revision, head_revision, upgrade

db_app = typer.Typer(help="驾驶舱数据库（用户、会话、审计、告警确认）", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

TABLE_NAMES = {"users": "用户", "device_token": "大屏令牌", "audit": "审计记录", "alarm_ack": "告警确认"}


@db_app.command("upgrade")
def upgrade_cmd() -> None:
    """创建或升级系统库到最新结构，并一次性导入旧版 SQLite 文件。"""
    settings = Settings()
    url = settings.store_url
    try:
        before = current_revision(get_engine(url))
        imported = upgrade(settings)
    except StoreError as exc:
        err.print(
            f"[red]数据库升级失败（{shown(url)}）：{getattr(exc, 'orig', None) or type(exc).__name__}[/]"
        )
        raise typer.Exit(1) from exc
    head = head_revision()
    if before == head:
        console.print(f"数据库已是最新版本 {head}（{shown(url)}）")
    else:
        console.print(f"[green]数据库已升级[/]：{before or '空库'} → {head}（{shown(url)}）")
    for item in imported:
        console.print(_describe(item))


def _describe(item: Imported) -> str:
    if item.earlier:
        return f"{item.source.name} 此前已导入，现改名为 {item.kept_as.name}"
    counts = "、".join(f"{TABLE_NAMES.get(t, t)} {n:,} 条" for t, n in item.rows.items()) or "无数据"
    left = {t: n for t, n in item.skipped.items() if n}
    note = ""
    if left:
        kept = "、".join(f"{TABLE_NAMES.get(t, t)} {n:,} 条" for t, n in left.items())
        note = f"；未导入（库中已有同一记录，或令牌所属用户已不存在）：{kept}，仍保留在原文件中"
    return f"[green]已导入[/] {item.source.name}：{counts}{note}；原文件改名为 {item.kept_as.name}"
