"""一键政务通 in Chromium's phone emulation (390×844 at DPR 3, 360×780, touch): sign in, read the
alarms, tap-drill province → city → county, search by pinyin, open a desk deep link, switch to the
desk and back; never a sideways scroll, never a request outside the origin, text ≥ 14 px and tap
targets ≥ 44 px. Screenshots go to /tmp/phone-shots/ (and build/screenshots)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browser, LiveServer, assert_clean, sign_in, wait_url

pytestmark = [pytest.mark.browser, pytest.mark.anonymous, pytest.mark.csp]
PHONES = [
    pytest.param({"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
                  "has_touch": True}, id="390x844@3"),
    pytest.param({"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True,
                  "has_touch": True}, id="360x780"),
]  # fmt: skip
SHOTS = Path("/tmp/phone-shots")
LVLIANG, LINXIAN = "141100", "141124"
PHONE_VIEW = re.compile(r"/m(\?|$)")

# Everything a page lays out: wider than the screen would scroll sideways; text under 14 px and tap
# targets under 44 px are named (SVG names scale with the map and are not counted).
LAYOUT_CHECK = """() => {
  const small = [], tiny = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || !el.getClientRects().length) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && parseFloat(getComputedStyle(el).fontSize) < 14) small.push(el.className || el.tagName);
  }
  for (const el of document.querySelectorAll('a, button, input')) {
    if (el.closest('svg') || !el.getClientRects().length || el.type === 'hidden') continue;
    const r = (el.closest('label') || el).getBoundingClientRect();  // a box's label is its target
    if (r.height < 44 || r.width < 44) tiny.push((el.id || el.className || el.tagName) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
  }
  return {scroll: document.scrollingElement.scrollWidth, width: innerWidth, small, tiny};
}"""


def _shot(browser: Browser, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _check_layout(browser: Browser) -> None:
    found: dict[str, Any] = browser.page.evaluate(LAYOUT_CHECK)  # type: ignore[attr-defined]
    assert found["scroll"] <= found["width"], found
    assert found["small"] == [] and found["tiny"] == [], found


def _tap_region(browser: Browser, adcode: str) -> None:
    """A finger on the region's name (its representative point, inside the shape)."""
    page = browser.page
    label = page.locator(f'.m-labels text[data-for="{adcode}"]')  # type: ignore[attr-defined]
    label.scroll_into_view_if_needed()
    box = label.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]


def _crumbs(browser: Browser) -> list[str]:
    text = browser.page.inner_text("#m-crumbs")  # type: ignore[attr-defined]
    return [p.strip() for p in text.split("›")]


@pytest.mark.parametrize("browser_page", PHONES, indirect=True)
def test_a_leader_reads_alarms_drills_by_touch_and_searches_by_pinyin(
    live_server: LiveServer, browser_page: Browser, request: pytest.FixtureRequest
) -> None:
    size = request.node.callspec.id
    page = browser_page.page
    # Sign in on the phone: the same accounts; the wall's address opens the phone view.
    sign_in(browser_page, live_server, "phone-leader", "leader")
    wait_url(page, PHONE_VIEW)
    expect(page.locator("#m-alarms h2")).to_contain_text("告警")  # type: ignore[attr-defined]
    expect(page.locator("#m-kpis .kpi-value[data-figure]")).to_have_count(6)  # type: ignore[attr-defined]
    assert browser_page.page.locator("#m-crumbs").count() == 0  # type: ignore[attr-defined]  # the title says it
    _check_layout(browser_page)
    _shot(browser_page, f"{size}-1-province")

    # A first tap shows the city's value and status; the second drills.
    _tap_region(browser_page, LVLIANG)
    expect(page.locator("#m-map-info")).to_contain_text("吕梁")  # type: ignore[attr-defined]
    expect(page.locator("#m-drill")).to_be_visible()  # type: ignore[attr-defined]
    _shot(browser_page, f"{size}-2-tapped")
    assert f"region={LVLIANG}" not in page.url  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        _tap_region(browser_page, LVLIANG)
    assert f"region={LVLIANG}" in page.url  # type: ignore[attr-defined]
    assert _crumbs(browser_page) == ["山西省", "吕梁市"]
    expect(page.locator(".m-region")).to_have_count(13)  # type: ignore[attr-defined]
    _check_layout(browser_page)
    _shot(browser_page, f"{size}-3-city")

    # …and on to a county, by the button this time.
    _tap_region(browser_page, LINXIAN)
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-drill").tap()  # type: ignore[attr-defined]
    assert f"region={LINXIAN}" in page.url  # type: ignore[attr-defined]
    assert _crumbs(browser_page) == ["山西省", "吕梁市", "临县"]
    expect(page.locator(".m-region.selected")).to_have_count(1)  # type: ignore[attr-defined]
    _check_layout(browser_page)
    _shot(browser_page, f"{size}-4-county")

    # Back up, then search by pinyin.
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-back").tap()  # type: ignore[attr-defined]
    assert _crumbs(browser_page) == ["山西省", "吕梁市"]
    page.locator("#m-search-input").fill("changzhi")  # type: ignore[attr-defined]
    result = page.locator("#m-search-results a", has_text="长治市（地区）")  # type: ignore[attr-defined]
    expect(result).to_be_visible()  # type: ignore[attr-defined]
    _check_layout(browser_page)
    _shot(browser_page, f"{size}-5-search")
    with page.expect_navigation():  # type: ignore[attr-defined]
        result.tap()
    wait_url(page, "**/m?region=140400*")
    assert _crumbs(browser_page) == ["山西省", "长治市"]
    assert_clean(browser_page, live_server.url)


