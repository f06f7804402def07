"""The region map: an SVG (geo) choropleth of one level, from the warehouse's simplified boundaries.

Geo traces fetch a world topology from a CDN even with the basemap hidden; the app serves a
stub topology from ``assets/topojson/`` and points ``topojsonURL`` at it (PRODUCT.md §5).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import MultiPolygon, mapping, shape
from shapely.geometry.polygon import orient

from cockpit.charts import map_labels
from cockpit.charts.incident_markers import marker_traces
from cockpit.charts.template import template
from cockpit.records import json_rows

TOPOJSON_URL = "/assets/topojson/"
GRAPH_CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "scrollZoom": False, "locale": "zh-CN"}

STATUS_COLOURS = {"green": "#2ecc71", "amber": "#f5b041", "red": "#e74c3c", None: "#56657a"}
# Warning fill (colour_by="warning", column ``warning``): the four national warning colours.
WARNING_COLOURS = {"红色": "#e8383d", "橙色": "#f08c1e", "黄色": "#e5c619", "蓝色": "#3d7fd9",
                   None: "#22364f"}  # fmt: skip
# Sequential scales per direction: darker = better, so "good" reads the same on every indicator.
HIGHER_IS_BETTER = [[0.0, "#1b3a5c"], [0.5, "#2f78b7"], [1.0, "#7fd3ff"]]
LOWER_IS_BETTER = [[0.0, "#7fd3ff"], [0.5, "#2f78b7"], [1.0, "#1b3a5c"]]


@lru_cache(maxsize=64)
def extent(features: tuple[str, ...]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of the features: what ``fitbounds`` fits the map to."""
    boxes = [shape(json.loads(f)["geometry"]).bounds for f in features]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# The share of the map's height left to the regions when a colour bar sits above them.
COLOURBAR_ROOM = 0.94


def _has_colourbar(data: list[dict[str, object]]) -> bool:
    return any(trace.get("showscale") for trace in data)


