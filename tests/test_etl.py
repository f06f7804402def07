"""ETL: every source format and encoding, quarantine reasons, idempotence, updates, failure isolation."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from cockpit.settings import Settings
from cockpit.warehouse.csv_buffers import MAX_LINE_BYTES, ROW_GROUP_ROWS, csv_buffer_bytes, line_bytes
from cockpit.warehouse.queries import Warehouse
from etl.runner import FeedBusy, FeedRunError, feed_lock, run_feed

MONTHLY_HEADER = "指标代码,地区名称,统计月份,指标值\n"
MONTHLY_ROWS = [
    "online_service_rate,太原市,2026-09,91.5",  # 1 ok
    "online_service_rate,吕梁市临县,2026年9月,88.1",  # 2 ok, city-prefixed county
    "online_service_rate,城区,202609,90",  # 3 ambiguous
    "online_service_rate,晋城市城区,202609,90",  # 4 ok
    "online_service_rate,新城区,2026-09,90",  # 5 unknown region
    "online_service_rate,山西省,2026-13,90",  # 6 bad month
    "online_service_rate,山西省,2027-01,90",  # 7 future
    "online_service_rate,山西,2026-09,—",  # 8 not a number
    "online_service_rate,太原,2026-08,135",  # 9 out of range
    "no_such_code,太原,2026-09,50",  # 10 unknown indicator
    "online_service_rate,离石,2026-09,80",  # 11 ok
    "online_service_rate,离石,2026-09,80",  # 12 exact duplicate of 11
    "online_service_rate,小店区,2026-09,80",  # 13 conflicting with 14
    "online_service_rate,小店,2026-09,81",  # 14
    "online_service_rate,太原市,2026Q3,91.5",  # 15 wrong frequency
    ",太原市,2026-09,91.5",  # 16 missing indicator
]
EXPECTED_REASONS = {
    3: "有歧义",
    5: "未知地区",
    6: "无法识别的统计期",
    7: "晚于当前日期",
    8: "无法解析数值",
    9: "超出指标取值范围",
    10: "未知指标",
    12: "完全重复",
    13: "取值不一致",
    14: "取值不一致",
    15: "与指标频度",
    16: "缺少必填字段",
}


def write_monthly(path: Path, rows: list[str], encoding: str = "gbk") -> Path:
    path.write_bytes((MONTHLY_HEADER + "\n".join(rows) + "\n").encode(encoding))
    return path


def table_dump(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    cur = Warehouse(settings).cursor()
    return cur.execute(sql).fetchall()


def quarantine_by_row(settings: Settings, run_id: int) -> dict[int, str]:
    frame = Warehouse(settings).quarantine(run_id=run_id, limit=10_000)
    return dict(zip(frame["row_number"].astype(int), frame["reason"], strict=True))


def test_gbk_csv_quarantines_each_bad_row_with_its_reason(settings: Settings, tmp_path: Path) -> None:
    src = write_monthly(tmp_path / "m.csv", MONTHLY_ROWS)
    result = run_feed(settings, "indicator_monthly", str(src))
    c = result.counts
    assert (c.read, c.inserted, c.updated, c.unchanged, c.quarantined) == (16, 4, 0, 0, 12)
    reasons = quarantine_by_row(settings, result.run_id)
    assert set(reasons) == set(EXPECTED_REASONS)
    for row, fragment in EXPECTED_REASONS.items():
        assert fragment in reasons[row], (row, reasons[row])
    loaded = table_dump(settings, "SELECT adcode, period, value FROM indicator_value ORDER BY adcode")
    assert loaded == [("140100", "2026-09", 91.5), ("140502", "2026-09", 90.0), ("141102", "2026-09", 80.0),
                      ("141124", "2026-09", 88.1)]  # fmt: skip
    raw = json.loads(
        Warehouse(settings).quarantine(run_id=result.run_id).set_index("row_number").loc[3, "raw"]
    )
    assert raw["地区名称"] == "城区"  # the original row is kept verbatim


def test_a_quarantined_record_is_the_file_s_row_whichever_check_refused_it(
    settings: Settings, tmp_path: Path
) -> None:
    """Rows the checks refuse carry their record from the checks; repeats, refused after them, are
    looked up in the staged text: the quarantine cannot tell the two apart."""
    src = write_monthly(tmp_path / "m.csv", MONTHLY_ROWS)
    result = run_feed(settings, "indicator_monthly", str(src))
    frame = Warehouse(settings).quarantine(run_id=result.run_id).set_index("row_number")
    header = MONTHLY_HEADER.strip().split(",")
    for row in (3, 8, 12, 13, 16):  # a region, a number, a repeat, a conflicting key, a missing field
        record = json.loads(frame.loc[row, "raw"])
        assert list(record) == ["_row", "_source", *header], row
        assert (record["_row"], record["_source"]) == (row, str(src))
        assert ",".join(record[h] or "" for h in header) == MONTHLY_ROWS[row - 1]


def test_the_csv_reader_cuts_a_file_into_equal_parts_per_thread_each_a_row_group_or_more(
    tmp_path: Path,
) -> None:
    mb = 1 << 20
    size, row = 98 * mb, 98.0  # a million hotline rows
    buffer = csv_buffer_bytes(size, 2, row)
    assert 5 * buffer < size <= 6 * buffer  # three rounds of two
    assert buffer / row >= ROW_GROUP_ROWS
    assert 6 * csv_buffer_bytes(size, 3, row) >= size > 5 * csv_buffer_bytes(size, 3, row)  # two of three
    wide = csv_buffer_bytes(size, 2, 400.0)  # 400-byte rows: fewer, longer parts, still a row group each
    assert wide / 400 >= ROW_GROUP_ROWS and 2 * wide >= size > wide
    assert 2 * csv_buffer_bytes(20 * mb, 2, 40.0) >= 20 * mb > csv_buffer_bytes(20 * mb, 2, 40.0)
    assert csv_buffer_bytes(1000, 2, 50.0) == csv_buffer_bytes(0, 0, 0.0) == MAX_LINE_BYTES  # a line fits
    sample = tmp_path / "s.csv"
    sample.write_bytes(b"a,b\n" + b"1,22\n" * 10)
    assert line_bytes(sample) == 54 / 11
    sample.write_bytes(b"no line end")
    assert line_bytes(sample) == 11


def test_rerun_changes_nothing_and_a_corrected_value_updates(settings: Settings, tmp_path: Path) -> None:
    src = write_monthly(tmp_path / "m.csv", MONTHLY_ROWS)
    run_feed(settings, "indicator_monthly", str(src))
    dump = "SELECT indicator_code, adcode, period, value, run_id FROM indicator_value ORDER BY ALL"
    before = table_dump(settings, dump)
    again = run_feed(settings, "indicator_monthly", str(src)).counts
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 4, 12)
    assert table_dump(settings, dump) == before  # not even lineage moved
    corrected = [r.replace("91.5", "92.0") if r.startswith("online_service_rate,太原市,2026-09") else r
                 for r in MONTHLY_ROWS]  # fmt: skip
    fixed = run_feed(settings, "indicator_monthly", str(write_monthly(tmp_path / "m2.csv", corrected)))
    assert (fixed.counts.inserted, fixed.counts.updated, fixed.counts.unchanged) == (0, 1, 3)
    row = table_dump(settings, "SELECT value, run_id FROM indicator_value WHERE adcode = '140100'")
    assert row == [(92.0, fixed.run_id)]
    # One row per natural key after loads, reloads and corrections (the loader is the key's only guard).
    keys = "SELECT count(*), count(DISTINCT (indicator_code, adcode, period)) FROM indicator_value"
    assert table_dump(settings, keys) == [(4, 4)]


def test_utf8_with_bom_and_plain_utf8_read_the_same(settings: Settings, tmp_path: Path) -> None:
    rows = MONTHLY_ROWS[:2]
    bom = run_feed(settings, "indicator_monthly", str(write_monthly(tmp_path / "a.csv", rows, "utf-8-sig")))
    plain = run_feed(settings, "indicator_monthly", str(write_monthly(tmp_path / "b.csv", rows, "utf-8")))
    assert bom.counts.inserted == 2 and plain.counts.unchanged == 2


def test_wide_table_melts_indicator_columns(settings: Settings, tmp_path: Path) -> None:
    text = (
        "行政区划代码,地区,年度,行政诉讼败诉率(%),面向基层发文数量(件),不存在的指标(%)\n"
        "140000,山西省,2024,6.2,950,1\n"
        "140100,太原市,2024,5.1,120,\n"
        "140105,小店区,2024,4.0,,\n"  # 面向基层发文 has no county level: the empty cell is not data
        "140200,大同市,2025,abc,88,\n"
    )
    src = tmp_path / "wide.csv"
    src.write_bytes(text.encode("utf-8-sig"))
    result = run_feed(settings, "indicator_annual", str(src))
    c = result.counts
    assert c.read == 8 and c.inserted == 6 and c.quarantined == 2
    reasons = Warehouse(settings).quarantine(run_id=result.run_id)["reason"].tolist()
    assert sum("未知指标" in r for r in reasons) == 1
    assert sum("无法解析数值" in r and "行政诉讼败诉率" in r for r in reasons) == 1
    got = table_dump(settings, "SELECT value FROM indicator_value WHERE adcode='140000' AND indicator_code="
                               "'grassroots_documents' AND period='2024'")  # fmt: skip
    assert got == [(950.0,)]


def test_wide_value_at_a_level_the_indicator_lacks_is_quarantined(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "wide.csv"
    src.write_bytes(
        "行政区划代码,地区,年度,面向基层发文数量(件)\n140105,小店区,2024,12\n".encode("utf-8-sig")
    )
    result = run_feed(settings, "indicator_annual", str(src))
    assert result.counts.quarantined == 1
    assert "不在county级统计" in Warehouse(settings).quarantine(run_id=result.run_id)["reason"][0]


def test_xlsx_with_title_row_and_indicator_names(settings: Settings, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "季度指标"
    ws.append(["全省季度指标汇总表"])
    ws.merge_cells("A1:D1")
    ws.append(["指标名称", "行政区划代码", "统计季度", "数值"])
    ws.append(["行政复议纠错率", 140000, "2026年第3季度", 9.5])
    ws.append(["复议纠错率", 140100.0, "2026Q2", 8])  # short name, Excel float code
    ws.append(["行政复议纠错率", 999999, "2026年第3季度", 9.5])
    ws.append([None, None, None, None])
    src = tmp_path / "q.xlsx"
    wb.save(src)
    result = run_feed(settings, "indicator_quarterly", str(src))
    assert (result.counts.read, result.counts.inserted, result.counts.quarantined) == (3, 2, 1)
    assert table_dump(settings, "SELECT adcode, period FROM indicator_value ORDER BY 1") == [
        ("140000", "2026Q3"),
        ("140100", "2026Q2"),
    ]


def _incident(i: int, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "eventId": f"YJ-{i}", "eventName": "临县强降雨引发山洪", "eventType": "自然灾害", "eventLevel": "Ⅳ级",
        "areaCode": "141124", "longitude": 110.99, "latitude": 37.95, "status": "处置中",
        "occurTime": "2026-11-27 08:00:00", "reportTime": "2026-11-27 08:20:00", "responseTime": "",
        "controlTime": None, "closeTime": None, "deathNum": 0, "injuredNum": 2, "directLoss": 12.5,
        "updateTime": "2026-11-27 09:00:00",
    }  # fmt: skip
    base.update(changes)
    return base


def test_json_incidents_map_values_and_reject_bad_ones(settings: Settings, tmp_path: Path) -> None:
    records = [
        _incident(1),
        _incident(2, eventLevel="Ⅱ级", status="已结案", closeTime="2026-11-27 18:00:00"),
        _incident(3, eventLevel="Ⅴ级"),
        _incident(4, occurTime="2026-02-30 10:00:00"),
        _incident(5, occurTime="2026-12-30 10:00:00", updateTime="2026-12-30 10:00:00"),
    ]
    src = tmp_path / "incidents.json"
    src.write_text(json.dumps({"code": 0, "data": records}, ensure_ascii=False), encoding="utf-8")
    result = run_feed(settings.model_copy(update={"as_of": None}), "emergency_incidents", str(src))
    assert (result.counts.inserted, result.counts.quarantined) == (2, 3)
    reasons = quarantine_by_row(settings, result.run_id)
    assert "事件级别" in reasons[3] and "无法解析发生时间" in reasons[4] and "晚于当前时间" in reasons[5]
    rows = table_dump(settings, "SELECT incident_id, level, status FROM emergency_incident ORDER BY 1")
    assert rows == [("YJ-1", "IV", "responding"), ("YJ-2", "II", "closed")]


def test_missing_required_column_fails_the_run_and_keeps_live_data(
    settings: Settings, tmp_path: Path
) -> None:
    run_feed(settings, "indicator_monthly", str(write_monthly(tmp_path / "ok.csv", MONTHLY_ROWS[:2])))
    before = Warehouse(settings).snapshot_id
    bad = tmp_path / "bad.csv"
    bad.write_text("指标代码,地区名称,指标值\nonline_service_rate,太原市,90\n", encoding="utf-8")
    with pytest.raises(FeedRunError, match="缺少必填列"):
        run_feed(settings, "indicator_monthly", str(bad))
    wh = Warehouse(settings)
    assert wh.snapshot_id != before  # the failure is logged in a new snapshot …
    assert table_dump(settings, "SELECT count(*) FROM indicator_value") == [(2,)]  # … with the data as it was
    last = wh.runs(feed="indicator_monthly").iloc[0]
    assert last["status"] == "failed" and "缺少必填列" in last["error"]
    assert wh.feed_state()["indicator_monthly"]["last_status"] == "failed"


def test_failure_after_load_publishes_nothing(settings: Settings, tmp_path: Path) -> None:
    run_feed(settings, "indicator_monthly", str(write_monthly(tmp_path / "ok.csv", MONTHLY_ROWS[:2])))
    dump = "SELECT * FROM indicator_value ORDER BY ALL"
    before = table_dump(settings, dump)
    changed = write_monthly(tmp_path / "new.csv", ["online_service_rate,大同市,2026-09,70"])
    with pytest.raises(FeedRunError, match="injected failure"):
        run_feed(settings, "indicator_monthly", str(changed), fail_after_load=True)
    assert table_dump(settings, dump) == before
    leftovers = list(settings.warehouse_path.glob("*.staging"))
    assert leftovers == []


def test_gbk_bytes_that_are_not_gbk_fail_clearly(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "broken.csv"
    src.write_bytes(MONTHLY_HEADER.encode("gbk") + b"online_service_rate,\xff\xff\xff,2026-09,90\n")
    with pytest.raises(FeedRunError, match=r"第2行（文本编辑器中的行号.*不符合GB18030/GBK编码"):
        run_feed(settings, "indicator_monthly", str(src))


def test_a_feed_never_runs_twice_at_once(settings: Settings, tmp_path: Path) -> None:
    src = write_monthly(tmp_path / "m.csv", MONTHLY_ROWS[:1])
    with feed_lock(settings, "indicator_monthly"), pytest.raises(FeedBusy):
        run_feed(settings, "indicator_monthly", str(src))


def test_readers_keep_working_while_a_load_publishes(settings: Settings, tmp_path: Path) -> None:
    rows = [
        f"online_service_rate,太原市,{y}-{m:02d},{80 + m / 10:.1f}"
        for y in range(2021, 2026)
        for m in range(1, 13)
    ]
    src = write_monthly(tmp_path / "big.csv", rows)
    reader = Warehouse(settings)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            try:
                cur = reader.cursor()
                seen.add(int(cur.execute("SELECT count(*) FROM indicator_value").fetchall()[0][0]))
                cur.close()
            except BaseException as exc:  # any reader error fails the test
                errors.append(exc)
                return

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        for _ in range(3):
            run_feed(settings, "indicator_monthly", str(src))
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert seen <= {0, len(rows)}  # never a half-loaded state
    assert len(rows) in seen


def test_append_mode_never_overwrites(settings: Settings, tmp_path: Path) -> None:
    catalogue = settings.feeds_path.read_text(encoding="utf-8").replace(
        'every = "1d"\n[feeds.indicator_monthly.columns]', 'every = "1d"\nwrite_mode = "append"\n'
        "[feeds.indicator_monthly.columns]", 1)  # fmt: skip
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(catalogue, encoding="utf-8")
    s = settings.model_copy(update={"feeds_file": feeds})
    run_feed(
        s,
        "indicator_monthly",
        str(write_monthly(tmp_path / "a.csv", ["online_service_rate,太原市,2026-09,90"])),
    )
    second = run_feed(
        s,
        "indicator_monthly",
        str(write_monthly(tmp_path / "b.csv", ["online_service_rate,太原市,2026-09,95",
                                               "online_service_rate,大同市,2026-09,70"])),
    )  # fmt: skip
    assert (second.counts.inserted, second.counts.updated, second.counts.quarantined) == (1, 0, 1)
    assert table_dump(s, "SELECT value FROM indicator_value ORDER BY adcode") == [(90.0,), (70.0,)]


TICKET_HEADER = "工单编号,区划代码,受理时间,来源渠道,诉求类别,诉求主题,是否按时响应,办结时间,满意度\n"


def test_two_files_of_one_glob_keep_their_own_row_numbers_and_sources(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "a.csv").write_bytes(
        (
            MONTHLY_HEADER
            + "online_service_rate,太原市,2026-09,91.5\nonline_service_rate,新城区,2026-09,90\n"
        ).encode()
    )
    (tmp_path / "b.csv").write_bytes(  # GBK beside UTF-8: each file is decoded on its own
        (
            MONTHLY_HEADER + "online_service_rate,太原,2026-13,90\nonline_service_rate,太原市,2026-09,92\n"
        ).encode("gbk")
    )
    result = run_feed(settings, "indicator_monthly", str(tmp_path / "*.csv"))
    assert (result.counts.read, result.counts.inserted, result.counts.quarantined) == (4, 0, 4)
    frame = Warehouse(settings).quarantine(run_id=result.run_id)
    got = {(Path(s).name, int(r)): reason for s, r, reason in zip(frame["source"], frame["row_number"],
                                                                  frame["reason"], strict=True)}  # fmt: skip
    assert set(got) == {("a.csv", 1), ("a.csv", 2), ("b.csv", 1), ("b.csv", 2)}
    assert "未知地区" in got[("a.csv", 2)] and "无法识别的统计期" in got[("b.csv", 1)]
    # The same key in both files with different values: neither is trusted, the first is named.
    assert "取值不一致（首见第1行）" in got[("a.csv", 1)] and "取值不一致" in got[("b.csv", 2)]


def test_padded_cells_are_trimmed_and_blank_ones_are_missing(settings: Settings, tmp_path: Path) -> None:
    rows = [
        " GD1 , 140105 , 2025-01-01 08:00:00 , 电话 ,城乡建设,  , 是 ,2025-01-02 08:00:00 ,满意",  # 1 ok, padded
        "GD2,   ,2025-01-01 08:00:00,电话,城乡建设,诉求,是,,未评价",  # 2 blank region
        "GD3,140105,2025/01/01 08:00,电话,城乡建设,诉求,否,,",  # 3 ok, other layout
        "GD4,140105,  ,电话,城乡建设,诉求,是,,",  # 4 blank time
        "GD5,140105,昨天,电话,城乡建设,诉求,是,,",  # 5 not a time
        "GD6,140105,2025-01-01 08:00:00,电话,城乡建设,诉求,也许,,",  # 6 not a yes/no
    ]
    src = tmp_path / "t.csv"
    src.write_text(TICKET_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    result = run_feed(settings, "hotline_tickets", str(src))
    assert (result.counts.inserted, result.counts.quarantined) == (2, 4)
    reasons = quarantine_by_row(settings, result.run_id)
    assert "缺少必填字段：地区" in reasons[2] and "缺少必填字段：受理时间" in reasons[4]
    assert '无法解析受理时间："昨天"' in reasons[5] and "无法识别为是/否" in reasons[6]
    loaded = table_dump(settings, "SELECT ticket_id, adcode, created_at, channel, topic, responded_in_time,"
                                  " closed_at, satisfied FROM hotline_ticket ORDER BY 1")  # fmt: skip
    assert [(*r[:2], str(r[2]), r[3], r[4], r[5]) for r in loaded] == [
        ("GD1", "140105", "2025-01-01 08:00:00", "电话", None, True),
        ("GD3", "140105", "2025-01-01 08:00:00", "电话", "诉求", False),
    ]
    assert loaded[0][6] is not None and loaded[0][7] is True and loaded[1][7] is None


def test_gbk_decoding_is_exact_across_block_boundaries(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl import readers

    monkeypatch.setattr(readers, "_BLOCK_BYTES", 7)  # odd: most blocks end inside a character
    text = MONTHLY_HEADER + "\n".join(MONTHLY_ROWS) + "\n"
    src = tmp_path / "m.csv"
    src.write_bytes(text.encode("gbk"))
    out, encoding = readers.csv_as_utf8(src, "auto", tmp_path)
    try:
        assert encoding == "gb18030" and out.read_text(encoding="utf-8") == text
    finally:
        out.unlink()
    broken = text.encode("gbk")
    at = len(broken) - 40
    src.write_bytes(broken[:at] + b"\xff" + broken[at:])
    with pytest.raises(readers.FeedFormatError, match=f"文件第{at + 1}个字节"):
        readers.csv_as_utf8(src, "gbk", tmp_path)
    assert list(tmp_path.glob("tmp*")) == []  # the half-written copy is gone
