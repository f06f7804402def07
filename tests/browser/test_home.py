"""What a user sees on the (placeholder) home page, and that nothing leaves the intranet."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Browser, LiveServer

pytestmark = pytest.mark.browser


def test_home_serves_warehouse_data_with_no_external_requests(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = browser_page.page
    page.goto(live_server.url + "/", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector("text=吕梁市")  # type: ignore[attr-defined]
    text = page.inner_text("body")  # type: ignore[attr-defined]
    assert "山西省政府治理领导驾驶舱" in text
    assert "政务服务事项全程网办率（2026年10月）" in text
    assert "95.7%" in text  # 吕梁市's value from the feed, formatted in Chinese style
    assert "indicator_monthly" in text  # lineage: which feed the numbers came from
    browser_page.screenshot("home-1920x1080")
    external = [
        u for u in browser_page.requests if not u.startswith(live_server.url) and not u.startswith("data:")
    ]
    assert external == []
    assert len(browser_page.requests) > 5  # the page really loaded its scripts from our origin
    assert browser_page.console_errors == []


def test_home_indicator_switch_updates_the_table(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    page.goto(live_server.url + "/?indicator=hotline_close_rate", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector("text=12345热线办结率")  # type: ignore[attr-defined]
    assert "暂无数据" in page.inner_text("body")  # type: ignore[attr-defined]
