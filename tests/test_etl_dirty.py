"""Feeds, round 2: files as a provincial data office sends them — hand-edited CSVs, GB18030 exports,
Excel sheets with formats and title rows — never give a silently wrong value. Each class of dirty
input has its own small file, built here; the counts still add up and a rerun changes nothing."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from cockpit.settings import Settings
from etl.runner import RunResult, run_feed
from tests.test_etl import TICKET_HEADER, quarantine_by_row, table_dump

MONTHLY = "指标代码,地区名称,统计月份,指标值\n"
TARGETS = "指标代码,行政区划代码,年度,目标值\n"


def _csv(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def _run_rows(settings: Settings, tmp_path: Path, feed: str, name: str, header: str, rows: list[str],
              encoding: str = "utf-8") -> tuple[str, RunResult, dict[int, str]]:  # fmt: skip
    """Runs ``feed`` on a file ``name`` of ``header`` and ``rows``: the file, the run's result and
    the quarantine's reasons by row."""
    source = _csv(tmp_path, name, header + "\n".join(rows) + "\n", encoding)
    result = run_feed(settings, feed, source)
    return source, result, quarantine_by_row(settings, result.run_id)


def _balanced_and_idempotent(settings: Settings, feed: str, source: str, first: RunResult) -> None:
    c = first.counts
    assert c.read == c.inserted + c.updated + c.unchanged + c.quarantined
    again = run_feed(settings, feed, source).counts
    assert (again.inserted, again.updated) == (0, 0)
    assert again.unchanged == c.inserted + c.updated + c.unchanged and again.quarantined == c.quarantined


# -- 3. targets get the checks values get --------------------------------------------------------


def test_targets_are_finite_within_the_indicator_range_and_any_year_form(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        "online_service_rate,140000,2025,98",  # 1 ok
        "online_service_rate,140100,2019年,95",  # 2 ok: 2019年
        "online_service_rate,140200,2024年度,96",  # 3 ok: 2024年度
        "online_service_rate,140300,2025,NaN",  # 4 not a number
        "online_service_rate,140400,2025,inf",  # 5 not finite
        "online_service_rate,140500,2025,135",  # 6 beyond the indicator's 0–100
        "online_service_rate,140600,明年,90",  # 7 not a year
    ]
    source, result, reasons = _run_rows(settings, tmp_path, "indicator_targets", "targets.csv", TARGETS, rows)
    assert set(reasons) == {4, 5, 6, 7}
    assert "无法解析目标值" in reasons[4] and "无法解析目标值" in reasons[5]
    assert "超出指标取值范围" in reasons[6] and "年度" in reasons[7]
    stored = table_dump(settings, "SELECT adcode, year, target_value FROM indicator_target ORDER BY 1")
    assert stored == [("140000", 2025, 98.0), ("140100", 2019, 95.0), ("140200", 2024, 96.0)]
    _balanced_and_idempotent(settings, "indicator_targets", source, result)


# -- 6. numbers: thousands separators only where grouped, % only on percentages -------------------


def test_numbers_take_separators_only_where_the_grouping_is_valid(settings: Settings, tmp_path: Path) -> None:
    rows = [
        'grassroots_documents,太原市,2025,"1,234"',  # 1 ok: 1234
        'grassroots_documents,大同市,2025,"8,5"',  # 2 not a grouping: not 85
        'grassroots_documents,阳泉市,2025,"12,34.5"',  # 3 not a grouping
        "online_service_rate,太原市,2026-09,72.5%",  # 4 ok: a percentage indicator
        "grassroots_documents,长治市,2025,95%",  # 5 % on a count (件)
        'online_service_rate,大同市,2026-09,"1,000.5"',  # 6 grouped, but beyond 100
    ]
    _, _, reasons = _run_rows(settings, tmp_path, "indicator_monthly", "m.csv", MONTHLY, rows)
    assert set(reasons) == {2, 3, 5, 6}
    assert '无法解析数值："8,5"' in reasons[2] and '"12,34.5"' in reasons[3]
    assert "不是百分比" in reasons[5] and "超出指标取值范围" in reasons[6]
    stored = table_dump(settings, "SELECT indicator_code, adcode, value FROM indicator_value ORDER BY 1, 2")
    assert stored == [("grassroots_documents", "140100", 1234.0), ("online_service_rate", "140100", 72.5)]


# -- 7. periods and headers as offices write them -------------------------------------------------


