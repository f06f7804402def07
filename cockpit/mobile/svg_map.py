"""The phone's drill map: the wall's boundaries (the warehouse's simplified shapes of a level)
projected once into SVG paths, drawn on the server so a phone needs no map library.

The projection is Mercator, as the wall's map draws; coordinates are rounded to whole units of a
1000-wide box (under half a kilometre on a province), which keeps a province's cities at a few
kilobytes. The projected shapes go through the one memo, keyed by snapshot and viewer: the
boundaries query is scope-guarded, so a county user's map holds their county only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from shapely.geometry import LinearRing, MultiPolygon, Polygon, shape

from cockpit.memo import Memo
from cockpit.services import Services

WIDTH = 1000  # the SVG's own units across; the page scales it to the screen
PAD = 12

PHONE_MAP = Memo("phone_map", local=True)


@dataclass(frozen=True)
class Shape:
    adcode: str
    name: str
    path: str  # SVG path data
    label_x: int
    label_y: int


@dataclass(frozen=True)
class DrawnMap:
    width: int
    height: int
    shapes: tuple[Shape, ...]


def drawn_map(services: Services, level: str, parent: str) -> DrawnMap:
    """The shapes of ``level`` below ``parent`` that the viewer may see, projected."""
    return PHONE_MAP.get(
        services.warehouse, [level, parent], lambda: project(services.warehouse.boundaries(level, parent))
    )


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    return math.radians(lon), -math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def project(boundaries: pd.DataFrame) -> DrawnMap:
    if boundaries.empty:
        return DrawnMap(WIDTH, WIDTH // 2, ())
    geometries = [shape(json.loads(text)["geometry"]) for text in boundaries["geojson"]]
    lon0, lat0 = (min(g.bounds[i] for g in geometries) for i in (0, 1))
    lon1, lat1 = (max(g.bounds[i] for g in geometries) for i in (2, 3))
    x0, y1 = _mercator(lon0, lat0)  # south-west: the smallest x, the largest y (y grows south)
    x1, y0 = _mercator(lon1, lat1)
    scale = (WIDTH - 2 * PAD) / max(x1 - x0, 1e-9)
    height = round((y1 - y0) * scale) + 2 * PAD

    def point(lon: float, lat: float) -> tuple[int, int]:
        x, y = _mercator(lon, lat)
        return round((x - x0) * scale) + PAD, round((y - y0) * scale) + PAD

    shapes = []
    for row, geometry in zip(boundaries.to_dict("records"), geometries, strict=True):
        polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
        path = "".join(_ring(ring, point) for p in polygons if isinstance(p, Polygon)
                       for ring in (p.exterior, *p.interiors))  # fmt: skip
        # Names sit where the wall puts them (the region's representative point), else inside the shape.
        lon, lat = _number(row.get("centroid_lon")), _number(row.get("centroid_lat"))
        if lon is None or lat is None:
            lon, lat = geometry.representative_point().coords[0][:2]
        label_x, label_y = point(lon, lat)
        shapes.append(Shape(str(row["adcode"]), str(row["short_name"]), path, label_x, label_y))
    return DrawnMap(WIDTH, height, tuple(shapes))


def _number(value: object) -> float | None:
    """A coordinate from a frame row: None when missing (None, NaN, pandas' NA)."""
    if not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _ring(ring: LinearRing, point: Callable[[float, float], tuple[int, int]]) -> str:
    """One closed ring as ``M x y L x y … Z``, dropping points that round onto the one before."""
    out: list[tuple[int, int]] = []
    for lon, lat, *_ in ring.coords:
        xy = point(float(lon), float(lat))
        if not out or xy != out[-1]:
            out.append(xy)
    if len(out) < 3:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in out) + "Z"
