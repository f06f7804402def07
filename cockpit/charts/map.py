"""The region map: an SVG (geo) choropleth of one level, from the warehouse's simplified boundaries.

Geo traces fetch a world topology from a CDN even with the basemap hidden; the app serves a
stub topology from ``assets/topojson/`` and points ``topojsonURL`` at it (PRODUCT.md §5).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import MultiPolygon, mapping, shape
from shapely.geometry.polygon import orient

from cockpit.charts.template import template
from cockpit.formatting import plain

TOPOJSON_URL = "/assets/topojson/"
GRAPH_CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "scrollZoom": False, "locale": "zh-CN"}

LEVEL_COLOURS = {"I": "#ff3b3b", "II": "#ff8c1a", "III": "#ffd21a", "IV": "#4fb3ff"}
LEVEL_SIZES = {"I": 18, "II": 15, "III": 12, "IV": 10}
STATUS_COLOURS = {"green": "#2ecc71", "amber": "#f5b041", "red": "#e74c3c", None: "#56657a"}
# Warning fill (colour_by="warning", column ``warning``): the four national warning colours.
WARNING_COLOURS = {"红色": "#e8383d", "橙色": "#f08c1e", "黄色": "#e5c619", "蓝色": "#3d7fd9",
                   None: "#22364f"}  # fmt: skip
LEVEL_ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ"}
# Sequential scales per direction: darker = better, so "good" reads the same on every indicator.
HIGHER_IS_BETTER = [[0.0, "#1b3a5c"], [0.5, "#2f78b7"], [1.0, "#7fd3ff"]]
LOWER_IS_BETTER = [[0.0, "#7fd3ff"], [0.5, "#2f78b7"], [1.0, "#1b3a5c"]]


@lru_cache(maxsize=64)
def feature_collection(features: tuple[str, ...]) -> dict[str, object]:
    """Features rewound for d3-geo, which plotly's geo traces use: d3 reads a counter-clockwise
    outer ring (the RFC 7946 order the warehouse stores) as "the whole globe minus this shape"."""
    parsed = [json.loads(f) for f in features]
    for feature in parsed:
        geom = shape(feature["geometry"])
        polygons = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
        feature["geometry"] = mapping(MultiPolygon([orient(p, sign=-1.0) for p in polygons]))
    return {"type": "FeatureCollection", "features": parsed}


def region_map(boundaries: pd.DataFrame, values: pd.DataFrame, **options: object) -> go.Figure:
    """The map as a ``go.Figure``, for pages that go on to change it with plotly's methods."""
    return go.Figure(region_map_dict(boundaries, values, **options))  # type: ignore[arg-type]


