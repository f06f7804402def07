"""Target semantics, defined once: the map colours, alarms, tables, tiles, API and exports call this.

For one indicator, region and year: target, actual, gap, attainment; 序时进度 (``cockpit.pace``);
a projection to the target year (``cockpit.projection``); and a red/amber/green status from rules
declared in data (``seeds/status_rules.csv``, loaded into the warehouse's ``status_rule`` table).

Attainment is how much of the target is reached, respecting the indicator's direction:
higher-is-better ``actual / target``, lower-is-better ``target / actual``. Status is green when
the target (or, within the year, the 序时目标) is met, amber within the rule's tolerance, red beyond.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cockpit import pace
from cockpit.projection import Projection, project

GREEN, AMBER, RED = "green", "amber", "red"
STATUS_LABELS = {GREEN: "达标", AMBER: "预警", RED: "落后", None: "无目标"}
# Worst first: a roll-up takes the worst status of what it contains.
SEVERITY = {RED: 0, AMBER: 1, GREEN: 2, None: 3}
ANNUAL_LAST, ANNUAL_MEAN = "last", "mean"
DEFAULT_KEY = "*"


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class StatusRule:
    # Attainment at or above which a region is amber rather than red.
    amber_from: float = 0.97
    # A gap this small (in the indicator's unit) counts as met: a "100%" target is stated in whole
    # percentage points, so 99.5 and above is 100 as the target was written.
    met_within: float = 0.0
    # When set: the amber band as an absolute gap in the indicator's unit, replacing amber_from
    # (a 3 % band means nothing on a target of one working day).
    tolerance: float | None = None
    pace: str = pace.LINEAR
    # 12 cumulative month-end shares replacing the calendar in 序时进度.
    profile: tuple[float, ...] | None = None
    # How a year's actual is read: the level reached at its last period, or the mean of its
    # periods (rates of flows, such as satisfaction, are judged over the year, not on December).
    annual: str = ANNUAL_LAST
    declared_by: str = DEFAULT_KEY

    def describe(self, unit: str = "") -> str:
        if self.tolerance is not None:
            band = f"差距在{self.tolerance:g}{'个百分点' if unit == '%' else unit}以内为预警，超过为落后"
        else:
            band = f"完成度不低于{self.amber_from * 100:g}%为预警，低于为落后"
        met = (
            f"（差距{self.met_within:g}{'个百分点' if unit == '%' else unit}以内视同达标）"
            if self.met_within
            else ""
        )
        basis = "年内各期均值" if self.annual == ANNUAL_MEAN else "最新一期"
        pace_text = "按季节进度" if self.profile and self.pace != pace.NONE else pace.PACE_LABELS[self.pace]
        return f"达到目标为达标{met}；{band}；实际值取{basis}；{pace_text}"


DEFAULT_RULE = StatusRule()


@dataclass(frozen=True)
class Rules:
    default: StatusRule = DEFAULT_RULE
    by_indicator: Mapping[str, StatusRule] = field(default_factory=dict)

    def for_indicator(self, code: str | None) -> StatusRule:
        return self.by_indicator.get(code or "", self.default)

    @classmethod
    def from_records(cls, rows: Iterable[Mapping[str, Any]]) -> Rules:
        """Rows as in ``status_rules.csv``; an indicator row overrides only the fields it fills."""
        parsed = {str(r["indicator_code"]).strip(): _rule_fields(r) for r in rows}
        default = replace(DEFAULT_RULE, **parsed.pop(DEFAULT_KEY, {}))
        return cls(default, {c: replace(default, declared_by=c, **f) for c, f in parsed.items()})

    @classmethod
    def from_csv(cls, path: Path) -> Rules:
        return cls.from_records(read_rule_rows(path))


def read_rule_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row.get("indicator_code", "").strip()]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _rule_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    code = row.get("indicator_code")
    out: dict[str, Any] = {}
    try:
        if not _blank(row.get("amber_from")):
            out["amber_from"] = float(row["amber_from"])
            if not 0 < out["amber_from"] <= 1:
                raise RuleError(f"状态规则 {code}：amber_from 应在 0 与 1 之间")
        if not _blank(row.get("met_within")):
            out["met_within"] = float(row["met_within"])
            if out["met_within"] < 0:
                raise RuleError(f"状态规则 {code}：met_within 不能为负")
        if not _blank(row.get("tolerance")):
            out["tolerance"] = float(row["tolerance"])
            if out["tolerance"] < 0:
                raise RuleError(f"状态规则 {code}：tolerance 不能为负")
        if not _blank(row.get("profile")):
            profile = tuple(float(x) for x in str(row["profile"]).split("|"))
            if len(profile) != 12 or any(b < a for a, b in itertools.pairwise(profile)):
                raise RuleError(f"状态规则 {code}：profile 应为12个逐月递增的累计比例")
            if not (profile[0] > 0 and abs(profile[-1] - 1.0) < 1e-9):
                raise RuleError(f"状态规则 {code}：profile 应从大于0开始、以1结束")
            out["profile"] = profile
    except ValueError as exc:
        if isinstance(exc, RuleError):
            raise
        raise RuleError(f"状态规则 {code}：数值无法识别（{exc}）") from exc
    for key, allowed in (("pace", pace.PACE_MODES), ("annual", (ANNUAL_LAST, ANNUAL_MEAN))):
        if not _blank(row.get(key)):
            value = str(row[key]).strip()
            if value not in allowed:
                raise RuleError(f"状态规则 {code}：{key} 应为 {'/'.join(allowed)} 之一，收到 {value!r}")
            out[key] = value
    return out


# --- one value against one target -------------------------------------------------------------
def attainment(actual: float | None, target: float | None, direction: str) -> float | None:
    if actual is None or target is None or _nan(actual) or _nan(target):
        return None
    if direction == "lower":
        if actual <= 0:
            return math.inf if target > 0 else 1.0
        return target / actual
    if target == 0:
        return math.inf if actual > 0 else 1.0
    return actual / target


def status(
    actual: float | None, target: float | None, direction: str, rule: StatusRule = DEFAULT_RULE
) -> str | None:
    share = attainment(actual, target, direction)
    if share is None:
        return None
    if share >= 1.0 - 1e-9 or (
        rule.met_within and (gap(actual, target, direction) or 0.0) <= rule.met_within + 1e-9
    ):
        return GREEN
    if rule.tolerance is not None:
        return AMBER if (gap(actual, target, direction) or 0.0) <= rule.tolerance + 1e-9 else RED
    return AMBER if share >= rule.amber_from else RED


def paced(pace_target: float | None, target: float | None) -> bool:
    """Whether a status was judged against 序时进度: a 序时目标 other than the year's target (a rule
    without pace, a period closing its year or a region past its target is judged on the target)."""
    return pace_target is not None and (target is None or abs(pace_target - target) > 1e-9)


def gap(actual: float | None, target: float | None, direction: str) -> float | None:
    """How far from the target, positive = still to go, in the indicator's unit."""
    if actual is None or target is None or _nan(actual) or _nan(target):
        return None
    return max(0.0, target - actual) if direction != "lower" else max(0.0, actual - target)


