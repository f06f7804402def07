"""Set-based load of one feed batch: stage raw text, type and check it, quarantine, merge.

Everything row-by-row happens inside DuckDB. Python only sees *distinct* values of the
columns that need real logic (regions, periods, indicators, enums), resolves them once and
hands back a small mapping table. Values are always bound parameters; identifiers are
either declared in ``schema.py`` or read from the file's own header and quoted by ``ident``.
The SQL each column kind is typed with lives in ``typed_sql``; the merge, the duplicates and the
quarantine that follow the checks in ``merge``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

import duckdb
import pandas as pd

from cockpit import clock
from cockpit.warehouse.cleaning import header_key
from cockpit.warehouse.csv_buffers import buffer_for
from cockpit.warehouse.merge import flag_duplicates, merge, quarantine
from cockpit.warehouse.schema import Column, Table
from cockpit.warehouse.typed_sql import (
    CLOCK_SKEW,
    INLINE_EXCEPTIONS,
    MappedSql,
    Params,
    cleaned,
    folded,
    ident,
    inline_map,
    joined_map,
    raw_columns,
    register_functions,
    scalar,
    typed_expr,
)

MAPPED_KINDS = ("region", "period", "indicator", "bool", "year")
log = logging.getLogger("cockpit.warehouse.loader")

# A resolver maps distinct (raw, context) pairs to (value, reason); reason None means accepted.
Resolver = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class WideSpec:
    id_columns: tuple[str, ...]  # raw headers that identify a row
    names_to: str  # canonical column that receives the melted header
    values_to: str  # canonical column that receives the cell


@dataclass(frozen=True)
class LoadPlan:
    table: Table
    feed: str
    run_id: int
    column_map: dict[str, str]  # canonical column -> raw header
    resolvers: dict[str, Resolver]  # canonical column -> distinct-value resolver
    parent_header: str | None = None  # raw header giving region context (e.g. a city column)
    write_mode: str = "merge"
    wide: WideSpec | None = None
    now: datetime = field(default_factory=clock.now)


@dataclass(frozen=True)
class LoadCounts:
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int

    @property
    def balanced(self) -> bool:
        return self.read == self.inserted + self.updated + self.unchanged + self.quarantined


class SchemaMismatch(ValueError):
    """The file does not carry a column the feed needs: the whole batch is refused."""


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[Path, str]],
    delimiter: str,
    header_of: Callable[[Path], tuple[list[str], int]],
    lenient: Callable[[Path], pd.DataFrame],
) -> None:
    """Stage UTF-8 CSV files as text. ``files`` pairs a readable path with the source name to record.

    DuckDB reads a file strictly, under the header ``header_of`` found (its sniffer, left alone, once
    took the last row of a file for the header): every record must have the header's field count and
    proper quoting. A file it refuses is read by ``lenient`` instead, in Python, where a stray quote
    is text and a record of the wrong width is kept whole with a ``_problem`` for the quarantine —
    never trimmed or padded into the wrong columns.

    Each file is materialised once, as read; ``raw_input`` is a view that numbers its rows from the
    table's rowid (insertion order is preserved, so rowid + 1 is the data row a person sees in Excel
    minus the header). Copying a million rows a second time just to add those two columns cost as
    much as reading the file. A row carries its file's index (``_file``), not its path: the path,
    joined onto every row, was a string copied into every later table of the run (≈0.1 CPU-s a
    million rows); ``raw_sources`` names it where a row is reported (quarantine, duplicates).

    The reader's buffer is sized to the file (``csv_buffers``).
    """
    con.execute("CREATE OR REPLACE TEMP TABLE raw_sources (_file INTEGER, _source VARCHAR)")
    threads = int(scalar(con, "SELECT current_setting('threads')"))
    parts = []
    for index, (path, source) in enumerate(files):
        table = f"raw_file_{index}"
        names, header_lines = header_of(path)
        columns = {name: "VARCHAR" for name in names}
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv(?, columns = ?, header = false,"
                " skip = ?, auto_detect = false, delim = ?, quote = '\"', escape = '\"', strict_mode = true,"
                " null_padding = false, buffer_size = ?)",
                [str(path), columns, header_lines, delimiter, buffer_for(path, threads)],
            )
        except duckdb.Error:
            frame = lenient(path)
            con.register("raw_lenient", frame)
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM raw_lenient")
            finally:
                con.unregister("raw_lenient")
        con.execute("INSERT INTO raw_sources VALUES (?, ?)", [index, source])
        # The index is our own counter (a view cannot hold parameters; the path is in raw_sources).
        parts.append(f"SELECT CAST(f.rowid + 1 AS BIGINT) AS _row, {index} AS _file, f.* FROM {table} f")
    con.execute(f"CREATE OR REPLACE TEMP VIEW raw_input AS {' UNION ALL BY NAME '.join(parts)}")


def stage_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, source: str) -> None:
    """Stage rows already read in Python (XLSX, JSON, HTTP) as text, numbered from 1 unless the
    reader numbered them itself (``_row``: an XLSX row as Excel shows it)."""
    text = frame.astype("object").where(frame.notna(), None)
    text = text.map(lambda v: None if v is None else str(v))
    numbers = text.pop("_row").astype("int64") if "_row" in text else range(1, len(text) + 1)
    text.insert(0, "_file", 0)
    text.insert(0, "_row", numbers)
    con.register("raw_frame", text)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE raw_input AS SELECT * FROM raw_frame")
    finally:
        con.unregister("raw_frame")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_sources AS SELECT 0 AS _file, CAST(? AS VARCHAR) AS _source",
        [source],
    )


_INTERNAL = ("_row", "_file", "_problem")  # staging columns that are not the file's


def raw_headers(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for name in raw_columns(con) if name not in _INTERNAL]


def _has_problems(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the staged rows carry ``_problem`` (records the reader could not split)."""
    return "_problem" in raw_columns(con)


