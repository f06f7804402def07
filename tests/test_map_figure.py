"""The region map's figure: names placed apart at their points, a frame of the regions' own shape,
markers that leave regions their clicks, and minor incidents gathered when they would crowd it."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pandas as pd
import pytest

from cockpit.charts import incident_markers, map_labels
from cockpit.charts.map import extent, padded, region_map_dict
from cockpit.theme import theme


@pytest.fixture(scope="module")
def wall(demo_app_context: Any) -> Any:
    from cockpit.services import current

    return current().warehouse


def _boxes(
    placed: list[map_labels.Label], frame: map_labels.Frame, size: float = map_labels.FONT_PX
) -> list[Any]:
    return [map_labels._box(*frame.to_px(p.lon, p.lat), p.text, size) for p in placed]


@pytest.mark.parametrize(
    ("level", "parent"), [("city", "140000"), ("county", "140100"), ("county", "141100")]
)
@pytest.mark.parametrize("size", [(500, 903), (916, 587), (720, 430)])
def test_names_are_placed_apart_inside_the_map(
    wall: Any, level: str, parent: str, size: tuple[int, int]
) -> None:
    boundaries = wall.boundaries(level, parent)
    bounds = padded(extent(tuple(boundaries["geojson"])))
    rows = list(zip(boundaries["adcode"], boundaries["short_name"], boundaries["centroid_lon"],
                    boundaries["centroid_lat"], boundaries["area_km2"], strict=True))  # fmt: skip
    placed = map_labels.place(rows, bounds, size=size)
    assert sorted(p.text for p in placed) == sorted(boundaries["short_name"])
    frame = map_labels.Frame(bounds, size)
    boxes = _boxes(placed, frame)
    assert not [
        (a, b) for a, b in itertools.combinations(range(len(boxes)), 2) if boxes[a].overlaps(boxes[b])
    ]
    assert all(box.within(frame.box) for box in boxes)  # plotly clips outside the map's own frame
    # An unmoved name sits exactly on its representative point.
    for p in placed:
        if not p.moved:
            assert (p.lon, p.lat) == (p.anchor_lon, p.anchor_lat)


@pytest.mark.parametrize("size", [(500, 903), (916, 587), (950, 420)])
def test_a_crowded_map_names_what_fits_on_its_own_region(wall: Any, size: tuple[int, int]) -> None:
    """A province's hundred-odd counties (the desk pages' county maps): a name that has no room on its
    own region is left to the hover — never moved aside on a leader line, never on another name."""
    boundaries = pd.concat([wall.boundaries("county", c) for c in wall.children("140000")["adcode"]])
    assert len(boundaries) > map_labels.CROWDED
    bounds = padded(extent(tuple(boundaries["geojson"])))
    rows = list(zip(boundaries["adcode"], boundaries["short_name"], boundaries["centroid_lon"],
                    boundaries["centroid_lat"], boundaries["area_km2"], strict=True))  # fmt: skip
    placed = map_labels.place(rows, bounds, size=size, emphasis="141124")
    frame = map_labels.Frame(bounds, size)
    boxes = _boxes(placed, frame)
    assert 15 <= len(placed) < len(rows) and "141124" in {p.adcode for p in placed}
    assert not [p.text for p in placed if p.moved]
    assert not [(a, b) for a, b in itertools.combinations(range(len(boxes)), 2)
                if placed[a].adcode != "141124" and placed[b].adcode != "141124" and boxes[a].overlaps(boxes[b])]  # fmt: skip
    assert all(box.within(frame.box) for p, box in zip(placed, boxes, strict=True) if p.adcode != "141124")


def test_the_frame_round_trips_and_centres_the_extent() -> None:
    bounds = (110.2, 34.5, 114.6, 40.8)
    frame = map_labels.Frame(bounds, (500, 903))
    for lon, lat in ((110.2, 34.5), (112.4, 37.7), (114.6, 40.8)):
        back = frame.to_lonlat(*frame.to_px(lon, lat))
        assert back == pytest.approx((lon, lat), abs=1e-9)
    (x0, y1), (x1, y0) = frame.to_px(110.2, 34.5), frame.to_px(114.6, 40.8)
    assert min(x1 - x0, 500) == pytest.approx(x1 - x0) and y1 - y0 == pytest.approx(903)  # tall: height-bound
    assert x0 == pytest.approx(500 - x1)  # centred across


def test_the_map_is_framed_by_its_regions_and_markers_take_only_their_own_clicks(wall: Any) -> None:
    boundaries = wall.boundaries("city", "140000")
    values = boundaries[["adcode"]].assign(value=[90.0 + i for i in range(len(boundaries))], hover="")
    figure = region_map_dict(boundaries, values, theme=theme("dark"), colourbar_title="全程网办率", unit="%")
    one = region_map_dict(
        boundaries.head(1), values.head(1), theme=theme("dark"), colourbar_title="全程网办率"
    )
    assert one["data"][0]["showscale"] is False  # type: ignore[index]  # one value spans no scale
    geo = figure["layout"]["geo"]  # type: ignore[index]
    lon0, lat0, lon1, lat1 = padded(extent(tuple(boundaries["geojson"])))
    assert geo["lonaxis"]["range"] == [lon0, lon1] and geo["lataxis"]["range"] == [lat0, lat1]
    assert "fitbounds" not in geo
    assert figure["layout"]["hoverdistance"] == 1  # type: ignore[index]
    bar = figure["data"][0]["colorbar"]  # type: ignore[index]
    assert bar["title"]["text"] == "全程网办率（单位：%）"
    names = [t for t in figure["data"] if t.get("name") == "names"]  # type: ignore[union-attr]
    assert names and all(t["hoverinfo"] == "skip" for t in names)  # a name never takes a region's click


def _incidents(count: int, level: str, adcode: str, lon: float, lat: float) -> pd.DataFrame:
    return pd.DataFrame({"incident_id": [f"E{level}{i}" for i in range(count)], "title": "事件", "level": level,
                         "region_name": "某县", "adcode": adcode, "lon": lon, "lat": lat})  # fmt: skip


def test_many_minor_incidents_are_gathered_per_region_and_serious_ones_stand_alone(wall: Any) -> None:
    boundaries = wall.boundaries("city", "140000")
    taiyuan = wall.region("140100")
    few = _incidents(5, "IV", "140105", taiyuan["centroid_lon"], taiyuan["centroid_lat"])
    assert [t["name"] for t in incident_markers.marker_traces(few, boundaries)] == ["incidents"]
    many = pd.concat([_incidents(60, "IV", "140105", taiyuan["centroid_lon"], taiyuan["centroid_lat"]),
                      _incidents(2, "I", "140105", taiyuan["centroid_lon"], taiyuan["centroid_lat"])])  # fmt: skip
    badges, serious = incident_markers.marker_traces(many, boundaries)
    assert badges["name"] == "incident-groups" and badges["text"] == ["60"]
    assert badges["customdata"][0][:2] == ["140100", incident_markers.GROUP]  # drills into 太原市
    assert serious["name"] == "incidents" and len(serious["lon"]) == 2


def test_a_marker_opens_its_incident_for_those_who_may_and_drills_for_the_wall(demo_app: Any) -> None:
    from callbacks.screen import incident_link
    from cockpit.principal import Principal, acting_as
    from cockpit.services import Services

    services: Services = demo_app.server.extensions["cockpit"]
    leader = Principal("duty-leader", "leader", "140000")
    with demo_app.server.test_request_context("/"):
        with acting_as(leader):
            found = services.queries.emergency.active_incidents("140000", datetime(2026, 11, 28, 12, 0)).iloc[
                0
            ]
            click = {"points": [{"customdata": [found["adcode"], found["incident_id"]]}]}
            opened = incident_link(click, services)
            tampered = {"points": [{"customdata": [found["adcode"], "'; DROP TABLE region; --"]}]}
            assert incident_link(tampered, services) is None
        assert opened == {"path": "/emergency", "search": f"?region={found['adcode']}&incident={found['incident_id']}",
                          "push": True}  # fmt: skip
        with acting_as(Principal("hall-wall", "kiosk", "140000")):
            assert incident_link(click, services) is None  # the wall's kiosk has no /emergency: it drills


def test_a_name_stands_out_from_its_own_region_s_fill(wall: Any) -> None:
    from cockpit.charts.map import HIGHER_IS_BETTER

    boundaries = wall.boundaries("county", "141100")
    values = boundaries[["adcode"]].assign(value=[float(i) for i in range(len(boundaries))], hover="")
    figure = region_map_dict(boundaries, values, theme=theme("light"))
    names = next(t for t in figure["data"] if t.get("name") == "names")  # type: ignore[union-attr]
    inks = dict(zip(names["text"], names["textfont"]["color"], strict=True))
    short = dict(zip(boundaries["adcode"], boundaries["short_name"], strict=True))
    darkest, palest = short[values["adcode"].iloc[0]], short[values["adcode"].iloc[-1]]
    assert (HIGHER_IS_BETTER[0][1], HIGHER_IS_BETTER[-1][1]) == ("#1b3a5c", "#7fd3ff")  # low = navy
    assert inks[darkest] == "#ffffff" and inks[palest] == "#10202f"
