"""The wall's map reads at a glance: every region named on it, names apart, the map filling its
panel at every wall size, and a click landing on the region it was aimed at, markers or not."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import Browser, LiveServer, serve, wait_url
from tests.browser.test_screen import crumbs, open_screen

pytestmark = pytest.mark.browser

GRAPH = "#screen-map .js-plotly-plot"
TAIYUAN, LVLIANG, XIAODIAN = "140100", "141100", "140105"


@pytest.fixture(scope="module")
def map_server(demo_warehouse: Any) -> Iterator[LiveServer]:
    with serve(demo_warehouse[0]) as server:
        yield server


def _children(browser: Browser, server: LiveServer, adcode: str) -> list[dict[str, Any]]:
    answer = browser.page.request.get(f"{server.url}/api/v1/regions/{adcode}")  # type: ignore[attr-defined]
    assert answer.ok
    return answer.json()["children"]  # type: ignore[no-any-return]


def _wait_for_map(browser: Browser, adcodes: list[str]) -> None:
    """The map drawn for exactly these regions (a drill redraws it in place)."""
    browser.page.wait_for_function(  # type: ignore[attr-defined]
        """([sel, codes]) => { const gd = document.querySelector(sel);
             const t = gd && (gd.data || []).find(t => t.type === 'choropleth' && t.name !== 'alarm');
             const centre = document.getElementById('screen-centre');
             return !!t && gd.querySelector('path.choroplethlocation') !== null
               && JSON.stringify([...t.locations].sort()) === JSON.stringify(codes)
               // arranged for this region's shape (assets/canvas.js) and the graph refitted to it
               && centre.className === window.dash_clientside.canvas.arrange()
               && Math.abs(gd._fullLayout.width - gd.clientWidth) < 2
               && Math.abs(gd._fullLayout.height - gd.clientHeight) < 2; }""",
        arg=[GRAPH, sorted(adcodes)],
    )


def _on_page(browser: Browser, lon: float, lat: float) -> tuple[float, float]:
    """Where a lon/lat is on the page, by the map's own projection, once the map has stopped moving
    (a drill between a tall and a wide region rearranges the centre and the map is refitted)."""
    last = (math.inf, math.inf)
    for _ in range(40):
        here = _projected(browser, lon, lat)
        if math.dist(here, last) < 0.5:
            return here
        last = here
        time.sleep(0.15)
    raise AssertionError("the map kept moving")


def _projected(browser: Browser, lon: float, lat: float) -> tuple[float, float]:
    x, y = browser.page.evaluate(  # type: ignore[attr-defined]
        """([sel, lon, lat]) => { const gd = document.querySelector(sel);
             const [x, y] = gd._fullLayout.geo._subplot.projection([lon, lat]);
             const box = gd.querySelector('.main-svg').getBoundingClientRect();
             const k = box.width / gd._fullLayout.width;
             return [box.left + x * k, box.top + y * k]; }""",
        [GRAPH, lon, lat],
    )
    return float(x), float(y)


def _markers(browser: Browser) -> list[tuple[float, float]]:
    found = browser.page.evaluate(  # type: ignore[attr-defined]
        """(sel) => [...document.querySelectorAll(sel + ' .scattergeo path.point')].map(p => {
             const b = p.getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]; })""",
        GRAPH,
    )
    return [(float(x), float(y)) for x, y in found]


def _click_each(browser: Browser, regions: list[dict[str, Any]], chain: str, back: bool) -> list[float]:
    """Clicks every region's representative point and checks the view lands on that region;
    returns each point's distance to the nearest incident marker."""
    codes = [r["adcode"] for r in regions]
    nearest = []
    for region in regions:
        _wait_for_map(browser, codes)
        x, y = _on_page(browser, region["centroid_lon"], region["centroid_lat"])
        nearest.append(min((math.dist((x, y), m) for m in _markers(browser)), default=math.inf))
        browser.page.mouse.move(x, y)  # type: ignore[attr-defined]
        browser.page.mouse.click(x, y)  # type: ignore[attr-defined]
        assert crumbs(browser, f"{chain}›{region['name']}") == f"{chain}›{region['name']}", region["name"]
        if back:
            browser.page.click("#screen-back")  # type: ignore[attr-defined]
            crumbs(browser, chain)
    return nearest


def test_a_click_on_each_region_s_point_lands_on_that_region(
    map_server: LiveServer, browser_page: Browser
) -> None:
    open_screen(browser_page, map_server.url + "/")
    cities = _children(browser_page, map_server, "140000")
    near = _click_each(browser_page, cities, "山西省", back=True)
    # Not vacuous: some city's point lies within plotly's old 20-px reach of an incident marker.
    assert min(near) < 20, near
    for city, name in ((TAIYUAN, "太原市"), (LVLIANG, "吕梁市")):
        open_screen(browser_page, map_server.url + f"/?region={city}")
        # On a county's view the map still shows its siblings: click one county after another.
        _click_each(browser_page, _children(browser_page, map_server, city), f"山西省›{name}", back=False)


