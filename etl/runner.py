"""Run one feed end to end: fetch, stage into a private snapshot copy, load, log, publish.

The live snapshot is never opened for writing. A run that fails at any point discards its
copy; the failure itself is then recorded in a fresh snapshot so ``cockpit status`` and the
dashboard's freshness marks show it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from cockpit.access import audit
from cockpit.regions import RegionResolver
from cockpit.settings import Settings
from cockpit.store import StoreError
from cockpit.warehouse import loader, region_keys, runlog
from cockpit.warehouse.build import read_vocabularies
from cockpit.warehouse.loader import LoadCounts, LoadPlan, SchemaMismatch
from cockpit.warehouse.snapshots import SnapshotStore, open_staging
from etl import readers, resolve
from etl.catalog import FeedSpec, load_catalog
from etl.http_source import fetch_records

log = logging.getLogger("etl.runner")


class FeedBusy(RuntimeError):
    pass


class FeedRunError(RuntimeError):
    def __init__(self, message: str, run_id: int | None) -> None:
        super().__init__(message)
        self.run_id = run_id


@dataclass(frozen=True)
class RunResult:
    feed: str
    run_id: int
    source: str
    counts: LoadCounts
    snapshot: str
    seconds: float


def store_for(settings: Settings) -> SnapshotStore:
    return SnapshotStore(settings.warehouse_path, keep=settings.snapshots_kept)


@contextlib.contextmanager
def feed_lock(settings: Settings, feed: str) -> Iterator[None]:
    """Never two runs of one feed at once, across processes (scheduler, CLI, tests)."""
    lock_dir = settings.warehouse_path / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{feed}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FeedBusy(f"数据源 {feed} 正在装载中，本次跳过") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _vocabularies(con: object, seeds_dir: Path) -> pd.DataFrame:
    """The snapshot's vocabularies, or the seed file's for a snapshot built before it kept them."""

    words = runlog.vocabulary_frame(con)  # type: ignore[arg-type]
    return words if words is not None else read_vocabularies(seeds_dir)


def _resolvers(
    feed: FeedSpec, con: object, today: object, seeds_dir: Path
) -> dict[str, Callable[[pd.DataFrame], pd.DataFrame]]:
    found: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {}
    for column in feed.table.columns:
        label = column.label or column.name
        mapping = feed.values.get(column.name, {})
        if column.kind == "region":
            regions = RegionResolver.from_frame(runlog.regions_frame(con))  # type: ignore[arg-type]
            found[column.name] = resolve.region_resolver(regions)
        elif column.kind == "period":
            found[column.name] = resolve.period_resolver(today)  # type: ignore[arg-type]
        elif column.kind == "indicator":
            found[column.name] = resolve.indicator_resolver(runlog.indicators_frame(con))  # type: ignore[arg-type]
        elif column.kind == "year":
            found[column.name] = resolve.year_resolver()
        elif column.kind == "bool":
            found[column.name] = resolve.bool_resolver(label, mapping)
        elif column.kind.startswith("vocab:"):
            words = _vocabularies(con, seeds_dir)
            found[column.name] = resolve.vocabulary_resolver(
                words[words["vocabulary"] == column.kind.removeprefix("vocab:")]
            )
        elif column.kind.startswith("enum:"):
            allowed = tuple(column.kind.removeprefix("enum:").split("|"))
            found[column.name] = resolve.enum_resolver(allowed, label, mapping)
    return found


def _expected_headers(feed: FeedSpec) -> list[str]:
    headers = [alias for aliases in feed.columns.values() for alias in aliases]
    return headers + (list(feed.wide.id_columns) if feed.wide else [])


def _stage(con: object, feed: FeedSpec, settings: Settings, override: str | None, cursor: str | None) -> str:
    """Put the feed's rows into ``raw_input``; returns a description of the source for the log."""
    if feed.http is not None and override is None:
        records = fetch_records(feed.http, cursor)
        loader.stage_frame(con, readers.records_frame(records), feed.http.url)  # type: ignore[arg-type]
        return feed.http.url
    if override is not None and override.startswith(("http://", "https://")):
        if feed.http is None:
            raise FeedRunError(f"数据源 {feed.name} 没有 [http] 配置，无法拉取 {override}", None)

        records = fetch_records(replace(feed.http, url=override), cursor)
        loader.stage_frame(con, readers.records_frame(records), override)  # type: ignore[arg-type]
        return override
    paths = feed.resolve_sources(settings.data_dir, override)
    missing = [p for p in paths if not p.is_file()]
    if not paths or missing:
        raise FeedRunError(f"数据源 {feed.name}：找不到文件 {missing[0] if missing else feed.source}", None)
    if feed.format == "csv":
        converted = [readers.csv_as_utf8(p, feed.encoding) for p in paths]
        try:
            loader.stage_csv(
                con,  # type: ignore[arg-type]
                [(c, str(p)) for (c, _), p in zip(converted, paths, strict=True)],
                feed.delimiter,
                lambda path: readers.csv_header(path, feed.delimiter),
                lambda path: readers.read_csv_lenient(path, feed.delimiter),
            )
        finally:
            for (c, _), p in zip(converted, paths, strict=True):
                if c != p:
                    c.unlink(missing_ok=True)
    else:
        frames = []
        for path in paths:
            if feed.format == "xlsx":
                frame = readers.read_xlsx(path, feed.sheet, _expected_headers(feed))
            else:
                frame = readers.read_json(path, feed.records_path)
            frames.append((frame, str(path)))
        if len(frames) != 1:
            raise FeedRunError(
                f"数据源 {feed.name}：每次只能装载一个 {feed.format} 文件，匹配到 {len(frames)} 个", None
            )
        loader.stage_frame(con, frames[0][0], frames[0][1])  # type: ignore[arg-type]
    return ", ".join(str(p) for p in paths)