def padded(
    bounds: tuple[float, float, float, float], share: float = 0.02
) -> tuple[float, float, float, float]:
    """The extent with a margin, so outlines and names at the edge are not cut off."""
    lon0, lat0, lon1, lat1 = bounds
    dx, dy = (lon1 - lon0) * share, (lat1 - lat0) * share
    return lon0 - dx, lat0 - dy, lon1 + dx, lat1 + dy


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
    colourbar_title: str = "",
    labels: bool = True,
    label_size: tuple[float, float] = map_labels.DESIGN_SIZE,
    label_halo: bool = True,
) -> dict[str, object]:
    """``boundaries``: adcode, geojson, and for the names on the map short_name, centroid_lon/lat
    (the representative point) and area_km2 (as ``Warehouse.boundaries`` has them). ``values``:
    adcode, name, value, hover, status (optional). ``label_size``: the map's size in px, for
    placing the names apart. ``label_halo``: a shadow around the names, for
    screens (printed maps go without: a PDF would carry the shadowed text as bitmap glyphs).

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
        # A scale needs two values to span: one region (a county's own wall) got a bar from 90% to
        # 90.8% that measured nothing.
        spread = frame["value"].nunique() > 1
        data.append(_trace(geojson, frame, z=z, scale=scale, theme=theme, colourbar=spread, unit=unit,
                           title=colourbar_title))  # fmt: skip
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
    bounds = padded(extent(tuple(boundaries["geojson"])))
    room = COLOURBAR_ROOM if _has_colourbar(data) else 1.0
    size = (label_size[0], label_size[1] * room)
    named = labels and {"short_name", "centroid_lon", "centroid_lat"} <= set(boundaries.columns)
    if incidents is not None:
        # A region's badge of gathered incidents sits just below its name, not on it.
        spots = _below_names(boundaries, bounds, size) if named else {}
        data.extend(marker_traces(incidents, boundaries, spots))
    if named:
        fills = _region_fills(data)
        data.extend(_name_traces(boundaries, bounds, theme, selected, size, halo=label_halo, fills=fills))
    layout = {
        "template": template(),
        # The regions' own extent as the axis ranges, not ``fitbounds``: plotly fits those to a
        # frame of the whole world's shape (a square in Mercator), so a tall province filled half
        # a tall panel. With the ranges the frame is the regions' shape, fitted to the panel.
        "geo": {"visible": False, "bgcolor": "rgba(0,0,0,0)", "projection": {"type": "mercator"},
                "lonaxis": {"range": [bounds[0], bounds[2]]}, "lataxis": {"range": [bounds[1], bounds[3]]},
                # Room above the map for the colour bar, when there is one.
                "domain": {"x": [0, 1], "y": [0, room]}},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": theme["text"], "family": theme["font"]},
        "showlegend": False,
        "dragmode": False,
        # A marker takes a click only when its own glyph is hit; anywhere else the region under
        # the pointer does (plotly otherwise hands it to the nearest marker within 20 px).
        "hoverdistance": 1,
    }  # fmt: skip
    # No uirevision: nothing on the map is the viewer's to zoom or pan, and with one plotly kept
    # the scale fitted at the graph's first size, so the map stayed small as its panel grew.
    return {"data": data, "layout": layout}


def _below_names(
    boundaries: pd.DataFrame, bounds: tuple[float, float, float, float], size: tuple[float, float]
) -> dict[str, tuple[float, float]]:
    frame = map_labels.Frame(bounds, size)
    spots = {}
    for adcode, lon, lat in zip(
        boundaries["adcode"], boundaries["centroid_lon"], boundaries["centroid_lat"], strict=True
    ):
        if pd.notna(lon) and pd.notna(lat):
            x, y = frame.to_px(float(lon), float(lat))
            spots[str(adcode)] = frame.to_lonlat(x, y + map_labels.FONT_PX * 1.6)
    return spots


def _name_traces(
    boundaries: pd.DataFrame,
    bounds: tuple[float, float, float, float],
    theme: dict[str, str],
    selected: str | None,
    size: tuple[float, float],
    *,
    halo: bool,
    fills: Mapping[str, str],
) -> list[dict[str, object]]:
    """The regions' names (the shown one emphasised) and leader lines to names moved off their
    point. Not hoverable, so they never take a click from the region under them."""
    area = boundaries["area_km2"] if "area_km2" in boundaries else pd.Series(0.0, index=boundaries.index)
    rows = zip(boundaries["adcode"], boundaries["short_name"], boundaries["centroid_lon"],
               boundaries["centroid_lat"], area.fillna(0.0), strict=True)  # fmt: skip
    placed = map_labels.place(
        (
            (str(a), str(n), float(x), float(y), float(s))
            for a, n, x, y, s in rows
            if pd.notna(x) and pd.notna(y)
        ),
        bounds,
        size=size,
        emphasis=selected,
    )
    traces: list[dict[str, object]] = []
    moved = [p for p in placed if p.moved]
    if moved:
        lon: list[float | None] = []
        lat: list[float | None] = []
        for p in moved:
            lon += [p.anchor_lon, p.lon, None]
            lat += [p.anchor_lat, p.lat, None]
        traces.append({"type": "scattergeo", "lon": lon, "lat": lat, "mode": "lines", "hoverinfo": "skip",
                       "line": {"color": theme["text"], "width": 1}, "opacity": 0.7, "name": "leaders"})  # fmt: skip
    for emphasis, group in (
        (False, [p for p in placed if not p.emphasis]),
        (True, [p for p in placed if p.emphasis]),
    ):
        if not group:
            continue
        traces.append({
            "type": "scattergeo", "mode": "text", "hoverinfo": "skip", "name": "names",
            "lon": [p.lon for p in group], "lat": [p.lat for p in group], "text": [p.text for p in group],
            "textfont": {"size": map_labels.EMPHASIS_PX if emphasis else map_labels.FONT_PX,
                         # On its own region the name takes the colour that stands out from the
                         # fill (dark navy and pale blue in one map); moved aside, the theme's.
                         "color": theme["selected"] if emphasis else [
                             theme["text"] if p.moved or p.adcode not in fills else _ink_on(fills[p.adcode])
                             for p in group],
                         **({"weight": 700} if emphasis else {}), **({"shadow": "auto"} if halo else {})},
        })  # fmt: skip
    return traces


def _region_fills(data: list[dict[str, object]]) -> dict[str, str]:
    """Each region's fill colour (#rrggbb) as plotly draws it: its z on its trace's scale."""
    fills: dict[str, str] = {}
    for trace in data:
        if trace.get("type") != "choropleth" or trace.get("name") == "alarm":
            continue
        z = [v for v in trace["z"] if isinstance(v, int | float)]  # type: ignore[attr-defined]
        if not z:
            continue
        low, high = float(trace.get("zmin", min(z))), float(trace.get("zmax", max(z)))  # type: ignore[arg-type]
        for adcode, value in zip(trace["locations"], trace["z"], strict=True):  # type: ignore[call-overload]
            if isinstance(value, int | float):
                share = 0.5 if high == low else (float(value) - low) / (high - low)
                fills[str(adcode)] = _on_scale(trace["colorscale"], share)  # type: ignore[arg-type]
    return fills


def _on_scale(scale: list[list[object]], share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    for (p0, c0), (p1, c1) in itertools.pairwise(scale):
        if float(p0) <= share <= float(p1):  # type: ignore[arg-type]
            t = 0.0 if p1 == p0 else (share - float(p0)) / (float(p1) - float(p0))  # type: ignore[arg-type]
            a, b = _rgb(str(c0)), _rgb(str(c1))
            return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))
    return str(scale[-1][1])


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _ink_on(fill: str) -> str:
    """Dark ink on a light fill, white on a dark one (WCAG relative luminance)."""
    if not fill.startswith("#") or len(fill) != 7:
        return "#ffffff"

    def channel(c: int) -> float:
        c_ = c / 255
        return c_ / 12.92 if c_ <= 0.03928 else ((c_ + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(fill))
    return "#10202f" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.35 else "#ffffff"


def _subset(geojson: dict[str, object], adcodes: set[str]) -> dict[str, object]:
    features = [f for f in geojson["features"] if f["properties"].get("adcode") in adcodes]  # type: ignore[attr-defined,index]
    return {"type": "FeatureCollection", "features": features}


def _hover(frame: pd.DataFrame) -> dict[str, object]:
    if "hover" in frame:
        return {"customdata": json_rows(frame[["adcode", "hover"]], blank=""),
                "hovertemplate": "%{customdata[1]}<extra></extra>"}  # fmt: skip
    return {"customdata": json_rows(frame[["adcode"]]), "hovertemplate": "%{location}<extra></extra>"}


def _trace(
    geojson: dict[str, object],
    frame: pd.DataFrame,
    *,
    z: list[object],
    scale: list[list[object]],
    theme: dict[str, str],
    colourbar: bool = False,
    unit: str = "",
    title: str = "",
) -> dict[str, object]:
    return {
        "type": "choropleth",
        "geojson": geojson,
        "featureidkey": "properties.adcode",
        "locations": frame["adcode"].tolist(),
        "z": z,
        "colorscale": scale,
        "showscale": colourbar,
        # Above the map, across it: beside it, a bar covers the regions of a map that fills its
        # panel. Titled with what the colours measure, and in what.
        "colorbar": {
            "orientation": "h",
            "thickness": 8,
            "len": 0.6,
            "x": 1,
            "xanchor": "right",
            "y": COLOURBAR_ROOM,  # in the room left above the regions: no margin pushed
            "yanchor": "bottom",
            "ypad": 0,
            "ticksuffix": unit if unit == "%" else "",
            "tickfont": {"color": theme["text"], "size": 12},
            "title": {
                "text": _colourbar_title(title, unit),
                "side": "top",
                "font": {"color": theme["text"], "size": 13},
            },
            "outlinewidth": 0,
        },
        "marker": {"line": {"color": theme["border"], "width": 0.8}},
        **_hover(frame),
    }


def _colourbar_title(title: str, unit: str) -> str:
    """ "目标达成率（单位：%）", or the one that is known."""
    if title and unit:
        return f"{title}（单位：{unit}）"
    return title or (f"单位：{unit}" if unit else "")
