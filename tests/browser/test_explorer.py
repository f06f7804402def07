"""/explorer in headless Chromium: the grid pages from the server, a filter set in the grid changes
the count and the export, the exported file has exactly the grid's rows; tampered links get a notice."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from cockpit.exports.tables import read_csv_export
from cockpit.settings import Settings
from tests.browser.conftest import Browser, LiveServer, external_requests, serve

pytestmark = pytest.mark.browser
COUNT = "#explorer-count"
INLINE_ROWS = 2_000  # this module's server writes larger exports in the background


@pytest.fixture(scope="module")
def live_server(demo_warehouse: tuple[Settings, dict[str, object]]) -> Iterator[LiveServer]:
    with serve(demo_warehouse[0].model_copy(update={"export_inline_rows": INLINE_ROWS})) as server:
        yield server


def count(browser: Browser) -> int:
    text = browser.page.inner_text(COUNT)  # type: ignore[attr-defined]
    return int(re.search(r"共 ([\d,]+) 行", text).group(1).replace(",", ""))  # type: ignore[union-attr]


def open_grid(browser: Browser, url: str) -> None:
    page = browser.page
    page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector("#explorer-grid .ag-row:not(.ag-row-loading) .ag-cell", timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_function(f"/共 [\\d,]+ 行/.test(document.querySelector('{COUNT}')?.innerText)")  # type: ignore[attr-defined]


def test_a_grid_filter_changes_rows_count_and_export(
    live_server: LiveServer, browser_page: Browser, tmp_path: Path
) -> None:
    page = browser_page.page
    open_grid(
        browser_page, live_server.url + "/explorer?region=141100&indicator=online_service_rate&period=2026-10"
    )
    assert count(browser_page) == 14  # 吕梁市 and its 13 counties
    browser_page.screenshot("explorer-1920x1080")
    # Filter in the grid itself (as the column menu would): values above 98.5, highest first.
    page.evaluate(  # type: ignore[attr-defined]
        """async () => { const api = await dash_ag_grid.getApiAsync('explorer-grid');
             api.setFilterModel({value: {filterType: 'number', type: 'greaterThan', filter: 98.5}});
             api.applyColumnState({state: [{colId: 'value', sort: 'desc'}]}); }"""
    )
    page.wait_for_function(f"document.querySelector('{COUNT}').innerText.indexOf('共 14 行') < 0")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#explorer-notice').innerText.includes('数值 大于')")  # type: ignore[attr-defined]
    shown = count(browser_page)
    assert 0 < shown < 14
    cells = page.locator("#explorer-grid .ag-center-cols-container .ag-row [col-id='value']")  # type: ignore[attr-defined]
    page.wait_for_function(
        f"document.querySelectorAll(\"#explorer-grid .ag-center-cols-container .ag-row [col-id='value']\").length === {shown}"
    )  # type: ignore[attr-defined]
    values = sorted((float(cells.nth(i).inner_text()) for i in range(shown)), reverse=True)
    assert all(v > 98.5 for v in values)
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("text=导出 XLSX")  # type: ignore[attr-defined]
    data = Path(info.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "地区")
    table = rows[start + 1 :]
    value_col = rows[start].index("数值")
    assert [r[value_col] for r in table] == values  # the grid's rows, in the grid's order
    assert any(r[0] == "表格筛选：" and "数值 大于“98.5”" in r[1] for r in rows[:start])
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("text=导出 CSV")  # type: ignore[attr-defined]
    _, csv_table = read_csv_export(Path(info.value.path()).read_bytes())
    assert len(csv_table) == shown and "吕梁市" in info.value.suggested_filename
    assert external_requests(browser_page.requests, live_server.url) == []
    assert browser_page.console_errors == []


def test_pinned_region_and_grouping(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    open_grid(browser_page, live_server.url + "/explorer?dataset=hotline_ticket&region=141100&preset=month")
    pinned = page.locator("#explorer-grid .ag-pinned-left-header [col-id]")  # type: ignore[attr-defined]
    assert pinned.count() >= 1
    assert page.locator("text=12345热线工单").count() >= 1  # type: ignore[attr-defined]
    open_grid(
        browser_page,
        live_server.url + "/explorer?region=141100&indicator=online_service_rate&period=2026-10&group=level",
    )
    assert count(browser_page) == 2
    assert page.locator("#explorer-grid .ag-header-cell-text", has_text="行数").count() == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=999999", "未知地区"),
        ("filter=" + quote(json.dumps({"adcode; DROP TABLE region": {"filterType": "text", "type": "equals", "filter": "x"}})), "未知的列"),
        ("sort=" + quote(json.dumps([{"colId": "1=1", "sort": "asc"}])), "未知的排序列"),
        ("dataset=etl_run", "未知的数据集"),
    ],
)  # fmt: skip
def test_tampered_links_get_a_notice(
    live_server: LiveServer, browser_page: Browser, query: str, message: str
) -> None:
    page = browser_page.page
    page.goto(f"{live_server.url}/explorer?{query}", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector(".big-notice")  # type: ignore[attr-defined]
    assert message in page.inner_text(".big-notice")  # type: ignore[attr-defined]
    assert page.locator("#explorer-grid").count() == 0  # type: ignore[attr-defined]
    assert browser_page.console_errors == []


def test_a_large_export_is_written_in_the_background_with_progress(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = browser_page.page
    open_grid(browser_page, live_server.url + "/explorer?region=141100")
    rows = count(browser_page)
    assert rows > INLINE_ROWS
    button = page.locator("a.export-btn", has_text="导出 XLSX")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "[...document.querySelectorAll('a.export-btn')].every(a => a.classList.contains('background') && !a.href)"
    )
    assert "后台生成" in (button.get_attribute("title") or "")
    button.click()
    page.wait_for_selector("text=下载 XLSX", timeout=90_000)  # type: ignore[attr-defined]
    assert "导出已生成" in page.inner_text(".explorer-exports")  # type: ignore[attr-defined]
    browser_page.screenshot("explorer-background-export")
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("text=下载 XLSX")  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True).active
    written = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(written) if r and r[0] == "地区")
    assert len(written) - start - 1 == rows and "吕梁市" in info.value.suggested_filename
    assert external_requests(browser_page.requests, live_server.url) == []
    assert browser_page.console_errors == []
