"""ETL bookkeeping inside a snapshot: run log, feed state (freshness) and reference reads for loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from cockpit.warehouse.loader import LoadCounts, scalar


@dataclass(frozen=True)
class RunRecord:
    run_id: int
    feed: str
    source: str
    started_at: datetime
    finished_at: datetime
    status: str  # "success" | "failed"
    counts: LoadCounts | None
    error: str | None
    snapshot: str
    cursor_value: str | None = None


def next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(scalar(con, "SELECT coalesce(max(run_id), 0) + 1 FROM etl_run"))


def record_run(con: duckdb.DuckDBPyConnection, run: RunRecord, every_seconds: int, table: str) -> None:
    c = run.counts
    con.execute(
        "INSERT INTO etl_run VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id, run.feed, run.source, run.started_at, run.finished_at, run.status,
            c.read if c else None, c.inserted if c else None, c.updated if c else None,
            c.unchanged if c else None, c.quarantined if c else None, run.error, run.snapshot, run.cursor_value,
        ],
    )  # fmt: skip
    ok = run.status == "success"
    # A failed feed is retried sooner than its schedule, but not in a tight loop.
    retry = min(every_seconds, 300)
    next_due = run.finished_at + timedelta(seconds=every_seconds if ok else retry)
    con.execute(
        """INSERT INTO feed_state (feed, target_table, every_seconds, last_attempt_at, last_success_at,
                                   last_run_id, last_status, next_due_at, cursor_value)
           VALUES (?, ?, ?, ?, CASE WHEN ? THEN CAST(? AS TIMESTAMP) END, ?, ?, ?, ?)
           ON CONFLICT (feed) DO UPDATE SET
             target_table = excluded.target_table, every_seconds = excluded.every_seconds,
             last_attempt_at = excluded.last_attempt_at,
             last_success_at = coalesce(excluded.last_success_at, feed_state.last_success_at),
             last_run_id = excluded.last_run_id, last_status = excluded.last_status,
             next_due_at = excluded.next_due_at,
             cursor_value = coalesce(excluded.cursor_value, feed_state.cursor_value)""",
        [run.feed, table, every_seconds, run.finished_at, ok, run.finished_at, run.run_id, run.status,
         next_due, run.cursor_value],
    )  # fmt: skip


def max_cursor(con: duckdb.DuckDBPyConnection, table: str, column: str, run_id: int) -> str | None:
    """The highest cursor value this run loaded, for the next incremental pull."""
    sql = f'SELECT CAST(max("{column}") AS VARCHAR) FROM "{table}" WHERE run_id = ?'  # names from schema.py
    return scalar(con, sql, [run_id])  # type: ignore[no-any-return]


def feed_cursor(con: duckdb.DuckDBPyConnection, feed: str) -> str | None:
    return scalar(con, "SELECT cursor_value FROM feed_state WHERE feed = ?", [feed])  # type: ignore[no-any-return]


def regions_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM region ORDER BY adcode").df()


def indicators_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT code, name, short_name FROM indicator ORDER BY code").df()


def vocabulary_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The snapshot's vocabularies; None for one built before they were kept in the warehouse."""
    found = scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'vocabulary'")
    if not found:
        return None
    frame = con.execute("SELECT vocabulary, value, alias FROM vocabulary").df()
    return frame if len(frame) else None


def meta_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    return scalar(con, "SELECT value FROM meta WHERE key = ?", [key])  # type: ignore[no-any-return]
