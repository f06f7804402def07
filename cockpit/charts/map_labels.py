"""Region names on a map: each at its region's representative point, none on top of another.

The map is drawn in Web Mercator and fitted to its regions' extent (plotly's ``fitbounds``), so
where a name lands, in pixels, is known before the browser draws it. Names are placed largest
region first (the shown region before all): at the representative point when the box is free,
else at the nearest free spot around it with a leader line back to the point, as big-screen
walls (FineReport, DataV) label small urban districts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# A desk page's map panel in px (the wall gives its own size), the text sizes, and how far a
# displaced name may move (in label heights).
DESIGN_SIZE = (720, 430)
FONT_PX = 16
EMPHASIS_PX = 19
_RINGS = (1.4, 2.4, 3.4, 4.6)
# More regions than this on one map and a name without room is left to the hover: a city's
# counties (at most 17 in Shanxi, 临汾) are all named, a province's hundred-odd are not.
CROWDED = 40
_DIRECTIONS = ((0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1))


@dataclass(frozen=True)
class Label:
    adcode: str
    text: str
    lon: float  # where the name is drawn
    lat: float
    anchor_lon: float  # the representative point it names
    anchor_lat: float
    emphasis: bool

    @property
    def moved(self) -> bool:
        return (self.lon, self.lat) != (self.anchor_lon, self.anchor_lat)


@dataclass(frozen=True)
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: _Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def within(self, other: _Box) -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


def mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def aspect(bounds: tuple[float, float, float, float]) -> float:
    """Width over height of the extent (min lon, min lat, max lon, max lat) as the map draws it."""
    lon0, lat0, lon1, lat1 = bounds
    height = mercator_y(lat1) - mercator_y(lat0)
    return math.radians(lon1 - lon0) / height if height > 0 else 1.0


class Frame:
    """lon/lat ↔ pixels of a map of ``size`` fitted to ``bounds``, centred as plotly centres it."""

    def __init__(self, bounds: tuple[float, float, float, float], size: tuple[float, float]) -> None:
        lon0, lat0, lon1, lat1 = bounds
        self.x0, self.y1 = math.radians(lon0), mercator_y(lat1)
        span_x, span_y = math.radians(lon1 - lon0) or 1e-9, (self.y1 - mercator_y(lat0)) or 1e-9
        self.scale = min(size[0] / span_x, size[1] / span_y)
        self.dx = (size[0] - span_x * self.scale) / 2
        self.dy = (size[1] - span_y * self.scale) / 2
        # The map's own rectangle: plotly clips what is drawn outside the axis ranges, so a name
        # moved into the panel's margin beside a tall province was cut off at the frame.
        self.box = _Box(self.dx, self.dy, self.dx + span_x * self.scale, self.dy + span_y * self.scale)

    def to_px(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            (math.radians(lon) - self.x0) * self.scale + self.dx,
            (self.y1 - mercator_y(lat)) * self.scale + self.dy,
        )

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon = math.degrees((x - self.dx) / self.scale + self.x0)
        merc = self.y1 - (y - self.dy) / self.scale
        return lon, math.degrees(2 * math.atan(math.exp(merc)) - math.pi / 2)


def _box(x: float, y: float, text: str, size: float) -> _Box:
    width, height = size * len(text) + 6, size * 1.3  # CJK names: one em per character
    return _Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)


def place(
    regions: Iterable[tuple[str, str, float, float, float]],
    bounds: tuple[float, float, float, float],
    *,
    size: tuple[float, float] = DESIGN_SIZE,
    emphasis: str | None = None,
) -> list[Label]:
    """``regions``: (adcode, name, lon, lat, area) with the representative point. A name that finds
    no free spot within reach stays at its point on a map of a few regions (overlap beats absence);
    on a crowded one (a province's hundred counties) it is left out — its region still names itself
    on hover — since a hundred names on top of each other name nothing."""
    frame = Frame(bounds, size)
    rows = sorted(regions, key=lambda r: (r[0] != emphasis, -r[4], r[0]))
    crowded = len(rows) > CROWDED
    taken: list[_Box] = []
    placed = []
    for adcode, text, lon, lat, _area in rows:
        font = EMPHASIS_PX if adcode == emphasis else FONT_PX
        x, y = frame.to_px(lon, lat)
        # Crowded, a name stays on its own region or is left out: leader lines from a hundred names
        # pushed aside cross each other and point at nothing a viewer can tell apart.
        spot = _free_spot(x, y, text, font, taken, frame.box, rings=() if crowded else _RINGS)
        if spot is None:
            if crowded and adcode != emphasis:
                continue
            spot = (x, y)
        taken.append(_box(*spot, text, font))
        label_lon, label_lat = (lon, lat) if spot == (x, y) else frame.to_lonlat(*spot)
        placed.append(Label(adcode, text, label_lon, label_lat, lon, lat, adcode == emphasis))
    return placed


def _free_spot(
    x: float, y: float, text: str, font: float, taken: list[_Box], within: _Box, rings: tuple[float, ...]
) -> tuple[float, float] | None:
    step = font * 1.3
    candidates = [(x, y)] + [(x + dx * ring * step * _wide(dx, text), y + dy * ring * step)
                             for ring in rings for dx, dy in _DIRECTIONS]  # fmt: skip
    for cx, cy in candidates:
        box = _box(cx, cy, text, font)
        if box.within(within) and not any(box.overlaps(t) for t in taken):
            return cx, cy
    return None


def _wide(dx: int, text: str) -> float:
    """Sideways moves clear the name's own half-width (names are wider than they are tall)."""
    return max(1.0, len(text) / 2) if dx else 1.0