def run_feed(
    settings: Settings,
    feed_name: str,
    source: str | None = None,
    *,
    fail_after_load: bool = False,
) -> RunResult:
    """Load one feed. ``fail_after_load`` exists for the test that proves a failed run publishes nothing."""
    catalog = load_catalog(settings.feeds_path)
    if feed_name not in catalog:
        raise FeedRunError(f"未知数据源“{feed_name}”；已配置：{'、'.join(sorted(catalog))}", None)
    feed = catalog[feed_name]
    store = store_for(settings)
    if store.current_id() is None:
        raise FeedRunError("数据仓库尚未初始化：请先运行 `cockpit init`", None)
    started = settings.now()
    with feed_lock(settings, feed.name), store.writer_lock():
        staging = store.begin()
        run_id = None
        described = source or feed.source or (feed.http.url if feed.http else "")
        try:
            with open_staging(staging) as con:
                run_id = runlog.next_run_id(con)
                # A warehouse built by an older release gains the region search keys (once).
                region_keys.upgrade(con)
                incremental = feed.http is not None and feed.http.cursor_param is not None
                cursor = runlog.feed_cursor(con, feed.name) if incremental else None
                described = _stage(con, feed, settings, source, cursor)
                headers = loader.raw_headers(con)
                column_map = feed.match_headers(headers)
                plan = LoadPlan(
                    table=feed.table,
                    feed=feed.name,
                    run_id=run_id,
                    column_map=column_map,
                    resolvers=_resolvers(feed, con, settings.today(), settings.seeds_dir),
                    parent_header=feed.parent_header(headers),
                    write_mode=feed.write_mode,
                    wide=feed.wide,
                    now=started,
                )
                counts = loader.load_batch(con, plan)
                if fail_after_load:
                    raise RuntimeError("injected failure after load (test)")
                cursor = runlog.max_cursor(con, feed.table.name, feed.cursor, run_id) if feed.cursor else None
                finished = settings.now()
                record = runlog.RunRecord(
                    run_id, feed.name, described, started, finished, "success", counts, None,
                    staging.snapshot_id, cursor,
                )  # fmt: skip
                runlog.record_run(con, record, feed.every_seconds, feed.table.name)
            store.publish(staging)
        except Exception as exc:
            store.discard(staging)
            message = _explain(exc)
            log.error("feed %s failed: %s", feed.name, message)
            failed_id = _record_failure(store, feed, described, started, settings.now(), message)
            _audit_run(
                settings, feed.name, "failed", {"run_id": failed_id, "source": described, "error": message}
            )
            raise FeedRunError(
                f"数据源 {feed.name} 装载失败（批次 {failed_id}）：{message}", failed_id
            ) from exc
    _audit_run(settings, feed.name, "ok", {"run_id": run_id, "source": described, "snapshot": staging.snapshot_id,
                                           "counts": dataclasses.asdict(counts)})  # fmt: skip
    return RunResult(
        feed.name, run_id, described, counts, staging.snapshot_id, (finished - started).total_seconds()
    )


def _audit_run(settings: Settings, feed: str, outcome: str, detail: dict[str, object]) -> None:
    """Every run goes to the audit log (beside the snapshots, so a publish never loses it)."""

    try:
        audit.record(
            settings, "etl_run", outcome=outcome, path=f"etl:{feed}", detail={"feed": feed, **detail}
        )
    except (OSError, StoreError) as exc:  # the data is published either way; say so loudly
        log.error("audit of feed %s run failed: %s", feed, exc)


def _explain(exc: Exception) -> str:
    if isinstance(exc, SchemaMismatch | readers.FeedFormatError | FeedRunError):
        return str(exc)
    return f"内部错误（{type(exc).__name__}）：{exc}"


def _record_failure(
    store: SnapshotStore, feed: FeedSpec, source: str, started: datetime, finished: datetime, message: str
) -> int:
    """A failed run leaves the data as it was, but the log and the feed's state must say it failed."""
    staging = store.begin()
    try:
        with open_staging(staging) as con:
            run_id = runlog.next_run_id(con)
            record = runlog.RunRecord(
                run_id, feed.name, source, started, finished, "failed", None, message[:2000],
                staging.snapshot_id,
            )  # fmt: skip
            runlog.record_run(con, record, feed.every_seconds, feed.table.name)
        store.publish(staging)
    except Exception:
        store.discard(staging)
        raise
    return run_id


def run_all(settings: Settings, feeds: list[str] | None = None, on_done: Callable[[str, object], None] | None = None
            ) -> dict[str, RunResult | Exception]:  # fmt: skip
    """Run several feeds one after another; one failing feed does not stop the others."""
    names = feeds or list(load_catalog(settings.feeds_path))
    results: dict[str, RunResult | Exception] = {}
    for name in names:
        try:
            results[name] = run_feed(settings, name)
        except (FeedRunError, FeedBusy) as exc:
            results[name] = exc
        if on_done:
            on_done(name, results[name])
    return results


def workdir_for(settings: Settings) -> Path:
    path = settings.warehouse_path / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
