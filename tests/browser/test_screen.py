"""The big screen as a leader or a staff member meets it, in headless Chromium."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browser, LiveServer, assert_clean, wait_url

pytestmark = pytest.mark.browser
MAP_PATHS = ".js-plotly-plot .choroplethlayer .trace:first-child path.choroplethlocation"


def open_screen(browser: Browser, url: str) -> object:
    """Opens the big screen and waits until it has settled; returns the browser's page."""
    browser.page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
    settle(browser)
    return browser.page


def settle(browser: Browser) -> None:
    """Map painted and every tile filled (or showing its own error)."""
    browser.page.wait_for_selector(MAP_PATHS, timeout=20_000)  # type: ignore[attr-defined]
    # A locator wait, not wait_for_function: it also works with the CSP enforced (no eval).
    expect(browser.page.locator(".tile.loading")).to_have_count(0, timeout=20_000)  # type: ignore[attr-defined]


def crumbs(browser: Browser, expect: str | None = None) -> str:
    """The breadcrumb text; with ``expect``, waits until the re-rendered page shows it."""
    if expect is not None:
        browser.page.wait_for_function(  # type: ignore[attr-defined]
            "e => document.querySelector('#screen-breadcrumb')?.innerText.replace(/\\s/g, '') === e",
            arg=expect,
        )
    return browser.page.inner_text("#screen-breadcrumb").replace("\n", "").replace(" ", "")  # type: ignore[attr-defined]


@pytest.mark.csp
def test_province_at_a_glance_with_no_external_requests(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = open_screen(browser_page, live_server.url + "/")
    assert page.locator(MAP_PATHS).count() == 11  # type: ignore[attr-defined]
    for selector in (
        ".tile-kpis",
        ".tile-pillars",
        ".tile-emergency",
        ".tile-pulse",
        ".tile-map-footer",
        ".tile-trend",
    ):
        page.wait_for_selector(selector)  # type: ignore[attr-defined]
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert "全程网办率" in body and "入库" in body and "来源" in body
    assert "暂时无法加载" not in body
    browser_page.screenshot("screen-province-1920x1080")
    assert_clean(browser_page, live_server.url)
    # plotly's world topology is handed over by assets/geo_assets.js, not fetched before each paint.
    assert not [url for url in browser_page.requests if "topojson" in url]


# Records, when the wall first asks for its tiles, how many regions the map has drawn by then.
_TILES_ASKED = """(() => {
  const fetch = window.fetch;
  window.cockpitTilesAskedWithMap = null;
  window.fetch = function (url, options) {
    const body = String((options && options.body) || "");
    if (String(url).includes("_dash-update-component") && body.includes('\\"kpis\\"')
        && window.cockpitTilesAskedWithMap === null) {
      window.cockpitTilesAskedWithMap = document.querySelectorAll("#screen-map .choroplethlayer .trace:first-child path.choroplethlocation").length;
    }
    return fetch.apply(this, arguments);
  };
})()"""


def test_the_tiles_are_asked_for_once_the_map_is_drawn(
    live_server: LiveServer, browser_page: Browser
) -> None:
    """The map paints first: the tiles' answer, rendered while plotly drew the map, held it back."""
    browser_page.page.add_init_script(_TILES_ASKED)  # type: ignore[attr-defined]
    page = open_screen(browser_page, live_server.url + "/?region=141100")
    assert page.evaluate("window.cockpitTilesAskedWithMap") == 13  # type: ignore[attr-defined]  # 吕梁's counties
    assert "全程网办率" in page.inner_text(".tile-kpis")  # type: ignore[attr-defined]


def test_the_layout_is_asked_for_once_while_the_scripts_load(
    live_server: LiveServer, browser_page: Browser
) -> None:
    """assets/early_layout.js asks for the page's layout from the head; Dash's renderer takes that
    answer instead of asking again once it has booted."""
    page = open_screen(browser_page, live_server.url + "/?region=141100")
    asked = page.evaluate(  # type: ignore[attr-defined]
        """() => performance.getEntriesByType("resource").filter(e => /_dash-(layout|dependencies)$/.test(e.name))
                 .map(e => [e.name.split("/").pop(), e.startTime])"""
    )
    served = page.evaluate("window.cockpitEarlyServed")  # type: ignore[attr-defined]
    # One request each, and the renderer was handed those answers rather than asking again.
    assert sorted(name for name, _ in asked) == ["_dash-dependencies", "_dash-layout"]
    assert sorted(path.rsplit("/", 1)[-1] for path in served) == ["_dash-dependencies", "_dash-layout"]
    assert "吕梁" in crumbs(browser_page)


def test_the_grid_library_is_fetched_by_the_first_page_with_a_grid(
    live_server: LiveServer, browser_page: Browser
) -> None:
    """cockpit.lazy_grid: the wall never runs dash-ag-grid's 1.3 MB bundle; the explorer, reached from
    the wall without a reload, fetches it once and its grid fills through the stand-in."""
    grid_scripts = """() => performance.getEntriesByType("resource").map(e => e.name)
                       .filter(n => n.includes("/dash_ag_grid/dash_ag_grid"))"""
    page = open_screen(browser_page, live_server.url + "/?region=141100")
    assert page.evaluate(grid_scripts) == []  # type: ignore[attr-defined]
    page.evaluate(  # type: ignore[attr-defined]
        """() => { history.pushState({}, "", "/explorer?region=141100");
                   window.dispatchEvent(new CustomEvent("_dashprivate_pushstate")); }"""
    )
    page.wait_for_selector("#explorer-grid .ag-row:not(.ag-row-loading) .ag-cell", timeout=30_000)  # type: ignore[attr-defined]
    assert len(page.evaluate(grid_scripts)) == 1  # type: ignore[attr-defined]
    assert page.locator("#explorer-grid .cockpit-grid-pending").count() == 0  # type: ignore[attr-defined]


def test_drill_city_county_and_back(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_screen(browser_page, live_server.url + "/")
    page.locator(MAP_PATHS).nth(10).click(force=True)  # type: ignore[attr-defined]  # adcode order: 吕梁市 last
    wait_url(page, re.compile(r"region=141100"))  # type: ignore[attr-defined]
    page.wait_for_function(
        "document.querySelectorAll('.choroplethlayer .trace:first-child path').length === 13"
    )  # type: ignore[attr-defined]
    assert crumbs(browser_page, "山西省›吕梁市") == "山西省›吕梁市"
    page.locator(MAP_PATHS).nth(3).click(force=True)  # type: ignore[attr-defined]
    # A county of 吕梁市 (not the city itself: the URL of the city view already matches 1411..).
    wait_url(page, re.compile(r"region=1411(?!00)\d\d"))  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#screen-breadcrumb').innerText.split('›').length === 3")  # type: ignore[attr-defined]
    county = page.url.split("region=")[1][:6]  # type: ignore[attr-defined]
    assert county.startswith("1411") and county != "141100"
    settle(browser_page)
    browser_page.screenshot("screen-county-1920x1080")
    page.click("#screen-back")  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"region=141100"))  # type: ignore[attr-defined]
    assert crumbs(browser_page, "山西省›吕梁市") == "山西省›吕梁市"