@pytest.mark.parametrize("browser_page", PHONES[:1], indirect=True)
def test_a_desk_link_opens_the_same_view_on_the_phone_and_back(
    live_server: LiveServer, browser_page: Browser
) -> None:
    page = browser_page.page
    sign_in(browser_page, live_server, "phone-staff", "staff")
    wait_url(page, PHONE_VIEW)
    # A link copied on the desk (the wall with indicator and period) opens that view here.
    page.goto(live_server.url + f"/?region={LVLIANG}&indicator=online_service_rate&period=2026-10")  # type: ignore[attr-defined]
    wait_url(page, "**/m?region=141100&indicator=online_service_rate&period=2026-10")
    expect(page.locator("#m-region-name")).to_have_text("吕梁市")  # type: ignore[attr-defined]
    periods = page.locator("#m-ranking [data-period]").evaluate_all(
        "els => [...new Set(els.map(e => e.dataset.period))]"
    )  # type: ignore[attr-defined]
    assert periods == ["2026-10"]
    _check_layout(browser_page)
    _shot(browser_page, "390x844@3-6-deep-link")
    # One chart, full screen: plotly.js only now, every value written at its point.
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-chart-link").tap()  # type: ignore[attr-defined]
    expect(page.locator("#m-chart .textpoint")).to_have_count(12, timeout=30_000)  # type: ignore[attr-defined]
    _check_layout(browser_page)
    page.screenshot(path=str(SHOTS / "390x844@3-6b-chart.png"))  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-chart-back").tap()  # type: ignore[attr-defined]
    wait_url(page, "**/m?region=141100&indicator=online_service_rate&period=2026-10")
    # A region profile's address opens the region's profile: the computed narrative, the briefing.
    page.goto(live_server.url + f"/region/{LINXIAN}")  # type: ignore[attr-defined]
    wait_url(page, f"**/m/profile?region={LINXIAN}")
    expect(page.locator("#m-profile p").first).to_be_visible()  # type: ignore[attr-defined]
    expect(page.locator("#m-brief")).to_be_visible()  # type: ignore[attr-defined]
    _check_layout(browser_page)
    _shot(browser_page, "390x844@3-6c-profile")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-profile-back").tap()  # type: ignore[attr-defined]
    wait_url(page, f"**/m?region={LINXIAN}*")
    # 桌面版: the wall of the same view, kept on this phone, with a way back.
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-desk").tap()  # type: ignore[attr-defined]
    wait_url(page, f"**/?region={LINXIAN}*")
    back = page.locator("#phone-view-link")  # type: ignore[attr-defined]
    expect(back).to_be_visible()
    expect(page.locator(".kpi-card").first).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    _shot(browser_page, "390x844@3-7-desk")
    with page.expect_navigation():  # type: ignore[attr-defined]
        back.tap()
    wait_url(page, f"**/m?region={LINXIAN}*")
    assert_clean(browser_page, live_server.url)


@pytest.mark.parametrize("browser_page", PHONES[1:], indirect=True)
def test_light_theme_and_a_clear_no_network_state(live_server: LiveServer, browser_page: Browser) -> None:
    from tests.conftest import DEFAULT_TEST_PASSWORD, add_user

    page = browser_page.page
    # The sign-in form on a phone, with 记住此设备 ticked.
    add_user(live_server.settings, "phone-remember", "leader", live_server.settings.province_adcode)
    page.goto(live_server.url + "/login")  # type: ignore[attr-defined]
    _check_layout(browser_page)
    page.fill("#username", "phone-remember")  # type: ignore[attr-defined]
    page.fill("#password", DEFAULT_TEST_PASSWORD)  # type: ignore[attr-defined]
    page.locator("#remember").tap()  # type: ignore[attr-defined]
    _shot(browser_page, "360x780-0-login")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#login-submit").tap()  # type: ignore[attr-defined]
    wait_url(page, PHONE_VIEW)
    assert "cockpit_remember" in {c["name"] for c in page.context.cookies()}  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-theme").tap()  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("data-theme") == "light"  # type: ignore[attr-defined]
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 246, 249)"  # type: ignore[attr-defined]
    _check_layout(browser_page)
    _shot(browser_page, "360x780-8-light")
    # The network drops: the page says so and offers to try again; back online, the notice goes.
    notice = page.locator("#m-offline")  # type: ignore[attr-defined]
    expect(notice).to_be_hidden()
    page.context.set_offline(True)  # type: ignore[attr-defined]
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("网络不可用")
    _check_layout(browser_page)
    browser_page.page.screenshot(path=str(SHOTS / "360x780-9-offline.png"))  # type: ignore[attr-defined]
    page.context.set_offline(False)  # type: ignore[attr-defined]
    expect(notice).to_be_hidden()
    assert_clean(browser_page, live_server.url)


LANDSCAPE = {
    "viewport": {"width": 844, "height": 390},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.mark.parametrize("browser_page", [pytest.param(LANDSCAPE, id="844x390@3")], indirect=True)
def test_a_phone_turned_sideways_keeps_the_phone_view(live_server: LiveServer, browser_page: Browser) -> None:
    """Wider than 600 px, but a phone's short side: still the phone view, two columns, no sideways scroll."""
    page = browser_page.page
    sign_in(browser_page, live_server, "phone-leader", "leader")
    wait_url(page, PHONE_VIEW)
    expect(page.locator("#m-kpis .kpi-value[data-figure]")).to_have_count(6)  # type: ignore[attr-defined]
    _check_layout(browser_page)
    page.screenshot(path=str(SHOTS / "844x390@3-landscape.png"))  # type: ignore[attr-defined]
    _tap_region(browser_page, LVLIANG)
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator("#m-drill").tap()  # type: ignore[attr-defined]
    assert _crumbs(browser_page) == ["山西省", "吕梁市"]
    assert_clean(browser_page, live_server.url)