def _source_relation(con: duckdb.DuckDBPyConnection, plan: LoadPlan) -> None:
    """``src``: one row per value to load; wide tables are melted first."""
    if plan.wide is None:
        con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM raw_input")
        return
    # Id headers compare as other headers do (width, spaces, an Excel line break: 行政区划⏎代码).
    by_key = {header_key(h): h for h in raw_headers(con)}
    missing = [h for h in plan.wide.id_columns if header_key(h) not in by_key]
    if missing:
        raise SchemaMismatch(f"宽表缺少标识列：{'、'.join(missing)}")
    ids = [by_key[header_key(h)] for h in plan.wide.id_columns]
    keep = ", ".join(ident(c) for c in ("_row", "_file", *ids))
    if not _has_problems(con):
        # Empty cells in a wide table are "no figure reported", not rows; they are not counted as read.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE src AS UNPIVOT raw_input ON COLUMNS(* EXCLUDE ({keep}))"
            f" INTO NAME __name VALUE __value"
        )
        return
    # A record that could not be split has no cells to melt: it is one row, to be quarantined.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE src AS
            SELECT *, CAST(NULL AS VARCHAR) AS _problem
            FROM (UNPIVOT (SELECT * EXCLUDE (_problem) FROM raw_input WHERE _problem IS NULL)
                  ON COLUMNS(* EXCLUDE ({keep})) INTO NAME __name VALUE __value)"""
    )
    con.execute(
        f"""INSERT INTO src BY NAME SELECT {keep}, _problem, NULL AS __name, NULL AS __value
            FROM raw_input WHERE _problem IS NOT NULL"""
    )


def _raw_expr(plan: LoadPlan, column: str) -> str | None:
    if plan.wide is not None and column == plan.wide.names_to:
        return "src.__name"
    if plan.wide is not None and column == plan.wide.values_to:
        return "src.__value"
    header = plan.column_map.get(column)
    return f"src.{ident(header)}" if header else None


def _mapped_sql(
    con: duckdb.DuckDBPyConnection, plan: LoadPlan, column: Column, raw: str, sql: Params, joins: list[str]
) -> MappedSql:
    """The column's mapping, written into the statement when only a few values need one (most
    feeds send a handful of known words), else joined. A value read in context (a county under
    its city) is always joined: the context is part of its key.

    The resolver sees each distinct (value, context) once. Its answers are typed by DuckDB and read
    back; a mapping written in is never stored. A table per column and two queries over it were a
    fixed cost that small feeds felt (60k hotline rows, five mapped columns: 0.41 -> 0.35 s a run)."""
    context = plan.parent_header if column.kind == "region" else None
    parent = f"src.{ident(context)}" if context else "NULL"
    distinct = con.execute(
        f"SELECT DISTINCT CAST({raw} AS VARCHAR) AS raw, CAST({parent} AS VARCHAR) AS parent FROM src"
    ).df()
    resolved = plan.resolvers[column.name](distinct)
    if "note" not in resolved:
        resolved = resolved.assign(note=None)
    frame = resolved[["raw", "parent", "value", "reason", "note"]].astype("object")
    frame = frame.where(frame.notna(), None)
    typed = (
        "SELECT CAST(raw AS VARCHAR) raw, CAST(parent AS VARCHAR) parent, CAST(value AS VARCHAR) value,"
        f" CAST(reason AS VARCHAR) reason, CAST(note AS VARCHAR) note, {cleaned('raw')} IS NULL AS blank"
        " FROM map_frame"
    )
    table = ident(f"map_{column.name}")
    con.register("map_frame", frame)
    try:
        if not context:
            rows = con.execute(typed).fetchall()
            # Only values the resolver answered for can be written in; any other would fall through
            # to "maps to itself" where the join finds no row (not given). A NULL counts each time.
            answered = len({row[0] for row in rows if row[0] is not None}) + sum(
                row[0] is None for row in rows
            )
            exceptions = [
                (text, value, reason, note, blank)
                for text, _parent, value, reason, note, blank in rows
                if not (value == text and reason is None and note is None and not blank)
            ]
            if answered == len(distinct) and len(exceptions) <= INLINE_EXCEPTIONS:
                return inline_map(raw, exceptions, sql)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {typed}")
    finally:
        con.unregister("map_frame")
    alias = ident(f"m_{column.name}")
    joins.append(
        f"LEFT JOIN {table} {alias} ON {alias}.raw IS NOT DISTINCT FROM CAST({raw} AS VARCHAR)"
        f" AND {alias}.parent IS NOT DISTINCT FROM CAST({parent} AS VARCHAR)"
    )
    return joined_map(alias)


def ensure_columns(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Columns a newer schema added to a feed table, added to a snapshot built before them (empty
    for the rows already there), so a load never fails on a warehouse one release older."""
    have = {r[0] for r in con.execute(f"SELECT name FROM pragma_table_info('{table.name}')").fetchall()}
    for column in table.columns:
        if column.name not in have:
            con.execute(f"ALTER TABLE {ident(table.name)} ADD COLUMN {ident(column.name)} {column.type}")


