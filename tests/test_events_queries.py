"""The emergency, regulation and hotline queries against hand-computed answers on a tiny warehouse,
plus the demo: incidents inside their county, warnings that expire disappear, bad windows noticed."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from cockpit.services import Queries
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.snapshots import SnapshotStore, open_staging
from cockpit.warehouse.windows import Window, resolve_window

NOW = datetime(2026, 11, 28, 12, 0)
YEAR = Window(datetime(2026, 1, 1), NOW, "2026", "2026年")
MONTH = Window(datetime(2026, 11, 1), NOW, "2026-11", "2026年11月")
T = datetime.fromisoformat


def _incident(
    iid: str, adcode: str, category: str, level: str, status: str, occurred: str, **extra: Any
) -> dict[str, Any]:
    return {"incident_id": iid, "title": f"测试事件{iid}", "category": category, "level": level, "adcode": adcode,
            "lon": 112.5, "lat": 37.8, "status": status, "occurred_at": T(occurred), "updated_at": T(occurred),
            **{k: T(v) if isinstance(v, str) else v for k, v in extra.items()}}  # fmt: skip


INCIDENTS = [
    # 2026: A (IV, 太原小店), B (II, 太原迎泽, still being handled), C (III, 临县, reported late)
    _incident("A", "140105", "事故灾难", "IV", "closed", "2026-03-01 10:00", reported_at="2026-03-01 10:30",
              responded_at="2026-03-01 10:50", controlled_at="2026-03-01 12:50", closed_at="2026-03-03 10:00",
              deaths=1, injuries=2, loss_wan_yuan=10.0),
    _incident("B", "140106", "自然灾害", "II", "responding", "2026-11-28 08:00", reported_at="2026-11-28 08:10",
              responded_at="2026-11-28 08:40", deaths=3, injuries=5, loss_wan_yuan=500.0),
    _incident("C", "141124", "公共卫生事件", "III", "closed", "2026-06-10 00:00", reported_at="2026-06-10 01:30",
              responded_at="2026-06-10 01:40", controlled_at="2026-06-10 05:40", closed_at="2026-06-20 00:00",
              deaths=0, injuries=40, loss_wan_yuan=2.5),
    # 2025: D (I, 临县, still not closed), E (IV, the same stretch of last year)
    _incident("D", "141124", "事故灾难", "I", "controlled", "2025-12-31 23:00", reported_at="2025-12-31 23:20",
              responded_at="2025-12-31 23:30", controlled_at="2026-01-01 11:30", deaths=12, injuries=3,
              loss_wan_yuan=20000.0),
    _incident("E", "140105", "社会安全事件", "IV", "closed", "2025-03-02 09:00", reported_at="2025-03-02 09:20",
              responded_at="2025-03-02 09:30", controlled_at="2025-03-02 10:30", closed_at="2025-03-03 09:00"),
]  # fmt: skip


def _warning(
    wid: str, adcode: str, hazard: str, color: str, issued: str, expires: str, lifted: str | None = None
) -> dict[str, Any]:
    return {"warning_id": wid, "hazard": hazard, "color": color, "adcode": adcode, "issuer": "测试气象台",
            "issued_at": T(issued), "expires_at": T(expires), "lifted_at": T(lifted) if lifted else None}  # fmt: skip


WARNINGS = [
    _warning(
        "W1", "140100", "暴雨", "红色", "2026-11-28 06:00", "2026-11-28 18:00"
    ),  # a city: covers its counties
    _warning("W2", "141124", "大风", "黄色", "2026-11-27 10:00", "2026-11-29 10:00"),
    _warning("W3", "141102", "寒潮", "橙色", "2026-11-27 00:00", "2026-11-28 11:00"),  # expired an hour ago
    _warning(
        "W4", "141102", "大雾", "橙色", "2026-11-28 08:00", "2026-11-28 20:00", "2026-11-28 10:00"
    ),  # lifted
    _warning(
        "W5", "140000", "森林火险", "蓝色", "2026-11-28 00:00", "2026-11-30 00:00"
    ),  # the whole province
]


def _ticket(tid: str, adcode: str, created: str, channel: str, category: str, topic: str, ontime: bool,
            closed: str | None, satisfied: bool | None) -> dict[str, Any]:  # fmt: skip
    return {"ticket_id": tid, "adcode": adcode, "created_at": T(created), "channel": channel, "category": category,
            "topic": topic, "responded_in_time": ontime, "closed_at": T(closed) if closed else None,
            "satisfied": satisfied}  # fmt: skip


TICKETS = [
    _ticket("T1", "140105", "2026-11-02 09:00", "电话", "供暖", "暖气不热", True, "2026-11-03 09:00", True),
    _ticket("T2", "140105", "2026-11-20 10:00", "网站", "供暖", "暖气不热", True, "2026-11-21 10:00", False),
    _ticket("T3", "140106", "2026-11-25 11:00", "电话", "市场监管", "消费维权", False, None, None),
    _ticket("T4", "141124", "2026-11-27 08:00", "微信", "供暖", "室温不达标", True, "2026-11-27 18:00", True),
    _ticket("T5", "141124", "2025-11-10 08:00", "电话", "供暖", "室温不达标", True, "2025-11-11 08:00", True),
    _ticket("T6", "141124", "2025-11-29 08:00", "电话", "供暖", "室温不达标", True, "2025-11-30 08:00", True),
    _ticket("T7", "140105", "2026-10-31 23:59", "电话", "供暖", "暖气不热", True, "2026-11-01 09:00", True),
]


def _inspection(iid: str, adcode: str, dept: str, sector: str, planned: str, done: str | None, problem: bool | None,
                penalty: float | None) -> dict[str, Any]:  # fmt: skip
    return {"inspection_id": iid, "adcode": adcode, "department": dept, "sector": sector,
            "planned_date": date.fromisoformat(planned), "done_date": date.fromisoformat(done) if done else None,
            "problem_found": problem, "penalty_wan_yuan": penalty}  # fmt: skip


INSPECTIONS = [
    _inspection("I1", "140105", "市场监管局", "食品经营", "2026-03-01", "2026-03-05", True, 2.5),
    _inspection("I2", "140105", "市场监管局", "食品经营", "2026-04-01", "2026-04-02", False, None),
    _inspection("I3", "141124", "生态环境局", "排污许可", "2026-05-01", None, None, None),
    _inspection("I4", "141124", "市场监管局", "特种设备", "2026-06-01", "2026-06-03", True, 0.0),
    _inspection("I5", "140105", "市场监管局", "食品经营", "2025-06-01", "2025-06-02", True, 9.0),
]


def _catalog(
    adcode: str, dept: str, period: str, items: tuple[int, int], lists: tuple[int, int]
) -> dict[str, Any]:
    return {"adcode": adcode, "department": dept, "period": period, "items_total": items[0],
            "items_claimed": items[1], "lists_total": lists[0], "lists_published": lists[1]}  # fmt: skip


CATALOG = [
    _catalog("140000", "市场监管局", "2026Q3", (100, 99), (80, 78)),
    _catalog("140000", "住建局", "2026Q3", (50, 50), (40, 40)),
    _catalog("140000", "市场监管局", "2026Q2", (100, 90), (80, 70)),
    _catalog("140000", "住建局", "2026Q2", (50, 50), (40, 40)),
    _catalog("141100", "市场监管局", "2026Q3", (60, 60), (40, 39)),
    _catalog("140100", "市场监管局", "2026Q2", (80, 76), (60, 60)),  # the city has not reported Q3 yet
]


def _credit(
    rid: str, adcode: str, dept: str, sector: str, listed: str, repaired: str | None
) -> dict[str, Any]:
    return {"record_id": rid, "entity_name": f"测试{rid}有限公司", "credit_code": None, "entity_type": "企业",
            "adcode": adcode, "department": dept, "sector": sector, "reason": "测试",
            "listed_at": date.fromisoformat(listed), "repaired_at": date.fromisoformat(repaired) if repaired else None}  # fmt: skip


CREDIT = [
    _credit("C1", "140105", "市场监管局", "食品经营", "2026-02-01", "2026-09-01"),
    _credit("C2", "140105", "税务局", "税收征管", "2025-05-01", None),
    _credit("C3", "141124", "人社局", "劳动保障", "2026-10-01", None),
    _credit("C4", "141124", "人社局", "劳动保障", "2024-01-01", "2025-01-01"),
]


def publish_rows(settings: Settings, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Write rows into a new snapshot, the way a load publishes (names are this module's own)."""
    store = SnapshotStore(settings.warehouse_path)
    with store.writer_lock():
        staging = store.begin()
        with open_staging(staging) as con:
            for table, rows in tables.items():
                for row in rows:
                    full = {
                        **row,
                        "source_feed": "test",
                        "run_id": 1,
                        "loaded_at": datetime(2026, 11, 28, 11, 0),
                    }
                    cols = ", ".join(f'"{c}"' for c in full)
                    marks = ", ".join("?" * len(full))
                    con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(full.values()))
        store.publish(staging)


