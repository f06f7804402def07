"""The region-name resolver: every accepted form, and refusals with reasons instead of guesses."""

from __future__ import annotations

import pandas as pd
import pytest

from cockpit.geography import build_regions
from cockpit.regions import RegionResolver, Resolution, display_short_name, normalize, split_name
from cockpit.settings import PROJECT_ROOT

SHANXI = "140000"


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return build_regions(SHANXI, PROJECT_ROOT / "data" / "reference")


@pytest.fixture(scope="module")
def resolver(regions: pd.DataFrame) -> RegionResolver:
    return RegionResolver.from_frame(regions)


def _code(resolver: RegionResolver, raw: object, parent: object | None = None) -> str | None:
    return resolver.resolve(raw, parent).adcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("140100", "140100"),
        (140100, "140100"),
        (140100.0, "140100"),
        ("140100.0", "140100"),
        (140100000000, "140100"),
        ("140100000000", "140100"),
        ("１４１１００", "141100"),
        ("太原市", "140100"),
        ("太原", "140100"),
        (" 太原市 ", "140100"),
        ("太原\u200b市", "140100"),
        ("“太原市”", "140100"),
        ("【太原】", "140100"),
        ("临", "141124"),
        ("临县", "141124"),
        ("离石", "141102"),
        ("离石区", "141102"),
        ("吕梁市临县", "141124"),
        ("吕梁临县", "141124"),
        ("吕梁市　临县", "141124"),
        ("吕梁 临县", "141124"),
        ("吕梁市离石", "141102"),
        ("晋城市城区", "140502"),
        ("晋城城区", "140502"),
        ("阳泉市城区", "140302"),
        ("山西省太原市", "140100"),
        ("山西太原", "140100"),
        ("山西省吕梁市临县", "141124"),
        ("山西临县", "141124"),
        ("山西省", "140000"),
        ("山西", "140000"),
        ("全省", "140000"),
        ("140000", "140000"),
    ],
)
def test_accepted_forms(resolver: RegionResolver, raw: object, expected: str) -> None:
    result = resolver.resolve(raw)
    assert result == Resolution(expected, None), result


@pytest.mark.parametrize("raw", ["省本级", "市本级", "太原市本级", "县本级"])
def test_a_government_s_own_departments_are_not_its_region(resolver: RegionResolver, raw: str) -> None:
    result = resolver.resolve(raw)
    assert result.adcode is None and "本级政府部门" in str(result.reason)


def test_chengqu_ambiguous_without_parent(resolver: RegionResolver) -> None:
    result = resolver.resolve("城区")
    assert result.adcode is None
    assert result.candidates == ("140302", "140502")
    assert result.reason == '地区名称"城区"有歧义：140302 阳泉市城区、140502 晋城市城区，请注明所属地市'


@pytest.mark.parametrize(
    ("parent", "expected"),
    [
        ("阳泉市", "140302"),
        ("阳泉", "140302"),
        ("晋城", "140502"),
        ("140500", "140502"),
        (140500.0, "140502"),
    ],
)
def test_chengqu_resolved_with_parent(resolver: RegionResolver, parent: object, expected: str) -> None:
    assert _code(resolver, "城区", parent) == expected


def test_parent_does_not_override_unambiguous_value(resolver: RegionResolver) -> None:
    assert _code(resolver, "临县", "吕梁市") == "141124"
    assert _code(resolver, "临县", "山西省") == "141124"
    assert _code(resolver, "太原市", "太原市") == "140100"
    assert _code(resolver, "临县", None) == "141124"
    assert _code(resolver, "临县", "") == "141124"


def test_contradicting_parent_is_refused(resolver: RegionResolver) -> None:
    result = resolver.resolve("临县", "太原市")
    assert result.adcode is None
    assert result.reason is not None and "不属于" in result.reason and "太原市" in result.reason


def test_unknown_parent_cannot_settle_ambiguity(resolver: RegionResolver) -> None:
    result = resolver.resolve("城区", "某某市")
    assert result.adcode is None
    assert result.reason is not None and "有歧义" in result.reason and "某某市" in result.reason


def test_out_of_province_adcode(resolver: RegionResolver) -> None:
    result = resolver.resolve("110101")
    assert result.adcode is None
    assert result.reason == "地区代码110101不属于山西省"


def test_retired_adcode_in_province(resolver: RegionResolver) -> None:
    result = resolver.resolve("140199")
    assert result.adcode is None
    assert result.reason is not None and "山西省" in result.reason


