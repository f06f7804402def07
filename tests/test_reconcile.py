"""数据核验: reported rates against the rows behind them, on a tiny warehouse with planted values.

October 2026 in 太原 (as of 28 November): 小店 has 7 tickets of which 6 closed (85.7%) but reports
98.2% — no count of 7 gives that; 迎泽 has 10, 9 closed, and reports 90.0 (fine) with a
satisfaction of 80.0 against 7 of 10 (possible, but 10 points off); the city's 15 of 17 (88.24%)
is reported as 88.2 (fine). November is still running and is never judged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from cockpit.principal import Principal, ScopeDenied, acting_as
from cockpit.screen.tiles import KPI_CODES
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.reconcile_queries import (
    BEYOND,
    IMPOSSIBLE,
    PAIRS,
    ReconcileQueries,
    ReconcileRuleError,
    producible,
    read_reconciliation_rules,
)
from tests.access_helpers import UserClient, dumps, page_payload
from tests.test_events_queries import publish_rows

XIAODIAN, YINGZE, TAIYUAN, PROVINCE = "140105", "140106", "140100", "140000"
TODAY = date(2026, 11, 28)
T = datetime.fromisoformat


def _tickets(adcode: str, prefix: str, month: str, total: int, closed: int, rated: int = 0,
             pleased: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    return [{"ticket_id": f"{prefix}{i}", "adcode": adcode, "created_at": T(f"{month}-{i % 28 + 1:02d} 10:00"),
             "channel": "电话", "category": "供暖", "topic": "暖气不热", "responded_in_time": True,
             "closed_at": T(f"{month}-28 18:00") if i < closed else None,
             "satisfied": (i < pleased) if i < rated else None} for i in range(total)]  # fmt: skip


def _task(tid: str, adcode: str, deadline: str, completed: str | None) -> dict[str, Any]:
    return {"task_id": tid, "title": f"任务{tid}", "category": "一般事项", "department": "测试局", "adcode": adcode,
            "plan_task_no": None, "assigned_at": date(2026, 1, 5), "deadline": date.fromisoformat(deadline),
            "completed_at": date.fromisoformat(completed) if completed else None}  # fmt: skip


def _incident(iid: str, adcode: str, occurred: str, reported: str) -> dict[str, Any]:
    return {"incident_id": iid, "title": "测试事件", "category": "事故灾难", "level": "IV", "adcode": adcode,
            "lon": 112.5, "lat": 37.8, "status": "closed", "occurred_at": T(occurred), "reported_at": T(reported),
            "updated_at": T(reported)}  # fmt: skip


def _catalog(adcode: str, dept: str, period: str, total: int, claimed: int) -> dict[str, Any]:
    return {"adcode": adcode, "department": dept, "period": period, "items_total": total, "items_claimed": claimed,
            "lists_total": total, "lists_published": claimed}  # fmt: skip


def _value(code: str, adcode: str, period: str, value: float) -> dict[str, Any]:
    return {"indicator_code": code, "adcode": adcode, "period": period, "value": value}


TABLES: dict[str, list[dict[str, Any]]] = {
    "hotline_ticket": [
        *_tickets(XIAODIAN, "X", "2026-10", 7, 6),
        *_tickets(YINGZE, "Y", "2026-10", 10, 9, rated=10, pleased=7),
        *_tickets(XIAODIAN, "N", "2026-11", 5, 1),  # the running month
    ],
    "supervision_task": [
        _task("S1", YINGZE, "2026-03-10", "2026-03-09"),  # on time
        _task("S2", YINGZE, "2026-09-30", "2026-10-15"),  # late, cleared in October
        _task("S3", YINGZE, "2026-10-20", None),  # overdue
        _task("S4", YINGZE, "2026-12-01", None),  # not yet due at the end of October
        _task("S5", YINGZE, "2025-10-01", None),  # last year's
    ],
    "emergency_incident": [
        _incident("E1", XIAODIAN, "2026-10-03 08:00", "2026-10-03 08:30"),
        _incident("E2", XIAODIAN, "2026-10-09 08:00", "2026-10-09 09:30"),  # 90 minutes: late
    ],
    "regulatory_catalog": [
        _catalog(TAIYUAN, "市场监管局", "2026Q3", 100, 99),
        _catalog(TAIYUAN, "住建局", "2026Q3", 50, 50),
        _catalog(XIAODIAN, "市场监管局", "2026Q3", 10, 0),  # a county's: not the city's own
    ],
    "indicator_value": [
        _value("hotline_close_rate", XIAODIAN, "2026-10", 98.2),  # 6/7 = 85.7: impossible and off
        _value("hotline_close_rate", YINGZE, "2026-10", 90.0),  # 9/10: right
        _value("hotline_close_rate", TAIYUAN, "2026-10", 88.2),  # 15/17 = 88.24: right at one decimal
        _value("hotline_close_rate", XIAODIAN, "2026-11", 20.0),  # running month: not judged
        _value("hotline_satisfaction_rate", YINGZE, "2026-10", 80.0),  # 7/10: 10 points off
        _value("hotline_satisfaction_rate", XIAODIAN, "2026-10", 50.0),  # nobody rated: not judged
        _value("task_13710_ontime_rate", YINGZE, "2026-10", 33.3),  # 1/3: right
        _value("task_13710_clearance_rate", YINGZE, "2026-10", 99.9),  # 2/3: off and impossible
        _value("task_13710_ontime_rate", YINGZE, "2026-09", 50.0),  # 1/2 (S1, S2 due): right
        _value("emergency_report_ontime_rate", XIAODIAN, "2026-10", 100.0),  # 1/2: off
        _value("regulatory_claim_rate", TAIYUAN, "2026Q3", 99.3),  # own departments 149/150: right
        _value("regulatory_claim_rate", XIAODIAN, "2026Q3", 100.0),  # 0/10: off
        _value("double_random_coverage_rate", YINGZE, "2026Q3", 40.0),  # no inspections: not judged
    ],
}


# Two early periods of every card on the wall for the two regions whose cards are rendered (a card
# needs a previous period); no rows lie in them, so they are never judged.
_QUARTERLY = {"regulatory_claim_rate", "admin_review_correction_rate"}
EARLIER = [
    _value(code, adcode, period, 50.0)
    for code in KPI_CODES
    for adcode in (YINGZE, TAIYUAN)
    for period in (("2025Q1", "2025Q2") if code in _QUARTERLY else ("2025-01", "2025-02"))
]


@pytest.fixture
def planted(settings: Settings) -> Settings:
    publish_rows(settings, {**TABLES, "indicator_value": [*TABLES["indicator_value"], *EARLIER]})
    return settings


@pytest.fixture
def rq(planted: Settings) -> ReconcileQueries:
    return ReconcileQueries(Warehouse(planted))


def _found(frame: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["adcode"], r["indicator"], r["period"]): r for r in frame.to_dict("records")}


def test_exactly_the_planted_discrepancies_are_listed(rq: ReconcileQueries) -> None:
    found = _found(rq.discrepancies(PROVINCE, TODAY))
    assert set(found) == {
        (XIAODIAN, "hotline_close_rate", "2026-10"),
        (YINGZE, "hotline_satisfaction_rate", "2026-10"),
        (YINGZE, "task_13710_clearance_rate", "2026-10"),
        (XIAODIAN, "emergency_report_ontime_rate", "2026-10"),
        (XIAODIAN, "regulatory_claim_rate", "2026Q3"),
    }
    seven = found[(XIAODIAN, "hotline_close_rate", "2026-10")]
    assert (seven["rows"], seven["matching"], seven["impossible"], seven["beyond"]) == (7, 6, True, True)
    assert IMPOSSIBLE in seven["verdict"] and seven["computed"] == pytest.approx(600 / 7)
    assert seven["difference_pp"] == pytest.approx(98.2 - 600 / 7)
    pleased = found[(YINGZE, "hotline_satisfaction_rate", "2026-10")]
    assert (pleased["rows"], pleased["matching"], pleased["verdict"]) == (10, 7, BEYOND)
    cleared = found[(YINGZE, "task_13710_clearance_rate", "2026-10")]
    assert (cleared["rows"], cleared["matching"], cleared["impossible"]) == (3, 2, True)
    late = found[(XIAODIAN, "emergency_report_ontime_rate", "2026-10")]
    assert (late["rows"], late["matching"], late["verdict"]) == (2, 1, BEYOND)
    claims = found[(XIAODIAN, "regulatory_claim_rate", "2026Q3")]
    assert (claims["rows"], claims["matching"]) == (10, 0)
    assert seven["definition"] and seven["tolerance_pp"] == pytest.approx(0.1)


def test_the_indicator_filter_and_the_latest_period_flags(rq: ReconcileQueries) -> None:
    only = rq.discrepancies(PROVINCE, TODAY, indicator="hotline_close_rate")
    assert list(only["indicator"]) == ["hotline_close_rate"]
    # 小店's latest close rate is November (running, not judged): the card's figure is not in doubt.
    flags = rq.flags(PROVINCE, TODAY)
    assert (XIAODIAN, "hotline_close_rate") not in flags
    assert {(YINGZE, "hotline_satisfaction_rate"), (XIAODIAN, "regulatory_claim_rate")} <= flags
    # In December November is finished: 1 of 5 closed, 20.0 reported — right, still no flag.
    assert (XIAODIAN, "hotline_close_rate") not in rq.flags(PROVINCE, date(2026, 12, 2))


def test_a_tolerance_is_data(planted: Settings, tmp_path: Any) -> None:
    wh = Warehouse(planted)
    rules = ReconcileQueries(wh).rules()
    assert set(rules["indicator_code"]) == set(PAIRS)
    seeds = tmp_path / "reconciliation.csv"
    seeds.write_text(
        "indicator,definition,tolerance_pp,min_rows\nhotline_satisfaction_rate,口径,10.5,\n", "utf-8"
    )
    loose = read_reconciliation_rules(seeds, {"hotline_satisfaction_rate"})
    assert loose.iloc[0]["tolerance_pp"] == 10.5 and loose.iloc[0]["min_rows"] == 1
    seeds.write_text("indicator,definition,tolerance_pp,min_rows\nonline_service_rate,口径,0.1,1\n", "utf-8")
    with pytest.raises(ReconcileRuleError, match="online_service_rate"):
        read_reconciliation_rules(seeds)


def test_a_snapshot_built_before_the_rule_table_reads_the_seed_file(planted: Settings) -> None:
    from cockpit.warehouse.snapshots import SnapshotStore, open_staging

    store = SnapshotStore(planted.warehouse_path)
    with store.writer_lock():
        staging = store.begin()
        with open_staging(staging) as con:
            con.execute("DROP TABLE reconciliation_rule")
        store.publish(staging)
    old = ReconcileQueries(Warehouse(planted))
    assert set(old.rules()["indicator_code"]) == set(PAIRS)
    assert len(old.discrepancies(PROVINCE, TODAY)) == 5


@pytest.mark.parametrize(
    ("reported", "n", "decimals", "k"),
    [(98.2, 7, 1, None), (85.7, 7, 1, 6), (100.0, 7, 1, 7), (0.0, 3, 1, 0), (33.3, 3, 1, 1), (33.4, 3, 1, None),
     (88.2, 17, 1, 15), (101.0, 5, 1, None), (-1.0, 5, 0, None), (67.0, 3, 0, 2)],
)  # fmt: skip
def test_which_reported_rates_a_count_can_produce(
    reported: float, n: int, decimals: int, k: int | None
) -> None:
    assert producible(reported, n, decimals) == k


@pytest.fixture
def app(planted: Settings) -> Iterator[Any]:
    from cockpit.app import create_app

    application = create_app(planted)
    with application.server.app_context():
        yield application


def test_a_county_user_sees_only_its_own_discrepancies(app: Any) -> None:
    wh = app.server.extensions["cockpit"].warehouse
    with app.server.test_request_context("/"), acting_as(Principal("unit-staff", "staff", XIAODIAN)):
        rq = ReconcileQueries(wh)
        own = rq.discrepancies(XIAODIAN, TODAY)
        assert set(own["adcode"]) == {XIAODIAN} and len(own) == 3
        with pytest.raises(ScopeDenied):
            rq.discrepancies(YINGZE, TODAY)
        # Asked for the city, the answer is cut down to the county's own rows.
        assert set(rq.discrepancies(TAIYUAN, TODAY)["adcode"]) == {XIAODIAN}
        with pytest.raises(ScopeDenied):
            rq.flags(TAIYUAN, TODAY)


def test_the_page_lists_them_and_refuses_the_wall(app: Any, planted: Settings) -> None:
    leader = UserClient(app, planted, "rc-leader", "leader", PROVINCE)
    assert leader.get("/reconcile").status_code == 200 and "数据核验" in leader.get("/reconcile").get_data(
        as_text=True
    )
    shown = dumps(leader.callback(page_payload("/reconcile", f"?region={TAIYUAN}")).get_json())
    assert "6/7" in shown and "98.2%" in shown and IMPOSSIBLE in shown and "查看明细" in shown
    assert (
        "2/3" in shown
        and "迎泽区" in shown
        and "0.1个百分点" in shown
        and "/explorer?dataset=hotline_ticket" in shown
    )
    assert "未发现上报值与明细不一致" not in shown and "无权查看" not in shown
    one = dumps(
        leader.callback(
            page_payload("/reconcile", f"?region={YINGZE}&indicator=hotline_close_rate")
        ).get_json()
    )
    assert "未发现上报值与明细不一致" in one and "98.2%" not in one
    odd = dumps(leader.callback(page_payload("/reconcile", "?region=999999&indicator=<b>")).get_json())
    assert "未知地区“999999”" in odd and "指标“<b>”不在核验范围内" in odd
    feeds = dumps(leader.callback(page_payload("/feeds")).get_json())
    assert "数据核验：上报率与明细对账" in feeds
    # The wall's role may not open it; a county's staff not for a sibling.
    wall = dumps(
        UserClient(app, planted, "rc-wall", "kiosk", PROVINCE).callback(page_payload("/reconcile")).get_json()
    )
    assert "无权查看" in wall and "98.2%" not in wall
    county = UserClient(app, planted, "rc-county", "staff", XIAODIAN)
    sibling = dumps(county.callback(page_payload("/reconcile", f"?region={YINGZE}")).get_json())
    assert "无权查看" in sibling and "7/10" not in sibling
    own = dumps(county.callback(page_payload("/reconcile")).get_json())
    assert "98.2%" in own and "7/10" not in own and "迎泽区" not in own


def test_the_wall_marks_the_cards_in_doubt(app: Any) -> None:
    from cockpit import targets
    from cockpit.screen.render import render_kpis
    from cockpit.screen.view import View
    from cockpit.services import current

    with app.server.test_request_context("/"):
        services = current()
        marked = str(render_kpis(View(YINGZE, targets.SCORE_CODE, None), services))
        plain = str(render_kpis(View(TAIYUAN, targets.SCORE_CODE, None), services))
    assert "recon-flag" in marked and "indicator=hotline_satisfaction_rate" in marked
    assert "recon-flag" not in plain


def test_the_demo_s_reported_rates_are_their_rows_but_for_the_planted_ones(
    demo_warehouse: tuple[Settings, dict[str, object]],
) -> None:
    """The demo counts its reported rates from its own rows (etl.demo.rates); 数据核验 on the demo
    finds exactly the discrepancies MANIFEST.json says were planted, and nothing else."""
    import json

    from cockpit.app import create_app

    settings = demo_warehouse[0]
    planted = json.loads((settings.demo_path / "MANIFEST.json").read_text(encoding="utf-8"))["discrepancies"]
    assert {p["indicator"] for p in planted} == {"hotline_satisfaction_rate", "task_13710_ontime_rate",
                                                "emergency_report_ontime_rate", "double_random_coverage_rate"}  # fmt: skip
    app = create_app(settings)
    with app.server.test_request_context("/"), acting_as(Principal("demo-admin", "admin", PROVINCE)):
        found = ReconcileQueries(app.server.extensions["cockpit"].warehouse).discrepancies(
            PROVINCE, settings.today()
        )
    assert sorted(zip(found["indicator"], found["adcode"], found["period"], strict=True)) == sorted(
        (p["indicator"], p["adcode"], p["period"]) for p in planted
    )
    by_key = {(r["indicator"], r["adcode"]): r for r in found.to_dict("records")}
    for p in planted:
        row = by_key[(p["indicator"], p["adcode"])]
        assert (row["rows"], row["matching"], row["reported"]) == (p["rows"], p["matching"], p["reported"])
        assert row["impossible"] == (not p["producible"])


def test_every_reconciled_rate_is_a_registry_figure_counted_as_the_desk_pages_count_it(
    demo_warehouse: tuple[Settings, dict[str, object]],
) -> None:
    """One truth: the value /reconcile computes from the rows for a region and period is the value
    the desk page showing that figure for that window computes (/hotline, /emergency, /regulation),
    for every region and finished period of the demo that has rows."""
    from cockpit import figures
    from cockpit.app import create_app
    from cockpit.services import Queries
    from cockpit.warehouse.windows import resolve_window

    for code, pair in PAIRS.items():
        assert pair.figure in figures.FIGURES and "window" in figures.FIGURES[pair.figure].labels, code

    def page_value(eq: Queries, code: str, region: str, period: str) -> float | None:
        window, notices = resolve_window({"period": period}, now, "month")
        assert not notices and window.code == period
        if code in ("hotline_close_rate", "hotline_satisfaction_rate"):
            kpis = eq.hotline.hotline_kpis(region, window)
            return kpis["close_rate" if code == "hotline_close_rate" else "satisfaction"]
        if code == "emergency_report_ontime_rate":
            stats = eq.emergency.incident_stats(region, window)
            return stats[stats["adcode"].isna()].iloc[0]["report_ontime"]
        if code == "double_random_coverage_rate":
            total = eq.regulation.inspections_by(region, window, "sector")
            return total[total["key"].isna()].iloc[0]["done_rate"]
        if code in ("regulatory_claim_rate", "inspection_list_publish_rate"):
            own = eq.regulation.catalog_by_region(region, window)
            own = own[own["is_self"]].iloc[0]
            assert own["period"] == period
            return own["claim_rate" if code == "regulatory_claim_rate" else "publish_rate"]
        return None  # 13710: /supervision shows the year to date, not a finished month's

    settings = demo_warehouse[0]
    now = settings.data_now()
    app = create_app(settings)
    compared = 0
    with app.server.test_request_context("/"), acting_as(Principal("demo-admin", "admin", PROVINCE)):
        wh = app.server.extensions["cockpit"].warehouse
        rq, eq = ReconcileQueries(wh), Queries(wh)
        county = wh.children(wh.children(PROVINCE)["adcode"].iloc[0])["adcode"].iloc[0]
        for code in PAIRS:
            for region in (PROVINCE, str(county)):
                counted = rq._counted(code, region, settings.today())
                mine = counted[counted["adcode"] == region].sort_values("period").tail(3)
                for r in mine.to_dict("records"):
                    value = page_value(eq, code, region, str(r["period"]))
                    if value is None and code.startswith("task_"):
                        continue
                    assert 100 * float(value) == pytest.approx(100 * r["k"] / r["n"], abs=1e-9), (
                        code,
                        region,
                        r,
                    )
                    compared += 1
    assert compared >= 20


def test_a_region_sees_what_judging_its_own_subtree_gives(rq: ReconcileQueries) -> None:
    """Judged once for the whole tree and cut per region: the same rows, in the same order, as
    judging the region's subtree alone."""
    for region in (PROVINCE, "140100", XIAODIAN, YINGZE, "141100"):
        pd.testing.assert_frame_equal(
            rq.discrepancies(region, TODAY), rq._discrepancies(region, TODAY), check_dtype=False
        )
