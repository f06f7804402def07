"""/region/<adcode> in headless Chromium: from the big screen to a county profile by map clicks, a
figure drilled through to its rows and exported to CSV, a briefing generated and downloaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.exports.tables import read_csv_export
from tests.browser.conftest import (
    Browser,
    LiveServer,
    assert_clean,
    click_map_region,
    external_requests,
    wait_url,
)

pytestmark = pytest.mark.browser
MAP = "#region-map"


def wait_map(browser: Browser) -> None:
    browser.page.wait_for_selector(f"{MAP} .choroplethlayer path.choroplethlocation", timeout=30_000)  # type: ignore[attr-defined]


def click_region(browser: Browser, adcode: str) -> None:
    """Click a region's shape on the profile's map."""
    click_map_region(browser, MAP, adcode)


def test_from_the_screen_to_a_county_profile_by_the_map(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = browser_page.page
    page.goto(live_server.url + "/?region=141100", wait_until="networkidle")  # type: ignore[attr-defined]
    page.click("#screen-region-profile")  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"/region/141100"), timeout=30_000)  # type: ignore[attr-defined]
    wait_map(browser_page)
    assert "吕梁市 · 区域画像" in page.inner_text("h1")  # type: ignore[attr-defined]
    assert page.locator(f"{MAP} path.choroplethlocation").count() >= 13  # type: ignore[attr-defined]
    browser_page.screenshot("region-141100-1920x1080")
    click_region(browser_page, "141124")
    wait_url(page, re.compile(r"/region/141124"), timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('h1')?.innerText.includes('临县')", timeout=30_000)  # type: ignore[attr-defined]
    wait_map(browser_page)
    assert (
        page.inner_text(".region-header .breadcrumb").replace("\n", "").replace(" ", "")
        == "山西省›吕梁市›临县"
    )  # type: ignore[attr-defined]
    assert page.locator(".region-indicators tbody tr").count() == 23  # type: ignore[attr-defined]
    assert "按序时目标完成程度在吕梁市13个县（市、区）中排名第" in page.inner_text(".narrative")  # type: ignore[attr-defined]
    for path in ("/emergency", "/regulation", "/hotline", "/targets", "/supervision"):
        assert page.locator(f".domain-links a[href='{path}?region=141124']").count() == 1  # type: ignore[attr-defined]
    browser_page.screenshot("region-141124-1920x1080")
    assert_clean(browser_page, live_server.url)


def test_drill_through_a_figure_to_its_rows_and_export_them(
    live_server: LiveServer, browser_page: Browser, tmp_path: Path
) -> None:
    page = browser_page.page
    page.goto(live_server.url + "/region/141124", wait_until="networkidle")  # type: ignore[attr-defined]
    page.click(".row-online_service_rate a.drill >> nth=0")  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"/explorer\?"), timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_selector("#explorer-grid .ag-row:not(.ag-row-loading) .ag-cell", timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_function("/共 [\\d,]+ 行/.test(document.querySelector('#explorer-count')?.innerText)")  # type: ignore[attr-defined]
    shown = int(re.search(r"共 ([\d,]+) 行", page.inner_text("#explorer-count")).group(1).replace(",", ""))  # type: ignore[attr-defined, union-attr]
    assert shown > 30  # the county's whole series behind the figure
    page.wait_for_function(  # type: ignore[attr-defined]
        "document.querySelector('#explorer-grid .ag-pinned-left-cols-container .ag-row')?.innerText.includes('临县')",
        timeout=30_000,
    )
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("text=导出 CSV")  # type: ignore[attr-defined]
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith(".csv") and "临县" in path.name
    head, table = read_csv_export(path.read_bytes())
    assert len(table) == shown and set(table["地区代码"]) == {"141124"}
    assert set(table["指标代码"]) == {"online_service_rate"}
    assert any(row[0] == "地区：" and row[1].startswith("临县（141124）") for row in head)
    assert external_requests(browser_page.requests, live_server.url) == []


def test_a_briefing_in_one_click(live_server: LiveServer, browser_page: Browser, tmp_path: Path) -> None:
    page = browser_page.page
    page.goto(live_server.url + "/region/141100?period=2026-10", wait_until="networkidle")  # type: ignore[attr-defined]
    page.click("text=一键生成简报")  # type: ignore[attr-defined]
    page.wait_for_selector(".brief-bar, .brief-result", timeout=20_000)  # type: ignore[attr-defined]
    page.wait_for_selector("text=下载 PDF", timeout=180_000)  # type: ignore[attr-defined]
    for fmt, magic in (("PDF", b"%PDF"), ("PPTX", b"PK")):
        with page.expect_download() as info:  # type: ignore[attr-defined]
            page.click(f"text=下载 {fmt}")  # type: ignore[attr-defined]
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.name == f"简报_吕梁市_2026-10.{fmt.lower()}" and path.read_bytes().startswith(magic)
    assert external_requests(browser_page.requests, live_server.url) == []


def test_an_unknown_region_gets_a_notice(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    page.goto(live_server.url + "/region/999999", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector(".big-notice")  # type: ignore[attr-defined]
    assert "未知地区“999999”" in page.inner_text(".big-notice")  # type: ignore[attr-defined]
    assert page.locator(MAP).count() == 0  # type: ignore[attr-defined]
    assert browser_page.console_errors == []
