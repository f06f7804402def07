"""/targets and /evaluation in headless Chromium: filter to off-track, drill pillar → indicator → city →
county, deep links (good and tampered), and nothing loaded from outside the app's origin."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import Browser, LiveServer, assert_clean, click_map_region, wait_url

pytestmark = pytest.mark.browser
MAP = ".plan-map"
TABLE_ROWS = "#targets-table-rows tbody tr"


def settle(browser: Browser) -> None:
    """Every panel filled (or showing its own error) and the map painted."""
    page = browser.page
    page.wait_for_function("!document.querySelector('.loading')", timeout=20_000)  # type: ignore[attr-defined]
    page.wait_for_selector(f"{MAP} .choroplethlayer path.choroplethlocation", timeout=20_000)  # type: ignore[attr-defined]


def open_page(browser: Browser, url: str) -> object:
    """Opens a plan page and waits until it has settled; returns the browser's page."""
    browser.page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
    settle(browser)
    return browser.page


def crumbs(browser: Browser, expect: str) -> str:
    browser.page.wait_for_function(  # type: ignore[attr-defined]
        "e => document.querySelector('.plan-crumbs')?.innerText.replace(/\\s/g, '') === e", arg=expect
    )
    return str(browser.page.inner_text(".plan-crumbs")).replace("\n", "").replace(" ", "")  # type: ignore[attr-defined]


def params(browser: Browser) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(browser.page.url).query).items()}  # type: ignore[attr-defined]


def test_province_view_with_no_external_requests(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_page(browser_page, live_server.url + "/targets")
    # Eleven cities (a city off track is drawn twice: filled by its status, and outlined).
    shapes = page.eval_on_selector_all(  # type: ignore[attr-defined]
        f"{MAP} .choroplethlayer path.choroplethlocation",
        "ps => [...new Set(ps.map(p => p.getAttribute('d')))]",
    )
    assert len(shapes) == 11
    assert page.locator(".tree-pillar").count() == 5  # type: ignore[attr-defined]
    assert page.locator(TABLE_ROWS).count() == 12  # type: ignore[attr-defined]  # 全省 + 11 cities
    body = page.inner_text("body")  # type: ignore[attr-defined]
    for text in ("规划目标树", "序时目标", "预计年底", "落后县（市、区）", "达标"):
        assert text in body
    assert "暂时无法加载" not in body
    assert params(browser_page) == {}  # the default view needs no parameters
    browser_page.screenshot("targets-province-1920x1080")
    assert_clean(browser_page, live_server.url)


def test_filter_to_off_track(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_page(browser_page, live_server.url + "/targets?region=140400&indicator=hotline_close_rate")
    all_rows = page.locator(TABLE_ROWS).count()  # type: ignore[attr-defined]
    all_inds = page.locator(".tree-ind").count()  # type: ignore[attr-defined]
    page.click("#targets-filter")  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"filter=off"))  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#targets-filter').innerText.includes('✓')")  # type: ignore[attr-defined]
    settle(browser_page)
    rows = page.locator(TABLE_ROWS)  # type: ignore[attr-defined]
    assert 1 < rows.count() < all_rows
    for i in range(1, rows.count()):  # row 0 is 长治市 itself
        assert re.search("预警|落后", rows.nth(i).inner_text())
    assert page.locator(".tree-ind").count() < all_inds  # type: ignore[attr-defined]
    assert all(
        re.search("amber|red", c)
        for c in page.eval_on_selector_all(".tree-ind .dot", "els => els.map(e => e.className)")
    )  # type: ignore[attr-defined]
    page.click("#targets-filter")  # type: ignore[attr-defined]
    wait_url(page, lambda url: "filter=off" not in url)  # type: ignore[attr-defined]