def _build_checked(con: duckdb.DuckDBPyConnection, plan: LoadPlan) -> None:
    """``checked``: each staged row's typed values, and ``_reason`` (NULL when every check passed).

    Two layers. The inner select computes, once a row, each column's typed value, whether it was
    given, its mapping's reason and the raw text; the checks above it only compare those. Written
    as one flat select, each check repeated the cleaning and casting it tested (alone, the reasons
    cost 0.20 s a million hotline rows, more than typing every column); DuckDB shared some of that
    work already, and the layers took the whole statement from 0.28 to 0.26 s.
    """
    sql = Params()
    inner: list[str] = ["src._row", "src._file"]
    selects: list[str] = ["t._row", "t._file"]
    joins: list[str] = []
    checks: list[tuple[str, str]] = []  # (condition, reason text) per possible problem
    typed_of: dict[str, str] = {}
    mapped: dict[str, MappedSql] = {}
    notes: dict[str, str] = {}

    def keep(expr: str, name: str) -> str:
        """``expr`` computed in the inner select; what the checks refer to it by."""
        inner.append(f"{expr} AS {ident(name)}")
        return f"t.{ident(name)}"

    names = {c.name for c in plan.table.columns}
    # The column an indicator's figure is in (a value, a target): it may carry a %, checked below.
    measured = (
        next((n for n in ("value", "target_value") if n in names), None)
        if "indicator_code" in names
        else None
    )
    for column in plan.table.columns:
        if column.kind.startswith("reported:"):  # what a vocab column was sent, when it was not listed
            note = notes.get(column.kind.removeprefix("reported:"), "NULL")
            selects.append(f"CAST({note} AS VARCHAR) AS {ident(column.name)}")
            continue
        raw = _raw_expr(plan, column.name)
        if raw is None:
            if column.required:
                raise SchemaMismatch(f"数据源缺少必填列：{column.label or column.name}（{column.name}）")
            selects.append(f"CAST(NULL AS {column.type}) AS {ident(column.name)}")
            continue
        label = sql.bind(column.label or column.name)
        mapping = None
        if column.kind in MAPPED_KINDS or column.kind.startswith(("enum:", "vocab:")):
            mapping = mapped[column.name] = _mapped_sql(con, plan, column, raw, sql, joins)
            notes[column.name] = keep(mapping.note, f"__note_{column.name}")
        # A mapped column's blankness comes with its mapping: computed once per distinct value.
        present = keep(
            mapping.present if mapping else f"{cleaned(raw)} IS NOT NULL", f"__given_{column.name}"
        )
        if column.required:
            checks.append((f"NOT {present}", f"'缺少必填字段：' || {label}"))
        if mapping:
            typed = keep(f"TRY_CAST({mapping.value} AS {column.type})", f"__v_{column.name}")
            why = keep(mapping.reason, f"__why_{column.name}")
            checks.append((f"{why} IS NOT NULL AND {present}", why))
        else:
            typed = keep(typed_expr(column, raw, percent_ok=column.name == measured), f"__v_{column.name}")
            if column.kind not in ("text", "code"):
                text = keep(f"CAST({raw} AS VARCHAR)", f"__raw_{column.name}")
                shown = f"'无法解析' || {label} || '：\"' || cockpit_visible(trim({text})) || '\"'"
                checks.append((f"{present} AND {typed} IS NULL", shown))
        if column.min_value is not None:
            checks.append((f"{typed} < {sql.bind(column.min_value)}", f"{label} || '低于下限'"))
        if column.max_value is not None:
            checks.append((f"{typed} > {sql.bind(column.max_value)}", f"{label} || '高于上限'"))
        happened = column.name == plan.table.event_time or column.name in plan.table.happened
        if happened and column.kind in ("timestamp", "date"):
            now = f"CAST({sql.bind(plan.now)} AS TIMESTAMP) + {CLOCK_SKEW}"
            checks.append((f"{typed} > {now}", f"{label} || '晚于当前时间'"))
        typed_of[column.name] = typed
        selects.append(f"{typed} AS {ident(column.name)}")
    for earlier, later in plan.table.sequence:
        if earlier in typed_of and later in typed_of:
            first, then = plan.table.column(earlier), plan.table.column(later)
            checks.append(
                (
                    f"CAST({typed_of[later]} AS TIMESTAMP) < CAST({typed_of[earlier]} AS TIMESTAMP)",
                    f"{sql.bind(then.label or then.name)} || '早于' || {sql.bind(first.label or first.name)}",
                )
            )
    if measured is not None:
        # Figures are checked against the indicator's own declared unit, range and frequency.
        joins.append(f"LEFT JOIN indicator ind ON ind.code = {mapped['indicator_code'].value}")
        ind = {field: keep(f"ind.{field}", f"__ind_{field}") for field in
               ("code", "min_value", "max_value", "unit", "frequency", "levels")}  # fmt: skip
        value = typed_of[measured]
        checks.append(
            (
                f"{value} < {ind['min_value']} OR {value} > {ind['max_value']}",
                f"'数值' || CAST({value} AS VARCHAR) || '超出指标取值范围[' || CAST({ind['min_value']} AS VARCHAR)"
                f" || ',' || CAST({ind['max_value']} AS VARCHAR) || ']'",
            )
        )
        # ``measured`` is in ``typed_of``, so its column has a source expression (never None).
        raw_value = cast(str, _raw_expr(plan, measured))
        percent = keep(f"contains({folded(raw_value)}, '%')", "__percent")
        sent = keep(f"trim(CAST({raw_value} AS VARCHAR))", "__sent")
        checks.append(
            (
                f"{percent} AND {ind['unit']} IS DISTINCT FROM '%'",
                f"'带百分号的数值“' || {sent} || '”：该指标单位为' || coalesce({ind['unit']}, '（无）') || '，不是百分比'",
            )
        )
    if measured == "value" and "period" in names:
        joins.append(f"LEFT JOIN region reg ON reg.adcode = {mapped['adcode'].value}")
        level = keep("reg.level", "__region_level")
        period = keep(mapped["period"].value, "__period")
        period_type = f"CASE WHEN {period} LIKE '%Q%' THEN 'quarter' WHEN length({period}) = 4 THEN 'year' ELSE 'month' END"
        checks.append(
            (
                f"{period} IS NOT NULL AND {ind['code']} IS NOT NULL AND {period_type} <> {ind['frequency']}",
                f"'统计期' || {period} || '与指标频度(' || {ind['frequency']} || ')不符'",
            )
        )
        checks.append(
            (
                f"{level} IS NOT NULL AND {ind['levels']} IS NOT NULL AND NOT list_contains({ind['levels']}, {level})",
                f"'该指标不在' || {level} || '级统计'",
            )
        )
    # Most rows are fine: one OR of the conditions lets them skip building any text. concat_ws
    # skips NULLs, so the bad rows get their reasons joined in declaration order.
    reason = "CAST(NULL AS VARCHAR)"
    if checks:
        texts = ", ".join(f"CASE WHEN {cond} THEN {text} END" for cond, text in checks)
        any_problem = " OR ".join(f"({cond})" for cond, _ in checks)
        reason = f"CASE WHEN {any_problem} THEN NULLIF(concat_ws('；', {texts}), '') END"
    if _has_problems(con):  # a record of the wrong width: its fields mean nothing, its reason says why
        reason = f"coalesce({keep('src._problem', '__problem')}, {reason})"
    selects.append(f"{reason} AS _reason")
    cell = keep("src.__name", "__cell") if plan.wide is not None else "CAST(NULL AS VARCHAR)"
    selects.append(f"{cell} AS _cell")
    if plan.wide is None:
        hidden, record = _raw_record(con, sql, inner, selects)
    else:  # a melted cell's record is its whole wide row: the quarantine reads it from raw_input
        hidden, record = "", "CAST(NULL AS JSON)"
    checked = f"SELECT {', '.join(selects)} FROM (SELECT {', '.join(inner)} FROM src {' '.join(joins)}) t"
    checked = f"SELECT * {hidden}, {record} AS _raw FROM ({checked})"
    statement = f"CREATE OR REPLACE TEMP TABLE checked AS {checked}"
    con.execute(statement, sql.used_by(statement))