def _labels(browser: Browser) -> list[dict[str, Any]]:
    return browser.page.evaluate(  # type: ignore[attr-defined]
        """(sel) => [...document.querySelectorAll(sel + ' .scattergeo text')].filter(t => t.textContent).map(t => {
             const b = t.getBoundingClientRect();
             return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize),
                     box: [b.left, b.top, b.right, b.bottom]}; })""",
        GRAPH,
    )


def _fill(browser: Browser, sel: str) -> float:
    """How much of its graph the map fills, in the graph's limiting dimension."""
    return float(
        browser.page.evaluate(  # type: ignore[attr-defined]
            """(sel) => { const gd = document.querySelector(sel); const g = gd.getBoundingClientRect();
                 let x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
                 for (const p of gd.querySelectorAll('path.choroplethlocation')) { const b = p.getBoundingClientRect();
                   if (!b.width) continue; x0 = Math.min(x0, b.left); y0 = Math.min(y0, b.top);
                   x1 = Math.max(x1, b.right); y1 = Math.max(y1, b.bottom); }
                 return Math.max((x1 - x0) / g.width, (y1 - y0) / g.height); }""",
            sel,
        )
    )


def _overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            ax0, ay0, ax1, ay1 = a["box"]
            bx0, by0, bx1, by1 = b["box"]
            if ax0 < bx1 - 1 and bx0 < ax1 - 1 and ay0 < by1 - 1 and by0 < ay1 - 1:
                found.append((a["text"], b["text"]))
    return found


VIEWS = (("/", "140000", "province"), (f"/?region={TAIYUAN}", TAIYUAN, "taiyuan"),
         (f"/?region={XIAODIAN}", TAIYUAN, "xiaodian"))  # fmt: skip


@pytest.mark.parametrize("browser_page", [(1920, 1080), (3840, 2160), (5760, 1080)], indirect=True)
def test_every_region_is_named_apart_and_the_map_fills_its_panel(
    map_server: LiveServer, browser_page: Browser
) -> None:
    page = browser_page.page
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[attr-defined]
    for url, parent, name in VIEWS:
        open_screen(browser_page, map_server.url + url)
        regions = _children(browser_page, map_server, parent)
        _wait_for_map(browser_page, [r["adcode"] for r in regions])
        scale = float(page.get_attribute("#canvas", "data-scale"))  # type: ignore[attr-defined]
        labels = _labels(browser_page)
        assert sorted(label["text"] for label in labels) == sorted(r["short_name"] for r in regions), name
        # At least 16 px on the 1080-px design canvas, whatever the wall's scale.
        assert min(label["size"] for label in labels) >= 16, name
        assert _overlapping(labels) == [], name
        if name == "xiaodian":  # the county shown is the emphasised one
            shown = next(label for label in labels if label["text"] == "小店")
            assert shown["size"] > min(label["size"] for label in labels)
        assert _fill(browser_page, GRAPH) >= 0.85, (name, _fill(browser_page, GRAPH))
        assert scale > 0
        assert _overlapping(_ticks(browser_page, ".tile-trend .js-plotly-plot")) == [], name
        browser_page.screenshot(f"map-{name}-{width}x{height}")
    page.goto(map_server.url + "/emergency")  # type: ignore[attr-defined]
    page.wait_for_selector(".panel-map .js-plotly-plot path.choroplethlocation")  # type: ignore[attr-defined]
    assert _fill(browser_page, ".panel-map .js-plotly-plot") >= 0.85
    browser_page.screenshot(f"emergency-map-{width}x{height}")


def _ticks(browser: Browser, sel: str) -> list[dict[str, Any]]:
    """The axes' tick labels of a chart, as boxes (the trend's 85% must not sit on its 2021)."""
    browser.page.wait_for_selector(sel + " .xtick text")  # type: ignore[attr-defined]
    return browser.page.evaluate(  # type: ignore[attr-defined]
        """(sel) => [...document.querySelectorAll(sel + ' .xtick text, ' + sel + ' .ytick text')].map(t => {
             const b = t.getBoundingClientRect(); return {text: t.textContent, box: [b.left, b.top, b.right, b.bottom]}; })""",
        sel,
    )


def test_a_click_on_an_incident_marker_opens_that_incident(
    map_server: LiveServer, browser_page: Browser
) -> None:
    open_screen(browser_page, map_server.url + "/")
    cities = _children(browser_page, map_server, "140000")
    _wait_for_map(browser_page, [c["adcode"] for c in cities])
    markers = _markers(browser_page)
    assert markers, "the demo's province map shows its open incidents"
    x, y = markers[0]
    browser_page.page.mouse.move(x, y)  # type: ignore[attr-defined]
    browser_page.page.mouse.click(x, y)  # type: ignore[attr-defined]
    wait_url(browser_page.page, re.compile(r"/emergency\?region=\d{6}&incident="))
    # The incident's detail is open on the emergency page.
    detail = browser_page.page.locator(".panel-detail")  # type: ignore[attr-defined]
    detail.wait_for()
    assert "事件编号" in detail.inner_text()
