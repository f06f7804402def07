"""Region names: short names for display and the resolver that maps feed values to adcodes.

Feeds name regions every way people write them: adcodes (sometimes as Excel floats or 12-digit
statistical codes), full names, short names, names prefixed with their city or province, with
full-width characters and stray spaces. The resolver accepts exactly the forms generated from
the region table and never guesses: no fuzzy or partial matching, and an ambiguous name (two
counties called 城区) is rejected with a reason unless a parent value settles it.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Longest first so that 自治县 wins over 县 and 林区 over 区.
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "新区",
    "省",
    "市",
    "盟",
    "区",
    "县",
    "旗",
)
_AUTONOMOUS_SUFFIXES = frozenset(s for s in _SUFFIXES if s.startswith("自治"))

# The 55 officially recognised minorities. Autonomous areas carry them between the place name
# and the suffix (恩施土家族苗族自治州, 巴音郭楞蒙古自治州); they are peeled off only after an
# 自治… suffix or when the stem visibly ends in 族 (瀍河回族区), so ordinary names are never touched.
# fmt: off
_ETHNIC_GROUPS = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣",
    "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗",
    "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京",
    "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
# fmt: on
# Single-character groups only count with 族 after them (白 or 水 also end ordinary place names).
_ETHNIC_TAIL = re.compile(
    "(?:"
    + "|".join(
        sorted((g + "族" if len(g) == 1 else g + "族?" for g in _ETHNIC_GROUPS), key=len, reverse=True)
    )
    + ")$"
)

PROVINCE_WIDE_ALIASES = ("全省",)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_WRAPPERS = "\"'`“”‘’「」『』《》〈〉()[]{}【】〔〕<>"
_FLOAT_CODE = re.compile(r"^(\d{6})\.0*$")


def split_name(name: str, level: str | None = None) -> tuple[str, str]:
    """Split an official name into (stem, suffix): 太原市 → (太原, 市), 广西壮族自治区 → (广西, 壮族自治区).

    林区 is a unit type only above county level (神农架林区); among counties it is part of the
    name (万柏林区 → 万柏林, not 万柏).
    """
    suffixes = _SUFFIXES if level != "county" else tuple(s for s in _SUFFIXES if s != "林区")
    matches = [s for s in suffixes if name.endswith(s) and len(name) > len(s)]
    if not matches:
        return name, ""
    # The longest suffix that leaves a real name: 清新区 is 清新 + 区, not 清 + 新区; 临县 is still 临 + 县.
    suffix = next((s for s in matches if len(name) - len(s) >= 2), matches[0])
    stem = name[: -len(suffix)]
    if suffix in _AUTONOMOUS_SUFFIXES or stem.endswith("族"):
        while (match := _ETHNIC_TAIL.search(stem)) and match.start() >= 2:
            stem = stem[: match.start()]
        # 东乡族自治县: the place is named after the people; keep the name, drop 族.
        if stem.endswith("族") and len(stem) >= 3:
            stem = stem[:-1]
    return stem, name[len(stem) :]


def display_short_name(name: str, level: str | None = None) -> str:
    """Short name for labels. A one-character stem (临县 → 临) reads poorly, so the full name stays."""
    stem, _ = split_name(name, level)
    return stem if len(stem) >= 2 else name


def assign_short_names(names: Iterable[str], levels: Iterable[str]) -> list[str]:
    """Display short names for a whole province.

    A region whose short name equals that of a higher level (承德县 beside 承德市, 吉林市 inside
    吉林省) keeps its full name: on its own "承德" means the city, so the county must not take
    that label. The resolver applies the same precedence to aliases.
    """
    rank = {"province": 0, "city": 1, "county": 2}
    rows = [
        (name, rank[level], display_short_name(name, level))
        for name, level in zip(names, levels, strict=True)
    ]
    out = []
    for name, level_rank, short in rows:
        higher = {form for n, r, sh in rows if r < level_rank for form in (n, sh)}
        out.append(name if short in higher else short)
    return out


def stem_alias(name: str, level: str | None = None) -> str | None:
    """A one-character stem is accepted for 县 only (临县 → 临, as locals write it).

    城区/矿区/郊区 would leave 城/矿/郊, which are words rather than names.
    """
    stem, suffix = split_name(name, level)
    return stem if len(stem) == 1 and suffix == "县" else None


def normalize(raw: object) -> str:
    """Canonical text of a feed value: NFKC, no whitespace/zero-width chars, no wrapping quotes."""
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return ""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, numbers.Integral):
        return str(int(raw))
    if isinstance(raw, numbers.Real):
        value = float(raw)
        if math.isnan(value):
            return ""
        # Excel hands adcodes over as floats (140100.0).
        return str(int(value)) if value.is_integer() else repr(value)
    text = unicodedata.normalize("NFKC", str(raw)).translate(_ZERO_WIDTH)
    return "".join(text.split()).strip(_WRAPPERS)


def _as_code(text: str) -> str | None:
    """Six-digit adcode if the text is written as a code, else None (it is then a name)."""
    if len(text) == 6 and text.isdigit():
        return text
    if match := _FLOAT_CODE.match(text):
        return match.group(1)
    if len(text) == 12 and text.isdigit() and text.endswith("000000"):
        return text[:6]
    return None


@dataclass(frozen=True)
class Resolution:
    adcode: str | None
    reason: str | None  # Chinese, shown to data stewards in quarantine
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Region:
    adcode: str
    name: str
    short_name: str
    level: str
    parent_adcode: str | None


class RegionResolver:
    """Maps raw region values to adcodes of one province with dictionary lookups only."""

    def __init__(self, regions: Iterable[_Region]) -> None:
        self._regions: dict[str, _Region] = {r.adcode: r for r in regions}
        provinces = [r for r in self._regions.values() if r.level == "province"]
        if len(provinces) != 1:
            raise ValueError(f"expected exactly one province, got {len(provinces)}")
        self._province = provinces[0]
        self._ancestors = {code: self._chain(code) for code in self._regions}
        self._alias_rows: list[tuple[str, str, str]] = []
        self._by_alias: dict[str, tuple[str, ...]] = {}
        self._build_aliases()
        self._cache: dict[tuple[str, str], Resolution] = {}

    @classmethod
    def from_frame(cls, regions: pd.DataFrame) -> RegionResolver:
        records = []
        for row in regions.itertuples(index=False):
            parent: Any = row.parent_adcode
            records.append(
                _Region(
                    adcode=str(row.adcode),
                    name=str(row.name),
                    short_name=str(row.short_name),
                    level=str(row.level),
                    parent_adcode=None if parent is None or pd.isna(parent) else str(parent),
                )
            )
        return cls(records)

    # -- alias table ---------------------------------------------------------------------------

    def _chain(self, adcode: str) -> tuple[str, ...]:
        chain: list[str] = []
        parent = self._regions[adcode].parent_adcode
        while parent is not None and parent in self._regions and parent not in chain:
            chain.append(parent)
            parent = self._regions[parent].parent_adcode
        return tuple(chain)

    def _forms(self, region: _Region) -> tuple[str, ...]:
        # Prefix combinations use only full and display names: 吕梁临县, never 吕梁临.
        return tuple(dict.fromkeys(normalize(f) for f in (region.name, region.short_name)))

    def _add(self, alias: str, adcode: str, kind: str) -> None:
        self._alias_rows.append((alias, adcode, kind))

    def _build_aliases(self) -> None:
        province_forms = self._forms(self._province)
        for region in self._regions.values():
            code = region.adcode
            self._add(code, code, "adcode")
            self._add(normalize(region.name), code, "name")
            for form in (region.short_name, stem_alias(region.name, region.level)):
                if form and form != region.name:
                    self._add(normalize(form), code, "short")
            if region.level == "province":
                for alias in PROVINCE_WIDE_ALIASES:
                    self._add(alias, code, "province")
                continue
            own = self._forms(region)
            parent = self._regions.get(region.parent_adcode or "")
            if region.level == "county" and parent is not None and parent.level == "city":
                for city_form in self._forms(parent):
                    for form in own:
                        self._add(city_form + form, code, "city_prefixed")
                        for prov in province_forms:
                            self._add(prov + city_form + form, code, "province_prefixed")
            for prov in province_forms:
                for form in own:
                    self._add(prov + form, code, "province_prefixed")
        seen: dict[tuple[str, str], str] = {}
        for alias, code, kind in self._alias_rows:
            seen.setdefault((alias, code), kind)
        self._alias_rows = [(alias, code, kind) for (alias, code), kind in seen.items()]
        grouped: dict[str, set[str]] = {}
        for alias, code, _ in self._alias_rows:
            grouped.setdefault(alias, set()).add(code)
        # A name shared with a containing region means the container (北京市 is the municipality,
        # not its one city row); only regions that are not nested in each other stay ambiguous.
        for alias, codes in grouped.items():
            nested = {c for c in codes if codes.intersection(self._ancestors[c])}
            if nested:
                grouped[alias] = codes - nested
                self._alias_rows = [r for r in self._alias_rows if not (r[0] == alias and r[1] in nested)]
        self._by_alias = {alias: tuple(sorted(codes)) for alias, codes in grouped.items()}

    def aliases(self) -> pd.DataFrame:
        """Every accepted alias; an ambiguous alias appears once per adcode it may mean."""
        frame = pd.DataFrame(self._alias_rows, columns=["alias", "adcode", "kind"])
        return frame.sort_values(["adcode", "kind", "alias"], ignore_index=True)

    # -- resolution ------------------------------------------------------------------------------

    def _describe(self, adcode: str) -> str:
        region = self._regions[adcode]
        parent = self._regions.get(region.parent_adcode or "")
        prefix = parent.name if region.level == "county" and parent is not None else ""
        return f"{adcode} {prefix}{region.name}"

    def _candidates(self, text: str) -> tuple[tuple[str, ...], str | None]:
        code = _as_code(text)
        if code is None:
            found = self._by_alias.get(text, ())
            return found, None if found else f'未知地区"{text}"'
        if code in self._regions:
            return (code,), None
        province = self._province
        if code[:2] != province.adcode[:2]:
            return (), f"地区代码{code}不属于{province.name}"
        return (), f"地区代码{code}不是{province.name}现行的区县及以上行政区划代码"

    def resolve(self, raw: object, parent: object | None = None) -> Resolution:
        key = (normalize(raw), normalize(parent))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._resolve(*key)
            self._cache[key] = cached
        return cached

    def _resolve(self, text: str, parent_text: str) -> Resolution:
        if not text:
            return Resolution(None, "地区为空")
        if text.endswith("本级"):
            # 省本级/市本级 is a government's own departments, not its region: storing it as the
            # region's figure (or refusing one but not the other) would mislead either way.
            return Resolution(
                None,
                f"“{text}”是本级政府部门的合计，不是地区：这里需要地区的数字，部门的数字请用带部门列的数据源报送",
            )
        candidates, reason = self._candidates(text)
        if reason is not None:
            return Resolution(None, reason)
        if parent_text:
            parents, parent_reason = self._candidates(parent_text)
            if parents:
                allowed = set(parents)
                kept = tuple(
                    c for c in candidates if c in allowed or allowed.intersection(self._ancestors[c])
                )
                if not kept:
                    listed = "、".join(self._describe(c) for c in candidates)
                    return Resolution(None, f'地区"{text}"不属于"{parent_text}"（{listed}）', candidates)
                candidates = kept
            elif len(candidates) > 1:
                # An unrecognised parent cannot settle an ambiguity; say both things.
                listed = "、".join(self._describe(c) for c in candidates)
                return Resolution(
                    None, f'地区名称"{text}"有歧义：{listed}；所属地区无法识别：{parent_reason}', candidates
                )
        if len(candidates) == 1:
            return Resolution(candidates[0], None)
        listed = "、".join(self._describe(c) for c in candidates)
        return Resolution(None, f'地区名称"{text}"有歧义：{listed}，请注明所属地市', candidates)

    def resolve_many(self, values: Iterable[object], parents: Iterable[object] | None = None) -> pd.DataFrame:
        """One row per input, in order. Repeated values cost one dictionary lookup each."""
        raw_values = list(values)
        parent_values = [None] * len(raw_values) if parents is None else list(parents)
        if len(parent_values) != len(raw_values):
            raise ValueError(f"{len(raw_values)} values but {len(parent_values)} parents")
        adcodes: list[str | None] = []
        reasons: list[str | None] = []
        for raw, parent in zip(raw_values, parent_values, strict=True):
            result = self.resolve(raw, parent)
            adcodes.append(result.adcode)
            reasons.append(result.reason)
        return pd.DataFrame(
            {
                "raw": pd.Series(raw_values, dtype=object),
                "parent": pd.Series(parent_values, dtype=object),
                "adcode": pd.Series(adcodes, dtype=object),
                "reason": pd.Series(reasons, dtype=object),
            }
        )
