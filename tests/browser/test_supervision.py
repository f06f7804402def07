"""/supervision in headless Chromium: the province at a glance, drill to a city and a county to see
their tasks, filter by state and department, tampered links — and no request leaves the origin."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browser, LiveServer, assert_clean, click_map_region, wait_url

pytestmark = pytest.mark.browser
MAP = ".plan-page .js-plotly-plot"
TASK_ROWS = "#supervision-tasks-rows tbody tr"


def settle(browser: Browser, expect_title: str | None = None) -> None:
    page = browser.page
    if expect_title is not None:
        page.wait_for_function(  # type: ignore[attr-defined]
            "t => document.querySelector('#supervision-tasks')?.innerText.includes(t)",
            arg=expect_title,
            timeout=20_000,
        )
    page.wait_for_function("!document.querySelector('.loading')", timeout=20_000)  # type: ignore[attr-defined]
    page.wait_for_selector(".choroplethlayer path.choroplethlocation", timeout=20_000)  # type: ignore[attr-defined]
    # Long lists are Markdown tables, whose renderer loads on first use: wait until each has drawn.
    page.wait_for_function(  # type: ignore[attr-defined]
        "Array.from(document.querySelectorAll('.html-table')).every(e => e.querySelector('table tbody tr'))",
        timeout=20_000,
    )


def open_page(browser: Browser, url: str, expect_title: str) -> object:
    """Opens /supervision and waits until it has settled on ``expect_title``; returns the browser's page."""
    browser.page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
    settle(browser, expect_title)
    return browser.page


def params(browser: Browser) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(browser.page.url).query).items()}  # type: ignore[attr-defined]


def test_province_at_a_glance(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_page(browser_page, live_server.url + "/supervision", "山西省的督办任务")
    assert page.locator(".choroplethlayer .trace:first-child path.choroplethlocation").count() == 11  # type: ignore[attr-defined]
    kpis = page.inner_text("#supervision-kpis")  # type: ignore[attr-defined]
    for text in ("按期办结率", "清零率", "逾期未办结", "最长逾期", "入库"):
        assert text in kpis
    overdue = page.inner_text("#supervision-overdue")  # type: ignore[attr-defined]
    assert re.search(r"逾期未办结 · \d+件", overdue) and re.search(r"\d+天", overdue)
    ages = [int(t[:-1]) for t in page.locator("#supervision-overdue-rows td.late-days").all_inner_texts()]  # type: ignore[attr-defined]
    assert ages == sorted(ages, reverse=True) and ages[0] > 90  # oldest first
    for text in ("启动", "反馈", "办理", "临期", "清零进度"):
        assert text in page.inner_text(".sup-grid")  # type: ignore[attr-defined]
    assert "省司法厅" in page.inner_text("#supervision-by-department")  # type: ignore[attr-defined]
    browser_page.screenshot("supervision-province-1920x1080")
    assert_clean(browser_page, live_server.url)


def test_drill_to_a_city_and_a_county_shows_their_tasks(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = open_page(browser_page, live_server.url + "/supervision", "山西省的督办任务")
    page.locator("#supervision-by-region-rows").get_by_role("link", name="忻州市").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"region=140900"))  # type: ignore[attr-defined]
    settle(browser_page, "忻州市的督办任务")
    assert "忻州市" in page.inner_text(".plan-crumbs")  # type: ignore[attr-defined]
    click_map_region(browser_page, ".plan-page", "140922")  # 五台县, a lagging county
    wait_url(page, re.compile(r"region=140922"))  # type: ignore[attr-defined]
    settle(browser_page, "五台县的督办任务")
    assert page.inner_text(".plan-crumbs").replace("\n", "").replace(" ", "") == "山西省›忻州市›五台县"  # type: ignore[attr-defined]
    regions = set(page.locator(f"{TASK_ROWS} td:nth-child(5)").all_inner_texts())  # type: ignore[attr-defined]
    assert regions == {"五台县"}
    browser_page.screenshot("supervision-county-1920x1080")
    assert browser_page.console_errors == []


def test_filter_by_state_and_department(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_page(browser_page, live_server.url + "/supervision?region=140000", "全部")
    page.locator("#supervision-status").get_by_role("link", name="逾期未办结").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"status=overdue"))  # type: ignore[attr-defined]
    settle(browser_page, "逾期未办结 ·")
    states = set(page.locator(f"{TASK_ROWS} td:first-child").all_inner_texts())  # type: ignore[attr-defined]
    assert states == {"逾期未办结"}
    # The department of the first overdue task: the filter must keep its tasks and only them.
    dept = page.locator(f"{TASK_ROWS} td:nth-child(4)").first.inner_text()  # type: ignore[attr-defined]
    page.click("#supervision-department")  # type: ignore[attr-defined]
    page.keyboard.type(dept)  # type: ignore[attr-defined]
    # Pick the option itself once the typed search shows it (several units share most characters).
    option = page.get_by_role("option", name=dept, exact=True)  # type: ignore[attr-defined]
    expect(option).to_be_visible(timeout=20_000)
    option.click()
    wait_url(page, re.compile(r"department="))  # type: ignore[attr-defined]
    assert params(browser_page)["department"] == dept and params(browser_page)["status"] == "overdue"
    page.wait_for_function(
        "d => document.querySelector('#supervision-kpis')?.innerText.includes(d)", arg=dept
    )  # type: ignore[attr-defined]
    settle(browser_page, "逾期未办结 ·")
    departments = set(page.locator(f"{TASK_ROWS} td:nth-child(4)").all_inner_texts())  # type: ignore[attr-defined]
    assert departments == {dept}  # the province's overdue tasks of that department only


def test_tampered_link_opens_with_notices(live_server: LiveServer, browser_page: Browser) -> None:
    url = live_server.url + "/supervision?region=abc&department=%3Cscript%3E&status=late"
    page = open_page(browser_page, url, "山西省的督办任务")
    notices = page.inner_text("#supervision-notice")  # type: ignore[attr-defined]
    assert "未知地区" in notices and "责任单位" in notices and "任务状态“late”无效" in notices
    assert browser_page.console_errors == []