def test_month_periods_with_fen_and_the_quarterly_headers_in_the_monthly_feed(
    settings: Settings, tmp_path: Path
) -> None:
    text = "指标名称,行政区划代码,统计期,数值\n全程网办率,140100,2025年11月份,91.5\n"
    result = run_feed(settings, "indicator_monthly", _csv(tmp_path, "m.csv", text))
    assert (result.counts.inserted, result.counts.quarantined) == (1, 0)
    assert table_dump(settings, "SELECT indicator_code, period FROM indicator_value") == [
        ("online_service_rate", "2025-11")
    ]


def test_a_wide_table_s_id_header_with_an_excel_line_break_is_matched(
    settings: Settings, tmp_path: Path
) -> None:
    text = '"行政区划\n代码",地区,"年度 ",行政诉讼败诉率(%)\n140000,山西省,2024,6.2\n'
    source = _csv(tmp_path, "wide.csv", text, "utf-8-sig")
    result = run_feed(settings, "indicator_annual", source)
    assert (result.counts.inserted, result.counts.quarantined) == (1, 0)
    assert table_dump(settings, "SELECT adcode, period, value FROM indicator_value") == [
        ("140000", "2024", 6.2)
    ]


# -- 9. 本级 is a government's departments, not its region ------------------------------------------


def test_province_and_city_own_departments_are_not_regions(settings: Settings, tmp_path: Path) -> None:
    rows = [
        "online_service_rate,省本级,2026-09,91",  # 1
        "online_service_rate,太原市本级,2026-09,92",  # 2
        "online_service_rate,市本级,2026-09,93",  # 3
        "online_service_rate,全省,2026-09,94",  # 4 ok: the whole province
    ]
    _, _, reasons = _run_rows(settings, tmp_path, "indicator_monthly", "m.csv", MONTHLY, rows)
    assert set(reasons) == {1, 2, 3}
    for row in (1, 2, 3):
        assert "本级" in reasons[row] and "部门" in reasons[row], reasons[row]
    assert table_dump(settings, "SELECT adcode, value FROM indicator_value") == [("140000", 94.0)]


# -- 5. width and whitespace ----------------------------------------------------------------------


def test_keys_and_numbers_are_normalised_and_free_text_only_trimmed(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        "HT-ACC-0001,140105,2025-01-01 08:00:00,电话,城乡建设,物业管理,是,,",  # 1
        "HT-ACC-0001\u3000,140105,2025-01-01 08:00:00,电话,城乡建设,物业管理,是,,",  # 2 the same ticket
        "ＨＴ-ACC-0002,１４０１０５,2025-01-01 09:00:00,\u3000电话,城乡建设,\u3000　物业　管理\u3000,是,,",  # 3
    ]
    source = _csv(tmp_path, "t.csv", TICKET_HEADER + "\n".join(rows) + "\n")
    result = run_feed(settings, "hotline_tickets", source)
    c = result.counts
    assert (c.read, c.inserted, c.quarantined) == (3, 2, 1)
    assert "完全重复" in quarantine_by_row(settings, result.run_id)[2]
    stored = table_dump(settings, "SELECT ticket_id, adcode, channel, topic FROM hotline_ticket ORDER BY 1")
    assert stored == [
        ("HT-ACC-0001", "140105", "电话", "物业管理"),
        ("HT-ACC-0002", "140105", "电话", "物业　管理"),
    ]

    values = ["online_service_rate,太原市,2026-09,８１．７", "online_service_rate,大同市,2026-09,81.6\u3000x"]
    result = run_feed(
        settings, "indicator_monthly", _csv(tmp_path, "m.csv", MONTHLY + "\n".join(values) + "\n")
    )
    assert table_dump(settings, "SELECT adcode, value FROM indicator_value") == [("140100", 81.7)]
    reason = quarantine_by_row(settings, result.run_id)[2]
    assert "81.6⟨U+3000⟩x" in reason, reason


# -- 1. a record of the wrong width is refused whole, never trimmed --------------------------------


def test_a_record_with_more_or_fewer_fields_than_the_header_is_quarantined(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        "online_service_rate,太原市,2026-09,91.5",  # 1 ok
        "online_service_rate,大同市,2026-09,1,234.5",  # 2 an unquoted thousands separator: 5 fields
        "online_service_rate,阳泉市,2026-09",  # 3 a field short
        "online_service_rate,长治市,2026-09,88",  # 4 ok
    ]
    for encoding in ("utf-8", "gbk"):
        source, result, reasons = _run_rows(
            settings, tmp_path, "indicator_monthly", f"m-{encoding}.csv", MONTHLY, rows, encoding
        )
        assert set(reasons) == {2, 3} and result.counts.read == 4
        assert "第3行（文本编辑器中的行号）有5个字段，而表头有4列" in reasons[2]
        assert "原文：online_service_rate,大同市,2026-09,1,234.5" in reasons[2]
        assert "第4行（文本编辑器中的行号）有3个字段" in reasons[3]
        _balanced_and_idempotent(settings, "indicator_monthly", source, result)
    stored = table_dump(settings, "SELECT adcode, value FROM indicator_value ORDER BY 1")
    assert stored == [("140100", 91.5), ("140400", 88.0)]  # nothing stored as 1.0 for 大同