def fixture_tables() -> dict[str, list[dict[str, Any]]]:
    return {"emergency_incident": INCIDENTS, "emergency_warning": WARNINGS, "hotline_ticket": TICKETS,
            "inspection": INSPECTIONS, "regulatory_catalog": CATALOG, "credit_record": CREDIT}  # fmt: skip


@pytest.fixture
def q(settings: Settings) -> Queries:
    publish_rows(settings, fixture_tables())
    return Queries(Warehouse(settings))


def _row(frame: Any, adcode: str | None) -> dict[str, Any]:
    rows = frame[frame["adcode"].isna()] if adcode is None else frame[frame["adcode"] == adcode]
    assert len(rows) == 1, (adcode, frame)
    return rows.iloc[0].to_dict()


def _cells(frame: pd.DataFrame, *cells: tuple[str, str]) -> tuple[Any, ...]:
    """The values at (row label, column) ``cells`` of ``frame``, in order."""
    return tuple(frame.loc[row, column] for row, column in cells)


# --- windows ----------------------------------------------------------------------------------------


def test_windows_from_the_url() -> None:
    w, notes = resolve_window({"period": "2026-10"}, NOW)
    assert (w.start, w.end, w.label, notes) == (
        datetime(2026, 10, 1),
        datetime(2026, 11, 1),
        "2026年10月",
        [],
    )
    w, _ = resolve_window({"period": "2026Q4"}, NOW)
    assert (w.start, w.end, w.label) == (datetime(2026, 10, 1), NOW, "2026年第4季度（截至11月28日）")
    assert w.quarter_code == "2026Q4" and w.grain == "week"
    w, _ = resolve_window({"from": "2026-11-01", "to": "2026-11-15"}, NOW)
    assert (w.start, w.end, w.code) == (
        datetime(2026, 11, 1),
        datetime(2026, 11, 16),
        "2026-11-01~2026-11-15",
    )
    assert w.label == "2026年11月1日至2026年11月15日" and w.grain == "day"
    ly = resolve_window({"period": "2024-02"}, NOW)[0].last_year()
    assert (ly.start, ly.end) == (datetime(2023, 2, 1), datetime(2023, 3, 1))
    for bad in ({"period": "2027"}, {"period": "2026-13"}, {"period": "<script>"}, {"from": "2026-11-20", "to": "2026-11-01"},
                {"from": "yesterday"}, {"from": "1899-01-01"}):  # fmt: skip
        w, notes = resolve_window(bad, NOW, "month")
        assert len(notes) == 1 and "无效" in notes[0], bad
        assert (w.start, w.end) == (datetime(2026, 11, 1), NOW), bad


