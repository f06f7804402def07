"""/regulation in headless Chromium: province → city → county (its figures and worst sectors), the
department filter, bad links, and not a single request leaving the app's origin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browser, LiveServer, assert_clean, open_bad_url, open_events, settle_events

pytestmark = pytest.mark.browser
MAP = ".panel-map .js-plotly-plot"
REGIONS = f"{MAP} .choroplethlayer path.choroplethlocation"


def test_province_city_county_with_its_worst_sectors(live_server: LiveServer, browser_page: Browser) -> None:
    panels = ("监管事项认领率", "检查实施清单公布率", "基线 100%", "基线 98%", "双随机抽查", "问题发现率", "罚没金额",
              "失信主体", "信用修复", "分部门", "问题突出行业")  # fmt: skip
    page = open_events(browser_page, live_server.url + "/regulation", shows={"body": panels})
    assert "暂时无法加载" not in page.inner_text("body")  # type: ignore[attr-defined]
    assert page.locator(REGIONS).count() == 11  # type: ignore[attr-defined]
    browser_page.screenshot("regulation-province-1920x1080")

    page.locator(REGIONS).nth(10).click(force=True)  # type: ignore[attr-defined]  # adcode order: 吕梁市 last
    assert settle_events(browser_page, re.compile(r"region=141100"), crumbs=2) == ["山西省", "吕梁市"]
    assert page.locator(REGIONS).count() == 13  # type: ignore[attr-defined]
    page.locator(REGIONS).nth(3).click(force=True)  # type: ignore[attr-defined]
    county = settle_events(browser_page, re.compile(r"region=1411(?!00)\d\d"), crumbs=3)[2]
    assert f"{county} 问题突出行业" in page.inner_text(".panel-sectors")  # type: ignore[attr-defined]
    assert county in page.inner_text(".panel-regions")  # type: ignore[attr-defined]
    browser_page.screenshot("regulation-county-1920x1080")

    # A department in the table filters the page; the map then shows that department's claims.
    page.locator(".panel-departments a", has_text="市场监管局").click()  # type: ignore[attr-defined]
    settle_events(browser_page, re.compile(r"department=%E5%B8%82"))
    # The map panel re-renders after the page settles once: wait for its title, not for a moment.
    expect(page.locator(".panel-map")).to_contain_text("（市场监管局）", timeout=20_000)  # type: ignore[attr-defined]
    assert_clean(browser_page, live_server.url)


def test_bad_links_give_notices(live_server: LiveServer, browser_page: Browser) -> None:
    open_bad_url(browser_page, live_server.url + "/regulation?region=14&period=2099&metric=bogus&department=不存在的局",
                 ("未知地区", "统计期", "未知地图指标", "未知部门"))  # fmt: skip
    open_events(browser_page, live_server.url + "/regulation?region=141124&metric=credit&period=2025",
                shows={".panel-map": "失信主体（在列） · 分地区", ".events-window": "2025年"})  # fmt: skip
