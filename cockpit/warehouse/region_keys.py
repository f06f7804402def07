"""The region search's pinyin keys in a warehouse built before they existed.

``region.pinyin_keys`` came with the search by every reading (cockpit.place_pinyin). ``cockpit
init`` builds it; a warehouse built by an older release keeps its region table through every feed
load (a load copies the snapshot), so each load first adds the column and fills it, and corrects
``pinyin_initials`` made by the old one-reading rule (长治 was zz), as ``loader.ensure_columns`` does
for the feed table it loads. Until that first load, the queries read the keys through ``KEYS_SQL``
(NULL where the column is absent) and ``with_keys`` computes the missing ones from the short name.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from cockpit import place_pinyin

# A row's JSON has the key only where the column exists: the query binds on either snapshot.
KEYS_SQL = "to_json(r)->>'pinyin_keys'"


def with_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s ``keys`` column with its gaps (an older snapshot's regions, the indicators) filled
    from the short names."""
    missing = frame["keys"].isna() & frame["short_name"].notna()
    if not missing.any():
        return frame
    frame = frame.copy()  # a memoized frame is shared: never filled in place
    frame.loc[missing, "keys"] = frame.loc[missing, "short_name"].map(place_pinyin.search_keys)
    return frame


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
    """Adds and fills ``pinyin_keys`` in a writable snapshot that lacks it; returns the rows filled."""
    have = {r[0] for r in con.execute("SELECT name FROM pragma_table_info('region')").fetchall()}
    if "pinyin_keys" not in have:
        con.execute("ALTER TABLE region ADD COLUMN pinyin_keys VARCHAR")
    rows = con.execute("SELECT adcode, short_name FROM region WHERE pinyin_keys IS NULL").fetchall()
    if not rows:
        return 0
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
