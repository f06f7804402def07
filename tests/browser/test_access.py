"""Signing in and out as a person does, a city user's scope in the browser, and the wall's kiosk
account rotating on across session expiry with nobody at the keyboard."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cockpit.access import audit
from cockpit.exports.tables import read_csv_export
from cockpit.settings import Settings
from tests.browser.conftest import (
    Browser,
    LiveServer,
    external_requests,
    serve,
    settle_events,
    sign_in,
    wait_url,
    warehouse_copy,
)
from tests.browser.test_region import click_region, wait_map

pytestmark = [pytest.mark.browser, pytest.mark.anonymous]
CITY = "141100"  # 吕梁市
COUNTY = "141124"  # 临县, one of its counties
SIBLING_CITY = "140100"  # 太原市


def test_sign_in_drill_export_and_sign_out(
    live_server: LiveServer, browser_page: Browser, tmp_path: Path
) -> None:
    page = browser_page.page
    # Signed out, a deep link lands on the sign-in form and comes back to it afterwards.
    page.goto(live_server.url + f"/region/{CITY}", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    assert "/login?next=" in page.url and page.locator("#login-submit").count() == 1  # type: ignore[attr-defined]
    sign_in(
        browser_page,
        live_server,
        "browser-city-staff",
        "staff",
        CITY,
        next_path=f"/login?next=/region/{CITY}",
    )
    wait_url(page, re.compile(rf"/region/{CITY}"))
    wait_map(browser_page)
    assert "吕梁市 · 区域画像" in page.inner_text("h1")  # type: ignore[attr-defined]
    assert "browser-city-staff" in page.inner_text(".nav-user")  # type: ignore[attr-defined]
    # Drill by the map into one of the city's counties, then export the rows behind a figure.
    click_region(browser_page, COUNTY)
    wait_url(page, re.compile(rf"/region/{COUNTY}"))
    expect(page.locator("h1")).to_contain_text("临县", timeout=30_000)  # type: ignore[attr-defined]
    page.click(".row-online_service_rate a.drill >> nth=0")  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"/explorer\?"))
    page.wait_for_selector("#explorer-grid .ag-row:not(.ag-row-loading) .ag-cell", timeout=30_000)  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("text=导出 CSV")  # type: ignore[attr-defined]
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    _, table = read_csv_export(saved.read_bytes())
    assert len(table) and set(table["地区代码"]) == {COUNTY}
    # Another city by a typed link: refused on the page, not swapped for something else.
    page.goto(live_server.url + f"/region/{SIBLING_CITY}", wait_until="networkidle")  # type: ignore[attr-defined]
    expect(page.locator(".refused")).to_contain_text("无权查看", timeout=20_000)  # type: ignore[attr-defined]
    assert "太原" not in page.inner_text("body")  # type: ignore[attr-defined]
    # Sign out from the navigation bar: back to the form, and the pages are closed again.
    page.goto(live_server.url + f"/region/{CITY}", wait_until="networkidle")  # type: ignore[attr-defined]
    with page.expect_navigation(wait_until="domcontentloaded"):  # type: ignore[attr-defined]
        page.click("#nav-logout")  # type: ignore[attr-defined]
    assert page.url.endswith("/login")  # type: ignore[attr-defined]
    page.goto(live_server.url + "/explorer", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]
    assert page.request.get(live_server.url + "/api/v1/indicators").status == 401  # type: ignore[attr-defined]

    rows = audit.query(live_server.settings, username="browser-city-staff")
    assert {"signin", "view", "export", "denied", "signout"} <= set(rows["event"])
    exported = rows[rows["event"] == "export"]
    assert (exported["region"] == COUNTY).any() and exported["detail"].str.contains("csv").any()
    assert (rows[rows["event"] == "denied"]["region"] == SIBLING_CITY).any()
    assert external_requests(browser_page.requests, live_server.url) == []
    assert browser_page.console_errors == []


@pytest.fixture(scope="module")
def short_session_server(
    demo_warehouse: tuple[Settings, dict[str, object]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo with sessions that end after ~5 s whatever happens (the absolute limit)."""
    root = tmp_path_factory.mktemp("short-session")
    with serve(warehouse_copy(demo_warehouse[0], root, session_max_hours=5 / 3600)) as server:
        yield server