# --- emergency ------------------------------------------------------------------------------------


def test_incident_stats_by_region_and_for_the_whole(q: Queries) -> None:
    stats = q.emergency.incident_stats("140000", YEAR)
    total = _row(stats, None)
    assert (total["total"], total["level_i"], total["level_ii"], total["level_iii"], total["level_iv"]) == (
        3,
        0,
        1,
        1,
        1,
    )
    assert (total["deaths"], total["injuries"], total["loss_wan_yuan"]) == (4, 47, 512.5)
    assert total["report_median_min"] == pytest.approx(30)  # 30, 10 and 90 minutes
    assert total["response_median_min"] == pytest.approx(20)  # 20, 30 and 10 minutes
    assert total["control_mean_h"] == pytest.approx(3.0)  # 2 h and 4 h; B not yet controlled
    assert total["report_ontime"] == pytest.approx(2 / 3)  # C took 90 minutes
    assert len(stats) == 12  # eleven cities and the whole
    assert _row(stats, "140100")["total"] == 2 and _row(stats, "141100")["total"] == 1
    assert _row(stats, "140200")["total"] == 0 and _row(stats, "140200")["deaths"] == 0
    city = q.emergency.incident_stats("140100", YEAR)
    assert (
        _row(city, "140105")["total"] == 1
        and _row(city, "140106")["total"] == 1
        and _row(city, None)["total"] == 2
    )
    county = q.emergency.incident_stats("141124", YEAR)
    assert list(county["adcode"].fillna("")) == ["", "141124"] and _row(county, "141124")["total"] == 1
    only = _row(q.emergency.incident_stats("140000", YEAR, category="事故灾难"), None)
    assert (
        only["total"] == 1
        and _row(q.emergency.incident_stats("140000", YEAR, level="II"), None)["total"] == 1
    )
    assert (
        _row(q.emergency.incident_stats("140000", YEAR.last_year()), None)["total"] == 1
    )  # E, the same stretch of 2025