def test_deep_link_opens_exactly_that_view(live_server: LiveServer, browser_page: Browser) -> None:
    routed: list[str] = []  # the page router's requests: the page should come with its layout
    browser_page.page.on(  # type: ignore[attr-defined]
        "request", lambda req: routed.append(req.url) if "_pages_content" in (req.post_data or "") else None
    )
    page = open_screen(
        browser_page, live_server.url + "/?region=141124&indicator=hotline_close_rate&period=2026-09"
    )
    assert crumbs(browser_page, "山西省›吕梁市›临县") == "山西省›吕梁市›临县"
    assert routed == []
    assert "12345热线办结率" in page.inner_text(".map-toolbar")  # type: ignore[attr-defined]
    page.wait_for_selector(".tile-map-footer")  # type: ignore[attr-defined]
    assert "2026年9月" in page.inner_text(".tile-map-footer")  # type: ignore[attr-defined]
    # A tampered link still opens a working screen, with a notice instead of an error.
    open_screen(browser_page, live_server.url + "/?region=999999&indicator=<script>&period=2026-13")
    assert crumbs(browser_page, "山西省") == "山西省"
    assert "未知地区" in page.inner_text(".map-toolbar")  # type: ignore[attr-defined]


def test_search_by_pinyin_initials_jumps_to_the_region(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = open_screen(browser_page, live_server.url + "/")
    page.click("#screen-search")  # type: ignore[attr-defined]
    page.keyboard.type("lx")  # type: ignore[attr-defined]
    page.get_by_text("临县（地区）").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"region=141124"))  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#screen-breadcrumb').innerText.includes('临县')")  # type: ignore[attr-defined]
    # Full pinyin with a space, in the place reading (pypinyin alone reads 长治 as zhǎng zhì).
    page.click("#screen-search")  # type: ignore[attr-defined]
    page.keyboard.type("chang zhi")  # type: ignore[attr-defined]
    page.get_by_text("长治市（地区）").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"region=140400"))  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#screen-breadcrumb').innerText.includes('长治市')")  # type: ignore[attr-defined]
    # A search that finds nothing says so in Chinese (Dash's own words would be "No options found").
    page.click("#screen-search")  # type: ignore[attr-defined]
    page.keyboard.type("qqqq")  # type: ignore[attr-defined]
    page.get_by_text("没有匹配的选项").wait_for()  # type: ignore[attr-defined]
    assert "No options" not in page.inner_text("body")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]