def test_the_wall_rotates_on_across_session_expiry(
    short_session_server: LiveServer, browser_page: Browser
) -> None:
    server, page = short_session_server, browser_page.page
    # The kiosk account signs in once (an operator does it when the wall is set up) and lands on
    # the rotating wall; its device cookie is what carries it past the session's end.
    sign_in(browser_page, server, "browser-wall", "kiosk")
    page.wait_for_selector(".choroplethlayer path.choroplethlocation", timeout=30_000)  # type: ignore[attr-defined]
    page.goto(server.url + "/?kiosk=1&interval=2&resume=60", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    seen: list[str] = []
    deadline = time.monotonic() + 26  # several whole sessions (5 s each)
    while time.monotonic() < deadline and len(seen) < 8:
        match = re.search(r"region=(\d{6})", page.url)  # type: ignore[attr-defined]
        if match and (not seen or seen[-1] != match.group(1)):
            seen.append(match.group(1))
        page.wait_for_timeout(250)  # type: ignore[attr-defined]
    assert len(seen) >= 6, seen  # kept rotating: well past the first session's end
    assert "/login" not in page.url  # type: ignore[attr-defined]
    page.wait_for_selector(".choroplethlayer path.choroplethlocation", timeout=10_000)  # type: ignore[attr-defined]
    assert "暂时无法加载" not in page.inner_text("body")  # type: ignore[attr-defined]
    signins = audit.query(server.settings, event="signin", username="browser-wall")
    assert signins["detail"].str.contains('"device"').sum() >= 2  # signed itself in again, silently
    # The wall shows no desk links, and a desk page typed into it is refused (and audited).
    assert page.locator("a.header-btn:has-text('数据源')").is_hidden()  # type: ignore[attr-defined]
    page.goto(server.url + "/targets", wait_until="networkidle")  # type: ignore[attr-defined]
    expect(page.locator(".refused")).to_contain_text("无权查看业务页面", timeout=20_000)  # type: ignore[attr-defined]
    assert (audit.query(server.settings, event="denied", username="browser-wall")["detail"]
            .str.contains("desk").any())  # fmt: skip
    assert external_requests(browser_page.requests, server.url) == []


def test_an_administrator_pages_through_the_audit_log(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    sign_in(browser_page, live_server, "browser-auditor", "admin")
    page.goto(live_server.url + "/admin/audit?event=signin", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector("#audit-grid .ag-row:not(.ag-row-loading) .ag-cell", timeout=30_000)  # type: ignore[attr-defined]
    expect(page.locator("#audit-status")).to_contain_text("共", timeout=20_000)  # type: ignore[attr-defined]
    events = page.locator("#audit-grid .ag-cell[col-id='event_name']").all_inner_texts()  # type: ignore[attr-defined]
    assert events and set(events) == {"登录"}
    assert page.locator(".audit-page .notice").count() == 0  # type: ignore[attr-defined]
    # A bad filter in the URL is dropped with a notice, not an error.
    page.goto(live_server.url + "/admin/audit?region=14", wait_until="networkidle")  # type: ignore[attr-defined]
    expect(page.locator(".audit-page .notice")).to_contain_text("地区代码须为 6 位数字", timeout=20_000)  # type: ignore[attr-defined]
    browser_page.screenshot("audit-1920x1080")
    assert external_requests(browser_page.requests, live_server.url) == []
    assert browser_page.console_errors == []


MAP_REGIONS = """() => { const gd = document.querySelector('.panel-map .js-plotly-plot'); const out = new Set();
  for (const t of gd.data) {
    for (const l of (t.locations || [])) out.add(String(l));
    for (const c of (t.customdata || [])) if (Array.isArray(c) && /^\\d{6}$/.test(String(c[0]))) out.add(String(c[0])); }
  return Array.from(out).sort(); }"""


def test_a_county_user_after_a_leader_on_one_server_sees_only_the_county(
    live_server: LiveServer, browser_page: Browser
) -> None:
    """One server, one process: a leader opens a county's event pages, then that county's own user
    opens the same URLs and must get their own rendering, never the leader's (issue 12)."""
    page = browser_page.page
    urls = [f"{live_server.url}/{name}?region={COUNTY}" for name in ("emergency", "hotline", "regulation")]
    sign_in(browser_page, live_server, "browser-memo-leader", "leader")
    leader_saw = {}
    for url in urls:
        page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
        settle_events(browser_page)
        leader_saw[url] = page.evaluate(MAP_REGIONS)  # type: ignore[attr-defined]
        assert len(leader_saw[url]) >= 13, (url, leader_saw[url])  # all of 吕梁's counties
    with page.expect_navigation(wait_until="domcontentloaded"):  # type: ignore[attr-defined]
        page.click("#nav-logout")  # type: ignore[attr-defined]
    sign_in(browser_page, live_server, "browser-memo-linxian", "staff", COUNTY)
    for url in urls:
        page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
        settle_events(browser_page)
        assert page.evaluate(MAP_REGIONS) == [COUNTY], url  # type: ignore[attr-defined]
        assert "兴县" not in page.inner_text("body"), url  # type: ignore[attr-defined]  # a sibling of 临县
    browser_page.screenshot("regulation-county-after-leader-1920x1080")
    assert external_requests(browser_page.requests, live_server.url) == []
