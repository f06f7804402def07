"""Target status: one definition for map, alarms, tiles and API."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cockpit import targets


@pytest.mark.parametrize(
    ("actual", "target", "direction", "expected"),
    [
        (95.0, 95.0, "higher", "green"),
        (96.0, 95.0, "higher", "green"),
        (93.0, 95.0, "higher", "amber"),  # 97.9% of the target
        (90.0, 95.0, "higher", "red"),
        (8.0, 8.0, "lower", "green"),  # 行政复议纠错率: lower is better
        (7.0, 8.0, "lower", "green"),
        (8.2, 8.0, "lower", "amber"),
        (10.0, 8.0, "lower", "red"),
        (0.0, 8.0, "lower", "green"),
        (None, 95.0, "higher", None),
        (95.0, None, "higher", None),
        (float("nan"), 95.0, "higher", None),
    ],
)
def test_status_respects_direction(actual, target, direction, expected) -> None:  # type: ignore[no-untyped-def]
    assert targets.status(actual, target, direction) == expected


def test_gap_and_attainment() -> None:
    assert targets.gap(92.0, 95.0, "higher") == pytest.approx(3.0)
    assert targets.gap(10.0, 8.0, "lower") == pytest.approx(2.0)
    assert targets.gap(99.0, 95.0, "higher") == 0.0
    assert targets.attainment(0.0, 0.0, "higher") == 1.0
    assert math.isinf(targets.attainment(1.0, 0.0, "higher"))  # type: ignore[arg-type]


def test_rank_among_siblings() -> None:
    values = pd.Series([90.0, 95.0, None, 92.0])
    assert targets.rank_among(values, "higher").tolist() == [3, 1, pd.NA, 2]
    assert targets.rank_among(values, "lower").tolist() == [1, 3, pd.NA, 2]


def test_scores_count_only_rated_indicators() -> None:
    frame = pd.DataFrame(
        {
            "adcode": ["1", "1", "1", "1", "2"],
            "name": ["网办率", "纠错率", "满意率", "无目标", "网办率"],
            "direction": ["higher", "lower", "higher", "higher", "higher"],
            "value": [96.0, 9.0, 90.0, 50.0, 80.0],
            "target_value": [95.0, 8.0, 91.0, None, 95.0],
        }
    )
    got = targets.scores(frame).set_index("adcode")
    assert got.loc["1", "total"] == 3 and got.loc["1", "met"] == 1  # 无目标 does not count
    assert got.loc["1", "score"] == pytest.approx(100 / 3)
    assert got.loc["1", "red_names"] == ["纠错率"] and got.loc["1", "amber"] == 1
    assert got.loc["2", "score"] == 0.0 and got.loc["2", "red"] == 1
