"""Demo indicator feeds: monthly long CSV, quarterly XLSX, annual wide CSV and yearly targets.

Values follow the plan: each indicator starts near its 2020 baseline and moves past its 2025 target
on a saturating curve (fast early gains, as campaigns do), with small noise, a little seasonality,
cities scattered around the province and counties around their city. A few thinly populated
counties lag on most indicators and one or two cities trail slightly, so the cockpit has something
to point at. Counties are simulated; cities and the province are population-weighted means (or sums)
of them, so drilling down always adds up.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl.demo.files import (
    FileResult,
    Plant,
    cell_plant,
    duplicate_plant,
    replace_plants,
    save_csv,
    save_xlsx,
    spread_positions,
)
from etl.demo.regions import RegionBook
from etl.demo.spec import DemoSpec

MONTHLY_HEADER = ("指标代码", "地区名称", "统计月份", "指标值")
QUARTERLY_HEADER = ("指标名称", "行政区划代码", "统计季度", "数值")
QUARTERLY_SHEET = "季度指标"
QUARTERLY_TITLE = "全省季度指标汇总表（单位见指标说明）"
ANNUAL_FIXED_HEADER = ("行政区划代码", "地区", "年度")
TARGETS_HEADER = ("指标代码", "行政区划代码", "年度", "目标值")

# Seasonal shifts as shares of the 2020→2025 gap, January first. Unknown codes get none.
_SEASONS: dict[str, tuple[float, ...]] = {
    # Heating-season complaints (Nov–Feb) pull satisfaction and closure down.
    "hotline_satisfaction_rate": (-0.22, -0.1, 0, 0, 0, 0, -0.05, -0.05, 0, 0, -0.15, -0.25),
    "hotline_close_rate": (-0.12, -0.05, 0, 0, 0, 0, -0.04, -0.04, 0, 0, -0.06, -0.12),
    # The flood season overloads county duty rooms.
    "emergency_report_ontime_rate": (0, 0, 0, 0, 0, -0.04, -0.1, -0.1, -0.03, 0, 0, 0),
    # Supervised tasks are cleared towards the year-end assessment.
    "task_13710_clearance_rate": tuple(0.1 * (m - 6.5) / 5.5 for m in range(1, 13)),
    "task_13710_ontime_rate": (-0.03, -0.05, 0, 0, 0, 0, 0, 0, 0, 0, 0.02, 0.05),
}
# The plan states separate baselines per level for a few indicators (省级90%、市县80%以上).
_LEVEL_BASELINE = re.compile(r"规划基线：省[^\d、；]*?(\d+(?:\.\d+)?)%、市县(\d+(?:\.\d+)?)%")
_NOISE = {"month": 0.006, "quarter": 0.005, "year": 0.004}  # relative to the level
_AR = {"month": 0.5, "quarter": 0.3, "year": 0.0}
_FAKE_INDICATOR_NAMES = ("行政执法案卷评查合格率", "政务服务好差评整改率", "营商环境便利度得分")
_FAKE_INDICATOR_CODES = ("hotline_callback_rate", "admin_case_review_pass_rate", "biz_env_score")


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    direction: str
    frequency: str
    levels: tuple[str, ...]
    aggregation: str
    lo: float
    hi: float
    decimals: int
    baseline: float
    target: float
    description: str

    @property
    def sign(self) -> float:
        return 1.0 if self.direction == "higher" else -1.0

    @property
    def scale(self) -> float:
        """What one unit of 'progress' is worth: the planned gap, or a few % of the level if none."""
        gap = abs(self.target - self.baseline)
        return gap if gap > 0 else max(0.03 * abs(self.baseline), 5 * 10.0**-self.decimals)

    def level_baseline(self, level: str) -> float:
        match = _LEVEL_BASELINE.search(self.description)
        if match is None:
            return self.baseline
        return float(match.group(1) if level == "province" else match.group(2))

    def fmt(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"


def _levels(raw: object) -> tuple[str, ...]:
    """Levels as the seed CSV writes them (province|city) or as a parsed list."""
    if isinstance(raw, list | tuple | np.ndarray):
        return tuple(str(x) for x in raw)
    return tuple(str(raw or "province|city|county").split("|"))


def _number(row: Mapping[Any, Any], key: str, default: float) -> float:
    value = row.get(key)
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return default
    return float(value)


def catalogue(indicators: pd.DataFrame) -> list[Indicator]:
    out = []
    for row in indicators.to_dict("records"):
        num = functools.partial(_number, row)
        out.append(
            Indicator(
                code=str(row["code"]),
                name=str(row["name"]),
                unit=str(row.get("unit") or ""),
                direction=str(row.get("direction") or "higher"),
                frequency=str(row["frequency"]),
                levels=_levels(row.get("levels")),
                aggregation=str(row.get("aggregation") or "mean"),
                lo=num("min_value", 0.0),
                hi=num("max_value", 1e12),
                decimals=int(num("decimals", 1)),
                baseline=num("baseline_2020", 0.0),
                target=num("target_2025", num("baseline_2020", 0.0)),
                description=str(row.get("description") or ""),
            )
        )
    return out


def _leaves(ind: Indicator, book: RegionBook) -> list[str]:
    """The regions simulated directly; everything above them is aggregated."""
    if "county" in ind.levels:
        return sorted(book.counties + [c for c in book.cities if not book.children[c]])
    if "city" in ind.levels:
        return list(book.cities)
    return [book.province]


def _sum_shares(book: RegionBook, leaves: list[str]) -> np.ndarray:
    # Counts such as documents grow less than proportionally with population.
    w = np.array([book.population[c] for c in leaves]) ** 0.6
    return w / w.sum()


def simulate(
    ind: Indicator, book: RegionBook, spec: DemoSpec, tau: np.ndarray, months: np.ndarray, freq: str
) -> dict[str, np.ndarray]:
    """Rounded values per region at the indicator's levels; ``tau`` is years since mid-2020.

    ``months`` is (periods, k): the calendar months each period covers, for seasonality.
    """
    rng = spec.rng(f"indicator:{ind.code}")
    leaves = _leaves(ind, book)
    n, periods = len(leaves), len(tau)
    county_leaves = "county" in ind.levels
    # Central path: baseline → target on a mildly concave curve (campaigns front-load), then beyond.
    k = rng.uniform(0.05, 0.20)
    center = ind.baseline + (ind.target - ind.baseline) * (1 - np.exp(-k * np.maximum(tau, 0.0))) / (
        1 - math.exp(-5 * k)
    )
    # Regions deviate in relative terms (share of the level), which is how status against target is
    # judged; a floor keeps small numbers (1.0 working day) from being absurdly uniform.
    ref = np.maximum(np.abs(center), 25 * 10.0**-ind.decimals)
    # The province as a whole gets slightly ahead of plan, building up over the first years.
    ahead = rng.uniform(0.01, 0.025) * np.clip(tau / 3, 0.0, 1.0)
    city_off = rng.normal(0.0, 0.012, len(book.cities))
    lag_city = np.array([c in book.lagging_cities for c in book.cities], dtype=bool)
    city_off[lag_city] = -rng.uniform(0.025, 0.035, int(lag_city.sum()))  # amber, not red
    city_pos = {c: i for i, c in enumerate(book.cities)}
    off = np.array([0.0 if c == book.province else city_off[city_pos[book.city_of(c)]] for c in leaves])
    if county_leaves:
        off = off + rng.normal(0.0, 0.012, n)
    lag_hit = rng.random(len(book.lagging_counties)) < 0.75
    lag_amount = rng.uniform(0.09, 0.13, len(book.lagging_counties))  # red on most indicators
    for code, hit, amount in zip(book.lagging_counties, lag_hit, lag_amount, strict=True):
        if hit and code in leaves:
            off[leaves.index(code)] = -amount
    weights = np.array([book.population[c] for c in leaves])
    off = off - np.average(off, weights=weights)  # the province follows the path, not the scatter
    slope = rng.normal(0.0, 0.002, n)

    sd = _NOISE[freq] * (1.0 if county_leaves else 0.6)
    phi = _AR[freq]
    shocks = rng.normal(0.0, 1.0, (n, periods))
    noise = np.empty_like(shocks)
    noise[:, 0] = shocks[:, 0]
    for t in range(1, periods):
        noise[:, t] = phi * noise[:, t - 1] + math.sqrt(1 - phi**2) * shocks[:, t]
    common = rng.normal(0.0, sd * 0.5, periods)
    profile = np.array(_SEASONS.get(ind.code, (0.0,) * 12))
    season = profile[months - 1].mean(axis=1) * ind.scale

    rel = ahead[None, :] + off[:, None] + slope[:, None] * (tau - 3.0)[None, :] + sd * noise + common[None, :]
    raw = _soft_bounds(center[None, :] + ind.sign * (ref[None, :] * rel + season[None, :]), ind)

    out: dict[str, np.ndarray] = {}
    if ind.aggregation == "sum":
        leaf_vals = np.round(raw * _sum_shares(book, leaves)[:, None], ind.decimals)
    else:
        leaf_vals = raw
    by_leaf = dict(zip(leaves, leaf_vals, strict=True))
    out.update(by_leaf)
    if county_leaves or "city" in ind.levels:
        for city in book.cities:
            kids = [c for c in book.children[city] if c in by_leaf]
            if kids:
                out[city] = _combine(ind, [by_leaf[c] for c in kids], [book.population[c] for c in kids])
        cities = [c for c in book.cities if c in out]
        out[book.province] = _combine(ind, [out[c] for c in cities], [book.population[c] for c in cities])
    wanted = set(book.codes_at(ind.levels))
    return {c: np.clip(np.round(v, ind.decimals), ind.lo, ind.hi) for c, v in out.items() if c in wanted}


def _combine(ind: Indicator, values: list[np.ndarray], weights: list[float]) -> np.ndarray:
    stack = np.vstack(values)
    if ind.aggregation == "sum":
        return stack.sum(axis=0)
    w = np.asarray(weights)[:, None]
    return (stack * w).sum(axis=0) / w.sum()


def _soft_bounds(values: np.ndarray, ind: Indicator) -> np.ndarray:
    """Bend values smoothly into [min, max]: rates approach 100 (99.8, 99.9 …) without piling up on it."""
    eps = min(0.15 * ind.scale, 0.02 * (ind.hi - ind.lo))
    top, bottom = ind.hi - eps, ind.lo + eps
    values = np.where(values > top, ind.hi - eps * np.exp(-np.maximum(values - top, 0.0) / eps), values)
    return np.where(values < bottom, ind.lo + eps * np.exp(-np.maximum(bottom - values, 0.0) / eps), values)


def targets(ind: Indicator, book: RegionBook, spec: DemoSpec) -> dict[str, dict[int, float]]:
    """Yearly targets: a straight path from the level's baseline to the 2025 target, then beyond.

    Cities set their own targets slightly either side of the province's; counties take their city's.
    """
    rng = spec.rng(f"target:{ind.code}")
    # Relative to the level, like the values: a city a point more ambitious on a 95% target.
    city_adj = dict(zip(book.cities, rng.uniform(-0.005, 0.012, len(book.cities)), strict=True))
    leaves = _leaves(ind, book)
    shares = dict(zip(leaves, _sum_shares(book, leaves), strict=True))
    out: dict[str, dict[int, float]] = {}
    for code in book.codes_at(ind.levels):
        level = book.level[code]
        base = ind.level_baseline(level)
        gap = ind.target - base
        adj = 0.0 if level == "province" else float(city_adj[book.city_of(code)])
        row: dict[int, float] = {}
        for year in spec.target_years():
            steps = min(max(year - 2020, 0), 5)
            beyond = max(year - 2025, 0) * 0.1 * max(abs(gap), 0.5 * ind.scale)
            value = base + gap * steps / 5 + ind.sign * beyond
            value += ind.sign * adj * abs(value)
            if ind.aggregation == "sum" and level != "province":
                value *= shares.get(code, sum(shares.get(k, 0.0) for k in book.children.get(code, [])))
            row[year] = float(np.clip(round(value, ind.decimals), ind.lo, ind.hi))
        out[code] = row
    return out


# -- files --------------------------------------------------------------------------------------


Reported = Mapping[
    tuple[str, str, str], float
]  # (indicator, adcode, period code) → the value a region reports


def write_indicator_files(
    out_dir: Path, book: RegionBook, indicators: pd.DataFrame, spec: DemoSpec, with_bad_rows: bool,
    reported: Reported | None = None,
) -> list[FileResult]:  # fmt: skip
    """``reported``: values counted from the demo's own rows (etl.demo.rates), used instead of the
    simulated series wherever a region has rows in the period."""
    inds = catalogue(indicators)
    reported = reported or {}
    return [
        _monthly(out_dir, book, inds, spec, with_bad_rows, reported),
        _quarterly(out_dir, book, inds, spec, with_bad_rows, reported),
        _annual(out_dir, book, inds, spec, with_bad_rows),
        _targets(out_dir, book, inds, spec, with_bad_rows),
    ]


def _monthly(
    out_dir: Path, book: RegionBook, inds: list[Indicator], spec: DemoSpec, bad: bool, reported: Reported
) -> FileResult:
    months = spec.months()
    tau, cal = _axes(spec, "month")
    monthly = [i for i in inds if i.frequency == "month"]
    # Different source systems write the month differently; each indicator keeps one style.
    rank = np.argsort(spec.rng("monthly:period-style").permutation(len(monthly)))
    styles = [("{y}年{m}月", "{y}{m:02d}")[r] if r < 2 and len(monthly) >= 3 else "{y}-{m:02d}" for r in rank]
    rows: list[list[str]] = []
    for ind, style in zip(monthly, styles, strict=True):
        series = simulate(ind, book, spec, tau, cal, "month")
        codes = [c for c in book.all_codes if c in series]
        for t, (y, m) in enumerate(months):
            period, code = style.format(y=y, m=m), f"{y}-{m:02d}"
            rows.extend([ind.code, book.mixed[c], period, ind.fmt(reported.get((ind.code, c, code), series[c][t]))]
                        for c in codes)  # fmt: skip
    plants: list[Plant] = []
    if bad:
        rng = spec.rng("monthly:bad")
        pos = spread_positions(len(rows), 6, rng)
        end_year = spec.end_ym[0]
        pct = {i.code for i in monthly if i.unit == "%" and i.hi <= 100}
        h = MONTHLY_HEADER
        if book.ambiguous_names:
            plants.append(cell_plant("ambiguous_region", rows, pos[0], 1, book.ambiguous_names[0], h))
        plants.append(cell_plant("bad_period", rows, pos[1], 2, f"{end_year}-13", h))
        plants.append(cell_plant("not_a_number", rows, pos[2], 3, "—", h, replace=True))
        plants.append(cell_plant("future_period", rows, pos[3], 2, f"{spec.as_of.year + 1}-01", h))
        at = next(i for i in range(pos[4], len(rows)) if rows[i][0] in pct)
        plants.append(cell_plant("out_of_range", rows, at, 3, "135", h, replace=True))
        src = pos[5] - 5
        changed = f"{float(rows[src][3]) * 0.93:.1f}" if rows[src][3] != "0" else "1"
        note = "same 指标代码/地区名称/统计月份 as duplicate_of"
        plants.append(cell_plant("conflicting_duplicate", rows, pos[5], 3, changed, h, source=src, note=note))
    # Exported from Excel on a Windows desktop: GB18030 and CRLF.
    extra = {"period_styles": dict(zip([i.code for i in monthly], styles, strict=True))}
    return save_csv(
        out_dir, "indicator_monthly", MONTHLY_HEADER, rows, plants, "gb18030", newline="\r\n", extra=extra
    )


def _quarterly(
    out_dir: Path, book: RegionBook, inds: list[Indicator], spec: DemoSpec, bad: bool, reported: Reported
) -> FileResult:
    quarters = spec.quarters()
    tau, cal = _axes(spec, "quarter")
    rows: list[list[object]] = []
    for ind in (i for i in inds if i.frequency == "quarter"):
        series = simulate(ind, book, spec, tau, cal, "quarter")
        codes = [c for c in book.all_codes if c in series]
        for t, (y, q) in enumerate(quarters):
            label = f"{y}年第{q}季度"
            code = f"{y}Q{q}"
            rows.extend([ind.name, int(c), label, float(reported.get((ind.code, c, code), series[c][t]))]
                        for c in codes)  # fmt: skip
    plants: list[Plant] = []
    if bad:
        pos = spread_positions(len(rows), 2, spec.rng("quarterly:bad"))
        names = {i.name for i in inds}
        fake = next(n for n in _FAKE_INDICATOR_NAMES if n not in names)
        plants.append(cell_plant("unknown_indicator", rows, pos[0], 0, fake, QUARTERLY_HEADER))
        label = f"{spec.end_ym[0]}年第5季度"
        plants.append(cell_plant("bad_period", rows, pos[1], 2, label, QUARTERLY_HEADER))
    return save_xlsx(
        out_dir,
        "indicator_quarterly",
        QUARTERLY_SHEET,
        QUARTERLY_HEADER,
        rows,
        plants,
        spec.as_of,
        title=QUARTERLY_TITLE,
        widths=(30, 14, 16, 10),
    )


def annual_header(inds: list[Indicator]) -> list[str]:
    return [*ANNUAL_FIXED_HEADER, *(f"{i.name}({i.unit})" for i in inds if i.frequency == "year")]


def _annual(out_dir: Path, book: RegionBook, inds: list[Indicator], spec: DemoSpec, bad: bool) -> FileResult:
    years = spec.full_years()
    annual = [i for i in inds if i.frequency == "year"]
    tau = np.array([y - 2020.0 for y in years])
    cal = np.array([list(range(1, 13)) for _ in years])
    series = [simulate(ind, book, spec, tau, cal, "year") for ind in annual]
    header = annual_header(inds)
    rows = [
        [
            c,
            book.display[c],
            str(y),
            *(ind.fmt(s[c][t]) if c in s else "" for ind, s in zip(annual, series, strict=True)),
        ]
        for t, y in enumerate(years)
        for c in book.all_codes
    ]
    plants: list[Plant] = []
    if bad:
        pos = spread_positions(len(rows), 5, spec.rng("annual:bad"))
        code, name = book.foreign
        plants.append(
            Plant(
                "unknown_region",
                pos[0],
                [code, name, *rows[pos[0]][2:]],
                column="行政区划代码",
                value=code,
                note=f"{name} is a county of another province",
            )
        )
        pct_cols = [3 + k for k, i in enumerate(annual) if i.unit == "%" and i.hi <= 100]
        at, col = next((i, c) for i in range(pos[1], len(rows)) for c in pct_cols if rows[i][c])
        plants.append(cell_plant("not_a_number", rows, at, col, "N/A", header, replace=True))
        at2, col2 = next((i, c) for i in range(pos[2], len(rows)) for c in pct_cols[::-1] if rows[i][c])
        plants.append(cell_plant("out_of_range", rows, at2, col2, "135", header, replace=True))
        plants.append(duplicate_plant(rows, pos[3], pos[3] - 3))
        plants.append(cell_plant("future_period", rows, pos[4], 2, str(spec.as_of.year + 1), header))
    return save_csv(out_dir, "indicator_annual_wide", header, rows, plants, "utf-8-sig")


def _targets(out_dir: Path, book: RegionBook, inds: list[Indicator], spec: DemoSpec, bad: bool) -> FileResult:
    rows: list[list[str]] = []
    for ind in inds:
        table = targets(ind, book, spec)
        rows.extend(
            [ind.code, c, str(y), ind.fmt(v)]
            for c in book.all_codes
            if c in table
            for y, v in table[c].items()
        )
    plants: list[Plant] = []
    if bad:
        pos = spread_positions(len(rows), 5, spec.rng("targets:bad"))
        codes = {i.code for i in inds}
        fake = next(c for c in _FAKE_INDICATOR_CODES if c not in codes)
        h = TARGETS_HEADER
        plants.append(cell_plant("unknown_indicator", rows, pos[0], 0, fake, h))
        plants += replace_plants(
            rows, pos[1:3], [("missing_required", 3, ""), ("not_a_number", 3, "待定")], h
        )
        plants.append(duplicate_plant(rows, pos[3], pos[3] - 2))
        src = pos[4] - 4
        other = f"{float(rows[src][3]) + 1.5:.1f}"
        note = "same 指标代码/行政区划代码/年度 as duplicate_of"
        plants.append(cell_plant("conflicting_duplicate", rows, pos[4], 3, other, h, source=src, note=note))
    return save_csv(out_dir, "indicator_targets", TARGETS_HEADER, rows, plants, "utf-8")


def simulated_series(
    indicators: pd.DataFrame, book: RegionBook, spec: DemoSpec, code: str
) -> dict[str, np.ndarray]:
    """A monthly or quarterly indicator's simulated values per region over the spec's months or
    quarters: the values its file reports (its own rng stream). Empty when it isn't catalogued."""
    ind = next((i for i in catalogue(indicators) if i.code == code), None)
    if ind is None:
        return {}
    tau, cal = _axes(spec, ind.frequency)
    return simulate(ind, book, spec, tau, cal, ind.frequency)


def _axes(spec: DemoSpec, frequency: str) -> tuple[np.ndarray, np.ndarray]:
    """Years since 2020 at each period's middle, and the calendar months each period spans."""
    if frequency == "month":
        months = spec.months()
        return np.array([y - 2020 + (m - 6.5) / 12 for y, m in months]), np.array([[m] for _, m in months])
    quarters = spec.quarters()
    tau = np.array([y - 2020 + (3 * q - 1 - 6.5) / 12 for y, q in quarters])
    return tau, np.array([[3 * q - 2, 3 * q - 1, 3 * q] for _, q in quarters])