def test_incidents_active_and_detail(q: Queries) -> None:
    frame = q.emergency.incidents("140000", YEAR)
    assert list(frame["incident_id"]) == ["B", "C", "A"]  # newest first
    a = frame.set_index("incident_id").loc["A"]
    assert (a["report_minutes"], a["response_minutes"], a["control_hours"]) == pytest.approx((30, 20, 2))
    assert list(q.emergency.active_incidents("140000", NOW)["incident_id"]) == ["D", "B"]  # level I first
    assert list(q.emergency.active_incidents("141100", NOW)["incident_id"]) == ["D"]
    assert list(q.emergency.active_incidents("140000", datetime(2026, 11, 28, 7, 0))["incident_id"]) == [
        "D"
    ]  # B not yet
    detail = q.emergency.incident("C")
    assert detail is not None and (detail["region_name"], detail["city_name"]) == ("临县", "吕梁市")
    assert q.emergency.incident("nope") is None and q.emergency.incident("'; DROP TABLE region; --") is None
    matrix = q.emergency.incident_matrix("140000", YEAR).set_index(["category", "level"])["n"].to_dict()
    assert matrix == {("事故灾难", "IV"): 1, ("自然灾害", "II"): 1, ("公共卫生事件", "III"): 1}
    overview = q.emergency.emergency_overview("140000", NOW)
    assert (overview["active"], overview["level_i"], overview["level_ii"], overview["last_24h"]) == (
        2,
        1,
        1,
        1,
    )
    assert (overview["red"], overview["orange"], overview["yellow"], overview["blue"]) == (1, 0, 1, 1)


def test_warnings_in_force_cover_inside_and_above(q: Queries) -> None:
    assert list(q.emergency.warnings_in_force("140000", NOW)["warning_id"]) == [
        "W1",
        "W2",
        "W5",
    ]  # reddest first
    assert list(q.emergency.warnings_in_force("141124", NOW)["warning_id"]) == [
        "W2",
        "W5",
    ]  # its own and the province's
    assert list(q.emergency.warnings_in_force("140105", NOW)["warning_id"]) == [
        "W1",
        "W5",
    ]  # its city's red warning
    fill = q.emergency.warning_fill("140000", NOW).set_index("adcode")
    assert (
        fill.loc["140100", "warning"] == "红色"
        and fill.loc["140200", "warning"] == "蓝色"
        and len(fill) == 11
    )
    # 临县's yellow warning covers 临县, not all of 吕梁: the city is filled by the province's blue one,
    # and the county's warning is named as lying inside it.
    assert fill.loc["141100", "warning"] == "蓝色" and fill.loc["141100", "warnings"] == 1
    assert fill.loc["141100", "partial"] == "黄色" and list(fill.loc["141100", "partial_names"]) == ["临县"]
    assert fill.loc["140200", "partial"] is None or pd.isna(fill.loc["140200", "partial"])
    county_fill = q.emergency.warning_fill("141100", NOW).set_index("adcode")["warning"]
    assert county_fill["141124"] == "黄色" and county_fill["141102"] == "蓝色"