def status_frame(frame: pd.DataFrame, direction: str, rule: StatusRule = DEFAULT_RULE) -> pd.DataFrame:
    """Adds attainment and status columns to a frame with ``value`` and ``target_value``."""
    out = frame.copy()
    pairs = list(zip(_floats(out["value"]), _floats(out["target_value"]), strict=True))
    out["attainment"] = [attainment(a, t, direction) for a, t in pairs]
    out["status"] = [status(a, t, direction, rule) for a, t in pairs]
    return out


def rank_among(values: pd.Series, direction: str, by: pd.Series | None = None) -> pd.Series:
    """1 = best among siblings; missing values get no rank. ``by``: groups ranked apart."""
    source = values if by is None else values.groupby(by, sort=False)
    ranked = source.rank(ascending=direction == "lower", method="min")
    return ranked.astype("Int64").where(values.notna())


def worst(statuses: Iterable[str | None]) -> str | None:
    """The roll-up of several statuses: the worst rated one (None when none is rated)."""
    rated = [s for s in statuses if s is not None and not (isinstance(s, float) and math.isnan(s))]
    return min(rated, key=SEVERITY.__getitem__) if rated else None


def counts(statuses: Iterable[str | None]) -> dict[str, int]:
    values = list(statuses)
    out = {s: sum(1 for v in values if v == s) for s in (GREEN, AMBER, RED)}
    out["none"] = len(values) - sum(out.values())
    return out


