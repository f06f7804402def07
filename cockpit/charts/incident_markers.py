"""Incident markers on a region map: one diamond per incident while they are few, and when they
would cover the regions (a year of events on /emergency), the minor ones (levels III and IV)
gathered into one counted badge per region shown. Serious incidents (I, II) always stand alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from functools import lru_cache

import pandas as pd
from shapely import STRtree
from shapely.geometry import Point, shape

from cockpit.formatting import plain
from cockpit.records import json_rows

LEVEL_COLOURS = {"I": "#ff3b3b", "II": "#ff8c1a", "III": "#ffd21a", "IV": "#4fb3ff"}
LEVEL_SIZES = {"I": 18, "II": 15, "III": 12, "IV": 10}
LEVEL_ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ"}
LEVELS = ("I", "II", "III", "IV")
SERIOUS = ("I", "II")
# More diamonds than this on one map and they hide the colours beneath: gather the minor ones.
MARKER_LIMIT = 40
GROUP = "group"  # a badge's customdata: [region adcode, GROUP, hover text]


def marker_traces(
    incidents: pd.DataFrame, boundaries: pd.DataFrame, spots: Mapping[str, tuple[float, float]] | None = None
) -> list[dict[str, object]]:
    """Traces for ``incidents`` (lon, lat, level, title, region_name, adcode, incident_id) on a map
    of ``boundaries`` (adcode, geojson). ``spots``: where a region's badge goes (lon, lat; beside
    its name), else at the middle of its incidents."""
    if incidents is None or incidents.empty:
        return []
    if len(incidents) <= MARKER_LIMIT:
        return [_diamonds(incidents)]
    serious = incidents[incidents["level"].isin(SERIOUS)]
    minor = incidents[~incidents["level"].isin(SERIOUS)]
    traces = [_badges(minor, boundaries, spots or {})] if len(minor) else []
    return traces + ([_diamonds(serious)] if len(serious) else [])


def _diamonds(incidents: pd.DataFrame) -> dict[str, object]:
    # Points share the boundaries' GCJ-02 coordinates, so they sit inside their county.
    ids = [c for c in ("adcode", "incident_id") if c in incidents]
    return {
        "type": "scattergeo", "lon": incidents["lon"].tolist(), "lat": incidents["lat"].tolist(), "mode": "markers",
        "marker": {"size": [LEVEL_SIZES.get(lv, 8) for lv in incidents["level"]],
                   "color": [LEVEL_COLOURS.get(lv, "#4fb3ff") for lv in incidents["level"]],
                   "line": {"color": "#ffffff", "width": 1.2}, "symbol": "diamond"},
        "text": [f"<b>{plain(t)}</b><br>{LEVEL_ROMAN.get(lv, lv)}级 · {plain(r)}" for t, lv, r in zip(
            incidents["title"], incidents["level"], incidents["region_name"], strict=True)],
        # A click on a marker opens its incident (the id), or drills to its county.
        "customdata": json_rows(incidents[ids]),
        "hovertemplate": "%{text}<extra></extra>", "name": "incidents",
    }  # fmt: skip


def _badges(
    incidents: pd.DataFrame, boundaries: pd.DataFrame, spots: Mapping[str, tuple[float, float]]
) -> dict[str, object]:
    """One badge per region shown (beside its name, or at the middle of its incidents), sized by their count and
    coloured by the most serious; a click drills into the region (customdata: its adcode)."""
    owner = _owners(tuple(boundaries["adcode"]), tuple(boundaries["geojson"]))
    # The region of the map each incident falls in (its own county's code when it falls in none).
    regions = [
        owner(x, y) or str(a)
        for x, y, a in zip(incidents["lon"], incidents["lat"], incidents["adcode"], strict=True)
    ]
    frame = incidents.assign(region=pd.Series(regions, index=incidents.index, dtype=object))
    rows = []
    for region, part in frame.groupby("region", sort=True):
        counts = part["level"].value_counts()
        worst = next((lv for lv in LEVELS if counts.get(lv, 0)), "IV")
        detail = " · ".join(f"{LEVEL_ROMAN[lv]}级 {int(counts[lv])}" for lv in LEVELS if counts.get(lv, 0))
        lon, lat = spots.get(str(region), (float(part["lon"].mean()), float(part["lat"].mean())))
        rows.append((region, lon, lat, len(part), worst, detail))
    return {
        "type": "scattergeo", "mode": "markers+text", "name": "incident-groups",
        "lon": [r[1] for r in rows], "lat": [r[2] for r in rows], "text": [str(r[3]) for r in rows],
        "textfont": {"size": 12, "color": "#111111", "weight": 700},
        "marker": {"size": [min(14 + 4 * math.sqrt(r[3]), 38) for r in rows],
                   "color": [LEVEL_COLOURS[r[4]] for r in rows], "opacity": 0.9,
                   "line": {"color": "#ffffff", "width": 1.2}, "symbol": "circle"},
        "customdata": [[r[0], GROUP, f"{r[3]}起事件（{r[5]}）"] for r in rows],
        "hovertemplate": "%{customdata[2]}<br>点击查看该地区<extra></extra>",
    }  # fmt: skip


@lru_cache(maxsize=64)
def _owners(adcodes: tuple[str, ...], features: tuple[str, ...]) -> Callable[[float, float], str | None]:
    """The region of the map a point falls in (None outside all of them)."""
    shapes = [shape(json.loads(f)["geometry"]) for f in features]
    tree = STRtree(shapes)

    def owner(lon: float, lat: float) -> str | None:
        point = Point(lon, lat)
        for index in tree.query(point, predicate="intersects"):
            return adcodes[int(index)]
        return None

    return owner
