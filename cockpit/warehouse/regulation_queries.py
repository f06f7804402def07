"""Named queries of 互联网+监管: the supervision catalogue, 双随机 inspections, credit records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from cockpit.access.scope import scoped
from cockpit.warehouse.events_base import (
    CHILD,
    CREDIT_DIMS,
    INSPECTION_DIMS,
    KIDS,
    EventQueryBase,
    blank_to_none,
    null_row,
)
from cockpit.warehouse.region_tree import SUBTREE
from cockpit.warehouse.windows import Window, window_of_kind


class RegulationQueries(EventQueryBase):
    # --- 互联网+监管 ----------------------------------------------------------------------------
    @scoped("region")
    def catalog_by_department(self, region: str, window: Window) -> pd.DataFrame:
        """The region's own departments at the latest quarter reported by the window's end."""
        return self._df(
            "ev_catalog_by_department",
            """WITH p AS (SELECT max(period) AS p FROM regulatory_catalog WHERE adcode = $r AND period <= $q)
               SELECT department, period, items_total, items_claimed, lists_total, lists_published,
                      items_claimed / nullif(items_total, 0) AS claim_rate,
                      lists_published / nullif(lists_total, 0) AS publish_rate
               FROM regulatory_catalog WHERE adcode = $r AND period = (SELECT p FROM p)
               ORDER BY claim_rate, publish_rate, department""",
            {"r": region, "q": window.quarter_code},
        )

    @scoped("region")
    def catalog_by_region(self, region: str, window: Window, department: str | None = None) -> pd.DataFrame:
        """The region and each child, each with its own departments' totals (or one department's)
        at its latest quarter."""
        return self._df(
            "ev_catalog_by_region",
            """WITH c AS (
                 SELECT adcode, period, sum(items_total) AS items_total, sum(items_claimed) AS items_claimed,
                        sum(lists_total) AS lists_total, sum(lists_published) AS lists_published
                 FROM regulatory_catalog
                 WHERE (adcode = $r OR adcode IN (SELECT adcode FROM region WHERE parent_adcode = $r))
                   AND period <= $q AND ($dept IS NULL OR department = $dept)
                 GROUP BY adcode, period
                 QUALIFY row_number() OVER (PARTITION BY adcode ORDER BY period DESC) = 1)
               SELECT g.adcode, g.name, g.short_name, g.adcode = $r AS is_self, c.period,
                      c.items_total, c.items_claimed, c.lists_total, c.lists_published,
                      c.items_claimed / nullif(c.items_total, 0) AS claim_rate,
                      c.lists_published / nullif(c.lists_total, 0) AS publish_rate
               FROM region g LEFT JOIN c ON c.adcode = g.adcode
               WHERE g.adcode = $r OR g.parent_adcode = $r ORDER BY is_self DESC, g.adcode""",
            {"r": region, "q": window.quarter_code, "dept": blank_to_none(department)},
        )

    @scoped("region")
    def catalog_trend(self, region: str) -> pd.DataFrame:
        return self._df(
            "ev_catalog_trend",
            """SELECT period, sum(items_claimed) / nullif(sum(items_total), 0) AS claim_rate,
                      sum(lists_published) / nullif(sum(lists_total), 0) AS publish_rate
               FROM regulatory_catalog WHERE adcode = $r GROUP BY period ORDER BY period""",
            {"r": region},
        )

    _INSPECTION_AGG = """count(*) AS planned, count(i.done_date) AS done,
        count(i.done_date) / count(*) AS done_rate,
        count(*) FILTER (WHERE i.problem_found) AS problems,
        avg(CASE WHEN i.problem_found THEN 1.0 ELSE 0.0 END) FILTER (WHERE i.done_date IS NOT NULL) AS problem_rate,
        coalesce(sum(i.penalty_wan_yuan), 0) AS penalties,
        count(*) FILTER (WHERE i.penalty_wan_yuan > 0) AS penalised"""
    _INSPECTION_WHERE = f"""i.adcode IN {SUBTREE} AND i.planned_date >= CAST($t0 AS DATE)
        AND CAST(i.planned_date AS TIMESTAMP) < $t1
        AND ($dept IS NULL OR i.department = $dept)"""

    @scoped("region")
    def inspections_by(
        self, region: str, window: Window, by: str, department: str | None = None
    ) -> pd.DataFrame:
        """双随机 tasks planned in the window by department or sector; the key NULL row is the total."""
        column = INSPECTION_DIMS[by]  # KeyError for anything but the fixed dimensions
        return self._df(
            f"ev_inspections_by_{by}",
            f"""SELECT {column} AS key, {self._INSPECTION_AGG}
                FROM inspection i WHERE {self._INSPECTION_WHERE}
                GROUP BY GROUPING SETS (({column}), ()) ORDER BY key NULLS FIRST""",
            {"r": region, "t0": window.start, "t1": window.end, "dept": blank_to_none(department)},
        )

    @scoped("region")
    def inspections_by_region(
        self, region: str, window: Window, department: str | None = None
    ) -> pd.DataFrame:
        return self._df(
            "ev_inspections_by_region",
            f"""WITH i AS (SELECT {CHILD} AS child, i.* FROM inspection i JOIN region g ON g.adcode = i.adcode
                           WHERE {self._INSPECTION_WHERE})
                SELECT k.adcode, k.name, k.short_name, {self._INSPECTION_AGG.replace("count(*)", "count(i.inspection_id)")}
                FROM {KIDS} k LEFT JOIN i ON i.child = k.adcode
                GROUP BY k.adcode, k.name, k.short_name ORDER BY k.adcode""",
            {"r": region, "t0": window.start, "t1": window.end, "dept": blank_to_none(department)},
        )

    @scoped("region")
    def inspection_monthly(self, region: str, window: Window, department: str | None = None) -> pd.DataFrame:
        return self._df(
            "ev_inspection_monthly",
            f"""SELECT date_trunc('month', i.planned_date) AS month, count(*) AS planned, count(i.done_date) AS done,
                       count(*) FILTER (WHERE i.problem_found) AS problems
                FROM inspection i WHERE {self._INSPECTION_WHERE} GROUP BY ALL ORDER BY month""",
            {"r": region, "t0": window.start, "t1": window.end, "dept": blank_to_none(department)},
        )

    _CREDIT_AGG = """count(*) FILTER (WHERE c.listed_at <= CAST($now AS DATE)
                          AND (c.repaired_at IS NULL OR c.repaired_at > CAST($now AS DATE))) AS listed_now,
        count(*) FILTER (WHERE c.listed_at >= CAST($t0 AS DATE) AND CAST(c.listed_at AS TIMESTAMP) < $t1) AS listed,
        count(*) FILTER (WHERE c.repaired_at >= CAST($t0 AS DATE) AND CAST(c.repaired_at AS TIMESTAMP) < $t1)
            AS repaired,
        count(c.repaired_at) FILTER (WHERE c.repaired_at <= CAST($now AS DATE)) AS repaired_ever,
        count(*) FILTER (WHERE c.listed_at <= CAST($now AS DATE)) AS listed_ever"""

    @scoped("region")
    def credit_by(
        self, region: str, window: Window, now: datetime, by: str, department: str | None = None
    ) -> pd.DataFrame:
        """失信 entities by sector or department: on the list now, listed and repaired in the window."""
        column = CREDIT_DIMS[by]
        return self._df(
            f"ev_credit_by_{by}",
            f"""SELECT {column} AS key, {self._CREDIT_AGG}
                FROM credit_record c WHERE c.adcode IN {SUBTREE} AND c.listed_at <= CAST($now AS DATE)
                  AND ($dept IS NULL OR c.department = $dept)
                GROUP BY GROUPING SETS (({column}), ()) ORDER BY key NULLS FIRST, listed_now DESC""",
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "now": now,
                "dept": blank_to_none(department),
            },
        )

    @scoped("region")
    def credit_by_region(
        self, region: str, window: Window, now: datetime, department: str | None = None
    ) -> pd.DataFrame:
        return self._df(
            "ev_credit_by_region",
            f"""WITH c AS (SELECT {CHILD} AS child, c.* FROM credit_record c JOIN region g ON g.adcode = c.adcode
                           WHERE c.adcode IN {SUBTREE} AND c.listed_at <= CAST($now AS DATE)
                             AND ($dept IS NULL OR c.department = $dept))
                SELECT k.adcode, k.name, k.short_name, {self._CREDIT_AGG.replace("count(*)", "count(c.record_id)")}
                FROM {KIDS} k LEFT JOIN c ON c.child = k.adcode
                GROUP BY k.adcode, k.name, k.short_name ORDER BY k.adcode""",
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "now": now,
                "dept": blank_to_none(department),
            },
        )

    @scoped("region")
    def credit_recent(
        self, region: str, window: Window, limit: int = 10, department: str | None = None
    ) -> pd.DataFrame:
        return self._df(
            "ev_credit_recent",
            f"""SELECT c.record_id, c.entity_name, c.entity_type, g.name AS region_name, c.department, c.sector,
                       c.reason, c.listed_at, c.repaired_at
                FROM credit_record c JOIN region g ON g.adcode = c.adcode
                WHERE c.adcode IN {SUBTREE} AND c.listed_at >= CAST($t0 AS DATE)
                  AND CAST(c.listed_at AS TIMESTAMP) < $t1 AND ($dept IS NULL OR c.department = $dept)
                ORDER BY c.listed_at DESC, c.record_id DESC LIMIT $n""",
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "n": int(max(1, min(limit, 100))),
                "dept": blank_to_none(department),
            },
        )

    def departments(self) -> list[str]:
        """Departments any regulation table knows, for validating URL parameters."""
        frame = self._df(
            "ev_departments",
            """SELECT DISTINCT department FROM (SELECT department FROM regulatory_catalog
               UNION ALL SELECT department FROM inspection
               UNION ALL SELECT department FROM credit_record) ORDER BY department""",
            {},
        )
        return [str(d) for d in frame["department"]]

    @scoped("region")
    def inspection_pulse(self, region: str, now: datetime) -> dict[str, Any]:
        """This year's 双随机 figures (planned to date, done, problem rate, penalties): the total row
        of the breakdown /regulation shows for the year."""
        total = self.inspections_by(region, window_of_kind("year", now), "sector")
        row = total[total["key"].isna()]
        out = null_row(row.iloc[0].to_dict()) if len(row) else {}
        out.pop("key", None)
        return out