def test_unknown_name(resolver: RegionResolver, regions: pd.DataFrame) -> None:
    assert "新城区" not in set(regions["name"])
    assert resolver.resolve("新城区") == Resolution(None, '未知地区"新城区"')


@pytest.mark.parametrize("raw", ["太", "吕梁临", "太原市市", "晋", "140302001000", "Taiyuan"])
def test_no_partial_or_fuzzy_matches(resolver: RegionResolver, raw: str) -> None:
    assert _code(resolver, raw) is None


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", float("nan"), pd.NA])
def test_empty(resolver: RegionResolver, raw: object) -> None:
    assert resolver.resolve(raw) == Resolution(None, "地区为空")


def test_aliases_table(resolver: RegionResolver, regions: pd.DataFrame) -> None:
    aliases = resolver.aliases()
    assert list(aliases.columns) == ["alias", "adcode", "kind"]
    assert not aliases.duplicated(["alias", "adcode"]).any()
    assert set(regions["adcode"]) <= set(aliases["adcode"])
    assert set(aliases.loc[aliases["alias"] == "城区", "adcode"]) == {"140302", "140502"}
    assert set(aliases.loc[aliases["alias"] == "临", "adcode"]) == {"141124"}
    # Every alias resolves (or is ambiguous) exactly as the table says.
    for alias, codes in aliases.groupby("alias")["adcode"]:
        result = resolver.resolve(alias)
        expected = set(codes)
        found = {result.adcode} if result.adcode is not None else set(result.candidates)
        assert found == expected, alias


def test_resolve_many_one_row_per_input(resolver: RegionResolver) -> None:
    values = ["太原", "城区", "城区", None, "１４１１００", "太原", 140100.0]
    parents = [None, "晋城", None, None, None, "", None]
    frame = resolver.resolve_many(values, parents)
    assert list(frame.columns) == ["raw", "parent", "adcode", "reason"]
    assert len(frame) == len(values)
    assert frame["adcode"].tolist() == ["140100", "140502", None, None, "141100", "140100", "140100"]
    assert frame["reason"].notna().tolist() == [False, False, True, True, False, False, False]
    assert frame["raw"].tolist()[:3] == values[:3]
    assert len(resolver.resolve_many(values)) == len(values)
    with pytest.raises(ValueError):
        resolver.resolve_many(values, parents[:2])


def test_normalize() -> None:
    assert normalize("　吕梁市\u3000临县\u200b ") == "吕梁市临县"
    assert normalize("（太原市）") == "太原市"
    assert normalize(140100.0) == "140100"
    assert normalize(None) == ""


@pytest.mark.parametrize(
    ("name", "level", "short"),
    [
        ("太原市", "city", "太原"),
        ("离石区", "county", "离石"),
        ("临县", "county", "临县"),
        ("山西省", "province", "山西"),
        ("内蒙古自治区", "province", "内蒙古"),
        ("广西壮族自治区", "province", "广西"),
        ("新疆维吾尔自治区", "province", "新疆"),
        ("恩施土家族苗族自治州", "city", "恩施"),
        ("巴音郭楞蒙古自治州", "city", "巴音郭楞"),
        ("神农架林区", "city", "神农架"),
        ("万柏林区", "county", "万柏林"),
        ("六枝特区", "county", "六枝"),
        ("清新区", "county", "清新"),
        ("东乡族自治县", "county", "东乡"),
    ],
)
def test_short_names(name: str, level: str, short: str) -> None:
    assert display_short_name(name, level) == short


def test_split_name_keeps_suffix() -> None:
    assert split_name("临县", "county") == ("临", "县")
    assert split_name("广西壮族自治区", "province") == ("广西", "壮族自治区")


def test_county_named_like_its_city_yields_the_short_name() -> None:
    # 河北 has 承德县 beside 承德市: "承德" must mean the city, and the county keeps its full name.
    regions = build_regions("130000", PROJECT_ROOT / "data" / "reference")
    resolver = RegionResolver.from_frame(regions)
    cities = regions[regions["level"] == "city"]
    city_short = dict(zip(cities["short_name"], cities["adcode"], strict=True))
    clashes = [
        row
        for row in regions[regions["level"] == "county"].itertuples(index=False)
        if split_name(row.name, "county")[0] in city_short
    ]
    assert clashes
    for row in clashes:
        stem = split_name(row.name, "county")[0]
        assert row.short_name == row.name
        assert _code(resolver, stem) == city_short[stem]
        assert _code(resolver, row.name) == row.adcode
