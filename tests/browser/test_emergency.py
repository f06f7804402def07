"""/emergency in headless Chromium: province → city → county, an incident's detail, bad links, and an
alarm that a feed raises while the page is open and that stays until someone acknowledges it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.settings import Settings
from tests.browser.conftest import (
    BROWSER_USER,
    Browser,
    LiveServer,
    assert_clean,
    external_requests,
    open_bad_url,
    open_events,
    serve,
    settle_events,
    wait_url,
    warehouse_copy,
)

pytestmark = pytest.mark.browser
MAP = ".panel-map .js-plotly-plot"
REGIONS = f"{MAP} .choroplethlayer path.choroplethlocation"


HIDE_MARKERS = """() => { const gd = document.querySelector('.panel-map .js-plotly-plot');
  const markers = gd.data.map((t, i) => t.type === 'scattergeo' ? i : -1).filter(i => i >= 0);
  return markers.length ? Plotly.restyle(gd, {visible: false}, markers) : null; }"""


def click_region(browser: Browser, index: int) -> None:
    # Plotly gives a click to the nearest incident marker; with the markers hidden it reaches the region.
    browser.page.evaluate(HIDE_MARKERS)  # type: ignore[attr-defined]
    browser.page.locator(REGIONS).nth(index).click(force=True)  # type: ignore[attr-defined]


def test_province_city_county_and_an_incident(live_server: LiveServer, browser_page: Browser) -> None:
    panels = ("“一颗星”应急指挥", "未结案事件", "生效预警", "事件时间轴", "分地区统计", "类别与级别",
              "GCJ-02")  # fmt: skip
    page = open_events(browser_page, live_server.url + "/emergency", shows={"body": panels})
    assert "暂时无法加载" not in page.inner_text("body")  # type: ignore[attr-defined]
    assert page.locator(REGIONS).count() >= 11  # type: ignore[attr-defined]
    browser_page.screenshot("emergency-province-1920x1080")

    click_region(browser_page, 0)
    city = settle_events(browser_page, re.compile(r"region=14\d\d00"), crumbs=2)
    assert city[0] == "山西省" and city[1].endswith("市")
    click_region(browser_page, 1)
    chain = settle_events(browser_page, re.compile(r"region=14\d\d(?!00)\d\d"), crumbs=3)
    assert chain[:2] == city
    assert chain[2] in page.inner_text(".panel-stats")  # type: ignore[attr-defined]  # the county's own row
    browser_page.screenshot("emergency-county-1920x1080")

    # An incident from the list opens its detail: where, level, the four stages, casualties, times.
    open_events(browser_page, live_server.url + "/emergency?region=140000")
    page.locator(".panel-list a").first.click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"incident=YJ"))  # type: ignore[attr-defined]
    page.wait_for_selector(".panel-detail .steps")  # type: ignore[attr-defined]
    detail = page.inner_text(".panel-detail")  # type: ignore[attr-defined]
    for text in ("已报告", "处置中", "已控制", "已结案", "报告用时", "伤亡", "直接经济损失", "GCJ-02"):
        assert text in detail, text
    settle_events(browser_page)
    browser_page.screenshot("emergency-incident-1920x1080")
    assert_clean(browser_page, live_server.url)


def test_a_marker_on_the_timeline_opens_its_incident(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    open_events(browser_page, live_server.url + "/emergency?region=141100&period=2025")
    page.locator(".panel-timeline .scatterlayer .point").first.click(force=True)  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"incident=YJ2025-"))  # type: ignore[attr-defined]
    assert "region=141100" in page.url  # type: ignore[attr-defined]
    page.wait_for_selector(".panel-detail .steps")  # type: ignore[attr-defined]


def test_bad_links_and_tampered_clicks_give_notices_not_errors(
    live_server: LiveServer, browser_page: Browser
) -> None:
    tampered = "/emergency?region=999999&period=2026-13&incident=nope&category=<b>&level=V"
    open_bad_url(browser_page, live_server.url + tampered,
                 ("未知地区", "统计期", "未找到事件编号", "未知事件类别", "未知事件级别"))  # fmt: skip
    page = open_events(browser_page, live_server.url + "/emergency?from=2026-11-20&to=2026-11-01",
                       shows={".events-header": "时间范围"})  # fmt: skip
    before = page.url  # type: ignore[attr-defined]
    # A forged click naming a region that does not exist changes nothing.
    page.evaluate(
        f"document.querySelector('{MAP}').emit('plotly_click', {{points: [{{location: '999999'}}]}})"
    )  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    assert page.url == before  # type: ignore[attr-defined]
    assert browser_page.console_errors == []


@pytest.fixture(scope="module")
def alarm_server(
    demo_warehouse: tuple[Settings, dict[str, object]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo on its own copy of the warehouse, so a feed can load into it while the page is open."""
    with serve(warehouse_copy(demo_warehouse[0], tmp_path_factory.mktemp("alarm"))) as server:
        yield server


