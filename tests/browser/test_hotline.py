"""/hotline in headless Chromium: the county density map drills from the province straight to a county,
bars filter by category, bad links give notices, and nothing is requested from outside."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Browser, LiveServer, assert_clean, open_bad_url, open_events, settle_events

pytestmark = pytest.mark.browser
MAP = ".panel-map .js-plotly-plot"
REGIONS = f"{MAP} .choroplethlayer .trace:first-child path.choroplethlocation"


def test_province_density_by_county_and_drill_to_a_county(
    live_server: LiveServer, browser_page: Browser
) -> None:
    panels = ("受理量", "上年同期", "办结率", "满意率", "按时响应率", "每万人", "本周热点诉求", "诉求类别",
              "受理渠道")  # fmt: skip
    page = open_events(browser_page, live_server.url + "/hotline", shows={"body": panels})
    assert "暂时无法加载" not in page.inner_text("body")  # type: ignore[attr-defined]
    assert page.locator(REGIONS).count() == 117  # type: ignore[attr-defined]  # every county of the province
    browser_page.screenshot("hotline-province-1920x1080")

    page.locator(REGIONS).nth(0).click(force=True)  # type: ignore[attr-defined]  # a county of 太原市
    chain = settle_events(browser_page, re.compile(r"region=1401(?!00)\d\d"), crumbs=3)
    assert chain[:2] == ["山西省", "太原市"]
    assert page.locator(REGIONS).count() == 10  # type: ignore[attr-defined]  # 太原市's counties, this one outlined
    assert chain[2] in page.inner_text(".panel-regions")  # type: ignore[attr-defined]
    browser_page.screenshot("hotline-county-1920x1080")

    # A category bar filters every panel; the choice is in the URL.
    page.locator(".panel-categories .bars .point path").first.click(force=True)  # type: ignore[attr-defined]
    settle_events(browser_page, re.compile(r"category="))
    assert "（" in page.inner_text(".panel-trend .events-panel-title")  # type: ignore[attr-defined]
    assert_clean(browser_page, live_server.url)


def test_bad_links_give_notices(live_server: LiveServer, browser_page: Browser) -> None:
    open_bad_url(browser_page, live_server.url + "/hotline?region=abc&period=2026Q9&category=<script>&channel=飞鸽",
                 ("未知地区", "统计期", "未知诉求类别", "未知渠道"))  # fmt: skip
    page = open_events(browser_page, live_server.url + "/hotline?region=141100&from=2026-01-01&to=2026-03-31",
                       shows={".events-window": "2026年1月1日至2026年3月31日"})  # fmt: skip
    assert page.locator(REGIONS).count() == 13  # type: ignore[attr-defined]
