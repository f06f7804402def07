"""The demo end to end: generator → init → every feed, as `make run` does it.

Every row the generator planted as bad ends in quarantine with the reason it was planted
for, nothing else is quarantined, the counts add up, and a second load changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse
from etl.runner import RunResult, run_all

REASON_TEXT = {
    "unknown_region": ("未知地区", "不属于"),
    "ambiguous_region": ("有歧义",),
    "bad_period": ("无法识别的统计期",),
    "future_period": ("晚于当前日期",),
    "not_a_number": ("无法解析",),
    "out_of_range": ("超出", "高于上限", "低于下限"),
    "unknown_indicator": ("未知指标",),
    "duplicate_key": ("完全重复",),
    "conflicting_duplicate": ("取值不一致",),
    "missing_required": ("缺少必填字段",),
    "bad_enum": ("不在允许范围",),
    "bad_timestamp": ("无法解析",),
}


@pytest.fixture(scope="module")
def demo(
    demo_warehouse: tuple[Settings, dict[str, object]],
) -> tuple[Settings, dict[str, RunResult | Exception]]:
    return demo_warehouse  # type: ignore[return-value]


def test_every_feed_loads_and_counts_add_up(demo: tuple[Settings, dict[str, RunResult | Exception]]) -> None:
    settings, results = demo
    failed = {k: v for k, v in results.items() if not isinstance(v, RunResult)}
    assert failed == {}
    for result in results.values():
        assert isinstance(result, RunResult) and result.counts.balanced and result.counts.read > 0
    runs = Warehouse(settings).runs()
    assert (
        runs["rows_read"] == runs["inserted"] + runs["updated"] + runs["unchanged"] + runs["quarantined"]
    ).all()


def test_exactly_the_planted_bad_rows_are_quarantined(
    demo: tuple[Settings, dict[str, RunResult | Exception]],
) -> None:
    settings, _ = demo
    manifest = json.loads((settings.demo_path / "MANIFEST.json").read_text(encoding="utf-8"))
    expected: dict[tuple[str, int], str] = {}
    for bad in manifest["bad_rows"]:
        # An XLSX row is numbered as Excel shows it (title and header rows above the data).
        offset = int(bad.get("excel_row", bad["row"])) - int(bad["row"])
        expected[(bad["file"], int(bad["row"]) + offset)] = bad["reason"]
        if bad["reason"] == "conflicting_duplicate" and "duplicate_of" in bad:
            # Neither of two disagreeing rows can be trusted: both are held back.
            expected[(bad["file"], int(bad["duplicate_of"]) + offset)] = bad["reason"]
    quarantine = Warehouse(settings).quarantine(limit=100_000)
    got: dict[tuple[str, int], list[str]] = {}
    for row in quarantine.itertuples():
        got.setdefault((Path(str(row.source)).name, int(row.row_number)), []).append(str(row.reason))
    assert set(got) == set(expected)
    for key, category in expected.items():
        assert all(any(t in reason for t in REASON_TEXT[category]) for reason in got[key]), (
            key,
            category,
            got[key],
        )


def test_demo_geography_and_volumes_look_real(
    demo: tuple[Settings, dict[str, RunResult | Exception]],
) -> None:
    settings, _ = demo
    wh = Warehouse(settings)
    counts = wh.table_counts()
    assert len(wh.regions("city")) == 11 and len(wh.regions("county")) == 117
    assert counts["indicator"] == 23 and counts["plan_task"] == 31
    assert counts["hotline_ticket"] > 7_900 and counts["emergency_incident"] > 500
    cur = wh.cursor()
    inside = cur.execute(
        "SELECT count(*) FROM emergency_incident e JOIN region r ON r.adcode = e.adcode WHERE r.level <> 'county'"
    ).fetchall()
    assert inside == [(0,)]  # incidents are located in counties


def test_reloading_the_demo_changes_nothing(demo: tuple[Settings, dict[str, RunResult | Exception]]) -> None:
    settings, first = demo
    again = run_all(settings)
    for name, result in again.items():
        assert isinstance(result, RunResult), (name, result)
        before = first[name]
        assert isinstance(before, RunResult)
        c = result.counts
        assert (c.inserted, c.updated) == (0, 0), name
        assert c.unchanged == before.counts.inserted and c.quarantined == before.counts.quarantined, name
