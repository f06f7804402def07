"""Time, in a real Chromium, from navigation to a painted choropleth with the expected number of regions,
and the bytes the page pulled. COCKPIT_USER/COCKPIT_PASSWORD sign in first. Usage: python paint_time.py BASE_URL PATH EXPECTED_REGIONS [RUNS]

Copied from ../shared/bench/paint_time.py (the project carries what it runs). Changed: reformatted
for the linter, and each run's response listener is bound to that run's list (it was late-bound, so
from the second run on every listener appended to the current list and the bytes were counted
several times). The timing is unchanged.
"""

import contextlib
import os
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

base, path, expect = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
JS = """(n) => [...document.querySelectorAll('.js-plotly-plot')].some(gd => (gd.data||[]).some(t => /choropleth/.test(t.type||'') && t.locations && t.locations.length == n) && gd.querySelector('canvas, path.choroplethlocation'))"""
times, sizes = [], []
with sync_playwright() as p:
    b = p.chromium.launch(
        executable_path="/usr/bin/chromium",
        headless=True,
        args=["--no-sandbox", "--disable-background-networking"],
    )
    ctx = b.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    if os.environ.get("COCKPIT_USER"):  # the cockpit needs a session: sign in through its form first
        page.goto(base + "/login")
        page.fill("#username", os.environ["COCKPIT_USER"])
        page.fill("#password", os.environ["COCKPIT_PASSWORD"])
        page.click("#login-submit")
    page.goto(base + "/", wait_until="networkidle")  # warm the browser cache (plotly.js) and the server
    for _ in range(runs):
        got = []
        page.on(
            "response", lambda r, got=got: got.append(r)
        )  # bound: earlier runs' listeners keep their own list
        t0 = time.perf_counter()
        page.goto(base + path, wait_until="commit")
        page.wait_for_function(JS, arg=expect, timeout=60000, polling=16)
        times.append(time.perf_counter() - t0)
        page.wait_for_load_state("networkidle")
        total = 0
        for r in got:
            if "/_dash-update-component" in r.url or "/_dash-layout" in r.url or "/api/" in r.url:
                with contextlib.suppress(Exception):
                    total += len(r.body())
        sizes.append(total)
    b.close()
print(
    f"{path}: painted median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); data bytes (layout + callbacks + api) median {statistics.median(sizes) / 1024:.0f} KiB"
)
