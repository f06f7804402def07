"""The /emergency, /regulation and /hotline queries against the bare DuckDB aggregate each one needs.

    .venv/bin/python bench/events_queries.py [--tickets 0 10000000]  (0: the pinned demo scale) [--repeat 7] [--keep DIR]
                                             [--scale LABEL] [--json out.json]

For each scale the demo is generated with that many 12345 tickets (the generator's hotline writer),
loaded with the ETL into a temporary warehouse, and then, on a 2-core box as PRODUCT.md §6 asks:

* every page query: median seconds cold (not memoized: DuckDB does the work, as on a new snapshot or
  a view nobody opened yet) and warm (memoized per snapshot), beside the bare query — the same rows
  aggregated with nothing else (no region scope, no joins to names, no second window) — and the
  ratio cold / bare (the target is under 2);
* every page's full server render (all panels: queries, figures, components) cold and warm.

Timings are printed, never asserted; ``--json`` writes the headline figures (worst cold / bare,
slowest query, slowest panel callback, process memory) for ``bench/run_all.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, format_table, write_figures  # noqa: E402
from cockpit import geography  # noqa: E402
from cockpit.services import Queries  # noqa: E402
from cockpit.settings import Settings  # noqa: E402
from cockpit.warehouse.build import init_warehouse, read_indicators  # noqa: E402
from cockpit.warehouse.queries import Warehouse  # noqa: E402
from cockpit.warehouse.windows import resolve_window  # noqa: E402
from etl.demo import DemoSpec, generate_demo  # noqa: E402
from etl.runner import run_all  # noqa: E402

NOW = datetime(2026, 11, 28, 23, 59)
MONTH = resolve_window({"period": "2026-11"}, NOW)[0]
YEAR = resolve_window({"period": "2026"}, NOW)[0]
LY = MONTH.last_year()
PROVINCE, CITY, COUNTY = "140000", "141100", "141124"
RATES = "count(*) AS n, count(closed_at) AS closed, avg(satisfied::INT) AS sat, avg(responded_in_time::INT) AS ontime"
WINDOW = "created_at >= $t0 AND created_at < $t1"
IN_FORCE = "issued_at <= $now AND expires_at > $now AND (lifted_at IS NULL OR lifted_at > $now)"
Case = tuple[str, str, Callable[[Queries], Any], str, dict[str, Any]]


def cases(counties_of_city: list[str]) -> list[Case]:
    m = {"t0": MONTH.start, "t1": MONTH.end}
    two = {**m, "l0": LY.start, "l1": LY.end}
    y = {"t0": YEAR.start, "t1": YEAR.end}
    in_city = {**two, "codes": counties_of_city}
    return [
        ("hotline", "hotline_kpis 全省 本月+同期", lambda q: q.hotline.hotline_kpis(PROVINCE, MONTH),
         f"SELECT {RATES} FROM hotline_ticket WHERE {WINDOW} UNION ALL SELECT {RATES} FROM hotline_ticket "
         "WHERE created_at >= $l0 AND created_at < $l1", two),
        ("hotline", "hotline_kpis 吕梁市 本月+同期", lambda q: q.hotline.hotline_kpis(CITY, MONTH),
         f"SELECT {RATES} FROM hotline_ticket WHERE {WINDOW} AND list_contains($codes, adcode) UNION ALL "
         f"SELECT {RATES} FROM hotline_ticket WHERE created_at >= $l0 AND created_at < $l1 "
         "AND list_contains($codes, adcode)", in_city),
        ("hotline", "hotline_trend 全省 本年（按月）", lambda q: q.hotline.hotline_trend(PROVINCE, YEAR),
         f"SELECT date_trunc('month', created_at) AS b, count(*) FROM hotline_ticket WHERE {WINDOW} GROUP BY b "
         "UNION ALL SELECT date_trunc('month', created_at), count(*) FROM hotline_ticket "
         "WHERE created_at >= $l0 AND created_at < $l1 GROUP BY 1",
         {**y, "l0": YEAR.last_year().start, "l1": YEAR.last_year().end}),
        ("hotline", "hotline_by 类别 全省 本月", lambda q: q.hotline.hotline_by(PROVINCE, MONTH, "category"),
         f"SELECT category, {RATES} FROM hotline_ticket WHERE {WINDOW} GROUP BY category", m),
        ("hotline", "hotline_by_region 全省 本月", lambda q: q.hotline.hotline_by_region(PROVINCE, MONTH),
         f"SELECT adcode, {RATES} FROM hotline_ticket WHERE {WINDOW} GROUP BY adcode", m),
        ("hotline", "hotline_density 全省117县 本月", lambda q: q.hotline.hotline_density(PROVINCE, MONTH),
         f"SELECT adcode, count(*) FROM hotline_ticket WHERE {WINDOW} GROUP BY adcode", m),
        ("hotline", "hotline_kpis 全省 本年", lambda q: q.hotline.hotline_kpis(PROVINCE, YEAR),
         f"SELECT {RATES} FROM hotline_ticket WHERE {WINDOW} UNION ALL SELECT {RATES} FROM hotline_ticket "
         "WHERE created_at >= $l0 AND created_at < $l1", {**y, "l0": YEAR.last_year().start, "l1": YEAR.last_year().end}),
        ("hotline", "hot_topics 全省 近7日", lambda q: q.hotline.hot_topics(PROVINCE, MONTH.end),
         "SELECT category, topic, count(*) FROM hotline_ticket WHERE created_at >= $t0 AND created_at < $t1 GROUP BY ALL",
         {"t0": datetime(2026, 11, 14, 23, 59), "t1": MONTH.end}),
        ("emergency", "incident_stats 全省 本年", lambda q: q.emergency.incident_stats(PROVINCE, YEAR),
         "SELECT adcode, count(*), sum(deaths), median(date_diff('second', occurred_at, reported_at)) "
         "FROM emergency_incident WHERE occurred_at >= $t0 AND occurred_at < $t1 GROUP BY adcode", y),
        ("emergency", "incidents 全省 本年", lambda q: q.emergency.incidents(PROVINCE, YEAR),
         "SELECT * FROM emergency_incident WHERE occurred_at >= $t0 AND occurred_at < $t1", y),
        ("emergency", "warnings_in_force 全省", lambda q: q.emergency.warnings_in_force(PROVINCE, NOW),
         f"SELECT * FROM emergency_warning WHERE {IN_FORCE}", {"now": NOW}),
        ("emergency", "warning_fill 11市", lambda q: q.emergency.warning_fill(PROVINCE, NOW),
         f"SELECT adcode, max(color) FROM emergency_warning WHERE {IN_FORCE} GROUP BY adcode", {"now": NOW}),
        ("regulation", "catalog_by_region 全省", lambda q: q.regulation.catalog_by_region(PROVINCE, YEAR),
         "SELECT adcode, sum(items_claimed), sum(items_total) FROM regulatory_catalog WHERE period = '2026Q3' "
         "GROUP BY adcode", {}),
        ("regulation", "inspections_by 行业 全省 本年", lambda q: q.regulation.inspections_by(PROVINCE, YEAR, "sector"),
         "SELECT sector, count(*), count(done_date), sum(penalty_wan_yuan) FROM inspection "
         "WHERE planned_date >= CAST($t0 AS DATE) AND planned_date <= CAST($t1 AS DATE) GROUP BY sector", y),
        ("regulation", "credit_by 行业 全省", lambda q: q.regulation.credit_by(PROVINCE, YEAR, NOW, "sector"),
         "SELECT sector, count(*), count(repaired_at) FROM credit_record GROUP BY sector", {}),
    ]  # fmt: skip


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def settings_for(work: Path) -> Settings:
    return Settings(
        data_dir=work / "data", warehouse_dir=work / "warehouse", feeds_file=ROOT / "data" / "feeds.toml",
        reference_data_dir=ROOT / "data" / "reference", seeds_dir=ROOT / "seeds", as_of=date(2026, 11, 28),
    )  # fmt: skip


def build(work: Path, tickets: int) -> Settings:
    settings = settings_for(work)
    (work / "data").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    regions = geography.build_regions(settings.province_adcode, settings.reference_dir)
    generate_demo(settings.demo_path, regions, read_indicators(settings.seeds_dir),
                  geography.load_geometries(settings.province_adcode),
                  DemoSpec() if tickets == 0 else DemoSpec.small(hotline_tickets=tickets))  # fmt: skip
    generated = time.perf_counter() - started
    init_warehouse(settings)
    results = run_all(settings)
    failed = {k: v for k, v in results.items() if isinstance(v, Exception)}
    if failed:
        raise SystemExit(f"ETL failed: {failed}")
    print(f"  generated in {generated:.1f}s, loaded in {time.perf_counter() - started - generated:.1f}s")
    return settings


def time_queries(settings: Settings, repeat: int, scale: str = "") -> list[Figure]:
    wh = Warehouse(settings)  # no cache: every call runs in DuckDB
    bare = duckdb.connect(str(wh.store.current_path()), read_only=True)
    rows = bare.execute("SELECT count(*) FROM hotline_ticket").fetchone()
    counties = [
        r[0] for r in bare.execute("SELECT adcode FROM region WHERE parent_adcode = ?", [CITY]).fetchall()
    ]
    print(f"  hotline_ticket rows: {rows[0] if rows else 0:,}")
    from cockpit.app import cache, create_app

    app = create_app(settings)
    cached = Warehouse(settings, cache=cache)
    print(f"  {'page':<10} {'query':<34} {'cold ms':>8} {'warm ms':>8} {'bare ms':>8} {'cold/bare':>9}")
    measured: list[tuple[str, float, float, float]] = []  # name, cold, warm, bare (seconds)
    with app.server.app_context():
        for page, name, fn, sql, params in cases(counties):
            q, qc = Queries(wh), Queries(cached)
            fn(q)  # first run reads the file into DuckDB's buffers, for both sides alike
            cold = median_seconds(lambda fn=fn, q=q: fn(q), repeat)
            fn(qc)
            warm = median_seconds(lambda fn=fn, qc=qc: fn(qc), repeat)
            floor = median_seconds(
                lambda sql=sql, params=params: bare.execute(sql, params).fetchall(), repeat
            )
            print(f"  {page:<10} {name:<34} {cold * 1e3:>8.1f} {warm * 1e3:>8.2f} {floor * 1e3:>8.1f} "
                  f"{cold / floor:>9.2f}")  # fmt: skip
            measured.append((f"/{page} {name}", cold, warm, floor))
    bare.close()
    worst = max(measured, key=lambda m: m[1] / m[3] if m[3] else 0.0)
    slowest = max(measured, key=lambda m: m[1])
    within = sum(1 for m in measured if m[3] and m[1] / m[3] <= 2)
    found = [
        Figure(scale, "events: worst query, cold vs bare", worst[1] * 1e3, "ms", target=2, target_on="ratio",
               floor=worst[3] * 1e3, runs=repeat, note=f"{worst[0]}; {within}/{len(measured)} within 2×"),
        Figure(scale, "events: slowest query, cold", slowest[1] * 1e3, "ms", floor=slowest[3] * 1e3,
               runs=repeat, note=slowest[0]),
        Figure(scale, "events: slowest query, warm", max(m[2] for m in measured) * 1e3, "ms", runs=repeat,
               note=max(measured, key=lambda m: m[2])[0]),
    ]  # fmt: skip
    return found + time_pages(app, repeat, scale)


def time_pages(app: Any, repeat: int, scale: str = "") -> list[Figure]:
    """Every panel callback of a page, as the browser fires them after a drill (each is its own request;
    the slowest one is what the user waits for). Cold: nothing memoized; warm: the view seen before."""
    import importlib

    from cockpit.app import cache
    from cockpit.ui.event_page import EventView

    slowest: list[tuple[str, float, float]] = []  # page + panel, cold, warm (seconds)
    print(
        f"  {'page (all panel callbacks)':<30} {'cold ms':>8} {'warm ms':>8} {'slowest cold':>22} {'slowest warm':>22}"
    )
    with app.server.app_context():
        for page in ("emergency", "regulation", "hotline"):
            module = importlib.import_module(f"callbacks.{page}")
            callbacks = module.PANELS
            for region in (PROVINCE, COUNTY):
                store = EventView(f"/{page}", region, {}).as_store()

                def render(
                    callbacks: dict[str, Any] = callbacks, store: dict[str, Any] = store
                ) -> dict[str, float]:
                    out = {}
                    for name, callback in callbacks.items():
                        started = time.perf_counter()
                        callback(store, None)
                        out[name] = time.perf_counter() - started
                    return out

                colds, warms = [], []
                for _ in range(max(3, repeat // 2)):
                    cache.clear()
                    colds.append(render())
                    warms.append(render())
                cold = {k: statistics.median(c[k] for c in colds) for k in callbacks}
                warm = {k: statistics.median(w[k] for w in warms) for k in callbacks}
                worst_c, worst_w = max(cold, key=cold.__getitem__), max(warm, key=warm.__getitem__)
                label = f"/{page} {'全省' if region == PROVINCE else '临县'}"
                print(f"  {label:<30} {sum(cold.values()) * 1e3:>8.1f} {sum(warm.values()) * 1e3:>8.1f} "
                      f"{worst_c:>12} {cold[worst_c] * 1e3:>7.1f}ms {worst_w:>12} {warm[worst_w] * 1e3:>7.1f}ms")  # fmt: skip
                slowest.append((f"{label} {worst_c}", cold[worst_c], max(warm.values())))
    cold_worst = max(slowest, key=lambda s: s[1])
    return [
        Figure(scale, "events: slowest panel callback, cold", cold_worst[1] * 1e3, "ms",
               runs=max(3, repeat // 2), note=cold_worst[0]),
        Figure(scale, "events: slowest panel callback, warm", max(s[2] for s in slowest) * 1e3, "ms",
               runs=max(3, repeat // 2)),
    ]  # fmt: skip


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, nargs="*", default=[0, 10_000_000],
                        help="0: the pinned demo scale; N: N tickets over the whole span")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--keep", type=Path, help="build here and keep it for the next run (default: a temp dir)"
    )
    parser.add_argument("--scale", help="label for the table (default: the ticket count)")
    parser.add_argument("--json", type=Path, help="write the headline figures here (for bench/run_all.py)")
    args = parser.parse_args()
    found: list[Figure] = []
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, duckdb {duckdb.__version__}")  # fmt: skip
    print(f"windows: month {MONTH.label}, year {YEAR.label}; now {NOW:%Y-%m-%d %H:%M}")
    for tickets in args.tickets:
        work = (
            (args.keep / f"t{tickets}")
            if args.keep
            else Path(tempfile.mkdtemp(prefix="cockpit-events-bench-"))
        )
        try:
            print(f"\n== {tickets:,} hotline tickets ==")
            if args.keep and (work / "warehouse" / "CURRENT").exists():  # built by an earlier --keep run
                settings = settings_for(work)
                print(f"  reusing {work}")
            else:
                settings = build(work, tickets)
            scale = args.scale or f"{tickets:,} tickets"
            found += time_queries(settings, args.repeat, scale)
            print(f"  process RSS {rss_mb():.0f} MB")
            found.append(Figure(scale, "events: bench process RSS (one process, all pages)", rss_mb(), "MB"))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    print()
    print(format_table(found))
    if args.json:
        write_figures(args.json, found)


if __name__ == "__main__":
    main()
