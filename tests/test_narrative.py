"""The briefing narrative's numbers, recomputed from the warehouse by plain SQL (or by the targets
page's own query for statuses and ranks), not just eyeballed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from cockpit import targets
from cockpit.briefing import facts as facts_mod
from cockpit.briefing.narrative import Narrative, build
from cockpit.services import Services
from cockpit.settings import Settings
from cockpit.warehouse.plan_queries import PlanQueries

NOW = datetime(2026, 11, 28, 23, 59, 59)
LEAD = "online_service_rate"


@pytest.fixture(scope="module")
def services(demo_warehouse: tuple[Settings, dict[str, object]]) -> Iterator[Services]:
    from cockpit.app import create_app
    from cockpit.services import current

    settings, _ = demo_warehouse
    app = create_app(settings)
    with app.server.app_context():
        yield current()


def sql(services: Services, query: str, params: dict[str, Any]) -> Any:
    cur = services.warehouse.cursor()
    try:
        row = cur.execute(query, params).fetchone()
    finally:
        cur.close()
    return None if row is None else row[0]


def value(services: Services, adcode: str, period: str, code: str = LEAD) -> float:
    return float(sql(services, "SELECT value FROM indicator_value WHERE indicator_code = $i AND adcode = $r "
                               "AND period = $p", {"i": code, "r": adcode, "p": period}))  # fmt: skip


@pytest.fixture(scope="module")
def luliang(services: Services) -> tuple[facts_mod.Facts, Narrative]:
    found = facts_mod.compute(services, "141100", "2026-10", [LEAD])
    return found, build(found)


def test_lead_sentence_numbers_come_from_the_rows(services: Services, luliang: Any) -> None:
    _found, text = luliang
    v, prev = value(services, "141100", "2026-10"), value(services, "141100", "2026-09")
    target = float(sql(services, "SELECT target_value FROM indicator_target WHERE indicator_code = $i AND "
                                 "adcode = '141100' AND year = 2026", {"i": LEAD}))  # fmt: skip
    lead = text.figure("lead_value")
    assert lead.value == v and lead.text == f"{v:.1f}%" and lead.period == "2026-10"
    assert lead.source == "indicator_monthly" and lead.loaded_at is not None
    assert text.figure("lead_delta").value == round(v - prev, 1)
    assert text.figure("lead_target").value == target
    assert text.figure("lead_gap").value == round(max(0.0, target - v), 1)
    first = text.paragraphs[0]
    assert first.startswith(f"截至2026年10月，吕梁市政务服务事项全程网办率为{v:.1f}%")
    delta = round(v - prev, 1)
    if delta:
        assert f"较上月{'提高' if delta > 0 else '下降'}{abs(delta):.1f}个百分点" in first
    assert f"年度目标（{target:.1f}%）" in first


def test_rank_and_statuses_agree_with_the_targets_page(services: Services, luliang: Any) -> None:
    _found, text = luliang
    plan = PlanQueries(services.warehouse)
    page = plan.assess_indicator(LEAD, "140000", 2026, with_projection=False)
    row = page[page["adcode"] == "141100"].iloc[0]
    cities = int(sql(services, "SELECT count(*) FROM region WHERE parent_adcode = '140000'", {}))
    assert text.figure("lead_rank").value == int(row["rank"])
    assert text.figure("lead_siblings").value == cities == 11
    assert f"按序时目标完成程度在山西省11个市中排名第{int(row['rank'])}" in text.paragraphs[0]
    region = plan.assess_region("141100", 2026, with_projection=False)
    expected = targets.counts(region["status"])
    for key, label in ((targets.GREEN, "green"), (targets.AMBER, "amber"), (targets.RED, "red")):
        assert text.figure(f"count_{label}").value == expected[key]
    assert (
        f"达标{expected[targets.GREEN]}项、预警{expected[targets.AMBER]}项、落后{expected[targets.RED]}项"
        in text.paragraphs[1]
    )


def test_children_sentence_names_the_best_and_the_last(services: Services, luliang: Any) -> None:
    _found, text = luliang
    counties = int(sql(services, "SELECT count(*) FROM region WHERE parent_adcode = '141100'", {}))
    assert f"所辖{counties}个县（市、区）中" in text.paragraphs[2]
    best, worst = text.figure("child_best"), text.figure("child_worst")
    assert best.value == value(services, best.adcode, "2026-10")
    assert worst.value == value(services, worst.adcode, "2026-10")
    name = sql(services, "SELECT name FROM region WHERE adcode = $a", {"a": worst.adcode})
    assert f"{name}排名末位（{worst.value:.1f}%）" in text.paragraphs[2]


def test_event_figures_are_plain_counts(services: Services, luliang: Any) -> None:
    _, text = luliang
    scope = """(SELECT adcode FROM region WHERE adcode = '141100' OR parent_adcode = '141100')"""
    p = {"now": NOW}
    active = sql(services, f"SELECT count(*) FROM emergency_incident WHERE adcode IN {scope} "
                           "AND status <> 'closed' AND occurred_at <= $now", p)  # fmt: skip
    month = sql(services, f"SELECT count(*) FROM hotline_ticket WHERE adcode IN {scope} "
                          "AND created_at >= TIMESTAMP '2026-11-01' AND created_at <= $now", p)  # fmt: skip
    planned = sql(services, f"SELECT count(*) FROM inspection WHERE adcode IN {scope} "
                            "AND planned_date >= DATE '2026-01-01' AND planned_date <= $now", p)  # fmt: skip
    opened = sql(services, f"SELECT count(*) FROM supervision_task WHERE adcode IN {scope} AND completed_at IS NULL "
                           "AND deadline >= DATE '2026-11-28' AND assigned_at <= $now", p)  # fmt: skip
    overdue = sql(services, f"SELECT count(*) FROM supervision_task WHERE adcode IN {scope} AND completed_at IS NULL "
                            "AND deadline < DATE '2026-11-28' AND assigned_at <= $now", p)  # fmt: skip
    assert text.figure("incidents.unclosed").value == active
    assert text.figure("hotline.received").value == month
    assert text.figure("inspections.planned").value == planned
    assert text.figure("tasks.open").value == opened and text.figure("tasks.overdue").value == overdue
    last = text.paragraphs[-1]
    assert last.startswith("截至11月28日，吕梁市未结案突发事件") and f"本月12345热线受理{month}件" in last
    assert f"13710督办任务在办（未到期）{opened}项、逾期未办结{overdue}项" in last


def test_a_county_is_ranked_among_its_citys_counties(services: Services) -> None:
    found = facts_mod.compute(services, "141124", "2026-10", [LEAD])
    text = build(found)
    assert found.children.empty and len(found.siblings) == 13
    assert "按序时目标完成程度在吕梁市13个县（市、区）中排名第" in text.paragraphs[0]
    assert text.figure("lead_value").value == value(services, "141124", "2026-10")


def test_an_earlier_month_reads_that_months_data(services: Services) -> None:
    found = facts_mod.compute(services, "141100", "2026-06", [LEAD])
    text = build(found)
    assert found.lead.period == "2026-06"
    assert text.figure("lead_value").value == value(services, "141100", "2026-06")
    assert text.paragraphs[0].startswith("截至2026年6月，吕梁市")
    quarterly = found.by_code("regulatory_claim_rate")
    assert quarterly.period == "2026Q2"  # Q3 ends after June: not yet known in June


@pytest.mark.parametrize(("region", "period", "message"), [
    ("999999", None, "未知地区"), ("14110", None, "未知地区"), ("141100", "2027-01", "尚无数据"),
    ("141100", "2026Q3", "应为月份"), ("141100", "abc", "无法识别"),
])  # fmt: skip
def test_bad_region_or_period_is_a_clear_error(
    services: Services, region: str, period: str, message: str
) -> None:
    with pytest.raises(facts_mod.FactsError, match=message):
        facts_mod.compute(services, region, period)


def test_a_rate_judged_on_the_years_mean_says_so(services: Services) -> None:
    """热线办结率 is judged on the year's mean: the sentence gives the month, then the mean the
    target and the status are read against, and the gap is the mean's (no '还差' beside '达标')."""
    code = "hotline_close_rate"
    found = facts_mod.compute(services, "141100", "2026-10", [code])
    text = build(found)
    mean = float(sql(services, "SELECT avg(value) FROM indicator_value WHERE indicator_code = $i AND "
                               "adcode = '141100' AND period BETWEEN '2026-01' AND '2026-10'", {"i": code}))  # fmt: skip
    fact = found.lead
    mean = round(mean, 1)  # judged as published (the indicator has 1 decimal)
    assert fact.basis == "ytd_mean" and fact.judged_value == pytest.approx(mean)
    assert fact.status_text == f"{fact.status_label}（年均 {mean:.1f}%）"
    first = text.paragraphs[0]
    assert f"2026年1–10月均值为{mean:.1f}%" in first
    assert text.figure("lead_judged").value == pytest.approx(mean)
    target = text.figure("lead_target").value
    assert text.figure("lead_gap").value == round(max(0.0, target - mean), 1)
    assert "按序时进度评价" not in first  # the rule sets no pace


def test_a_count_keeps_its_whole_numbers(services: Services) -> None:
    """An indicator declared with 0 decimals (面向基层发文数量, 件) is printed as 783件, not 783.0件."""
    found = facts_mod.compute(services, "140000", "2026-10", [LEAD])
    counts = [f for f in found.indicators if f.unit == "件"]
    assert counts and all(f.decimals == 0 for f in counts)
