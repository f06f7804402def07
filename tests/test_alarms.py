"""Alarms: level I/II incidents and red warnings stay until acknowledged; acknowledgements are
validated, idempotent, shared between processes and survive new snapshots."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from cockpit.alarms import AckStore, AlarmCenter, AlarmError
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.snapshots import open_staging
from tests.test_events_queries import INCIDENTS, NOW, fixture_tables, publish_rows


@pytest.fixture
def center(settings: Settings) -> AlarmCenter:
    publish_rows(settings, fixture_tables())
    return AlarmCenter(Warehouse(settings), AckStore.for_settings(settings), "140000")


def test_level_i_ii_incidents_and_red_warnings_raise_alarms(center: AlarmCenter) -> None:
    active = center.active("140000", NOW)
    assert [a.alarm_id for a in active] == [
        "warning:W1",
        "incident:D:I",
        "incident:B:II",
    ]  # red first, newest first
    assert [a.severity for a in active] == ["red", "red", "orange"]
    d = active[1]
    assert d.title == "Ⅰ级（特别重大）突发事件：测试事件D" and d.link == "/emergency?region=141124&incident=D"
    assert "已控制" in d.detail and not d.acknowledged
    assert [a.alarm_id for a in center.active("141100", NOW)] == ["incident:D:I"]  # 吕梁: only its own
    assert [a.alarm_id for a in center.active("140105", NOW)] == [
        "warning:W1"
    ]  # 小店: its city's red warning
    # The red warning expires at 18:00; before B occurred only D and W1 were raised.
    assert [a.alarm_id for a in center.active("140000", datetime(2026, 11, 28, 19, 0))] == [
        "incident:D:I",
        "incident:B:II",
    ]
    assert [a.alarm_id for a in center.active("140000", datetime(2026, 11, 28, 7, 0))] == [
        "warning:W1",
        "incident:D:I",
    ]


def test_acknowledged_alarms_stop_alarming_and_the_first_acknowledgement_is_kept(center: AlarmCenter) -> None:
    acked = center.acknowledge("incident:D:I", "  张三 ", NOW)
    assert (acked.acknowledged_by, acked.acknowledged_at) == ("张三", NOW)
    assert [a.alarm_id for a in center.pending("140000", NOW)] == ["warning:W1", "incident:B:II"]
    active = center.active("140000", NOW)
    assert active[-1].alarm_id == "incident:D:I" and active[-1].acknowledged  # acknowledged ones sort last
    again = center.acknowledge("incident:D:I", "李四", datetime(2026, 11, 28, 13, 0))
    assert (again.acknowledged_by, again.acknowledged_at) == ("张三", NOW)


def test_bad_acknowledgements_are_refused(center: AlarmCenter) -> None:
    for alarm_id, who, message in (
        ("incident:A:IV", "张三", "告警编号无效"),  # level IV never alarms
        ("incident:A:II", "张三", "已解除或不存在"),  # A is level IV and closed
        ("incident:nope:I", "张三", "已解除或不存在"),
        ("warning:W3", "张三", "已解除或不存在"),  # expired
        ("'; DROP TABLE ack; --", "张三", "告警编号无效"),
        ("incident:D:I", "", "请填写确认人"),
        ("incident:D:I", "\x00\x07 ", "请填写确认人"),
        ("incident:D:I", "张" * 21, "不超过"),
    ):
        with pytest.raises(AlarmError, match=message):
            center.acknowledge(alarm_id, who, NOW)
    assert len(center.pending("140000", NOW)) == 3


def test_an_escalated_incident_alarms_again(center: AlarmCenter, settings: Settings) -> None:
    center.acknowledge("incident:B:II", "张三", NOW)
    assert "incident:B:II" not in [a.alarm_id for a in center.pending("140000", NOW)]
    escalated = {**next(i for i in INCIDENTS if i["incident_id"] == "B"), "level": "I"}
    store = center.queries.wh.store
    staging = store.begin()
    with open_staging(staging) as con:  # a later snapshot, where the feed updated B to level I
        con.execute(
            "UPDATE emergency_incident SET level = ? WHERE incident_id = ?", [escalated["level"], "B"]
        )
    store.publish(staging)
    assert "incident:B:I" in [a.alarm_id for a in center.pending("140000", NOW)]


def test_acknowledgements_are_shared_between_processes_and_one_wins(
    settings: Settings, center: AlarmCenter
) -> None:
    other = AlarmCenter(
        Warehouse(settings), AckStore(settings.warehouse_path / "alarm_ack.sqlite3"), "140000"
    )
    names = [f"值班员{i}" for i in range(8)]
    threads = [threading.Thread(target=other.acknowledge, args=("warning:W1", n, NOW)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = next(a for a in center.active("140000", NOW) if a.alarm_id == "warning:W1").acknowledged_by
    assert winner in names
    assert all(a.acknowledged_by == winner for a in other.active("140000", NOW) if a.alarm_id == "warning:W1")


def test_a_store_that_does_not_exist_yet_has_no_acknowledgements(tmp_path: object) -> None:
    from pathlib import Path

    store = AckStore(Path(str(tmp_path)) / "sub" / "acks.sqlite3")
    assert store.lookup(["warning:W1"]) == {}
    assert store.acknowledge("warning:W1", "张三", NOW).who == "张三"
    assert set(store.lookup(["warning:W1", "warning:W2"])) == {"warning:W1"}