def _nan(value: Any) -> bool:
    return value is pd.NA or (isinstance(value, float | np.floating) and math.isnan(value))


def _floats(values: Iterable[Any]) -> list[float | None]:
    return [None if v is None or _nan(v) else float(v) for v in values]


SCORE_CODE = "target_score"
SCORE_INDICATOR = {
    "code": SCORE_CODE, "name": "目标达标率（综合）", "short_name": "综合达标率", "unit": "%", "direction": "higher",
    "decimals": 0, "frequency": "month", "pillar_name": "综合",
}  # fmt: skip


SCORE_COLUMNS = ["score", "met", "total", "red", "amber", "red_names", "amber_names"]


def score(assessed: pd.DataFrame) -> dict[str, Any]:
    """目标达标率（综合）of one region: the share of its rated indicators whose assessment (rules and
    序时进度, :func:`assess`) is green. ``assessed``: one row per indicator with ``status`` and ``name``.
    The one definition every surface shows (wall map and footer, pillar tile, profile, briefing)."""
    c = counts(assessed["status"])
    total = c[GREEN] + c[AMBER] + c[RED]
    return {"score": 100.0 * c[GREEN] / total if total else None, "met": c[GREEN], "total": total,
            "red": c[RED], "amber": c[AMBER],
            "red_names": assessed.loc[assessed["status"] == RED, "name"].tolist(),
            "amber_names": assessed.loc[assessed["status"] == AMBER, "name"].tolist()}  # fmt: skip


# --- a series against yearly targets ------------------------------------------------------------
ASSESS_COLUMNS = [
    "adcode", "period", "year", "value", "latest_value", "basis", "target_value", "target_source",
    "start_value", "pace_share", "pace_target", "gap", "attainment", "pace_gap", "pace_attainment", "status",
    "prev_period", "prev_value", "prev_status", "prev_pace_attainment",
]  # fmt: skip
PROJECTION_COLUMNS = ["proj_year", "proj_value", "proj_reach_year", "proj_on_track", "proj_slope"]


def decimals_of(declared: Any) -> int | None:
    """An indicator's published precision: its catalogue row's ``decimals`` (None where not declared)."""
    return None if declared is None or declared != declared else int(declared)


def prepare(series: pd.DataFrame, rule: StatusRule, decimals: int | None = None) -> pd.DataFrame:
    """Sorted values with ``year`` and ``actual``: the value itself, or its year-to-date mean when
    the rule reads a year as the mean of its periods — at the indicator's published precision
    (``decimals``): a mean of 95.46 is published as 95.5, and a target of 95.5 judged against the
    unpublished digits showed "年均 95.5% 预警 · 目标 95.5%"."""
    s = series.loc[series["value"].notna(), ["adcode", "period", "value"]].copy()
    s["value"] = s["value"].astype(float)
    s = s.sort_values(["adcode", "period"], kind="stable").reset_index(drop=True)
    s["year"] = s["period"].str[:4].astype(int)
    if rule.annual == ANNUAL_MEAN:
        grouped = s.groupby(["adcode", "year"], sort=False)["value"]
        s["actual"] = grouped.cumsum() / (grouped.cumcount() + 1)
    else:
        s["actual"] = s["value"]
    if decimals is not None:
        s["actual"] = s["actual"].round(decimals)
    return s


