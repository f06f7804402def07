"""数据核验 in headless Chromium, as a data office meets it: from /feeds to the list of reported rates
their rows contradict (exactly the discrepancies the demo planted), from a wall card's 核 marker to
the same finding, and to the rows behind it; not a request leaving the app's origin."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from cockpit.settings import Settings
from tests.browser.conftest import Browser, LiveServer, external_requests, wait_url

pytestmark = pytest.mark.browser


def test_feeds_to_reconcile_to_the_rows(
    live_server: LiveServer, browser_page: Browser, demo_warehouse: tuple[Settings, dict[str, object]]
) -> None:
    planted = json.loads((demo_warehouse[0].demo_path / "MANIFEST.json").read_text(encoding="utf-8"))
    planted = planted["discrepancies"]
    page = browser_page.page
    page.goto(live_server.url + "/feeds", wait_until="networkidle")  # type: ignore[attr-defined]
    page.get_by_role("link", name=re.compile("数据核验：上报率与明细对账")).click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"/reconcile"))  # type: ignore[attr-defined]
    rows = page.locator(".recon-table tbody tr")  # type: ignore[attr-defined]
    expect(rows).to_have_count(len(planted), timeout=20_000)
    table = page.inner_text(".recon-table")  # type: ignore[attr-defined]
    for p in planted:
        assert p["region"].split("（")[0] in table and f"（{p['matching']}/{p['rows']}）" in table, p
    assert f"上报值与明细不一致 {len(planted)} 项" in page.inner_text(".recon-headline")  # type: ignore[attr-defined]
    browser_page.screenshot("reconcile-province-1920x1080")

    # The wall of the county whose 满意率 was polished marks that card; the marker leads here.
    county = next(p for p in planted if p["indicator"] == "hotline_satisfaction_rate")
    page.goto(f"{live_server.url}/?region={county['adcode']}", wait_until="networkidle")  # type: ignore[attr-defined]
    flag = page.locator("#kpi-tile .recon-flag, .tile-kpis .recon-flag")  # type: ignore[attr-defined]
    expect(flag).to_have_count(1, timeout=30_000)
    flag.click()
    wait_url(page, re.compile(rf"/reconcile\?region={county['adcode']}&indicator=hotline_satisfaction_rate"))  # type: ignore[attr-defined]
    expect(page.locator(".recon-table tbody tr")).to_have_count(1, timeout=20_000)  # type: ignore[attr-defined]
    # The computed value is the registry's figure for that month, as /hotline shows that month.
    cell = page.locator(
        f'.recon-table [data-figure="hotline.satisfaction"][data-region="{county["adcode"]}"]'
    )  # type: ignore[attr-defined]
    expect(cell).to_have_count(1)
    period, computed = cell.get_attribute("data-period"), cell.get_attribute("data-value")
    assert period == county["period"] and computed
    page.get_by_role("link", name="查看明细").click()  # type: ignore[attr-defined]
    wait_url(page, re.compile(r"/explorer\?"))  # type: ignore[attr-defined]
    page.goto(
        f"{live_server.url}/hotline?region={county['adcode']}&period={period}", wait_until="networkidle"
    )  # type: ignore[attr-defined]
    shown = page.locator(
        f'[data-figure="hotline.satisfaction"][data-period="{period}"][data-region="{county["adcode"]}"]'
    )  # type: ignore[attr-defined]
    expect(shown).to_have_count(1, timeout=30_000)
    assert float(shown.get_attribute("data-value") or "nan") == pytest.approx(float(computed))
    assert external_requests(browser_page.requests, live_server.url) == []
    assert browser_page.console_errors == []