def test_a_warning_that_expired_or_was_lifted_no_longer_shows(q: Queries) -> None:
    def ids_at(when: datetime) -> set[str]:
        return set(q.emergency.warnings_in_force("141102", when)["warning_id"])

    assert ids_at(datetime(2026, 11, 28, 9, 0)) == {"W3", "W4", "W5"}
    assert ids_at(datetime(2026, 11, 28, 10, 30)) == {"W3", "W5"}  # W4 lifted at 10:00
    assert ids_at(NOW) == {"W5"}  # W3 expired at 11:00
    assert (
        q.emergency.warning_fill("141100", datetime(2026, 11, 28, 9, 0))
        .set_index("adcode")
        .loc["141102", "warning"]
        == "橙色"
    )
    assert q.emergency.warning_fill("141100", NOW).set_index("adcode").loc["141102", "warning"] == "蓝色"
    assert (
        q.emergency.warning_fill("141100", datetime(2026, 12, 5)).set_index("adcode")["warning"].isna().all()
    )


# --- regulation ----------------------------------------------------------------------------------


def test_catalog_claims_use_each_regions_latest_quarter(q: Queries) -> None:
    regions = q.regulation.catalog_by_region("140000", YEAR).set_index("adcode")
    assert (regions.loc["140000", "items_claimed"], regions.loc["140000", "items_total"]) == (149, 150)
    assert regions.loc["140000", "publish_rate"] == pytest.approx(118 / 120)
    assert regions.loc["140100", "period"] == "2026Q2" and regions.loc[
        "140100", "claim_rate"
    ] == pytest.approx(0.95)
    assert regions.loc["141100", "claim_rate"] == 1.0 and pd.isna(regions.loc["140200", "items_total"])
    q2 = Window(datetime(2026, 4, 1), datetime(2026, 7, 1), "2026Q2", "2026年第2季度")
    assert q.regulation.catalog_by_region("140000", q2).set_index("adcode").loc[
        "140000", "claim_rate"
    ] == pytest.approx(140 / 150)
    depts = q.regulation.catalog_by_department("140000", YEAR)
    assert list(depts["department"]) == ["市场监管局", "住建局"]  # the weakest first
    assert list(depts["claim_rate"]) == pytest.approx([0.99, 1.0])
    one = q.regulation.catalog_by_region("140000", YEAR, department="住建局").set_index("adcode")
    assert one.loc["140000", "claim_rate"] == 1.0 and pd.isna(one.loc["140100", "items_total"])


def test_inspections_planned_done_problems_and_penalties(q: Queries) -> None:
    sectors = q.regulation.inspections_by("140000", YEAR, "sector")
    total = sectors[sectors["key"].isna()].iloc[0]
    assert (total["planned"], total["done"], total["problems"], total["penalised"]) == (4, 3, 2, 1)
    assert (total["done_rate"], total["problem_rate"], total["penalties"]) == pytest.approx(
        (0.75, 2 / 3, 2.5)
    )
    by = sectors.dropna(subset=["key"]).set_index("key")
    assert (by.loc["食品经营", "planned"], by.loc["食品经营", "problem_rate"]) == (2, 0.5)
    assert by.loc["特种设备", "problem_rate"] == 1.0 and pd.isna(by.loc["排污许可", "problem_rate"])
    depts = q.regulation.inspections_by("140000", YEAR, "department").dropna(subset=["key"]).set_index("key")
    assert (depts.loc["市场监管局", "planned"], depts.loc["生态环境局", "done"]) == (3, 0)
    regions = q.regulation.inspections_by_region("140000", YEAR).set_index("adcode")
    assert _cells(regions, ("140100", "planned"), ("141100", "done"), ("140200", "planned")) == (2, 1, 0)
    county = q.regulation.inspections_by("141124", YEAR, "sector", department="生态环境局")
    assert county[county["key"].isna()].iloc[0]["planned"] == 1
    monthly = q.regulation.inspection_monthly("140000", YEAR)
    assert list(monthly["planned"]) == [1, 1, 1, 1] and list(monthly["done"]) == [1, 1, 0, 1]
    with pytest.raises(KeyError):
        q.regulation.inspections_by("140000", YEAR, "department; DROP TABLE region")


