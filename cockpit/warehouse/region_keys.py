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


def with_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s ``keys`` column with its gaps (an older snapshot's regions, the indicators) filled
    from the short names."""
    missing = frame["keys"].isna() & frame["short_name"].notna()
    if not missing.any():
        return frame
    from cockpit import place_pinyin  # only for an older snapshot: see the module docstring

    frame = frame.copy()  # a memoized frame is shared: never filled in place
    frame.loc[missing, "keys"] = frame.loc[missing, "short_name"].map(place_pinyin.search_keys)
    return frame


def with_indicator_keys(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicator catalogue with its search keys: those of each short name (全程网办率: qcwbl …)."""
    from cockpit import place_pinyin

    names = indicators["short_name"].where(indicators["short_name"].notna(), indicators["name"])
    return indicators.assign(pinyin_keys=names.map(place_pinyin.search_keys))


def _add_keys_column(con: duckdb.DuckDBPyConnection, table: str) -> None:
    have = {r[0] for r in con.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall()}
    if "pinyin_keys" not in have:
        con.execute(f"ALTER TABLE {table} ADD COLUMN pinyin_keys VARCHAR")


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
    """Adds and fills ``pinyin_keys`` in a writable snapshot that lacks it; returns the rows filled."""
    _add_keys_column(con, "region")
    _add_keys_column(con, "indicator")
    return _fill_regions(con) + _fill_indicators(con)


def _fill_indicators(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT code, name, short_name FROM indicator WHERE pinyin_keys IS NULL").df()
    if rows.empty:
        return 0
    con.register("indicator_keys_in", with_indicator_keys(rows))
    try:
        con.execute(
            """UPDATE indicator SET pinyin_keys = k.pinyin_keys
               FROM indicator_keys_in k WHERE indicator.code = k.code"""
        )
    finally:
        con.unregister("indicator_keys_in")
    return len(rows)


def _fill_regions(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT adcode, short_name FROM region WHERE pinyin_keys IS NULL").fetchall()
    if not rows:
        return 0
    from cockpit import place_pinyin

    names = [name for _code, name in rows]
    filled = pd.DataFrame(
        {
            "adcode": [code for code, _name in rows],
            "pinyin_initials": [place_pinyin.initials(n) for n in names],
            "pinyin_keys": [place_pinyin.search_keys(n) for n in names],
        }
    )
    con.register("region_keys_in", filled)
    try:
        con.execute(
            """UPDATE region SET pinyin_initials = k.pinyin_initials, pinyin_keys = k.pinyin_keys
               FROM region_keys_in k WHERE region.adcode = k.adcode"""
        )
    finally:
        con.unregister("region_keys_in")
    return len(rows)
