"""Named queries of the 12345 hotline: tickets by window, region, category, channel and topic;
the pulse the screen and the registry read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from cockpit.access.scope import scoped
from cockpit.warehouse.events_base import (
    CHILD,
    HOTLINE_DIMS,
    KIDS,
    EventQueryBase,
    blank_to_none,
    null_row,
)
from cockpit.warehouse.region_tree import SUBTREE
from cockpit.warehouse.windows import Window, window_of_kind


class HotlineQueries(EventQueryBase):
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
             "cat": blank_to_none(category), "ch": blank_to_none(channel)},
        )  # fmt: skip
        rows = {r["w"]: r for r in frame.to_dict("records")}
        now, last = rows.get("now", {}), rows.get("last_year", {})
        out = {k: v for k, v in null_row(now).items() if k != "w"}
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
             "cat": blank_to_none(category), "ch": blank_to_none(channel)},
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
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "cat": blank_to_none(category),
                "ch": blank_to_none(channel),
            },
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
                c AS (SELECT {CHILD} AS child, a.* FROM a JOIN region g ON g.adcode = a.adcode)
                SELECT k.adcode, k.name, k.short_name, k.population,
                       CAST(coalesce(sum(c.n), 0) AS BIGINT) AS tickets,
                       CAST(coalesce(sum(c.closed), 0) AS BIGINT) AS closed,
                       sum(c.closed) / nullif(sum(c.n), 0) AS close_rate,
                       sum(c.pleased) / nullif(sum(c.rated), 0) AS satisfaction,
                       CAST(coalesce(sum(c.rated), 0) AS BIGINT) AS rated,
                       sum(c.ontime) / nullif(sum(c.n), 0) AS ontime,
                       coalesce(sum(c.n), 0) * 10000.0 / nullif(k.population, 0) AS per_10k
                FROM {KIDS} k LEFT JOIN c ON c.child = k.adcode
                GROUP BY k.adcode, k.name, k.short_name, k.population ORDER BY k.adcode""",
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "cat": blank_to_none(category),
                "ch": blank_to_none(channel),
            },
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
            {
                "r": region,
                "t0": window.start,
                "t1": window.end,
                "cat": blank_to_none(category),
                "ch": blank_to_none(channel),
            },
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
             "cat": blank_to_none(category), "ch": blank_to_none(channel), "n": int(max(1, min(limit, 50)))},
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
        loaded = [at for k in kpis.values() if (at := k.get("loaded_at")) is not None]
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