def year_results(prepared: pd.DataFrame) -> pd.DataFrame:
    """Each region's result for each year: ``actual`` at the year's last period, and whether that
    period closes the year (December, Q4 or the year itself)."""
    last = prepared.groupby(["adcode", "year"], sort=False).tail(1)
    out = last[["adcode", "year", "period", "actual"]].copy()
    out["complete"] = [pace.as_period(p).end.month == 12 for p in out["period"]]
    return out.reset_index(drop=True)


def _targets_lookup(target_rows: pd.DataFrame) -> dict[tuple[str, int], tuple[float, str]]:
    sources = target_rows["target_source"] if "target_source" in target_rows else ["own"] * len(target_rows)
    return {
        (str(a), int(y)): (float(t), str(src))
        for a, y, t, src in zip(target_rows["adcode"], target_rows["year"], target_rows["target_value"], sources,
                                strict=True)
        if not _nan(t)
    }  # fmt: skip


def assess(
    series: pd.DataFrame,
    target_rows: pd.DataFrame,
    *,
    direction: str,
    rule: StatusRule = DEFAULT_RULE,
    year: int | None = None,
    fallback: bool = True,
    with_projection: bool = False,
    bounds: tuple[float | None, float | None] = (None, None),
    decimals: int | None = None,
) -> pd.DataFrame:
    """Every region's standing on one indicator, one row per region in ``series``, judged at the
    indicator's published precision (``decimals``; None: as stored).

    ``series``: adcode, period, value (history back at least a year, three for the projection).
    ``target_rows``: adcode, year, target_value (optionally target_source: own / inherited).
    The assessed period is each region's last one in ``year`` (None: its latest); with ``fallback``
    a region with nothing in ``year`` shows its latest earlier period against that period's year.
    A period that closes its year is judged against the annual target, an earlier one against the
    序时目标. The projection runs to the end of the assessed year."""
    prepared = prepare(series, rule, decimals)
    if year is not None:
        prepared = prepared[prepared["year"] <= year]
    results = year_results(prepared)
    by_year = {
        (a, y): v for a, y, v in zip(results["adcode"], results["year"], results["actual"], strict=True)
    }
    tgt = _targets_lookup(target_rows)
    tails: list[dict[str, Any]] = prepared.groupby("adcode", sort=True).tail(2).to_dict("records")  # type: ignore[assignment]
    rows = []
    for i, last in enumerate(tails):
        if i + 1 < len(tails) and tails[i + 1]["adcode"] == last["adcode"]:
            continue  # the second-last period of a region: read below as its "previous"
        adcode = str(last["adcode"])
        if year is not None and not fallback and int(last["year"]) != year:
            continue
        row = _standing(adcode, last, by_year, tgt, direction, rule)
        if i > 0 and tails[i - 1]["adcode"] == last["adcode"]:
            prev = _standing(adcode, tails[i - 1], by_year, tgt, direction, rule)
            row |= {"prev_period": prev["period"], "prev_value": prev["value"], "prev_status": prev["status"],
                    "prev_pace_attainment": prev["pace_attainment"]}  # fmt: skip
        if with_projection:
            group = prepared[prepared["adcode"] == last["adcode"]]
            row |= _projection_fields(group, row, direction, bounds, rule)
        rows.append(row)
    columns = ASSESS_COLUMNS + (PROJECTION_COLUMNS if with_projection else [])
    return pd.DataFrame(rows, columns=columns)


