"""The query layer: named, typed reads of the published snapshot. Dash, the API and the CLI
read through here and nowhere else; values are always bound parameters.

Each process keeps one read-only connection to the current snapshot and hands out cursors
(DuckDB's way to share a connection between threads). When a load publishes a new
snapshot, the next query opens it; queries already running finish on the old file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import flask
import pandas as pd

from cockpit.access.scope import scoped, scoped_list, unrestricted
from cockpit.memo import Memo, MemoStore
from cockpit.records import records
from cockpit.settings import Settings
from cockpit.warehouse.schema import FEED_TABLES
from cockpit.warehouse.snapshots import SnapshotStore, open_readonly

log = logging.getLogger(__name__)


class WarehouseMissing(RuntimeError):
    pass


# SQL with bound parameters answers the same rows whoever asks; the scope guards around the query
# methods cut the answer for each viewer afterwards (never inside the memo).
QUERY = Memo("query", scope_free="SQL rows for bound parameters; the scope guard cuts them per viewer")
# The admin tree (names, levels, parents) is public reference data: every scope check walks it.
REGION_INDEX = Memo("region_index", scope_free="the public admin tree", local=True)


_PINNED = "cockpit_snapshot_id"  # flask.g: the snapshot this request reads


@dataclass
class _Open:
    snapshot_id: str
    con: duckdb.DuckDBPyConnection
    pid: int


class Warehouse:
    def __init__(self, settings: Settings, cache: Any = None) -> None:
        self.store = SnapshotStore(settings.warehouse_path, keep=settings.snapshots_kept)
        self._lock = threading.Lock()
        self._open: _Open | None = None
        self._limits = (settings.duckdb_memory_limit, settings.duckdb_threads)
        self._roomy_limit = settings.duckdb_job_memory_limit
        self._roomy_holders = 0  # jobs running with the larger limit (see ``roomier``)
        # Every memo of this app (cockpit.memo): the flask-caching store (or None) and the
        # per-process LRU. Keys carry the snapshot id, so a publish invalidates every entry at once.
        self.cache = cache
        self.memo_store = MemoStore(cache, settings.memo_local_entries)

    def cached_df(
        self, name: str, sql: str, params: list[Any] | dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Memoized query: the result of ``sql`` on the current snapshot."""
        return QUERY.get(self, [name, params or []], lambda: self._df(sql, params))

    @property
    def snapshot_id(self) -> str:
        """The published snapshot, pinned for the rest of the request once asked: every figure of one
        answer comes from the same snapshot even when a publish lands while it is being rendered."""
        in_request = flask.has_request_context()
        if in_request and (pinned := flask.g.get(_PINNED)) is not None:
            return str(pinned)
        snapshot_id = self.store.current_id()
        if snapshot_id is None:
            raise WarehouseMissing(f"no published warehouse in {self.store.root}: run `cockpit init`")
        if in_request:
            setattr(flask.g, _PINNED, snapshot_id)
        return snapshot_id

    def cursor(self) -> duckdb.DuckDBPyConnection:
        snapshot_id = self.snapshot_id
        with self._lock:
            if self._open is not None and self._open.pid != os.getpid():
                # DuckDB's threads and locks don't survive fork, and reconnecting would hand back
                # the inherited instance from DuckDB's per-process cache: fail loudly instead.
                raise RuntimeError("DuckDB connection inherited over fork; open it in each worker")
            if self._open is None or self._open.snapshot_id != snapshot_id:
                # The old connection is not closed here: cursors still reading it keep it alive.
                path = self.store.path_of(snapshot_id)
                self._open = _Open(snapshot_id, open_readonly(path, *self._limits), os.getpid())
                if self._roomy_holders:
                    self._set_limit(self._open.con, self._roomy_limit)
            return self._open.con.cursor()

    @contextlib.contextmanager
    def roomier(self) -> Iterator[None]:
        """Raises this process's DuckDB memory limit to ``duckdb_job_memory_limit`` while a job runs.

        Serving reads need little (the buffer only keeps blocks read before), so the serving limit is
        small; a large sorted export beside serving reads needs more, or DuckDB fails it with an
        out-of-memory error. The limit belongs to DuckDB's instance (every cursor of the process),
        so serving reads share the room while the job runs; jobs of a kind run one at a time per
        host, and the limit comes back down when the last one ends.
        """
        with self._lock:
            self._roomy_holders += 1
            raised = self._open.con if self._open is not None and self._open.pid == os.getpid() else None
            if raised is not None:
                self._set_limit(raised, self._roomy_limit)
        try:
            yield
        finally:
            with self._lock:
                self._roomy_holders -= 1
                if not self._roomy_holders:
                    current = self._open.con if self._open is not None else None
                    for con in {id(c): c for c in (raised, current) if c is not None}.values():
                        self._set_limit(con, self._limits[0])

    @staticmethod
    def _set_limit(con: duckdb.DuckDBPyConnection, limit: str | None) -> None:
        if limit:
            con.execute("SET memory_limit = ?", [limit])

    def _df(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        roomy_already = bool(self._roomy_holders)  # the limit this read starts under, not a later one
        try:
            return self._read(sql, params)
        except duckdb.OutOfMemoryException:
            # Serving reads share one small limit per process; many at once (a burst of viewers, an
            # acknowledgement from every screen) can exhaust it, and a view must not fail for that.
            # The read is tried once more with a job's room, which comes back down after it. A read
            # that already had the room would only fail again; one that failed at the small limit
            # while another read was taking the room is read again (CI caught two such reads at once).
            if roomy_already:
                raise
            log.warning("DuckDB ran out of its serving memory; reading again with the job limit")
            with self.roomier():
                return self._read(sql, params)

    def _read(self, sql: str, params: list[Any] | dict[str, Any] | None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return records(self._df(sql, params))

    # --- meta and bookkeeping -------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        frame = self.cached_df("meta", "SELECT key, value FROM meta")
        return dict(zip(frame["key"], frame["value"], strict=True))

    def feed_state(self) -> dict[str, dict[str, Any]]:
        rows = records(self.cached_df("feed_state", "SELECT * FROM feed_state ORDER BY feed"))
        return {r["feed"]: r for r in rows}

    def runs(self, feed: str | None = None, limit: int = 50) -> pd.DataFrame:
        return self._df(
            "SELECT * FROM etl_run WHERE ? IS NULL OR feed = ? ORDER BY run_id DESC LIMIT ?",
            [feed, feed, limit],
        )

    def quarantine(
        self, run_id: int | None = None, feed: str | None = None, limit: int = 200
    ) -> pd.DataFrame:
        return self._df(
            """SELECT run_id, feed, source, row_number, reason, CAST(raw AS VARCHAR) AS raw FROM quarantine
               WHERE (? IS NULL OR run_id = ?) AND (? IS NULL OR feed = ?)
               ORDER BY run_id DESC, source, row_number LIMIT ?""",
            [run_id, run_id, feed, feed, limit],
        )

    def quarantine_count(self, run_id: int | None = None, feed: str | None = None) -> int:
        rows = self._rows(
            "SELECT count(*) AS n FROM quarantine WHERE (? IS NULL OR run_id = ?) AND (? IS NULL OR feed = ?)",
            [run_id, run_id, feed, feed],
        )
        return int(rows[0]["n"]) if rows else 0

    def table_counts(self) -> dict[str, int]:
        names = ["region", "boundary", "indicator", "plan_task", *FEED_TABLES, "quarantine"]
        sql = " UNION ALL ".join(
            f"SELECT '{n}' AS t, count(*) AS n FROM \"{n}\"" for n in names
        )  # fixed names
        return {r["t"]: int(r["n"]) for r in self._rows(sql)}

    # --- regions ----------------------------------------------------------------------------
    @unrestricted("the scope check's own lookup: names and parents are the public admin tree")
    def region(self, adcode: str) -> dict[str, Any] | None:
        # Kept as a live dict in this process: region() is called many times per request (every
        # scope check walks the tree) and must not cost a cache round trip.
        index = REGION_INDEX.get(self, None, self._region_index)
        row = index.get(adcode) if isinstance(adcode, str) else None
        return dict(row) if row is not None else None

    @unrestricted("the walk up the public admin tree: breadcrumbs and scope checks")
    def lineage(self, adcode: str) -> list[dict[str, Any]]:
        """``adcode``'s region rows from the province down to it (empty for an unknown code)."""
        chain: list[dict[str, Any]] = []
        code: Any = adcode
        while code and not any(row["adcode"] == code for row in chain):
            row = self.region(code)
            if row is None:
                break
            chain.append(row)
            code = row.get("parent_adcode")
        return chain[::-1]

    def _region_index(self) -> dict[str, dict[str, Any]]:
        frame = self._df("SELECT * FROM region")
        rows = records(frame.astype(object).where(frame.notna(), None))
        return {str(row["adcode"]): row for row in rows}

    @scoped_list()
    def regions(self, level: str | None = None) -> pd.DataFrame:
        return self.cached_df(
            "regions", "SELECT * FROM region WHERE ? IS NULL OR level = ? ORDER BY adcode", [level, level]
        )

    @scoped("adcode")
    def children(self, adcode: str) -> pd.DataFrame:
        return self.cached_df(
            "children", "SELECT * FROM region WHERE parent_adcode = ? ORDER BY adcode", [adcode]
        )

    @scoped("parent_adcode")
    def boundaries(self, level: str, parent_adcode: str | None) -> pd.DataFrame:
        return self.cached_df(
            "boundaries",
            # With what the map names each region by, and where (the representative point).
            "SELECT b.adcode, b.geojson, r.short_name, r.centroid_lon, r.centroid_lat, r.area_km2"
            " FROM boundary b LEFT JOIN region r ON r.adcode = b.adcode"
            " WHERE b.level = ? AND b.parent_adcode IS NOT DISTINCT FROM ? ORDER BY b.adcode",
            [level, parent_adcode],
        )

    # --- indicators -------------------------------------------------------------------------
    def indicators(self) -> pd.DataFrame:
        return self.cached_df(
            "indicators",
            """SELECT i.*, p.name AS pillar_name FROM indicator i LEFT JOIN pillar p ON p.code = i.pillar_code
               ORDER BY p.ordinal, i.task_no, i.code""",
        )

    def latest_period(self, indicator_code: str) -> str | None:
        frame = self.cached_df(
            "latest_period",
            "SELECT max(period) AS p FROM indicator_value WHERE indicator_code = ?",
            [indicator_code],
        )
        value = frame["p"].iloc[0] if len(frame) else None
        return None if value is None or pd.isna(value) else str(value)

    @scoped("parent_adcode")
    def values_for_children(self, indicator_code: str, period: str, parent_adcode: str) -> pd.DataFrame:
        """The region itself and its children, with value, target and lineage for one period."""
        return self._df(
            """SELECT r.adcode, r.name, r.level, v.value, t.target_value, v.source_feed, v.loaded_at
               FROM region r
               LEFT JOIN indicator_value v
                 ON v.adcode = r.adcode AND v.indicator_code = ? AND v.period = ?
               LEFT JOIN indicator_target t
                 ON t.adcode = r.adcode AND t.indicator_code = ? AND t.year = CAST(left(?, 4) AS INTEGER)
               WHERE r.adcode = ? OR r.parent_adcode = ?
               ORDER BY r.level = 'province' DESC, r.adcode""",
            [indicator_code, period, indicator_code, period, parent_adcode, parent_adcode],
        )


def warehouse_path_for(settings: Settings) -> Path | None:
    return SnapshotStore(settings.warehouse_path).current_path()