@pytest.mark.parametrize("browser_page", [(3840, 2160), (5760, 1080), (1366, 768)], indirect=True)
def test_canvas_scales_to_the_wall_without_scrollbars(live_server: LiveServer, browser_page: Browser) -> None:
    page = open_screen(browser_page, live_server.url + "/")
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[attr-defined]
    scale = float(page.get_attribute("#canvas", "data-scale"))  # type: ignore[attr-defined]
    design_width = int(page.get_attribute("#canvas", "data-width"))  # type: ignore[attr-defined]
    assert design_width == round(
        min(max(width / height * 1080, 1920), 5760)
    )  # a spliced wall gets a wider canvas
    assert scale == pytest.approx(min(width / design_width, height / 1080), abs=1e-3)
    overflow = page.evaluate(
        "[document.documentElement.scrollWidth > innerWidth, document.documentElement.scrollHeight > innerHeight]"
    )  # type: ignore[attr-defined]
    assert overflow == [False, False]
    box = page.locator("#canvas").bounding_box()  # type: ignore[attr-defined]
    assert box["x"] >= -0.5 and box["y"] >= -0.5
    assert box["x"] + box["width"] <= width + 0.5 and box["y"] + box["height"] <= height + 0.5
    browser_page.screenshot(f"screen-{width}x{height}")


def test_kiosk_rotates_cities_and_pauses_on_interaction(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = open_screen(browser_page, live_server.url + "/?kiosk=1&interval=2&resume=30")
    seen: list[str] = []
    # Up to 20 s for three 2-second steps: a cold city map (the plan's assessment) on a loaded CI
    # machine can hold a step back; the loop ends as soon as three cities were seen.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(seen) < 3:
        match = re.search(r"region=(\d{6})", page.url)  # type: ignore[attr-defined]
        if match and (not seen or seen[-1] != match.group(1)):
            seen.append(match.group(1))
        page.wait_for_timeout(200)  # type: ignore[attr-defined]  # (time.sleep would freeze page.url)
    # The playlist: the province, then each city in turn, round and round. Where it stands when the
    # page has settled depends on the machine's speed; the steps seen must follow the cycle.
    cycle = ["140000", *page.get_attribute("#playlist-data", "data-cities").split(",")]  # type: ignore[attr-defined]
    assert len(seen) >= 3 and all(a in cycle for a in seen), seen
    assert all(cycle[(cycle.index(a) + 1) % len(cycle)] == b for a, b in itertools.pairwise(seen)), seen
    assert page.is_hidden("#screen-search")  # type: ignore[attr-defined]  # no controls on the wall
    page.mouse.move(400, 400)  # type: ignore[attr-defined]
    page.mouse.move(600, 500, steps=5)  # type: ignore[attr-defined]
    paused_at = page.url  # type: ignore[attr-defined]
    page.wait_for_timeout(4500)  # type: ignore[attr-defined]
    assert page.url == paused_at  # type: ignore[attr-defined]
    assert "暂停" in page.inner_text(".kiosk-badge")  # type: ignore[attr-defined]


def test_watchdog_shows_outage_and_reloads_on_recovery(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = open_screen(browser_page, live_server.url + "/?region=140100")
    page.route("**/healthz", lambda route: route.abort())  # type: ignore[attr-defined]
    page.evaluate("window.cockpitWall.watchdog()")  # type: ignore[attr-defined]
    page.wait_for_selector(".offline-banner")  # type: ignore[attr-defined]
    assert "连接中断" in page.inner_text(".offline-banner")  # type: ignore[attr-defined]
    page.unroute("**/healthz")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.evaluate("window.cockpitWall.watchdog()")  # type: ignore[attr-defined]
    open_screen(browser_page, page.url)  # type: ignore[attr-defined]
    assert page.query_selector(".offline-banner") is None  # type: ignore[attr-defined]


def test_a_failing_tile_does_not_block_the_others(
    live_server: LiveServer, browser_page: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.warehouse.hotline_queries import HotlineQueries

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("hotline database unreachable")

    monkeypatch.setattr(HotlineQueries, "hotline_pulse", broken)
    page = open_screen(browser_page, live_server.url + "/?region=140700")
    page.wait_for_selector(".tile-pulse .tile-error")  # type: ignore[attr-defined]
    assert "暂时无法加载" in page.inner_text(".tile-pulse")  # type: ignore[attr-defined]
    assert "全程网办率" in page.inner_text(".tile-kpis")  # type: ignore[attr-defined]
    assert page.locator(MAP_PATHS).count() == 11  # type: ignore[attr-defined]  # 晋中市's counties


def test_the_wall_s_clock_is_beijing_s_in_a_browser_in_utc(
    live_server: LiveServer, browser_page: Browser
) -> None:
    from datetime import UTC, datetime

    page = browser_page.page
    for moment, shown in ((datetime(2026, 11, 28, 15, 30, tzinfo=UTC), "2026年11月28日 23:30"),
                          (datetime(2026, 11, 28, 16, 30, tzinfo=UTC), "2026年11月29日 00:30")):  # fmt: skip
        page.clock.set_fixed_time(moment)  # type: ignore[attr-defined]
        page.goto(live_server.url + "/", wait_until="domcontentloaded")  # type: ignore[attr-defined]
        assert page.evaluate("new Date().getHours()") == moment.hour  # type: ignore[attr-defined]  # the browser's own zone: UTC
        expect(page.locator("#screen-clock")).to_have_text(shown, timeout=20_000)  # type: ignore[attr-defined]