# -- 4. quotes that do not close a field are text -------------------------------------------------


def test_a_field_that_begins_with_a_quote_is_text_and_never_fails_the_file(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        'GD1,140105,2025-01-01 08:00:00,电话,城乡建设,"两违"整治问题,是,,',  # quotes kept
        'GD2,140105,2025-01-01 09:00:00,电话,城乡建设,"他说""好""",是,,',  # a proper quoted field
        'GD3,140105,2025-01-01 10:00:00,电话,城乡建设,"多行\n诉求",是,,',  # a quoted line break
        'GD4,140105,2025-01-01 11:00:00,电话,城乡建设,"未闭合的引号,是,,',  # a quote that never closes
        "GD5,140105,2025-01-01 12:00:00,电话,城乡建设,普通诉求,是,,",
    ]
    for encoding in ("utf-8", "gbk"):
        source = _csv(tmp_path, f"t-{encoding}.csv", TICKET_HEADER + "\n".join(rows) + "\n", encoding)
        result = run_feed(settings, "hotline_tickets", source)
        assert (result.counts.read, result.counts.quarantined) == (5, 0), quarantine_by_row(
            settings, result.run_id
        )
    stored = dict(table_dump(settings, "SELECT ticket_id, topic FROM hotline_ticket"))
    assert stored == {
        "GD1": '"两违"整治问题',
        "GD2": '他说"好"',
        "GD3": "多行\n诉求",
        "GD4": '"未闭合的引号',
        "GD5": "普通诉求",
    }


# -- 2 and 10. Excel: what the sheet shows, rows as Excel numbers them ---------------------------


def _quarterly_sheet(path: Path, rows: list[tuple[object, ...]], percent_rows: set[int]) -> str:
    wb = Workbook()
    ws = wb.active
    ws.title = "季度指标"
    ws.append(["全省季度指标汇总表"])  # a title row above the header, as offices send them
    ws.merge_cells("A1:D1")
    ws.append(["指标名称", "行政区划代码", "统计季度", "数值"])
    for i, row in enumerate(rows, start=3):
        ws.append(list(row))
        if i in percent_rows:
            ws.cell(row=i, column=4).number_format = "0.0%"
    wb.save(path)
    return str(path)


def test_percent_formatted_cells_are_read_as_shown_and_rows_as_excel_numbers_them(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        ("行政复议纠错率", 140000, "2026Q3", 0.095),  # Excel row 3: shown as 9.5%
        ("行政复议纠错率", 140100, "2026Q3", 8.1),  # 4: a plain number
        ("行政复议纠错率", 999999, "2026Q3", 7),  # 5: unknown region
        ("数据资源挂接率", 140200, "2026Q3", 0.725),  # 6: shown as 72.5%
    ]
    source = _quarterly_sheet(tmp_path / "q.xlsx", rows, percent_rows={3, 6})
    result = run_feed(settings, "indicator_quarterly", source)
    stored = table_dump(settings, "SELECT indicator_code, adcode, value FROM indicator_value ORDER BY 2")
    assert stored == [
        ("admin_review_correction_rate", "140000", 9.5),
        ("admin_review_correction_rate", "140100", 8.1),
        ("data_catalog_mount_rate", "140200", 72.5),
    ]
    assert set(quarantine_by_row(settings, result.run_id)) == {5}  # the row Excel shows, not the 3rd
    _balanced_and_idempotent(settings, "indicator_quarterly", source, result)


def test_a_percent_cell_on_an_indicator_not_measured_in_percent_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "季度指标"
    ws.append(["指标名称", "行政区划代码", "统计季度", "数值"])
    ws.append(["企业开办时间", 140000, "2026-09", 0.05])
    ws.cell(row=2, column=4).number_format = "0%"
    wb.save(tmp_path / "q.xlsx")
    result = run_feed(settings, "indicator_quarterly", str(tmp_path / "q.xlsx"))
    reason = quarantine_by_row(settings, result.run_id)[2]
    assert "带百分号的数值“5%”" in reason and "个工作日" in reason, reason