def region_map_dict(
    boundaries: pd.DataFrame,
    values: pd.DataFrame,
    *,
    direction: str = "higher",
    unit: str = "",
    colour_by: str = "value",
    theme: dict[str, str],
    selected: str | None = None,
    alarms: Sequence[str] = (),
    incidents: pd.DataFrame | None = None,
    edges: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """``boundaries``: adcode, geojson. ``values``: adcode, name, value, hover, status (optional).

    A plain figure dict, not a ``go.Figure``: validating a figure costs far more than the query
    behind it (the wall's drill budget), and ``dcc.Graph`` takes the dict as it is."""
    frame = boundaries[["adcode"]].merge(values, on="adcode", how="left")
    geojson = feature_collection(tuple(boundaries["geojson"]))
    has_values = bool(frame["value"].notna().any())
    data: list[dict[str, object]] = []
    if colour_by == "warning":
        # One trace with a stepped scale (not one per colour), so the boundaries are sent once.
        order = [None, "蓝色", "黄色", "橙色", "红色"]
        step = [order.index(w) if w in order else 0 for w in frame["warning"]]
        scale = [[pos, WARNING_COLOURS[c]] for i, c in enumerate(order) for pos in (i / 5, (i + 1) / 5)]
        trace = _trace(geojson, frame, z=[i + 0.5 for i in step], scale=scale, theme=theme)
        data.append(trace | {"zmin": 0, "zmax": len(order)})
    elif colour_by == "status":
        for status, colour in STATUS_COLOURS.items():
            part = frame[frame["status"].isna()] if status is None else frame[frame["status"] == status]
            if part.empty:
                continue
            data.append(
                _trace(geojson, part, z=[1] * len(part), scale=[[0, colour], [1, colour]], theme=theme)
            )
    else:
        z: list[object] = (
            [None if pd.isna(v) else float(v) for v in frame["value"]] if has_values else [0] * len(frame)
        )
        scale = LOWER_IS_BETTER if direction == "lower" else HIGHER_IS_BETTER
        data.append(_trace(geojson, frame, z=z, scale=scale, theme=theme, colourbar=has_values, unit=unit))
    # Outlined: regions in alarm, the selected one, and ``edges`` (adcode → line colour: a warning
    # in force for part of a region, which the fill must not claim for all of it).
    edges = dict(edges or {})
    outline = frame[frame["adcode"].isin([*alarms, *([selected] if selected else []), *edges])]
    if not outline.empty:
        data.append(
            {
                "type": "choropleth",
                # Only the outlined regions' shapes: the full set is already in the trace below.
                "geojson": _subset(geojson, set(outline["adcode"])),
                "featureidkey": "properties.adcode",
                "locations": outline["adcode"].tolist(),
                "z": [0] * len(outline),
                "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                "showscale": False,
                "marker": {
                    "line": {
                        "color": [
                            theme["alarm"]
                            if a in alarms
                            else theme["selected"]
                            if a == selected
                            else edges[a]
                            for a in outline["adcode"]
                        ],
                        "width": 3,
                    }
                },
                # Drawn on top, so it must hover and click like the region underneath.
                **_hover(outline),
                "name": "alarm",
            }
        )
    if incidents is not None and not incidents.empty:
        # Points share the boundaries' GCJ-02 coordinates, so they sit inside their county.
        data.append({
            "type": "scattergeo", "lon": incidents["lon"].tolist(), "lat": incidents["lat"].tolist(), "mode": "markers",
            "marker": {"size": [LEVEL_SIZES.get(lv, 8) for lv in incidents["level"]],
                       "color": [LEVEL_COLOURS.get(lv, "#4fb3ff") for lv in incidents["level"]],
                       "line": {"color": "#ffffff", "width": 1.2}, "symbol": "diamond"},
            "text": [f"<b>{plain(t)}</b><br>{LEVEL_ROMAN.get(lv, lv)}级 · {plain(r)}" for t, lv, r in zip(
                incidents["title"], incidents["level"], incidents["region_name"], strict=True)],
            # A click on a marker drills to its county; the incident id (when given) opens its detail.
            "customdata": _rows(incidents[[c for c in ("adcode", "incident_id") if c in incidents]]),
            "hovertemplate": "%{text}<extra></extra>", "name": "incidents",
        })  # fmt: skip
    layout = {
        "template": template(),
        "geo": {"fitbounds": "locations", "visible": False, "bgcolor": "rgba(0,0,0,0)",
                "projection": {"type": "mercator"}},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": theme["text"], "family": theme["font"]},
        "showlegend": False,
        "dragmode": False,
    }  # fmt: skip
    if len(frame):
        layout["uirevision"] = str(frame["adcode"].iloc[0])
    return {"data": data, "layout": layout}


def _subset(geojson: dict[str, object], adcodes: set[str]) -> dict[str, object]:
    features = [f for f in geojson["features"] if f["properties"].get("adcode") in adcodes]  # type: ignore[attr-defined,index]
    return {"type": "FeatureCollection", "features": features}


def _rows(frame: pd.DataFrame, blank: object = None) -> list[list[object]]:
    """Rows as JSON-ready lists (what plotly made of a 2-D ``customdata`` array), gaps as ``blank``."""
    return [[blank if _missing(v) else v for v in row] for row in frame.itertuples(index=False, name=None)]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT


def _hover(frame: pd.DataFrame) -> dict[str, object]:
    if "hover" in frame:
        return {"customdata": _rows(frame[["adcode", "hover"]], blank=""),
                "hovertemplate": "%{customdata[1]}<extra></extra>"}  # fmt: skip
    return {"customdata": _rows(frame[["adcode"]]), "hovertemplate": "%{location}<extra></extra>"}


def _trace(
    geojson: dict[str, object],
    frame: pd.DataFrame,
    *,
    z: list[object],
    scale: list[list[object]],
    theme: dict[str, str],
    colourbar: bool = False,
    unit: str = "",
) -> dict[str, object]:
    return {
        "type": "choropleth",
        "geojson": geojson,
        "featureidkey": "properties.adcode",
        "locations": frame["adcode"].tolist(),
        "z": z,
        "colorscale": scale,
        "showscale": colourbar,
        "colorbar": {
            "thickness": 10,
            "len": 0.5,
            "x": 0.02,
            "xanchor": "left",
            "ticksuffix": unit if unit == "%" else "",
            "tickfont": {"color": theme["text"]},
            "outlinewidth": 0,
        },
        "marker": {"line": {"color": theme["border"], "width": 0.8}},
        **_hover(frame),
    }