def _standing(
    adcode: str,
    point: Mapping[str, Any],
    by_year: Mapping[tuple[str, int], float],
    tgt: Mapping[tuple[str, int], tuple[float, str]],
    direction: str,
    rule: StatusRule,
) -> dict[str, Any]:
    yr, actual = int(point["year"]), float(point["actual"])
    target, source = tgt.get((adcode, yr), (None, None))
    start = by_year.get((adcode, yr - 1))
    if start is None:
        start = tgt.get((adcode, yr - 1), (None, None))[0]
    share = pace.elapsed_share(point["period"], rule.profile)
    pace_t = pace.pace_target(target, start, share, rule.pace, direction)
    return {
        "adcode": adcode, "period": point["period"], "year": yr, "value": actual, "latest_value": float(point["value"]),
        "basis": "ytd_mean" if rule.annual == ANNUAL_MEAN else "latest", "target_value": target,
        "target_source": source, "start_value": start, "pace_share": share, "pace_target": pace_t,
        "gap": gap(actual, target, direction), "attainment": attainment(actual, target, direction),
        "pace_gap": gap(actual, pace_t, direction), "pace_attainment": attainment(actual, pace_t, direction),
        "status": status(actual, pace_t, direction, rule),
        "prev_period": None, "prev_value": None, "prev_status": None, "prev_pace_attainment": None,
    }  # fmt: skip


def _projection_fields(
    group: pd.DataFrame,
    row: Mapping[str, Any],
    direction: str,
    bounds: tuple[float | None, float | None],
    rule: StatusRule,
) -> dict[str, Any]:
    proj = projection_of(group, int(row["year"]), row["target_value"], direction, rule, bounds)
    if proj is None:
        return dict.fromkeys(PROJECTION_COLUMNS) | {"proj_year": int(row["year"])}
    return {"proj_year": proj.target_year, "proj_value": proj.value, "proj_reach_year": proj.reach_year,
            "proj_on_track": proj.on_track if proj.target is not None else None, "proj_slope": proj.slope}  # fmt: skip


def projection_of(
    values: pd.DataFrame,
    year: int,
    target: float | None,
    direction: str,
    rule: StatusRule = DEFAULT_RULE,
    bounds: tuple[float | None, float | None] = (None, None),
) -> Projection | None:
    """One region's projection to the end of ``year`` from its ``values`` (period, value) up to
    that year: what the tables list and the trend chart draws."""
    upto = values[values["period"].str[:4].astype(int) <= year]
    return project(upto["period"].tolist(), upto["value"].tolist(), year, target, direction,
                   bounds=bounds, met_within=rule.met_within)  # fmt: skip


def pace_path(
    year: int, start: float | None, target: float | None, direction: str, rule: StatusRule = DEFAULT_RULE
) -> list[tuple[date, float]]:
    """Where the value should stand at each month end of ``year`` (序时进度), for the trend chart.
    Empty when the rule sets no pace or there is nothing to pace towards."""
    if target is None or rule.pace == pace.NONE:
        return []
    points = [(date(year, 1, 1), start if rule.pace == pace.LINEAR and start is not None else 0.0)]
    for month in range(1, 13):
        end = pace.as_period(f"{year}-{month:02d}").end
        value = pace.pace_target(target, start, pace.elapsed_share(f"{year}-{month:02d}", rule.profile),
                                 rule.pace, direction)  # fmt: skip
        if value is not None:
            points.append((end, value))
    if rule.pace == pace.LINEAR and (start is None or points[1][1] == target):
        return []  # no start, or already past the target: the target line says it all
    return points


def with_ranks(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Rank siblings by how far they are along their own (序时) target, now and one period ago;
    ``movement`` > 0 means moved up. Ranking on attainment, not the raw value, keeps regions with
    different targets comparable. ``by``: a column (the indicator) whose groups are ranked apart."""
    out = frame.copy()
    groups = out[by] if by is not None else None
    out["rank"] = rank_among(pd.to_numeric(out["pace_attainment"], errors="coerce"), "higher", by=groups)
    out["prev_rank"] = rank_among(
        pd.to_numeric(out["prev_pace_attainment"], errors="coerce"), "higher", by=groups
    )
    out["movement"] = (out["prev_rank"] - out["rank"]).astype("Int64")
    return out
