"""Named queries of “一颗星” emergency command: incidents, warnings in force, alarms, the overview
the screen and briefings show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from cockpit.access.scope import scoped, scoped_result
from cockpit.warehouse.events_base import (
    CHILD,
    IN_FORCE,
    KIDS,
    REPORT_DEADLINE_MINUTES,
    WARNING_MAX,
    EventQueryBase,
    blank_to_none,
    null_row,
    valid_incident_id,
)
from cockpit.warehouse.region_tree import LINEAGE, SUBTREE
from cockpit.warehouse.windows import Window


class EmergencyQueries(EventQueryBase):
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
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "cat": blank_to_none(category),
                "lvl": blank_to_none(level),
            },
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
            {"r": region, "now": now, "cat": blank_to_none(category), "lvl": blank_to_none(level)},
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
        return null_row(frame.iloc[0].to_dict())

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
                  SELECT {CHILD} AS child, e.incident_id, e.level, e.deaths, e.injuries, e.loss_wan_yuan,
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
                FROM {KIDS} k LEFT JOIN ev ON ev.child = k.adcode
                GROUP BY GROUPING SETS ((k.adcode, k.name, k.short_name), ())
                ORDER BY k.adcode NULLS FIRST""",
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "cat": blank_to_none(category),
                "lvl": blank_to_none(level),
            },
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
                WHERE {IN_FORCE} AND (w.adcode IN {SUBTREE}
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
            f"""WITH w AS (SELECT w.adcode, w.color FROM emergency_warning w WHERE {IN_FORCE}),
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
                       SELECT hit.adcode, {WARNING_MAX} AS warning, count(*) AS warnings
                       FROM whole hit GROUP BY hit.adcode),
                     inside_max AS (
                       SELECT hit.adcode, {WARNING_MAX} AS partial,
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
                     w AS (SELECT w.color, w.loaded_at FROM emergency_warning w WHERE {IN_FORCE}
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
