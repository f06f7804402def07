"""One figure, one value, on every screen (issue 13): the wall, the region profile, /supervision,
/emergency, /hotline and /regulation for the province, two cities and three counties, read as a
person sees them in Chromium, and the figures API. Each rendered figure says what it is (data-figure, data-region, data-period, data-value); one
(figure, region, period) never shows two values and one label never names two figures."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browser, LiveServer, external_requests

pytestmark = pytest.mark.browser
REGIONS = ["140000", "140100", "141100", "140105", "141124", "141102"]
MARKED = """() => Array.from(document.querySelectorAll('[data-figure]')).map(e => ({
  figure: e.dataset.figure, region: e.dataset.region, period: e.dataset.period,
  value: e.dataset.value, label: e.dataset.label, text: e.innerText.trim()}))"""


def _read(browser: Browser, url: str, ready: str) -> list[dict[str, Any]]:
    page = browser.page
    page.goto(url, wait_until="networkidle")  # type: ignore[attr-defined]
    expect(page.locator(ready).first).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    expect(page.locator(".tile.loading, .loading")).to_have_count(0, timeout=30_000)  # type: ignore[attr-defined]
    found: list[dict[str, Any]] = page.evaluate(MARKED)  # type: ignore[attr-defined]
    return [dict(m, page=url) for m in found]


def test_every_screen_shows_one_value_per_figure_region_and_period(
    live_server: LiveServer, browser_page: Browser
) -> None:
    marks: list[dict[str, Any]] = []
    for region in REGIONS:
        marks += _read(browser_page, f"{live_server.url}/?region={region}", ".tile-pulse [data-figure]")
        marks += _read(browser_page, f"{live_server.url}/region/{region}", ".events-grid [data-figure]")
        marks += _read(
            browser_page, f"{live_server.url}/supervision?region={region}", ".sup-kpis [data-figure]"
        )
        for desk in ("emergency", "hotline", "regulation"):
            marks += _read(
                browser_page, f"{live_server.url}/{desk}?region={region}", ".events-kpis [data-figure]"
            )
        answer = browser_page.page.request.get(f"{live_server.url}/api/v1/figures?region={region}").json()  # type: ignore[attr-defined]
        marks += [{"figure": f["figure"], "region": region, "period": f["period"], "label": f["label"],
                   "value": "" if f["value"] is None else repr(float(f["value"])), "page": "/api/v1/figures"}
                  for f in answer["figures"]]  # fmt: skip
    assert len(marks) >= 300  # about 60 a region: wall, profile, supervision, three desk pages, the API
    values: dict[tuple[str, str, str], set[str]] = {}
    where: dict[tuple[str, str, str], set[str]] = {}
    for m in marks:
        key = (m["figure"], m["region"], m["period"])
        values.setdefault(key, set()).add(m["value"])
        where.setdefault(key, set()).add(m["page"].split("?")[0].rsplit("/", 1)[-1] or "wall")
    two = {k: (v, where[k]) for k, v in values.items() if len(v) > 1}
    assert two == {}, two
    # The same figure reached several kinds of page: this test would see a disagreement.
    shared = [k for k, pages in where.items() if len(pages) >= 3]
    assert len(shared) >= 10 * len(REGIONS), sorted(shared)[:10]
    # The desk pages' default spans are the wall's: this month's tickets, this year's inspections.
    for figure, page in (("hotline.received", "hotline"), ("inspections.done", "regulation"),
                         ("warnings.in_force", "emergency"), ("incidents.unclosed", "emergency")):  # fmt: skip
        assert any(k[0] == figure and {page, "wall", "figures"} <= pages for k, pages in where.items()), (
            figure
        )
    labels: dict[str, set[str]] = {}
    for m in marks:
        labels.setdefault(m["label"], set()).add(m["figure"])
    assert {label: codes for label, codes in labels.items() if len(codes) > 1} == {}
    # Rates computed from rows and indicators reported by feeds never share a label.
    reported = {m["label"] for m in marks if m["figure"].startswith("indicator:")}
    computed = {m["label"] for m in marks if not m["figure"].startswith("indicator:")}
    assert reported and computed and not reported & computed
    assert external_requests(browser_page.requests, live_server.url) == []


def test_the_api_gives_the_wall_s_kpi_values(live_server: LiveServer, browser_page: Browser) -> None:
    page = browser_page.page
    for region in ("140000", "141124"):
        cards = [m for m in _read(browser_page, f"{live_server.url}/?region={region}", ".tile-kpis [data-figure]")
                 if m["figure"].startswith("indicator:")]  # fmt: skip
        assert len(cards) >= 5
        for card in cards:
            code = card["figure"].split(":", 1)[1]
            answer = page.request.get(  # type: ignore[attr-defined]
                f"{live_server.url}/api/v1/values?indicator={code}&region={region}&period={card['period']}"
            ).json()
            row = next(r for r in answer["rows"] if r["adcode"] == region)
            assert repr(float(row["value"])) == card["value"], (code, region)