def test_drill_pillar_indicator_city_county(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_page(browser_page, live_server.url + "/targets")
    page.get_by_role("link", name="服务政府").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"pillar=fuwu"))  # type: ignore[attr-defined]
    page.wait_for_selector(".tree-pillar.focus")  # type: ignore[attr-defined]
    settle(browser_page)
    assert "服务政府" in page.inner_text(".tree-pillar.focus summary")  # type: ignore[attr-defined]
    page.locator(".tree-ind", has_text="全程网办率").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"indicator=online_service_rate"))  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#targets-detail')?.innerText.includes('全程网办率')")  # type: ignore[attr-defined]
    settle(browser_page)
    click_map_region(browser_page, MAP, "141100")  # 吕梁市
    wait_url(page, re.compile(r"region=141100"))  # type: ignore[attr-defined]
    assert crumbs(browser_page, "山西省›吕梁市") == "山西省›吕梁市"
    settle(browser_page)
    assert page.locator(f"{MAP} .choroplethlayer .trace path.choroplethlocation").count() >= 13  # type: ignore[attr-defined]
    page.locator(TABLE_ROWS).get_by_role("link", name="临县").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"region=141124"))  # type: ignore[attr-defined]
    assert crumbs(browser_page, "山西省›吕梁市›临县") == "山西省›吕梁市›临县"
    page.wait_for_function("document.querySelector('#targets-detail')?.innerText.includes('临县')")  # type: ignore[attr-defined]
    settle(browser_page)
    got = params(browser_page)
    assert got["indicator"] == "online_service_rate" and got["pillar"] == "fuwu" and got["region"] == "141124"
    selected = page.locator(f"{TABLE_ROWS}.selected")  # type: ignore[attr-defined]
    assert selected.count() == 1 and "临县" in selected.inner_text()  # the county among its siblings
    browser_page.screenshot("targets-county-1920x1080")
    page.click(".plan-crumbs >> text=吕梁市")  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"region=141100"))  # type: ignore[attr-defined]
    assert browser_page.console_errors == []


def test_deep_link_to_an_indicator_and_region(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_page(
        browser_page,
        live_server.url + "/targets?region=141124&indicator=admin_review_correction_rate&year=2025",
    )
    assert crumbs(browser_page, "山西省›吕梁市›临县") == "山西省›吕梁市›临县"
    assert "临县 · 行政复议纠错率" in page.inner_text("#targets-detail")  # type: ignore[attr-defined]
    assert "↓越低越好" in page.inner_text("#targets-detail")  # type: ignore[attr-defined]
    assert page.inner_text("#targets-years .seg-btn.active") == "2025年"  # type: ignore[attr-defined]
    assert "2025年第4季度" in page.inner_text("#targets-kpis")  # type: ignore[attr-defined]
    assert page.locator(".tree-ind.selected").inner_text().startswith("复议纠错率")  # type: ignore[attr-defined]
    # A lagging county: red on its own indicators, ranked last among its siblings.
    open_page(browser_page, live_server.url + "/targets?region=140224&indicator=hotline_satisfaction_rate")
    assert crumbs(browser_page, "山西省›大同市›灵丘县") == "山西省›大同市›灵丘县"
    assert "落后" in page.inner_text("#targets-detail")  # type: ignore[attr-defined]
    assert page.locator(f"{TABLE_ROWS}.selected").inner_text().split("\t")[2] == "灵丘县"  # type: ignore[attr-defined]
    browser_page.screenshot("targets-county-lagging-1920x1080")
    # A tampered link opens a working page with notices instead of an error.
    open_page(browser_page, live_server.url + "/targets?region=999999&indicator=<script>&year=abc&task=x")
    notices = page.inner_text("#targets-notice")  # type: ignore[attr-defined]
    assert "未知地区" in notices and "未知指标" in notices and "年度“abc”无数据" in notices
    assert crumbs(browser_page, "山西省") == "山西省"
    assert page.locator(TABLE_ROWS).count() == 12  # type: ignore[attr-defined]
    assert browser_page.console_errors == []


def test_evaluation_final_and_a_year(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    page.goto(live_server.url + "/evaluation", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_function("!document.querySelector('.loading')")  # type: ignore[attr-defined]
    assert "总结评估（2021–2025年）：山西省23项监测指标中" in page.inner_text("#targets-eval-narrative")  # type: ignore[attr-defined]
    assert "忻州市" in page.inner_text("#targets-eval-regions")  # type: ignore[attr-defined]
    browser_page.screenshot("evaluation-final-1920x1080")
    page.get_by_role("link", name="中期评估（2023年）").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"scope=mid"))  # type: ignore[attr-defined]
    page.wait_for_function(
        "document.querySelector('#targets-eval-narrative')?.innerText.startsWith('中期评估')"
    )  # type: ignore[attr-defined]
    page.get_by_role("link", name="忻州市").first.click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"region=140900"))  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#targets-eval-narrative')?.innerText.includes('忻州市')")  # type: ignore[attr-defined]
    assert params(browser_page)["scope"] == "mid"
    assert_clean(browser_page, live_server.url)