def _new_incident(path: Path) -> None:
    record = {"eventId": "YJ2026-900001", "eventName": "临县煤矿透水事故", "eventType": "事故灾难", "eventLevel": "Ⅱ级",
              "areaCode": "141124", "longitude": 110.99, "latitude": 37.95, "status": "处置中",
              "occurTime": "2026-11-28 20:10:00", "reportTime": "2026-11-28 20:25:00",
              "responseTime": "2026-11-28 20:40:00", "controlTime": None, "closeTime": None, "deathNum": 4,
              "injuredNum": 6, "directLoss": 1250.5, "updateTime": "2026-11-28 21:00:00"}  # fmt: skip
    path.write_text(
        json.dumps({"code": 0, "msg": "ok", "data": [record]}, ensure_ascii=False), encoding="utf-8"
    )


def test_a_new_level_ii_incident_alarms_until_acknowledged(
    alarm_server: LiveServer, browser_page: Browser, tmp_path: Path
) -> None:
    from etl.runner import run_feed

    page = browser_page.page
    open_events(browser_page, alarm_server.url + "/emergency")
    assert "当前无Ⅰ、Ⅱ级突发事件和红色预警告警" in page.inner_text(".alarm-bar")  # type: ignore[attr-defined]
    # The 一颗星 feed delivers a level II incident; the next render (refresh or reload) shows the alarm.
    _new_incident(tmp_path / "push.json")
    result = run_feed(alarm_server.settings, "emergency_incidents", str(tmp_path / "push.json"))
    assert result.counts.inserted == 1
    open_events(browser_page, alarm_server.url + "/emergency")
    page.wait_for_selector(".alarm-item.pending")  # type: ignore[attr-defined]
    assert "Ⅱ级（重大）突发事件：临县煤矿透水事故" in page.inner_text(".alarm-bar")  # type: ignore[attr-defined]
    assert "未确认告警 1" in page.inner_text(".alarm-bar")  # type: ignore[attr-defined]
    browser_page.screenshot("emergency-alarm-1920x1080")
    # The signed-in administrator holds the duty: the acknowledgement is theirs, with the note given.
    page.fill("#emergency-ack-note", "已通知临县应急局")  # type: ignore[attr-defined]
    page.click(".ack-btn")  # type: ignore[attr-defined]
    page.wait_for_selector(".alarm-item.acked")  # type: ignore[attr-defined]
    assert f"已由{BROWSER_USER}于" in page.inner_text(".alarm-bar")  # type: ignore[attr-defined]
    assert "已通知临县应急局" in page.inner_text(".alarm-bar")  # type: ignore[attr-defined]
    open_events(browser_page, alarm_server.url + "/emergency?region=141100")
    assert page.locator(".alarm-item.pending").count() == 0  # type: ignore[attr-defined]
    assert BROWSER_USER in page.inner_text(".alarm-bar")  # type: ignore[attr-defined]
    # The alarm links to the incident's detail.
    page.click(".alarm-item.acked .alarm-title")  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"incident=YJ2026-900001"))  # type: ignore[attr-defined]
    page.wait_for_selector(".panel-detail .steps")  # type: ignore[attr-defined]
    assert "临县煤矿透水事故" in page.inner_text(".panel-detail")  # type: ignore[attr-defined]
    assert external_requests(browser_page.requests, alarm_server.url) == []
