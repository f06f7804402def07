"""The big screen in a real browser: first paint, bytes, drill click → new map painted, server time.

    .venv/bin/python bench/screen_drill.py [--url http://127.0.0.1:8050] [--rounds 3]
                                           [--user NAME --password PW]

Needs a running cockpit (``make run``). Every page needs a sign-in: without --user the bench
creates (or reuses) a local province-wide leader account ``bench-leader`` in the warehouse's user
store (the same settings/environment as the server, e.g. COCKPIT_WAREHOUSE_DIR) and signs the
browser in through the /login form. Prints medians and p95 over every city drill, the number of
callback requests of a first load, and the server time of the callbacks against the bare DuckDB
query the map needs (same snapshot, same run).
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
BENCH_USER = "bench-leader"
BENCH_PASSWORD = "bench-password-2026"  # a local benchmark account only, created below


def ensure_bench_user(username: str, password: str) -> None:
    """Creates the benchmark leader (province scope) in the local user store, or makes it match."""
    from cockpit.auth.users import UserStore
    from cockpit.settings import Settings

    settings = Settings()
    store = UserStore(settings)
    found = store.get(username)
    if found is None:
        store.create(username, password, "leader", settings.province_adcode)
        return
    if found.role != "leader" or found.scope != settings.province_adcode or found.disabled:
        store.update(username, role="leader", scope=settings.province_adcode, disabled=False)
    if store.verify(username, password) is None:
        store.update(username, password=password)


def sign_in(page: object, base: str, username: str, password: str) -> None:
    """The real form flow: GET /login, fill it, submit, land on the screen."""
    page.goto(base + "/login?next=/feeds")  # type: ignore[attr-defined]  # a light page to land on
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#login-submit")  # type: ignore[attr-defined]
    if "/login" in page.url:  # type: ignore[attr-defined]
        raise SystemExit(f"sign-in as {username} failed: {page.inner_text('body')[:200]}")  # type: ignore[attr-defined]


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


def settle_callbacks(
    page: object, sent: list, finished: list, quiet_ms: int = 400, limit_s: float = 15.0
) -> None:
    """Waits until every callback request sent so far is answered and none follows for a moment.
    (``networkidle`` can't tell: the page reached it before the click, so a wait returns at once.)"""
    deadline, quiet_since = time.monotonic() + limit_s, time.monotonic()
    while time.monotonic() < deadline:
        pending = {id(r) for r in sent if "_dash-update-component" in r.url} - {id(r) for r in finished}
        if pending:
            quiet_since = time.monotonic()
        elif (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(50)  # type: ignore[attr-defined]  # (time.sleep would stall the events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warehouse", default=None, help="snapshot directory (default: from settings)")
    parser.add_argument("--user", default=None, help="sign in as this user (default: a bench account)")
    parser.add_argument("--password", default=None)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    if args.warehouse is None:
        from cockpit.settings import Settings

        args.warehouse = str(Settings().warehouse_path)
    username, password = args.user or BENCH_USER, args.password or BENCH_PASSWORD
    if args.user is None:
        ensure_bench_user(username, password)
    health = json.loads(urllib.request.urlopen(base + "/healthz").read())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS
        )
        first_paint, first_bytes, plotly_bytes, drills, posts, reloads = [], [], [], [], [], []
        map_server: list[float] = []  # the callback that answers a click with the new map
        other_server: list[float] = []  # every other callback a drill sets off (the tiles)
        cities: list[str] = []
        for _ in range(args.rounds):
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            sign_in(page, base, username, password)
            if not cities:  # the API needs the session too
                answer = context.request.get(base + "/api/v1/regions/140000")
                cities = [c["adcode"] for c in answer.json()["children"]]
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
            # Every response counts (callback POSTs share one URL, so not a dict by URL).
            sizes = [(r.url, r.request.sizes()["responseBodySize"]) for r in list(responses) if r.ok]
            page.remove_listener("response", keep)
            total = sum(v for _, v in sizes)
            plotly = sum(v for k, v in sizes if "plotly.min" in k)
            first_bytes.append(total - plotly)
            posts.append(sum(1 for r in responses if "_dash-update-component" in r.url))
            plotly_bytes.append(plotly)
            sent: list = []
            finished: list = []

            def on_sent(request: object, into: list = sent) -> None:
                into.append(request)

            def on_done(request: object, into: list = finished) -> None:
                into.append(request)

            for index in range(len(cities)):
                started = time.perf_counter()
                page.goto(base + "/?indicator=online_service_rate")
                page.wait_for_selector(PATHS)
                reloads.append((time.perf_counter() - started) * 1000)  # the browser cache is warm now
                page.wait_for_load_state("networkidle")
                sent.clear()
                finished.clear()
                listeners = (("request", on_sent), ("requestfinished", on_done), ("requestfailed", on_done))
                for event, handler in listeners:
                    page.on(event, handler)
                # A redrawn map has new outlines: the first path's geometry changes.
                before = page.get_attribute(PATHS, "d")
                started = time.perf_counter()
                page.locator(PATHS).nth(index).click(force=True)
                page.wait_for_function(
                    "([sel, d]) => { const p = document.querySelector(sel); return p && p.getAttribute('d') !== d; }",
                    arg=[PATHS, before],
                )
                drills.append((time.perf_counter() - started) * 1000)
                settle_callbacks(page, sent, finished)
                for event, handler in listeners:
                    page.remove_listener(event, handler)
                for request in finished:
                    if "_dash-update-component" not in request.url or request.failure:
                        continue
                    # Time to first byte: the server's time, queueing behind other callbacks included.
                    timing = request.timing
                    waited = timing["responseStart"] - timing["requestStart"]
                    output = (request.post_data_json or {}).get("output", "")
                    (map_server if "screen-map.figure" in output else other_server).append(waited)
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
    print(f"{'first load callback requests (count)':<46} {statistics.median(posts):>10.0f}")
    print(
        f"{'reload → map painted, browser cache warm (ms)':<46} {statistics.median(reloads):>10.0f} {p95(reloads):>10.0f}"
    )
    print(
        f"{'drill: map callback server time (ms)':<46} {statistics.median(map_server):>10.1f} {p95(map_server):>10.1f}"
    )
    print(
        f"{'drill: other callbacks server time, each (ms)':<46} {statistics.median(other_server):>10.1f} {p95(other_server):>10.1f}"
    )
    server = map_server + other_server
    print(
        f"{'drill: all callbacks server time, each (ms)':<46} {statistics.median(server):>10.1f} {p95(server):>10.1f}"
    )
    print(f"{'bare DuckDB children query (ms)':<46} {floor:>10.2f}")


if __name__ == "__main__":
    main()
