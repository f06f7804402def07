"""Query layer: memoized per snapshot, so a publish is seen at once and old results never served."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from flask_caching.backends import SimpleCache

from cockpit.services import Queries
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.screen_queries import ScreenQueries
from etl.runner import run_feed


def load(settings: Settings, tmp_path: Path, value: float) -> None:
    src = tmp_path / f"m{value}.csv"
    src.write_bytes(
        f"指标代码,地区名称,统计月份,指标值\nonline_service_rate,吕梁市,2026-10,{value}\n".encode("gbk")
    )
    run_feed(settings, "indicator_monthly", str(src))


def test_cached_queries_follow_the_published_snapshot(settings: Settings, tmp_path: Path) -> None:
    cache = SimpleCache()
    wh = Warehouse(settings, cache=cache)
    load(settings, tmp_path, 90.0)
    first = ScreenQueries(wh).children_values("online_service_rate", "2026-10", "140000")
    assert first.set_index("adcode").loc["141100", "value"] == 90.0
    old_snapshot = wh.snapshot_id
    load(settings, tmp_path, 95.5)
    assert wh.snapshot_id != old_snapshot
    second = ScreenQueries(wh).children_values("online_service_rate", "2026-10", "140000")
    assert second.set_index("adcode").loc["141100", "value"] == 95.5
    # The old entry is still in the cache under the old snapshot's key, and never looked up again.
    keys = list(cache._cache)  # SimpleCache keeps a plain dict
    assert any(old_snapshot in k for k in keys) and any(wh.snapshot_id in k for k in keys)


def test_events_in_scope_include_descendants(settings: Settings, tmp_path: Path) -> None:
    import json
    from datetime import datetime

    records = [
        {"eventId": "A", "eventName": "临县山洪", "eventType": "自然灾害", "eventLevel": "Ⅱ级", "areaCode": "141124",
         "longitude": 110.99, "latitude": 37.95, "status": "处置中", "occurTime": "2026-11-27 08:00:00",
         "updateTime": "2026-11-27 09:00:00"},
        {"eventId": "B", "eventName": "小店区火灾", "eventType": "事故灾难", "eventLevel": "Ⅳ级", "areaCode": "140105",
         "longitude": 112.56, "latitude": 37.74, "status": "已结案", "occurTime": "2026-11-20 08:00:00",
         "closeTime": "2026-11-20 12:00:00", "updateTime": "2026-11-20 12:00:00"},
    ]  # fmt: skip
    src = tmp_path / "i.json"
    src.write_text(json.dumps({"data": records}, ensure_ascii=False), encoding="utf-8")
    run_feed(settings, "emergency_incidents", str(src))
    dash_q = Queries(Warehouse(settings))
    now = datetime(2026, 11, 28, 12)
    assert dash_q.emergency.active_incidents("140000", now)["incident_id"].tolist() == [
        "A"
    ]  # closed ones are not active
    assert dash_q.emergency.active_incidents("141100", now)["incident_id"].tolist() == ["A"]
    assert dash_q.emergency.active_incidents("140100", now).empty  # another city's incident is not in scope
    assert dash_q.emergency.active_incidents("141100", datetime(2026, 11, 26)).empty  # not yet happened


def test_a_second_connection_to_a_snapshot_that_has_spilled_opens(tmp_path: Path) -> None:
    """DuckDB keeps one instance per file in a process and refuses to move a spill directory it has
    used: a second reader of the same snapshot (a second app in one process) must still open."""
    import duckdb

    from cockpit.warehouse.snapshots import open_readonly

    path = tmp_path / "big.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT md5(CAST(range AS VARCHAR)) AS s FROM range(3000000)")
    first = open_readonly(path, "64MB", 2)
    spill = Path(first.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
    # A sort larger than the limit: DuckDB writes to its spill directory.
    assert first.execute("SELECT s FROM t ORDER BY s LIMIT 1 OFFSET 2000000").fetchall()
    second = open_readonly(path, "64MB", 2)
    assert second.execute("SELECT count(*) FROM t").fetchall() == [(3_000_000,)]
    assert Path(second.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]) == spill
    first.close()
    second.close()


def test_a_job_raises_the_memory_limit_while_it_runs_and_serving_gets_it_back(settings: Settings) -> None:
    """Serving reads run at a small DuckDB limit; a job (a large sorted export) runs at the job limit,
    which the process's other reads share until the last job ends. A snapshot opened meanwhile
    starts at the job limit too, and goes back down with the rest."""
    settings = settings.model_copy(update={"duckdb_memory_limit": "64MB", "duckdb_job_memory_limit": "160MB"})
    wh = Warehouse(settings)

    def limit() -> str:
        cur = wh.cursor()
        try:
            return str(cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        finally:
            cur.close()

    serving = limit()
    with wh.roomier():
        roomy = limit()
        with wh.roomier():  # a second job in the process (another kind): the room stays
            assert limit() == roomy
        assert limit() == roomy
        wh._open = None  # a publish while the job runs: the next read opens a new connection
        assert limit() == roomy
    assert limit() == serving
    # DuckDB shows sizes in MiB: 64 MB is 61.0 MiB, 160 MB is 152.5 MiB.
    assert (serving, roomy) == ("61.0 MiB", "152.5 MiB")


def test_a_read_that_runs_out_of_serving_memory_is_read_again_with_the_job_room(settings: Settings) -> None:
    """Many reads at once can exhaust the small serving limit; the view gets its rows all the same,
    and the limit comes back down after."""
    settings = settings.model_copy(update={"duckdb_memory_limit": "8MB", "duckdb_job_memory_limit": "160MB"})
    wh = Warehouse(settings)
    big = "SELECT length(string_agg(md5(range::VARCHAR), ',')) AS n FROM range(400000)"  # one 13 MB string
    assert wh._df(big)["n"].tolist() == [13_199_999]
    assert wh._df("SELECT current_setting('memory_limit') AS m")["m"].tolist() == ["7.6 MiB"]


def test_a_read_that_failed_at_the_serving_limit_is_read_again_while_another_read_takes_the_room(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reads exhausting the serving limit at once: the second to fail finds the first already
    holding the job's room. It failed at the small limit, so it is read again, not given up on
    (CI caught a targets page whose map failed this way)."""
    wh = Warehouse(settings)
    real_read = wh._read
    calls: list[str] = []

    def read(sql: str, params: object) -> object:
        calls.append(sql)
        if len(calls) == 1:
            wh._roomy_holders += 1  # the other read has just entered roomier() …
            raise duckdb.OutOfMemoryException("failed to pin block (60.8 MiB/61.0 MiB used)")
        wh._roomy_holders -= 1  # … and finished
        return real_read(sql, params)  # type: ignore[arg-type]

    monkeypatch.setattr(wh, "_read", read)
    assert wh._df("SELECT 42 AS n")["n"].tolist() == [42]
    assert len(calls) == 2 and wh._roomy_holders == 0
