"""The big screen in a real browser: first paint, bytes, drill click → new map painted, server time.

    .venv/bin/python bench/screen_drill.py [--url http://127.0.0.1:8050] [--rounds 3]

Needs a running cockpit (``make run``). Prints medians and p95 over every city drill, and the
server time of the map callback against the bare DuckDB query it needs (same snapshot, same run).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
PATHS = ".choroplethlayer .trace:first-child path.choroplethlocation"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bare_query_ms(snapshot: Path, parent: str, repeat: int = 20) -> float:
    """The floor: the children-values query itself, on a fresh read-only connection."""
    con = duckdb.connect(str(snapshot), read_only=True)
    sql = """SELECT r.adcode, v.value, t.target_value FROM region r
             LEFT JOIN indicator_value v ON v.adcode = r.adcode AND v.indicator_code = 'online_service_rate'
                  AND v.period = (SELECT max(period) FROM indicator_value WHERE indicator_code = 'online_service_rate')
             LEFT JOIN indicator_target t ON t.adcode = r.adcode AND t.indicator_code = 'online_service_rate'
                  AND t.year = 2026
             WHERE r.parent_adcode = ?"""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        con.execute(sql, [parent]).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse"))
    args = parser.parse_args()
    base = args.url.rstrip("/")
    health = json.loads(urllib.request.urlopen(base + "/healthz").read())
    cities = [
        c["adcode"]
        for c in json.loads(urllib.request.urlopen(base + "/api/v1/regions/140000").read())["children"]
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS
        )
        first_paint, first_bytes, plotly_bytes, drills, server = [], [], [], [], []
        for _ in range(args.rounds):
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            responses: list = []

            def keep(response: object, into: list = responses) -> None:
                into.append(response)

            page.on("response", keep)
            started = time.perf_counter()
            page.goto(base + "/?indicator=online_service_rate")
            page.wait_for_selector(PATHS)
            first_paint.append((time.perf_counter() - started) * 1000)
            page.wait_for_load_state("networkidle")
            # Bodies are read after the load: reading them inside the event handler stalls the page.
            # Bytes on the wire (compressed), as the intranet carries them.
            sizes = {r.url: r.request.sizes()["responseBodySize"] for r in list(responses) if r.ok}
            page.remove_listener("response", keep)
            total = sum(sizes.values())
            plotly = sum(v for k, v in sizes.items() if "plotly.min" in k)
            first_bytes.append(total - plotly)
            plotly_bytes.append(plotly)
            for index in range(len(cities)):
                page.goto(base + "/?indicator=online_service_rate")
                page.wait_for_selector(PATHS)
                page.wait_for_load_state("networkidle")
                page.evaluate("performance.clearResourceTimings()")
                # A redrawn map has new outlines: the first path's geometry changes.
                before = page.get_attribute(PATHS, "d")
                started = time.perf_counter()
                page.locator(PATHS).nth(index).click(force=True)
                page.wait_for_function(
                    "([sel, d]) => { const p = document.querySelector(sel); return p && p.getAttribute('d') !== d; }",
                    arg=[PATHS, before],
                )
                drills.append((time.perf_counter() - started) * 1000)
                page.wait_for_load_state("networkidle")
                entries = page.evaluate(
                    "performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update-component'))"
                    ".map(e => e.responseStart - e.requestStart)"
                )
                server.extend(entries)
            context.close()
        browser.close()
    snapshot = Path(args.warehouse) / f"{health['snapshot']}.duckdb"
    floor = bare_query_ms(snapshot, "140100") if snapshot.exists() else float("nan")
    print(
        f"snapshot {health['snapshot']}; {args.rounds} rounds × {len(cities)} city drills; headless Chromium 1920×1080"
    )
    print(f"{'measure':<46} {'median':>10} {'p95':>10}")
    print(
        f"{'first load → map painted (ms)':<46} {statistics.median(first_paint):>10.0f} {p95(first_paint):>10.0f}"
    )
    print(f"{'first load bytes, plotly.js aside (KB)':<46} {statistics.median(first_bytes) / 1024:>10.0f}")
    print(
        f"{'plotly.js bytes (KB, cached by the browser)':<46} {statistics.median(plotly_bytes) / 1024:>10.0f}"
    )
    print(
        f"{'drill click → new map painted (ms)':<46} {statistics.median(drills):>10.0f} {p95(drills):>10.0f}"
    )
    print(f"{'callback server time, each (ms)':<46} {statistics.median(server):>10.1f} {p95(server):>10.1f}")
    print(f"{'bare DuckDB children query (ms)':<46} {floor:>10.2f}")


if __name__ == "__main__":
    main()