def test_credit_on_the_list_listed_and_repaired(q: Queries) -> None:
    frame = q.regulation.credit_by("140000", YEAR, NOW, "sector")
    total = frame[frame["key"].isna()].iloc[0]
    assert (
        total["listed_now"],
        total["listed"],
        total["repaired"],
        total["repaired_ever"],
        total["listed_ever"],
    ) == (2, 2, 1, 2, 4)
    by = frame.dropna(subset=["key"]).set_index("key")
    assert (by.loc["劳动保障", "listed_now"], by.loc["劳动保障", "listed_ever"]) == (1, 2)
    regions = q.regulation.credit_by_region("140000", YEAR, NOW).set_index("adcode")
    listed_now = _cells(regions, ("140100", "listed_now"), ("141100", "listed_now"), ("140300", "listed_now"))
    assert listed_now == (1, 1, 0)
    assert list(q.regulation.credit_recent("140000", YEAR)["record_id"]) == ["C3", "C1"]
    assert (
        q.regulation.credit_by("140000", YEAR, NOW, "sector", department="人社局").iloc[0]["listed_ever"] == 2
    )


# --- hotline -----------------------------------------------------------------------------------------


def test_hotline_rates_and_same_period_last_year(q: Queries) -> None:
    k = q.hotline.hotline_kpis("140000", MONTH)
    assert (k["tickets"], k["closed"], k["rated"], k["tickets_last_year"]) == (
        4,
        3,
        3,
        1,
    )  # T6 is after 28 Nov
    assert (k["close_rate"], k["satisfaction"], k["ontime"]) == pytest.approx((0.75, 2 / 3, 0.75))
    city = q.hotline.hotline_kpis("140100", MONTH)
    assert (city["tickets"], city["tickets_last_year"]) == (3, 0)
    assert q.hotline.hotline_kpis("140000", MONTH, category="市场监管")["tickets"] == 1
    assert q.hotline.hotline_kpis("140000", MONTH, channel="电话")["tickets"] == 2
    trend = q.hotline.hotline_trend("140000", MONTH)
    days = {
        d.day: (int(n), int(ly))
        for d, n, ly in zip(trend["bucket"], trend["tickets"], trend["tickets_last_year"], strict=True)
    }
    busy = {2: (1, 0), 10: (0, 1), 20: (1, 0), 25: (1, 0), 27: (1, 0)}
    assert days == {d: busy.get(d, (0, 0)) for d in range(1, 29)}  # quiet days are zeros, not gaps
    weekly = q.hotline.hotline_trend("140000", resolve_window({"period": "2026Q4"}, NOW)[0])
    assert str(weekly["bucket"].iloc[0].date()) == "2026-09-28" and len(weekly) == 9  # Mondays from 28 Sep
    assert int(weekly["tickets"].sum()) == 5 and int(weekly["tickets_last_year"].sum()) == 1  # T7 is October