def _raw_record(
    con: duckdb.DuckDBPyConnection, sql: Params, inner: list[str], selects: list[str]
) -> tuple[str, str]:
    """``_raw`` for ``checked``: the record as the file had it, for the rows the checks refused.

    Built here, the quarantine need not look the refused rows up again in the staged text (a join
    that reads all of it: 0.04 s a million rows); rows refused later, as repeats or by an append-only
    feed, have no ``_raw`` and are looked up there still. Passes the raw fields through ``inner`` and
    ``selects``; returns the EXCLUDE that drops them again and the record's expression."""
    fields = [name for name in raw_columns(con) if name not in ("_row", "_file")]
    passed = {name: f"__sent_{index}" for index, name in enumerate(fields)}
    for name, alias in passed.items():
        inner.append(f"src.{ident(name)} AS {ident(alias)}")
        selects.append(f"t.{ident(alias)}")
    sources = con.execute("SELECT _file, _source FROM raw_sources").fetchall()
    source = (
        "CASE _file " + " ".join(f"WHEN {index} THEN {sql.bind(path)}" for index, path in sources) + " END"
    )
    record = ", ".join(f"{ident(name)} := {ident(alias)}" for name, alias in passed.items())
    hidden = f"EXCLUDE ({', '.join(ident(alias) for alias in passed.values())})"
    return hidden, (
        f"CASE WHEN _reason IS NOT NULL THEN to_json(struct_pack(_row := _row, _source := {source}, {record})) END"
    )


