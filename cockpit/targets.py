"""Target status, defined once: the map colours, alarms, tiles, API and exports all call this.

Attainment is how much of the target is reached, respecting the indicator's direction:
higher-is-better ``actual / target``, lower-is-better ``target / actual``. Status is
green when the target is met, amber within a tolerance, red beyond it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

GREEN, AMBER, RED = "green", "amber", "red"
STATUS_LABELS = {GREEN: "达标", AMBER: "预警", RED: "落后", None: "无目标"}


@dataclass(frozen=True)
class StatusRule:
    # Share of the target (attainment) at or above which a region is amber rather than red.
    amber_from: float = 0.97


DEFAULT_RULE = StatusRule()


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
    if share >= 1.0 - 1e-9:
        return GREEN
    return AMBER if share >= rule.amber_from else RED


def gap(actual: float | None, target: float | None, direction: str) -> float | None:
    """How far from the target, positive = still to go, in the indicator's unit."""
    if actual is None or target is None or _nan(actual) or _nan(target):
        return None
    return max(0.0, target - actual) if direction != "lower" else max(0.0, actual - target)


def status_frame(frame: pd.DataFrame, direction: str, rule: StatusRule = DEFAULT_RULE) -> pd.DataFrame:
    """Adds attainment and status columns to a frame with ``value`` and ``target_value``."""
    out = frame.copy()
    out["attainment"] = [
        attainment(a, t, direction) for a, t in zip(out["value"], out["target_value"], strict=True)
    ]
    out["status"] = [
        status(a, t, direction, rule) for a, t in zip(out["value"], out["target_value"], strict=True)
    ]
    return out


def rank_among(values: pd.Series, direction: str) -> pd.Series:
    """1 = best among siblings; missing values get no rank."""
    ranked = values.rank(ascending=direction == "lower", method="min")
    return ranked.astype("Int64").where(values.notna())


def _nan(value: float) -> bool:
    return isinstance(value, float | np.floating) and math.isnan(value)


SCORE_CODE = "target_score"
SCORE_INDICATOR = {
    "code": SCORE_CODE, "name": "目标达标率（综合）", "short_name": "综合达标率", "unit": "%", "direction": "higher",
    "decimals": 0, "frequency": "month", "pillar_name": "综合",
}  # fmt: skip


def scores(frame: pd.DataFrame, by: str = "adcode") -> pd.DataFrame:
    """Share of each group's indicators that meet their target (``status`` above), as a percentage.

    ``frame`` has one row per (group, indicator): ``by``, name, direction, value, target_value.
    Indicators without a target or a value do not count either way."""
    rated = frame.assign(
        status=[
            status(v, t, d)
            for v, t, d in zip(frame["value"], frame["target_value"], frame["direction"], strict=True)
        ]
    )
    rated = rated[rated["status"].notna()]
    rows = []
    for key, group in rated.groupby(by, sort=True):
        total = len(group)
        met = int((group["status"] == GREEN).sum())
        red = group.loc[group["status"] == RED, "name"].tolist()
        amber = int((group["status"] == AMBER).sum())
        rows.append({by: key, "score": 100.0 * met / total if total else None, "met": met, "total": total,
                     "red": len(red), "amber": amber, "red_names": red})  # fmt: skip
    return pd.DataFrame(rows, columns=[by, "score", "met", "total", "red", "amber", "red_names"])
