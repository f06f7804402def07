"""The region map: an SVG (geo) choropleth of one level, from the warehouse's simplified boundaries.

Geo traces fetch a world topology from a CDN even with the basemap hidden; the app serves a
stub topology from ``assets/topojson/`` and points ``topojsonURL`` at it (PRODUCT.md §5).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import MultiPolygon, mapping, shape
from shapely.geometry.polygon import orient

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


def region_map(
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
) -> go.Figure:
    """``boundaries``: adcode, geojson. ``values``: adcode, name, value, hover, status (optional)."""
    frame = boundaries[["adcode"]].merge(values, on="adcode", how="left")
    geojson = feature_collection(tuple(boundaries["geojson"]))
    has_values = bool(frame["value"].notna().any())
    fig = go.Figure()
    if colour_by == "warning":
        # One trace with a stepped scale (not one per colour), so the boundaries are sent once.
        order = [None, "蓝色", "黄色", "橙色", "红色"]
        step = [order.index(w) if w in order else 0 for w in frame["warning"]]
        scale = [[pos, WARNING_COLOURS[c]] for i, c in enumerate(order) for pos in (i / 5, (i + 1) / 5)]
        trace = _trace(geojson, frame, z=[i + 0.5 for i in step], scale=scale, theme=theme)
        fig.add_trace(trace.update(zmin=0, zmax=len(order)))
    elif colour_by == "status":
        for status, colour in STATUS_COLOURS.items():
            part = frame[frame["status"].isna()] if status is None else frame[frame["status"] == status]
            if part.empty:
                continue
            fig.add_trace(
                _trace(geojson, part, z=[1] * len(part), scale=[[0, colour], [1, colour]], theme=theme)
            )
    else:
        fig.add_trace(
            _trace(
                geojson,
                frame,
                z=frame["value"].where(frame["value"].notna(), None).tolist()
                if has_values
                else [0] * len(frame),
                scale=LOWER_IS_BETTER if direction == "lower" else HIGHER_IS_BETTER,
                theme=theme,
                colourbar=has_values,
                unit=unit,
            )
        )
    outline = frame[frame["adcode"].isin([*alarms, *([selected] if selected else [])])]
    if not outline.empty:
        fig.add_trace(
            go.Choropleth(
                geojson=geojson,
                featureidkey="properties.adcode",
                locations=outline["adcode"],
                z=[0] * len(outline),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker_line_color=[
                    theme["alarm"] if a in alarms else theme["selected"] for a in outline["adcode"]
                ],
                marker_line_width=3,
                # Drawn on top, so it must hover and click like the region underneath.
                customdata=outline[["adcode", "hover"]].fillna("").values if "hover" in outline else None,
                hovertemplate="%{customdata[1]}<extra></extra>"
                if "hover" in outline
                else "%{location}<extra></extra>",
                name="alarm",
            )
        )
    if incidents is not None and not incidents.empty:
        # Points share the boundaries' GCJ-02 coordinates, so they sit inside their county.
        fig.add_trace(
            go.Scattergeo(
                lon=incidents["lon"], lat=incidents["lat"], mode="markers",
                marker={"size": [LEVEL_SIZES.get(lv, 8) for lv in incidents["level"]],
                        "color": [LEVEL_COLOURS.get(lv, "#4fb3ff") for lv in incidents["level"]],
                        "line": {"color": "#ffffff", "width": 1.2}, "symbol": "diamond"},
                text=[f"<b>{t}</b><br>{LEVEL_ROMAN.get(lv, lv)}级 · {r}" for t, lv, r in zip(
                    incidents["title"], incidents["level"], incidents["region_name"], strict=True)],
                # A click on a marker drills to its county; the incident id (when given) opens its detail.
                customdata=incidents[[c for c in ("adcode", "incident_id") if c in incidents]].values,
                hovertemplate="%{text}<extra></extra>", name="incidents",
            )
        )  # fmt: skip
    fig.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator")
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": theme["text"], "family": theme["font"]},
        showlegend=False,
        dragmode=False,
        uirevision=str(frame["adcode"].iloc[0]) if len(frame) else None,
    )
    return fig


def _trace(
    geojson: dict[str, object],
    frame: pd.DataFrame,
    *,
    z: list[object],
    scale: list[list[object]],
    theme: dict[str, str],
    colourbar: bool = False,
    unit: str = "",
) -> go.Choropleth:
    return go.Choropleth(
        geojson=geojson,
        featureidkey="properties.adcode",
        locations=frame["adcode"],
        z=z,
        colorscale=scale,
        showscale=colourbar,
        colorbar={
            "thickness": 10,
            "len": 0.5,
            "x": 0.02,
            "xanchor": "left",
            "ticksuffix": unit if unit == "%" else "",
            "tickfont": {"color": theme["text"]},
            "outlinewidth": 0,
        },
        marker_line_color=theme["border"],
        marker_line_width=0.8,
        customdata=frame[["adcode", "hover"]].fillna("").values
        if "hover" in frame
        else frame[["adcode"]].values,
        hovertemplate="%{customdata[1]}<extra></extra>" if "hover" in frame else "%{location}<extra></extra>",
    )
