"""The phone's first screen on a throttled mobile network (PRODUCT.md §6: readable within 3 s at
1.6 Mbps and 150 ms round trip): Chromium's phone emulation (390×844 at DPR 3, touch), a cold cache
every run, from submitting the sign-in form to the alarms, the headline figures and the drill map
shown; with the bytes that crossed the network and the requests made.

Usage: python bench/phone_first_screen.py --url BASE_URL [--runs 5]; COCKPIT_USER and
COCKPIT_PASSWORD name a leader, staff or admin account (the wall's kiosk role has no phone view).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from playwright.sync_api import sync_playwright

DOWN_BPS, UP_BPS, RTT_MS = 1_600_000, 750_000, 150  # the "fast 3G"-like profile PRODUCT.md names
TARGET_S = 3.0
FIRST_SCREEN = "#m-alarms h2, #m-kpis .kpi-value, #m-map svg path"


def one_run(browser: Any, url: str, user: str, password: str) -> tuple[float, int, int]:
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
    for selector in FIRST_SCREEN.split(", "):
        page.locator(selector).first.wait_for(state="visible", timeout=60_000)
    seconds = time.perf_counter() - started
    page.wait_for_load_state("load")
    requests, total = len(received), sum(received)
    assert "/m" in page.url, page.url
    context.close()
    return seconds, total, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    user, password = os.environ["COCKPIT_USER"], os.environ["COCKPIT_PASSWORD"]
    times, sizes, counts = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-background-networking"])  # fmt: skip
        for _ in range(args.runs):
            seconds, total, requests = one_run(browser, args.url.rstrip("/"), user, password)
            times.append(seconds)
            sizes.append(total)
            counts.append(requests)
        browser.close()
    median = statistics.median(times)
    print(f"phone first screen (sign-in → alarms, figures, map) at {DOWN_BPS / 1e6:.1f} Mbps, {RTT_MS} ms RTT, "
          f"cold cache: median {median * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; "
          f"target ≤ {TARGET_S * 1000:.0f} ms: {'met' if median <= TARGET_S else 'MISSED'}); "
          f"{statistics.median(sizes) / 1024:.1f} KiB over the network in {statistics.median(counts):.0f} requests")  # fmt: skip


if __name__ == "__main__":
    main()
