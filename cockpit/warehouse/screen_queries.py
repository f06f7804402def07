"""Named queries behind the big screen's tiles. Every figure is computed in DuckDB, memoized per
snapshot, and comes back with its lineage (source feed, load time) for the tile's as-of mark.

A region's events are its own plus its descendants' (a city's incidents are its counties'),
expressed once in ``SUBTREE``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cockpit.access.scope import scoped, scoped_list
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.region_keys import KEYS_SQL, with_keys


class ScreenQueries:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    def _df(self, name: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        return self.wh.cached_df(name, sql, params)

    # --- indicators -----------------------------------------------------------------------
    @scoped("adcode")
    def latest_values(self, adcode: str, codes: list[str]) -> pd.DataFrame:
        """Latest and previous period value of each indicator for one region, with its target."""
        return self._df(
            "latest_values",
            """WITH v AS (
                 SELECT indicator_code, period, value, source_feed, loaded_at,
                        row_number() OVER (PARTITION BY indicator_code ORDER BY period DESC) AS k
                 FROM indicator_value WHERE adcode = $r AND list_contains($codes, indicator_code))
               SELECT i.code, i.name, i.short_name, i.unit, i.direction, i.decimals, i.pillar_code, i.frequency,
                      cur.period, cur.value, prev.period AS prev_period, prev.value AS prev_value,
                      t.target_value, cur.source_feed, cur.loaded_at
               FROM indicator i
               LEFT JOIN v cur ON cur.indicator_code = i.code AND cur.k = 1
               LEFT JOIN v prev ON prev.indicator_code = i.code AND prev.k = 2
               LEFT JOIN indicator_target t ON t.indicator_code = i.code AND t.adcode = $r
                    AND t.year = CAST(left(cur.period, 4) AS INTEGER)
               WHERE list_contains($codes, i.code)""",
            {"r": adcode, "codes": codes},
        )

    @scoped("adcode")
    def children_values(self, indicator: str, period: str, adcode: str) -> pd.DataFrame:
        """The children of a region with value, previous-period value and target: what the map shows."""
        return self._df(
            "children_values",
            """WITH prev AS (SELECT max(period) AS p FROM indicator_value
                             WHERE indicator_code = $i AND period < $p)
               SELECT r.adcode, r.name, r.short_name, r.level, v.value, pv.value AS prev_value,
                      t.target_value, v.source_feed, v.loaded_at
               FROM region r
               LEFT JOIN indicator_value v ON v.adcode = r.adcode AND v.indicator_code = $i AND v.period = $p
               LEFT JOIN indicator_value pv ON pv.adcode = r.adcode AND pv.indicator_code = $i
                    AND pv.period = (SELECT p FROM prev)
               LEFT JOIN indicator_target t ON t.adcode = r.adcode AND t.indicator_code = $i
                    AND t.year = CAST(left($p, 4) AS INTEGER)
               WHERE r.parent_adcode = $r ORDER BY r.adcode""",
            {"i": indicator, "p": period, "r": adcode},
        )

    @scoped("adcode")
    def trend(self, indicator: str, adcode: str) -> pd.DataFrame:
        return self._df(
            "trend",
            """SELECT v.period, v.value, t.target_value FROM indicator_value v
               LEFT JOIN indicator_target t ON t.indicator_code = v.indicator_code AND t.adcode = v.adcode
                    AND t.year = CAST(left(v.period, 4) AS INTEGER)
               WHERE v.indicator_code = $i AND v.adcode = $r ORDER BY v.period""",
            {"i": indicator, "r": adcode},
        )

    @scoped_list("value", only=("kind", "region"))
    def search_index(self) -> pd.DataFrame:
        """Regions and indicators for the search box; a region's ``keys`` are its pinyin (every reading)."""
        frame = self._df(
            "search_index",
            f"""SELECT 'region' AS kind, adcode AS value, name AS label, short_name, {KEYS_SQL} AS keys,
                      level FROM region r
               UNION ALL
               SELECT 'indicator', code, name, short_name, {KEYS_SQL}, NULL FROM indicator r""",
            {},
        )
        return with_keys(frame)  # from the snapshot (filled in from the short names when it is older)
