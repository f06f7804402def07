"""The SQL a load types and checks raw text with: identifiers, bound parameters, the typed expression
of each column kind, and the Python text functions those expressions call.

Split from ``loader`` (which stages, checks and counts): these are pure builders of SQL text, apart
from ``scalar`` and ``register_functions``, which run on the load's connection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from cockpit.warehouse.cleaning import FUNCTIONS
from cockpit.warehouse.schema import Column

TIMESTAMP_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
]
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y.%m.%d"]

# An event a few minutes "in the future" is clock skew between systems, not bad data.
CLOCK_SKEW = "INTERVAL 15 MINUTE"


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    """First column of the first row. Drains the result: DuckDB 2 refuses new work on a
    connection while a result is only partly fetched."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def raw_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The staged ``raw_input``'s columns, the run's own (``_row``, ``_file``, ``_problem``) included."""
    return [r[0] for r in con.execute("SELECT name FROM pragma_table_info('raw_input')").fetchall()]


class Params:
    """Collects named parameters next to the SQL text that uses them (order-independent)."""

    def __init__(self) -> None:
        self.params: dict[str, object] = {}

    def bind(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def used_by(self, text: str) -> dict[str, object]:
        """DuckDB rejects parameters the statement doesn't use (labels of unchecked columns)."""
        used = set(re.findall(r"\$(p\d+)\b", text))
        return {k: v for k, v in self.params.items() if k in used}


def cleaned(raw: str) -> str:
    """``NULLIF(trim(raw), '')`` without paying for trim on every row.

    trim copies each string, which on a million timestamps costs more than casting them; DuckDB's
    trim strips only spaces, so a value that neither starts nor ends with one is already clean."""
    text = f"CAST({raw} AS VARCHAR)"
    return f"CASE WHEN ascii({text}) = 32 OR suffix({text}, ' ') THEN NULLIF(trim({text}), '') ELSE NULLIF({text}, '') END"


# Characters NFKC changes or trimming removes that ordinary Chinese text does not hold: no-break and
# ideographic spaces, zero-width and format marks, full-width ASCII, enclosed and roman numerals, CJK
# compatibility forms. A value without any of them is already normal and stays in DuckDB.
_NEEDS_PYTHON = (
    "[\\x{00A0}\\x{2000}-\\x{200F}\\x{2028}-\\x{202F}\\x{205F}-\\x{2060}\\x{2150}-\\x{218F}"
    "\\x{2460}-\\x{24FF}\\x{3000}\\x{3200}-\\x{33FF}\\x{F900}-\\x{FAFF}\\x{FE30}-\\x{FE4F}"
    "\\x{FEFF}\\x{FF01}-\\x{FFEE}]"
)


def folded(raw: str, function: str = "cockpit_nfkc") -> str:
    """Plain ASCII (bytes = characters) is only trimmed; other text goes through Python
    (cockpit.warehouse.cleaning) only if it holds a character NFKC or trimming would change — NFKC
    and every kind of space for codes and numbers, trimming alone for free text. Most values of a
    big feed (ids, Chinese words) never leave DuckDB."""
    text = f"CAST({raw} AS VARCHAR)"
    return (
        f"CASE WHEN strlen({text}) = length({text}) OR NOT regexp_matches({text}, '{_NEEDS_PYTHON}')"
        f" THEN {cleaned(raw)} ELSE NULLIF({function}({text}), '') END"
    )


# A number as offices write it: thousands separators only in valid groups (8,5 is not 85), and a
# trailing % where the column allows one (an indicator measured in %); anything else is refused.
_GROUPED = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?%?"
_PERCENT = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%"


def number_expr(raw: str, percent_ok: bool) -> str:
    text = folded(raw)
    alternatives = [
        f"WHEN regexp_full_match({text}, '{_GROUPED}') THEN TRY_CAST(replace(replace({text}, ',', ''), '%', '') AS DOUBLE)"
    ]
    if percent_ok:
        alternatives.append(
            f"WHEN regexp_full_match({text}, '{_PERCENT}') THEN TRY_CAST(rtrim({text}, '%') AS DOUBLE)"
        )
    number = f"coalesce(TRY_CAST({text} AS DOUBLE), CASE {' '.join(alternatives)} END)"
    if not percent_ok:
        number = f"CASE WHEN NOT contains({text}, '%') THEN {number} END"
    return f"CASE WHEN isfinite({number}) THEN {number} END"  # NaN and inf are not figures


def typed_expr(column: Column, raw: str, percent_ok: bool = False) -> str:
    trimmed = cleaned(raw)
    if column.kind == "number":
        return number_expr(raw, percent_ok)
    if column.kind == "integer":
        number = number_expr(raw, False)
        return f"CASE WHEN {number} = floor({number}) THEN CAST({number} AS INTEGER) END"
    if column.kind == "timestamp":
        # ISO text casts directly (the cast itself ignores surrounding spaces); only other layouts
        # pay for trying each format.
        return f"coalesce(TRY_CAST(CAST({raw} AS VARCHAR) AS TIMESTAMP), try_strptime({trimmed}, {TIMESTAMP_FORMATS!r}))"
    if column.kind == "date":
        return f"CAST(try_strptime({trimmed}, {DATE_FORMATS!r}) AS DATE)"
    if column.kind == "code":
        return folded(raw)
    return folded(raw, "cockpit_trim")


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The Python text functions the typed expressions call (once per connection).

    Registering is tried rather than asked about first: listing ``duckdb_functions()`` to see what
    the connection has cost 17 ms a load, more than registering."""
    for name, function in FUNCTIONS.items():
        try:
            con.create_function(name, function, ["VARCHAR"], "VARCHAR", side_effects=False)
        except duckdb.NotImplementedException:  # "already created": this connection loaded before
            continue


@dataclass(frozen=True)
class MappedSql:
    """What a mapped column contributes to the checked rows: its value as text, whether it was given,
    the resolver's reason and its note (what a vocabulary column was sent, when it was not listed)."""

    value: str
    present: str
    reason: str
    note: str


def joined_map(alias: str) -> MappedSql:
    """The mapping row joined in under ``alias``; no row at all counts as not given."""
    return MappedSql(
        f"{alias}.value", f"coalesce(NOT {alias}.blank, FALSE)", f"{alias}.reason", f"{alias}.note"
    )


# Past this many values that do not map to themselves, a hash join beats a chain of comparisons.
INLINE_EXCEPTIONS = 8


def inline_map(raw: str, exceptions: list[tuple[Any, ...]], sql: Params) -> MappedSql:
    """A mapping written into the statement instead of joined: ``exceptions`` are the mapping rows
    (raw, value, reason, note, blank) whose value is not the raw text itself or that carry a reason,
    a note or blankness; every other value maps to itself, accepted. Most rows of a big feed then
    cost one or two comparisons instead of a hash probe (≈0.02 CPU-s a column a million rows)."""
    text = f"CAST({raw} AS VARCHAR)"
    arms = [
        (f"{text} IS NULL" if row[0] is None else f"{text} = {sql.bind(row[0])}", row) for row in exceptions
    ]

    def case(pick: Callable[[tuple[Any, ...]], str], default: str) -> str:
        if not arms:
            return default
        whens = " ".join(f"WHEN {condition} THEN {pick(row)}" for condition, row in arms)
        return f"CASE {whens} ELSE {default} END"

    def text_of(index: int) -> Callable[[tuple[Any, ...]], str]:
        return lambda row: (
            "CAST(NULL AS VARCHAR)" if row[index] is None else f"CAST({sql.bind(row[index])} AS VARCHAR)"
        )

    return MappedSql(
        value=case(text_of(1), text),
        present=case(lambda row: "FALSE" if row[4] else "TRUE", "TRUE"),
        reason=case(text_of(2), "CAST(NULL AS VARCHAR)"),
        note=case(text_of(3), "CAST(NULL AS VARCHAR)"),
    )
