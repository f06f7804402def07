"""Target status: one definition for map, alarms, tiles and API."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cockpit import pace, targets
from cockpit.projection import decimal_year, project


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


def test_the_composite_score_counts_only_rated_indicators() -> None:
    assessed = pd.DataFrame({"name": ["网办率", "纠错率", "满意率", "无目标"],
                             "status": [targets.GREEN, targets.RED, targets.AMBER, None]})  # fmt: skip
    got = targets.score(assessed)
    assert got["total"] == 3 and got["met"] == 1  # 无目标 does not count
    assert got["score"] == pytest.approx(100 / 3)
    assert got["red_names"] == ["纠错率"] and got["amber_names"] == ["满意率"] and got["amber"] == 1
    assert targets.score(assessed.iloc[:0])["score"] is None


# --- rules declared in data -------------------------------------------------------------------

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_rules_from_records_override_only_what_they_fill() -> None:
    rules = targets.Rules.from_records(
        [
            {"indicator_code": "*", "amber_from": "0.95", "pace": "linear", "annual": "last"},
            {"indicator_code": "days", "tolerance": "0.2"},
            {"indicator_code": "rate", "met_within": "0.5", "pace": "none", "annual": "mean"},
        ]
    )
    assert rules.for_indicator("unknown") == rules.default
    assert rules.default.amber_from == 0.95
    days = rules.for_indicator("days")
    assert days.amber_from == 0.95 and days.tolerance == 0.2 and days.declared_by == "days"
    rate = rules.for_indicator("rate")
    assert (rate.pace, rate.annual, rate.met_within) == ("none", "mean", 0.5)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"amber_from": "1.2"}, "amber_from"),
        ({"pace": "weekly"}, "pace"),
        ({"annual": "median"}, "annual"),
        ({"profile": "0.1|0.2"}, "profile"),
        ({"profile": "|".join(["0.5"] * 11 + ["0.9"])}, "profile"),
        ({"tolerance": "abc"}, "数值"),
    ],
)
def test_bad_rules_fail_loudly(row: dict[str, str], message: str) -> None:
    with pytest.raises(targets.RuleError, match=message):
        targets.Rules.from_records([{"indicator_code": "x", **row}])


def test_the_seeded_rules_parse_and_name_known_indicators() -> None:
    rules = targets.Rules.from_csv(SEEDS / "status_rules.csv")
    codes = set(pd.read_csv(SEEDS / "indicators.csv")["code"])
    assert set(rules.by_indicator) <= codes
    assert rules.default == targets.DEFAULT_RULE  # the screen's default rule is the seeded default
    assert rules.for_indicator("business_setup_days").tolerance == 0.2
    assert rules.for_indicator("hotline_satisfaction_rate").annual == "mean"
    assert len(rules.for_indicator("task_13710_clearance_rate").profile or ()) == 12


def test_absolute_tolerance_and_met_within() -> None:
    days = targets.StatusRule(tolerance=0.2)
    assert targets.status(1.0, 1.0, "lower", days) == "green"
    assert targets.status(1.15, 1.0, "lower", days) == "amber"  # 0.15 working days over
    assert targets.status(1.3, 1.0, "lower", days) == "red"
    full = targets.StatusRule(met_within=0.5)
    assert targets.status(99.6, 100.0, "higher", full) == "green"  # 100% as the target was written
    assert targets.status(99.4, 100.0, "higher", full) == "amber"
    assert targets.status(7.3, 7.0, "lower", targets.StatusRule(met_within=0.5)) == "green"


def test_rule_description_is_chinese() -> None:
    text = targets.StatusRule(tolerance=0.2, pace="none").describe("个工作日")
    assert "0.2个工作日以内为预警" in text and "不设序时进度" in text


def test_worst_and_counts() -> None:
    assert targets.worst(["green", None, "amber"]) == "amber"
    assert targets.worst(["green", "red", "amber"]) == "red"
    assert targets.worst([None, float("nan")]) is None
    assert targets.counts(["green", "red", None, "green"]) == {"green": 2, "amber": 0, "red": 1, "none": 1}


# --- 序时进度 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("period", "share"),
    [
        ("2026-10", 304 / 365),
        ("2026-02", 59 / 365),
        ("2024-02", 60 / 366),  # leap year: February has 29 days and the year 366
        ("2024Q1", 91 / 366),
        ("2025Q1", 90 / 365),
        ("2024-12", 1.0),
        ("2026", 1.0),
    ],
)
def test_elapsed_share_counts_days(period: str, share: float) -> None:
    assert pace.elapsed_share(period) == pytest.approx(share)


def test_declared_profile_replaces_the_calendar() -> None:
    profile = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.38, 0.46, 0.55, 0.65, 0.8, 1.0)
    assert pace.elapsed_share("2026-10", profile) == 0.65
    assert pace.elapsed_share("2026Q3", profile) == 0.55  # a quarter reads its last month
    assert pace.elapsed_share("2026", profile) == 1.0


def test_pace_target_modes_and_directions() -> None:
    assert pace.pace_target(96.0, 90.0, 0.5, "linear", "higher") == pytest.approx(93.0)
    assert pace.pace_target(8.0, 10.0, 0.25, "linear", "lower") == pytest.approx(9.5)  # 纠错率 falls to 8
    assert pace.pace_target(96.0, 97.0, 0.5, "linear", "higher") == 96.0  # began the year past the target
    assert pace.pace_target(8.0, 7.5, 0.5, "linear", "lower") == 8.0
    assert pace.pace_target(800.0, None, 0.5, "cumulative", "lower") == pytest.approx(400.0)
    assert pace.pace_target(96.0, 90.0, 0.5, "none", "higher") == 96.0
    assert pace.pace_target(96.0, None, 0.5, "linear", "higher") == 96.0  # nothing to pace from
    assert pace.pace_target(96.0, 90.0, 1.0, "linear", "higher") == 96.0
    assert pace.pace_target(None, 90.0, 0.5, "linear", "higher") is None


def test_leap_year_pace_differs_by_a_day() -> None:
    leap = pace.pace_target(100.0, 90.0, pace.elapsed_share("2024-02"), "linear", "higher")
    common = pace.pace_target(100.0, 90.0, pace.elapsed_share("2025-02"), "linear", "higher")
    assert leap == pytest.approx(90 + 10 * 60 / 366) and common == pytest.approx(90 + 10 * 59 / 365)


# --- assess: one region's standing ----------------------------------------------------------
def monthly(adcode: str, values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"adcode": adcode, "period": list(values), "value": list(values.values())})


def target_rows(adcode: str, by_year: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"adcode": adcode, "year": list(by_year), "target_value": list(by_year.values())})


def test_assess_mid_year_against_the_pace_target() -> None:
    series = monthly("A", {"2025-12": 90.0, "2026-01": 90.5, "2026-06": 92.0})
    got = targets.assess(series, target_rows("A", {2025: 91.0, 2026: 96.0}), direction="higher").iloc[0]
    share = 181 / 365
    assert got["period"] == "2026-06" and got["start_value"] == 90.0
    assert got["pace_share"] == pytest.approx(share)
    assert got["pace_target"] == pytest.approx(90 + 6 * share)
    assert got["attainment"] == pytest.approx(92 / 96)  # against the annual target
    assert got["pace_attainment"] == pytest.approx(92 / (90 + 6 * share))
    assert got["status"] == "amber"  # 98.9% of where it should be by June
    assert got["gap"] == pytest.approx(4.0) and got["pace_gap"] == pytest.approx(90 + 6 * share - 92)
    assert (got["prev_period"], got["prev_value"]) == ("2026-01", 90.5)


def test_a_years_mean_is_judged_as_published() -> None:
    """A mean of 95.42 and 95.50 is 95.46, published as 95.5: against a target of 95.5 that is met,
    not "年均 95.5% 预警 · 目标 95.5%". Without a declared precision the stored digits count."""
    rule = targets.StatusRule(pace="none", annual="mean")
    series = monthly("A", {"2026-01": 95.42, "2026-02": 95.50})
    tgts = target_rows("A", {2026: 95.5})
    published = targets.assess(series, tgts, direction="higher", rule=rule, year=2026, decimals=1).iloc[0]
    assert published["value"] == 95.5 and published["status"] == "green" and published["gap"] == 0
    stored = targets.assess(series, tgts, direction="higher", rule=rule, year=2026).iloc[0]
    assert stored["value"] == pytest.approx(95.46) and stored["status"] == "amber"
    assert (
        targets.decimals_of(0) == 0
        and targets.decimals_of(None) is None
        and targets.decimals_of(float("nan")) is None
    )


def test_assess_lower_is_better() -> None:
    series = pd.DataFrame({"adcode": "A", "period": ["2025Q4", "2026Q2"], "value": [10.0, 9.2]})
    tgts = target_rows("A", {2025: 10.0, 2026: 8.0})
    got = targets.assess(series, tgts, direction="lower").iloc[0]
    expected = 10 - 2 * 181 / 365
    assert got["pace_target"] == pytest.approx(expected)
    assert got["pace_attainment"] == pytest.approx(expected / 9.2)
    assert got["status"] == "amber"
    better = targets.assess(series.assign(value=[10.0, 8.9]), tgts, direction="lower").iloc[0]
    assert better["status"] == "green"
    worse = targets.assess(series.assign(value=[10.0, 9.8]), tgts, direction="lower").iloc[0]
    assert worse["status"] == "red"


def test_assess_target_already_met() -> None:
    series = monthly("A", {f"2026-{m:02d}": 96.0 + 0.1 * m for m in range(1, 11)})
    got = targets.assess(
        series, target_rows("A", {2026: 96.0}), direction="higher", with_projection=True
    ).iloc[0]
    assert got["status"] == "green" and got["gap"] == 0.0
    assert bool(got["proj_on_track"]) and got["proj_reach_year"] == 2026
    assert got["proj_value"] == pytest.approx(97.2, abs=0.05)  # the trend runs on to December


def test_assess_region_without_target_shows_none() -> None:
    series = monthly("A", {"2026-09": 95.0, "2026-10": 96.0})
    got = targets.assess(series, target_rows("B", {2026: 90.0}), direction="higher").iloc[0]
    assert got["target_value"] is None and got["status"] is None and got["attainment"] is None
    assert targets.STATUS_LABELS[got["status"]] == "无目标"


def test_assess_with_missing_months() -> None:
    months = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]
    full = {p: 80.0 + 6 * (decimal_year(p) - 2024) for p in months if p <= "2026-10"}
    gappy = {p: v for i, (p, v) in enumerate(full.items()) if i % 3 != 1 and p != "2026-09"}
    tgts = target_rows("A", {2025: 90.0, 2026: 94.0})
    a = targets.assess(monthly("A", full), tgts, direction="higher", with_projection=True).iloc[0]
    b = targets.assess(monthly("A", gappy), tgts, direction="higher", with_projection=True).iloc[0]
    assert a["period"] == b["period"] == "2026-10"
    assert a["status"] == b["status"] and a["pace_target"] == pytest.approx(b["pace_target"])
    # On a real time axis gaps thin the fit but don't bend it.
    assert a["proj_slope"] == pytest.approx(b["proj_slope"], rel=1e-6)
    assert b["prev_period"] == sorted(gappy)[-2] != "2026-09"  # the previous period actually reported


def test_assess_annual_mean_reads_the_year_to_date() -> None:
    series = monthly("A", {"2026-01": 90.0, "2026-02": 94.0, "2026-03": 98.0})
    rule = targets.StatusRule(pace="none", annual="mean")
    got = targets.assess(series, target_rows("A", {2026: 95.0}), direction="higher", rule=rule).iloc[0]
    assert got["value"] == pytest.approx(94.0) and got["latest_value"] == 98.0
    assert got["basis"] == "ytd_mean" and got["pace_target"] == 95.0 and got["status"] == "amber"


def test_assess_year_and_fallback() -> None:
    series = pd.DataFrame({"adcode": "A", "period": ["2024", "2025"], "value": [4.8, 5.2]})
    tgts = target_rows("A", {2024: 5.0, 2025: 5.0, 2026: 4.8})
    latest = targets.assess(series, tgts, direction="lower", year=2026).iloc[0]
    assert (latest["period"], latest["target_value"]) == ("2025", 5.0)  # last reported year, its own target
    assert targets.assess(series, tgts, direction="lower", year=2026, fallback=False).empty
    past = targets.assess(series, tgts, direction="lower", year=2024).iloc[0]
    assert past["period"] == "2024" and past["status"] == "green"


def test_with_ranks_and_movement() -> None:
    frame = pd.DataFrame({"pace_attainment": [1.02, 0.95, 0.99], "prev_pace_attainment": [0.97, 1.01, 0.99]})
    ranked = targets.with_ranks(frame)
    assert ranked["rank"].tolist() == [1, 3, 2]
    assert ranked["movement"].tolist() == [2, -2, 0]


def test_ranks_by_indicator_are_the_ranks_of_each_indicator_alone() -> None:
    frame = pd.DataFrame({
        "code": ["a", "b", "a", "b", "a", "b"],
        "pace_attainment": [1.02, 0.5, 0.95, None, 0.99, 0.7],
        "prev_pace_attainment": [0.97, 0.6, 1.01, 0.4, 0.99, 0.8],
    })  # fmt: skip
    together = targets.with_ranks(frame, by="code")
    for code, group in frame.groupby("code"):
        alone = targets.with_ranks(group)
        assert together.loc[group.index, "rank"].tolist() == alone["rank"].tolist(), code
        assert together.loc[group.index, "movement"].tolist() == alone["movement"].tolist(), code
    assert together["rank"].tolist() == [1, 2, 3, pd.NA, 2, 1]


# --- projection -----------------------------------------------------------------------------
def test_projection_reaches_the_target_in_a_later_year() -> None:
    periods = [
        f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13) if f"{y}-{m:02d}" <= "2026-10"
    ]
    values = [80 + 2 * (decimal_year(p) - 2024) for p in periods]  # two points a year
    proj = project(periods, values, 2026, 90.0, "higher")
    assert proj is not None
    assert proj.slope == pytest.approx(2.0)
    assert proj.value == pytest.approx(86.0, abs=1e-6)  # at 31 Dec 2026
    assert proj.reach_year == 2028 and proj.on_track is False  # 90 reached at 2029.0 = end of 2028
    assert project(periods, values, 2028, 90.0, "higher").on_track is True  # type: ignore[union-attr]


def test_projection_lower_is_better_and_wrong_way() -> None:
    periods = ["2023", "2024", "2025"]
    down = project(periods, [9.0, 8.0, 7.0], 2026, 5.0, "lower")
    assert down is not None and down.reach_year == 2027 and down.value == pytest.approx(6.0)
    up = project(periods, [7.0, 8.0, 9.0], 2026, 5.0, "lower")
    assert up is not None and up.reach_year is None and up.on_track is False


def test_projection_bounds_and_too_few_points() -> None:
    assert project(["2025", "2026"], [90.0, 95.0], 2026, 99.0, "higher") is None
    capped = project(["2023", "2024", "2025"], [90.0, 95.0, 100.0], 2030, 100.0, "higher", bounds=(0, 100))
    assert capped is not None and capped.value == 100.0 and capped.met


def test_projection_respects_met_within() -> None:
    proj = project(["2023", "2024", "2025"], [99.4, 99.5, 99.6], 2025, 100.0, "higher", met_within=0.5)
    assert proj is not None and proj.met and proj.reach_year == 2025


def test_pace_path_for_the_chart() -> None:
    path = targets.pace_path(2026, 90.0, 96.0, "higher")
    assert path[0] == (date(2026, 1, 1), 90.0) and path[-1] == (date(2026, 12, 31), 96.0)
    assert len(path) == 13
    assert targets.pace_path(2026, 97.0, 96.0, "higher") == []  # already past the target
    assert targets.pace_path(2026, 90.0, 96.0, "higher", targets.StatusRule(pace="none")) == []


def test_paced_and_the_judged_period_are_read_alike_everywhere() -> None:
    """One rule for "judged against 序时进度" (the wall's cards and the briefing's sentence) and one
    label for what an actual is (/targets' card, the briefing)."""
    from cockpit.formatting import judged_period

    assert targets.paced(95.2, 95.5) and targets.paced(95.2, None)
    assert not targets.paced(95.5, 95.5) and not targets.paced(None, 95.5)
    assert judged_period("2026-10", "ytd_mean", "month") == "2026年1–10月均值"
    assert judged_period("2026Q3", "ytd_mean", "quarter") == "2026年前3季度均值"
    assert judged_period(float("nan"), None, "month") == judged_period(None, None, "year") == "暂无数据"