class _StageClock:
    """Per-stage timings in the debug log: where a slow feed spends its time."""

    def __init__(self, feed: str) -> None:
        self.feed = feed
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        log.debug("feed %s: %s %.3fs", self.feed, stage, now - self.last)
        self.last = now


def load_batch(con: duckdb.DuckDBPyConnection, plan: LoadPlan) -> LoadCounts:
    """Load the staged ``raw_input`` into ``plan.table``; every row read ends in exactly one count."""
    clock = _StageClock(plan.feed)
    register_functions(con)
    ensure_columns(con, plan.table)
    _source_relation(con, plan)
    read = int(scalar(con, "SELECT count(*) FROM src"))
    clock.lap("stage")
    _build_checked(con, plan)
    clock.lap("type and check")
    flag_duplicates(con, plan.table)
    clock.lap("duplicates")
    inserted, updated, unchanged, _refused = merge(
        con, plan.table, plan.feed, plan.run_id, plan.now, plan.write_mode
    )
    clock.lap("merge")
    quarantined = quarantine(con, plan.feed, plan.run_id, plan.now)
    clock.lap("quarantine")
    counts = LoadCounts(read, inserted, updated, unchanged, quarantined)
    if not counts.balanced:
        raise RuntimeError(f"row accounting does not add up for feed {plan.feed}: {counts}")
    return counts
