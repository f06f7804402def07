"""The phone view on a throttled mobile network (issue 23: readable within 3 s at 1.6 Mbps and
150 ms round trip): Chromium's phone emulation (390×844 at DPR 3, touch), a cold cache every run.

- first screen: from submitting the sign-in form to the alarms, the headline figures and the drill
  map shown, with the bytes that crossed the network and the requests made;
- drill: from the second tap on a city to that city's map shown, with its bytes.

    python bench/phone_first_screen.py [--url BASE_URL] [--runs 5] [--scale demo] [--json out.json]

Without ``--url`` it starts the cockpit (gunicorn, 2 workers, warm) on the warehouse the
``COCKPIT_*`` environment names and signs in a province-wide leader of its own (``bench-phone``);
with ``--url``, ``COCKPIT_USER`` and ``COCKPIT_PASSWORD`` name a leader, staff or admin account (the
wall's kiosk role has no phone view).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, machine, report_figures  # noqa: E402

DOWN_BPS, UP_BPS, RTT_MS = 1_600_000, 750_000, 150  # the "fast 3G"-like profile of issue 23
TARGET_S = 3.0
FIRST_SCREEN = ("#m-alarms h2", "#m-kpis [data-figure]", "#m-map svg path")
USER, PASSWORD = "bench-phone", "Phone-First-Screen-2026!"


def _first_city(page: Any) -> str:
    """The adcode of the first region labelled on the map (a child of the province)."""
    return str(page.locator(".m-labels text[data-for]").first.get_attribute("data-for"))


def _tap(page: Any, adcode: str) -> None:
    label = page.locator(f'.m-labels text[data-for="{adcode}"]')
    label.scroll_into_view_if_needed()
    box = label.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def one_run(browser: Any, url: str, user: str, password: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
                                  has_touch=True, locale="zh-CN")  # fmt: skip
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": RTT_MS,
             "downloadThroughput": DOWN_BPS / 8, "uploadThroughput": UP_BPS / 8})  # fmt: skip
    received: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: received.append(int(event.get("encodedDataLength", 0))))
    page.goto(url + "/login", wait_until="load")
    page.fill("#username", user)
    page.fill("#password", password)
    received.clear()  # what the sign-in and the first screen cost, not the sign-in form
    started = time.perf_counter()
    page.click("#login-submit")
    for selector in FIRST_SCREEN:
        page.locator(selector).first.wait_for(state="visible", timeout=60_000)
    first = time.perf_counter() - started
    page.wait_for_load_state("load")
    if "/m" not in page.url:
        raise RuntimeError(f"the phone did not land on the phone view: {page.url}")
    first_bytes, first_requests = sum(received), len(received)

    city = _first_city(page)
    _tap(page, city)  # the first tap shows the value; the second drills
    page.locator("#m-drill").wait_for(state="visible", timeout=10_000)
    received.clear()
    started = time.perf_counter()
    with page.expect_navigation(wait_until="commit"):
        _tap(page, city)
    page.locator("#m-map svg path").first.wait_for(state="visible", timeout=60_000)
    drill = time.perf_counter() - started
    page.wait_for_load_state("load")
    if f"region={city}" not in page.url:
        raise RuntimeError(f"the drill did not open {city}: {page.url}")
    context.close()
    return {"first": first, "first_bytes": first_bytes, "first_requests": first_requests,
            "drill": drill, "drill_bytes": sum(received), "drill_requests": len(received)}  # fmt: skip


def measure(url: str, user: str, password: str, runs: int) -> list[dict[str, float]]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-background-networking"])  # fmt: skip
        try:
            return [one_run(browser, url.rstrip("/"), user, password) for _ in range(runs)]
        finally:
            browser.close()


def figures(results: list[dict[str, float]], scale: str) -> list[Figure]:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    network = f"{DOWN_BPS / 1e6:.1f} Mbps, {RTT_MS} ms RTT, cold cache"
    return [
        Figure(scale, "phone: sign-in → first screen (alarms, figures, map)", med("first") * 1000, "ms",
               target=TARGET_S * 1000, runs=len(results),
               note=f"{network}; {med('first_bytes') / 1024:.1f} KiB in {med('first_requests'):.0f} requests"),
        Figure(scale, "phone: first screen, bytes over the network", med("first_bytes") / 1024, "KiB",
               runs=len(results)),
        Figure(scale, "phone: tap-drill to a city, map shown", med("drill") * 1000, "ms", runs=len(results),
               note=f"{network}; {med('drill_bytes') / 1024:.1f} KiB in {med('drill_requests'):.0f} requests"),
        Figure(scale, "phone: drill, bytes over the network", med("drill_bytes") / 1024, "KiB", runs=len(results)),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running cockpit (default: start one on the COCKPIT_* warehouse)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", default="")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--log", type=Path, default=Path("build/bench/phone-server.log"))
    args = parser.parse_args()
    if args.url:
        results = measure(args.url, os.environ["COCKPIT_USER"], os.environ["COCKPIT_PASSWORD"], args.runs)
    else:
        from bench.load import ensure_leader, server_env, start_server

        ensure_leader(USER, PASSWORD, "手机首屏计时")
        args.log.parent.mkdir(parents=True, exist_ok=True)
        server = start_server(server_env(), args.log, workers=2)  # returns once both workers are warm
        try:
            results = measure(server.url, USER, PASSWORD, args.runs)
        finally:
            server.stop()
    print(f"machine: {machine()}")
    report_figures(figures(results, args.scale), args.json)


if __name__ == "__main__":
    main()
