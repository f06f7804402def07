"""The search's pinyin keys, kept in the warehouse so that serving never computes them.

``region.pinyin_keys`` came with the search by every reading (cockpit.place_pinyin), and
``indicator.pinyin_keys`` after it. ``cockpit init`` builds both; a warehouse built by an older
release keeps its tables through every feed load (a load copies the snapshot), so each load first
adds the columns and fills them, and corrects ``pinyin_initials`` made by the old one-reading rule
(长治 was zz), as ``loader.ensure_columns`` does for the feed table it loads. Until that first load,
the queries read the keys through ``KEYS_SQL`` (NULL where the column is absent) and ``with_keys``
computes the missing ones from the short name.

pypinyin is imported only where a key is computed: its phrase dictionary costs a serving worker
about 56 MB of memory, for keys the warehouse already holds.
"""

from __future__ import annotations

import duckdb
import pandas as pd

# A row's JSON has the key only where the column exists: the query binds on either snapshot.
KEYS_SQL = "to_json(r)->>'pinyin_keys'"


def _keys(short_names: pd.Series) -> pd.Series:
    """The search keys of each short name (a missing one stays missing): the one rule for regions
    and indicators, at build, at upgrade and for an older snapshot's gaps."""
    from cockpit import place_pinyin  # only where keys are computed: see the module docstring

    return short_names.map(place_pinyin.search_keys, na_action="ignore")


def with_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s ``keys`` column with its gaps (an older snapshot's regions or indicators) filled
    from the short names."""
    missing = frame["keys"].isna() & frame["short_name"].notna()
    if not missing.any():
        return frame
    frame = frame.copy()  # a memoized frame is shared: never filled in place
    frame.loc[missing, "keys"] = _keys(frame.loc[missing, "short_name"])
    return frame


def with_indicator_keys(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicator catalogue with its search keys: those of each short name (全程网办率: qcwbl …)."""
    return indicators.assign(pinyin_keys=_keys(indicators["short_name"]))


def _add_keys_column(con: duckdb.DuckDBPyConnection, table: str) -> None:
    have = {r[0] for r in con.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall()}
    if "pinyin_keys" not in have:
        con.execute(f"ALTER TABLE {table} ADD COLUMN pinyin_keys VARCHAR")


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
    """Adds and fills ``pinyin_keys`` in a writable snapshot that lacks it; returns the rows filled."""
    _add_keys_column(con, "region")
    _add_keys_column(con, "indicator")
    return _fill_regions(con) + _fill_indicators(con)


def _missing(con: duckdb.DuckDBPyConnection, table: str, key: str) -> pd.DataFrame:
    """The rows of ``table`` whose keys are still to compute (our own table and column names)."""
    return con.execute(
        f"SELECT {key}, short_name FROM {table} WHERE pinyin_keys IS NULL AND short_name IS NOT NULL"
    ).df()


def _update(con: duckdb.DuckDBPyConnection, table: str, key: str, filled: pd.DataFrame) -> int:
    """Writes ``filled``'s columns into ``table``, row by ``key``; returns the rows given."""
    sets = ", ".join(f"{c} = k.{c}" for c in filled.columns if c != key)
    con.register("keys_in", filled)
    try:
        con.execute(f"UPDATE {table} SET {sets} FROM keys_in k WHERE {table}.{key} = k.{key}")
    finally:
        con.unregister("keys_in")
    return len(filled)


def _fill_indicators(con: duckdb.DuckDBPyConnection) -> int:
    rows = _missing(con, "indicator", "code")
    if rows.empty:
        return 0
    return _update(con, "indicator", "code", with_indicator_keys(rows)[["code", "pinyin_keys"]])


def _fill_regions(con: duckdb.DuckDBPyConnection) -> int:
    rows = _missing(con, "region", "adcode")
    if rows.empty:
        return 0
    from cockpit import place_pinyin

    filled = rows.assign(
        pinyin_initials=rows["short_name"].map(place_pinyin.initials), pinyin_keys=_keys(rows["short_name"])
    )
    return _update(con, "region", "adcode", filled[["adcode", "pinyin_initials", "pinyin_keys"]])