def test_hotline_by_dimension_region_density_and_hot_topics(q: Queries, settings: Settings) -> None:
    cats = q.hotline.hotline_by("140000", MONTH, "category").set_index("key")
    assert (cats.loc["供暖", "tickets"], cats.loc["市场监管", "tickets"]) == (3, 1)
    assert cats.loc["供暖", "satisfaction"] == pytest.approx(2 / 3)
    channels = q.hotline.hotline_by("140000", MONTH, "channel").set_index("key")["tickets"].to_dict()
    assert channels == {"电话": 2, "网站": 1, "微信": 1}
    regions = q.hotline.hotline_by_region("140000", MONTH).set_index("adcode")
    assert _cells(regions, ("140100", "tickets"), ("141100", "tickets"), ("140400", "tickets")) == (3, 1, 0)
    assert regions.loc["140100", "per_10k"] == pytest.approx(3 * 1e4 / regions.loc["140100", "population"])
    density = q.hotline.hotline_density("140100", MONTH).set_index("adcode")
    population = Warehouse(settings).region("140105")["population"]
    assert density.loc["140105", "tickets"] == 2 and density.loc["140105", "per_10k"] == pytest.approx(
        2e4 / population
    )
    assert set(density.index) == set(Warehouse(settings).children("140100")["adcode"])
    assert len(q.hotline.hotline_density("140000", MONTH)) == 117
    topics = q.hotline.hot_topics("140000", NOW)
    assert [
        (t, int(n), int(b))
        for t, n, b in zip(topics["topic"], topics["tickets"], topics["tickets_before"], strict=True)
    ] == [("室温不达标", 1, 0), ("消费维权", 1, 0)]  # fmt: skip  (暖气不热 was the week before)
    assert q.hotline.hotline_vocabulary() == {
        "category": ["供暖", "市场监管"],
        "channel": ["微信", "电话", "网站"],
    }


# --- the demo --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_q(demo_warehouse: tuple[Settings, dict[str, object]]) -> tuple[Warehouse, Queries]:
    wh = Warehouse(demo_warehouse[0])
    return wh, Queries(wh)


def test_demo_incidents_lie_inside_their_county(demo_q: tuple[Warehouse, Queries]) -> None:
    from cockpit.geography import load_geometries

    wh, q = demo_q
    incidents = q.emergency.incidents(
        "140000", Window(datetime(2021, 1, 1), datetime(2026, 11, 29), "x", "x")
    )
    assert len(incidents) > 1000
    geoms = load_geometries("140000")  # the raw GCJ-02 polygons the points were drawn in
    inside = [shapely.contains_xy(geoms.loc[a, "geometry"], x, y)
              for a, x, y in zip(incidents["adcode"], incidents["lon"], incidents["lat"], strict=True)]  # fmt: skip
    assert all(inside)
    # On the map's simplified boundaries a point stays within the simplification tolerance of its county.
    counties: dict[str, Any] = {}
    for city in wh.children("140000")["adcode"]:
        for r in wh.boundaries("county", city).itertuples():
            counties[r.adcode] = shape(json.loads(r.geojson)["geometry"])
    far = [a for a, x, y in zip(incidents["adcode"], incidents["lon"], incidents["lat"], strict=True)
           if counties[a].distance(shapely.Point(x, y)) > 0.02]  # fmt: skip
    assert far == []


def test_demo_red_warning_expires_during_the_day(demo_q: tuple[Warehouse, Queries]) -> None:
    _, q = demo_q
    morning = q.emergency.warnings_in_force("140000", datetime(2026, 11, 28, 9, 0))
    evening = q.emergency.warnings_in_force("140000", datetime(2026, 11, 28, 23, 59))
    red = set(morning.loc[morning["color"] == "红色", "warning_id"])
    assert red and not red & set(evening["warning_id"])
    expiry = morning.set_index("warning_id").loc[sorted(red), "expires_at"]
    assert (expiry <= datetime(2026, 11, 28, 23, 59)).all()


def test_demo_department_claims_add_up_to_the_indicator(demo_q: tuple[Warehouse, Queries]) -> None:
    wh, q = demo_q
    window = Window(datetime(2026, 7, 1), datetime(2026, 10, 1), "2026Q3", "2026年第3季度")
    for region in ("140000", "141100", "141124"):
        own = q.regulation.catalog_by_region(region, window)
        own = own[own["is_self"]].iloc[0]
        value = wh._df(
            "SELECT value FROM indicator_value WHERE indicator_code = 'regulatory_claim_rate' AND adcode = ? AND period = ?",
            [region, "2026Q3"],
        )["value"].iloc[0]
        assert own["claim_rate"] * 100 == pytest.approx(value, abs=0.05), region


