"""The end of a load: repeated keys within the batch, the merge into the feed table, the quarantine.

Split from ``loader``: these read the ``checked`` rows ``loader`` built (typed values and ``_reason``,
NULL for a row that passed every check) and the staged ``raw_input``/``raw_sources``.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from cockpit.warehouse.schema import Table
from cockpit.warehouse.typed_sql import ident, raw_columns, scalar


def flag_duplicates(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Exact repeats keep their first row; keys repeated with different values keep none.

    Most batches repeat no key, which counting the distinct keys tells for less than grouping them
    (0.044 against 0.064 s a million rows). Otherwise a grouped count on the key alone finds the
    repeated keys (hashing every row's values too doubled its cost); only the rows of repeated keys
    are compared and ranked."""
    key = ", ".join(ident(k) for k in table.key)
    # count(DISTINCT) skips a NULL key: such a batch only takes the longer way.
    if scalar(con, f"SELECT count(*) = count(DISTINCT ({key})) FROM checked WHERE _reason IS NULL"):
        return
    values = ", ".join(f"c.{ident(v)}" for v in table.value_columns) or "1"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dup_keys AS
            SELECT {key} FROM checked WHERE _reason IS NULL GROUP BY {key} HAVING count(*) > 1"""
    )
    if not scalar(con, "SELECT count(*) FROM dup_keys"):
        return
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ranked AS
            SELECT c._row, c._file, c._cell,
                   min(hash({values})) OVER w <> max(hash({values})) OVER w AS _conflict,
                   first(c._row ORDER BY s._source, c._row) OVER w AS _first,
                   row_number() OVER (w ORDER BY s._source, c._row) AS _rn
            FROM checked c JOIN dup_keys d USING ({key}) JOIN raw_sources s ON s._file = c._file
            WHERE c._reason IS NULL
            WINDOW w AS (PARTITION BY {", ".join(f"c.{ident(k)}" for k in table.key)})"""
    )
    con.execute(
        """UPDATE checked SET _reason = CASE
             WHEN r._conflict THEN '同一主键的重复行取值不一致（首见第' || CAST(r._first AS VARCHAR) || '行），无法判断以哪行为准'
             ELSE '与第' || CAST(r._first AS VARCHAR) || '行完全重复' END
           FROM ranked r
           WHERE checked._row = r._row AND checked._file = r._file
             AND checked._cell IS NOT DISTINCT FROM r._cell AND (r._conflict OR r._rn > 1)"""
    )


def quarantine(con: duckdb.DuckDBPyConnection, feed: str, run_id: int, now: datetime) -> int:
    """Every row with a reason goes to the quarantine; returns how many this run put there.

    The record kept is the raw one as the file had it, its row and source path first (as a person
    looks it up): ``_raw``, built with the checks, or for rows refused after them (repeats, an
    append-only feed's changed keys) looked up in the staged text."""
    before = int(scalar(con, "SELECT count(*) FROM quarantine WHERE run_id = ?", [run_id]))
    reason = "CASE WHEN c._cell IS NULL THEN c._reason ELSE '列“' || c._cell || '”：' || c._reason END"
    con.execute(
        f"""INSERT INTO quarantine
            SELECT ?, ?, s._source, c._row, {reason}, c._raw, ?
            FROM checked c JOIN raw_sources s ON s._file = c._file
            WHERE c._reason IS NOT NULL AND c._raw IS NOT NULL""",
        [run_id, feed, now],
    )
    if scalar(con, "SELECT count(*) FROM checked WHERE _reason IS NOT NULL AND _raw IS NULL"):
        # The file index is the run's own and stays out of the record.
        fields = ", ".join(
            f"{ident(name)} := r.{ident(name)}" for name in raw_columns(con) if name not in ("_row", "_file")
        )
        con.execute(
            f"""INSERT INTO quarantine
                SELECT ?, ?, s._source, c._row, {reason},
                       to_json(struct_pack(_row := c._row, _source := s._source, {fields})), ?
                FROM checked c JOIN raw_input r ON r._row = c._row AND r._file = c._file
                JOIN raw_sources s ON s._file = c._file
                WHERE c._reason IS NOT NULL AND c._raw IS NULL""",
            [run_id, feed, now],
        )
    return int(scalar(con, "SELECT count(*) FROM quarantine WHERE run_id = ?", [run_id])) - before


def merge(
    con: duckdb.DuckDBPyConnection, table: Table, feed: str, run_id: int, now: datetime, write_mode: str
) -> tuple[int, int, int, int]:
    """Returns (inserted, updated, unchanged, refused-by-append-mode).

    Each count comes from its own statement, so the run's balance check means something: one
    inner join counts accepted rows whose key is stored (changed or the same), the INSERT's own
    row count says how many were new. No per-row state table is built: on a million fresh rows it
    cost as much as the insert itself."""
    target = ident(table.name)
    cols = ", ".join(ident(c.name) for c in table.columns)
    on = " AND ".join(f"t.{ident(k)} = b.{ident(k)}" for k in table.key)
    differs = (
        " OR ".join(f"t.{ident(v)} IS DISTINCT FROM b.{ident(v)}" for v in table.value_columns) or "FALSE"
    )
    matched = f"checked b JOIN {target} t ON {on} WHERE b._reason IS NULL"
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE {differs}), count(*) FILTER (WHERE NOT ({differs})) FROM {matched}"
    ).fetchall()[0]
    updated, unchanged = int(row[0]), int(row[1])
    refused = 0
    if updated and write_mode == "append":
        con.execute(
            f"""UPDATE checked SET _reason = '仅追加的数据源：主键已存在且取值不同，未覆盖已入库数据'
                FROM (SELECT b._row, b._file, b._cell FROM {matched} AND ({differs})) c
                WHERE checked._row = c._row AND checked._file = c._file
                  AND checked._cell IS NOT DISTINCT FROM c._cell"""
        )
        refused, updated = updated, 0
    lineage = [feed, run_id, now]
    inserted = 0
    accepted = int(scalar(con, "SELECT count(*) FROM checked WHERE _reason IS NULL"))
    # Refused rows are no longer accepted; when every accepted row matched a stored key, nothing is new.
    if accepted > updated + unchanged:
        # The same key equality as the count above: a row is new exactly when it matched nothing.
        inserted = int(
            scalar(
                con,
                f"""INSERT INTO {target} ({cols}, source_feed, run_id, loaded_at)
                    SELECT {cols}, ?, ?, ? FROM checked b
                    WHERE b._reason IS NULL AND NOT EXISTS (SELECT 1 FROM {target} t WHERE {on})""",
                lineage,
            )
        )
    if updated:
        sets = ", ".join(f"{ident(v)} = b.{ident(v)}" for v in table.value_columns)
        changed = int(
            scalar(
                con,
                f"""UPDATE {target} AS t SET {sets}, source_feed = ?, run_id = ?, loaded_at = ?
                    FROM checked b WHERE b._reason IS NULL AND {on} AND ({differs})""",
                lineage,
            )
        )
        if changed != updated:
            raise RuntimeError(
                f"feed {feed}: {updated} rows differ from stored ones but {changed} were updated"
            )
    return inserted, updated, unchanged, refused