def test_the_quarantine_command_says_when_it_shows_only_part(settings: Settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cockpit.cli import app

    rows = [f"no_such_code_{i},太原市,2026-09,1" for i in range(5)]
    run_feed(settings, "indicator_monthly", _csv(tmp_path, "m.csv", MONTHLY + "\n".join(rows) + "\n"))
    env = {"COCKPIT_DATA_DIR": str(settings.data_dir), "COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path),
           "COCKPIT_AS_OF": str(settings.as_of)}  # fmt: skip
    out = CliRunner().invoke(app, ["quarantine", "--limit", "2"], env=env)
    assert out.exit_code == 0 and "共 5 行，仅显示前 2 行" in out.output, out.output
    whole = CliRunner().invoke(app, ["quarantine"], env=env)
    assert "共 5 行）" in whole.output and "仅显示" not in whole.output


# -- 8. events in an impossible order, or in the future ------------------------------------------


def test_a_ticket_closed_before_it_was_opened_or_in_the_future_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        "GD1,140105,2025-01-02 08:00:00,电话,城乡建设,物业管理,是,2025-01-03 08:00:00,满意",  # ok
        "GD2,140105,2025-01-02 08:00:00,电话,城乡建设,物业管理,是,2025-01-01 08:00:00,满意",  # closed before
        "GD3,140105,2025-01-02 08:00:00,电话,城乡建设,物业管理,是,2099-01-01 08:00:00,满意",  # closed in 2099
    ]
    _, _, reasons = _run_rows(settings, tmp_path, "hotline_tickets", "t.csv", TICKET_HEADER, rows)
    assert set(reasons) == {2, 3}
    assert "办结时间早于受理时间" in reasons[2] and "办结时间晚于当前时间" in reasons[3]


def test_an_unlisted_category_or_channel_counts_as_other_and_is_kept_for_the_data_office(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        "GD1,140105,2025-01-02 08:00:00,电话,城乡建设,物业管理,是,,",  # listed
        "GD2,140105,2025-01-02 09:00:00,热线电话,供热,暖气不热,是,,",  # listed spellings: 电话, 供暖
        "GD3,140105,2025-01-02 10:00:00,抖音,疫情防控,核酸检测,是,,",  # neither is listed
    ]
    source = _csv(tmp_path, "t.csv", TICKET_HEADER + "\n".join(rows) + "\n")
    result = run_feed(settings, "hotline_tickets", source)
    assert (result.counts.inserted, result.counts.quarantined) == (3, 0)
    stored = table_dump(
        settings,
        "SELECT ticket_id, channel, category, channel_reported, category_reported FROM hotline_ticket ORDER BY 1",
    )
    assert stored == [
        ("GD1", "电话", "城乡建设", None, None),
        ("GD2", "电话", "供暖", None, None),
        ("GD3", "其他", "其他", "抖音", "疫情防控"),
    ]
    _balanced_and_idempotent(settings, "hotline_tickets", source, result)
    # /feeds lists what was sent, in the viewer's scope: 小店区's staff see it, 大同's do not.
    from cockpit.app import create_app
    from tests.access_helpers import UserClient, dumps, page_payload

    app = create_app(settings)
    shown = dumps(
        UserClient(app, settings, "dq-county", "staff", "140105").callback(page_payload("/feeds")).get_json()
    )
    assert "未登记的取值（已计入“其他”）" in shown and "抖音" in shown and "疫情防控" in shown
    other = dumps(
        UserClient(app, settings, "dq-datong", "staff", "140200").callback(page_payload("/feeds")).get_json()
    )
    assert "抖音" not in other and "未登记的取值" not in other


def test_a_wide_record_of_the_wrong_width_is_one_quarantined_row(settings: Settings, tmp_path: Path) -> None:
    text = (
        "行政区划代码,地区,年度,行政诉讼败诉率(%),面向基层发文数量(件)\n"
        "140000,山西省,2024,6.2,950\n"
        "140100,太原市,2024,5.1,1,200\n"  # an unquoted thousands separator: six fields
    )
    source = _csv(tmp_path, "wide.csv", text, "utf-8-sig")
    result = run_feed(settings, "indicator_annual", source)
    assert (result.counts.read, result.counts.inserted, result.counts.quarantined) == (3, 2, 1)
    assert (
        "第3行（文本编辑器中的行号）有6个字段，而表头有5列" in quarantine_by_row(settings, result.run_id)[2]
    )
    _balanced_and_idempotent(settings, "indicator_annual", source, result)