# --- what the browser sends back -----------------------------------------------------------------------


def test_tampered_filters_clicks_and_stores_are_refused(
    demo_warehouse: tuple[Settings, dict[str, object]],
) -> None:
    import callbacks.emergency as emergency
    import callbacks.hotline as hotline
    from cockpit.app import create_app
    from cockpit.services import current
    from cockpit.ui.event_page import EventView, filter_query

    settings, _ = demo_warehouse
    app = create_app(settings)
    view = EventView("/emergency", "141100", {"period": "2026"}, {"level": "IV"})
    allowed = {"category": ("自然灾害",), "level": ("I", "II", "III", "IV")}
    assert filter_query(view, "category", "<script>", allowed) is None
    assert filter_query(view, "colour", "red", allowed) is None
    assert filter_query(view, "period", "x" * 40, allowed) is None
    assert (
        filter_query(view, "period", "2026", allowed, shown_period="2026") is None
    )  # a re-rendered dropdown
    assert filter_query(view, "level", None, allowed) == "?region=141100&period=2026"
    assert filter_query(view, "period", "2026-10-01~2026-10-31", allowed) == (
        "?region=141100&from=2026-10-01&to=2026-10-31&level=IV"
    )
    with app.server.app_context():
        services = current()
        for click in (None, {}, {"points": []}, {"points": [{"location": "999999"}]},
                      {"points": [{"location": "<svg onload=x>"}]}, {"points": [{"customdata": ["141124", "YJ-none"]}]},
                      {"points": [{"customdata": ["141124", "'; DROP TABLE region; --"]}]}):  # fmt: skip
            assert emergency.click_target(view, click, services) is None, click
        assert emergency.click_target(view, {"points": [{"location": "141124"}]}, services) == (
            "?region=141124&period=2026&level=IV"
        )
        hot = EventView("/hotline", "140000", {})
        assert (
            hotline.click_target(hot, "categories", {"points": [{"customdata": ["不存在"]}]}, services)
            is None
        )
        assert hotline.click_target(hot, "nope", {"points": [{"customdata": ["供暖"]}]}, services) is None
        assert hotline.click_target(hot, "categories", {"points": [{"customdata": ["供暖"]}]}, services) == (
            "?region=140000&category=%E4%BE%9B%E6%9A%96"
        )
        # A store edited in the browser is validated again: unknown values become notices, not errors.
        forged = {"page": "/emergency", "region": "999999", "window": {"period": "2099"},
                  "filters": {"level": "V", "incident": "nope"}}  # fmt: skip
        panel = emergency.PANELS["kpis"](forged, None)
        assert "暂时无法加载" not in str(panel) and "未结案突发事件" in str(panel)
        assert "暂时无法加载" not in str(hotline.PANELS["kpis"]({"page": "/hotline", "region": "<b>"}, None))


def test_the_hotline_trend_shows_the_bucket_still_filling_as_such() -> None:
    """Today's count at 00:49 is no collapse: the bucket "now" is in ends the solid line on a dotted
    one to an open marker, its hover saying until when; a past window's last bucket is whole."""
    from datetime import datetime

    import callbacks.hotline as hotline
    from cockpit.warehouse.windows import Window

    buckets = pd.DataFrame({"bucket": pd.to_datetime(["2026-12-06", "2026-12-07", "2026-12-08"])})
    now = datetime(2026, 12, 8, 0, 49)
    this_month = Window(datetime(2026, 12, 1), now, "2026-12", "2026年12月")
    assert hotline._still_filling(buckets, this_month, now)
    assert not hotline._still_filling(buckets, this_month, datetime(2026, 12, 9))  # a window that ended
    november = Window(datetime(2026, 11, 1), datetime(2026, 12, 1), "2026-11", "2026年11月")
    whole = pd.DataFrame({"bucket": pd.to_datetime(["2026-11-29", "2026-11-30"])})
    assert not hotline._still_filling(whole, november, now)
    assert not hotline._still_filling(buckets.iloc[:0], this_month, now)
