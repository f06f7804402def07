"""Server time of every page and drill callback, cold and warm, against the bare DuckDB queries it ran.

In-process: the app is driven through ``httpx.WSGITransport`` (whole Flask + Dash stack, JSON
included, no socket), signed in like a browser. Every SQL statement a callback sends to DuckDB is
recorded on its cold run and replayed on a bare read-only connection to the same snapshot: that
sum is the callback's floor (the DuckDB work it cannot avoid).

* cold: the memo cache emptied first (a view nobody opened since the last publish), DuckDB's
  buffers warm — the same definition as ``bench/events_queries.py``;
* warm: the same request again (memoized).

    .venv/bin/python bench/callbacks.py [--repeat 3] [--scale demo] [--json out.json]

Runs against the warehouse the ``COCKPIT_*`` environment names (``data/warehouse`` by default),
signed in as ``bench-callbacks`` (a province-wide leader, created or reset in the user store).
Prints every callback of every page and the two map drills (province → city → county); the
headline figures (PRODUCT.md §6: drill → map warm p95 under 50 ms, cold under 2× bare) go to
``--json`` for ``bench/run_all.py``.
"""

from __future__ import annotations

import argparse
import math
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dash_client import Call, DashDriver, changed_props, sign_in_if_needed  # noqa: E402
from bench.figures import Figure, machine, median, p95, report_figures  # noqa: E402

PAGES = ("/", "/emergency", "/regulation", "/hotline", "/targets", "/supervision", "/evaluation")


@dataclass
class Timed:
    """One callback (or chain) measured cold and warm, with the SQL it needed."""

    name: str
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    sql: list[tuple[str, Any]] = field(default_factory=list)
    floor: float = 0.0
    bytes: int = 0
    errors: int = 0


class Recorder:
    """Wraps the app's ``Warehouse.cursor`` so every statement is seen (and nothing else changes)."""

    def __init__(self, warehouse: Any) -> None:
        self.statements: list[tuple[str, Any]] = []
        original = warehouse.cursor
        recorder = self

        class Cursor:
            def __init__(self, inner: Any) -> None:
                self._inner = inner

            def execute(self, sql: str, params: Any = None) -> Any:
                recorder.statements.append((sql, params))
                self._inner.execute(sql, params or [])
                return self

            def __getattr__(self, name: str) -> Any:
                return getattr(self._inner, name)

        warehouse.cursor = lambda: Cursor(original())

    @contextmanager
    def capture(self) -> Iterator[list[tuple[str, Any]]]:
        start = len(self.statements)
        box: list[tuple[str, Any]] = []
        yield box
        box.extend(self.statements[start:])


def bare_seconds(con: duckdb.DuckDBPyConnection, statements: list[tuple[str, Any]], repeat: int) -> float:
    """Median over ``repeat`` of running every statement once, fetched to Python (as the app does)."""
    if not statements:
        return 0.0
    for sql, params in statements:  # the first run pulls the pages into DuckDB's buffers, as the app's did
        con.execute(sql, params or []).fetchall()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for sql, params in statements:
            con.execute(sql, params or []).fetchall()
        runs.append(time.perf_counter() - started)
    return median(runs)


class CallbackBench:
    def __init__(self, settings: Any, user: str | None, password: str | None, repeat: int) -> None:
        from cockpit.app import create_app

        self.app = create_app(settings.model_copy(update={"refresh_seconds": 3600}))
        self.warehouse = self.app.server.extensions["cockpit"].warehouse
        self.recorder = Recorder(self.warehouse)
        self.http = httpx.Client(
            transport=httpx.WSGITransport(app=self.app.server), base_url="http://bench.local"
        )
        sign_in_if_needed(self.http, "http://bench.local", user, password)
        self.driver = DashDriver(self.http)
        self.repeat = repeat
        self.bare = duckdb.connect(str(self.warehouse.store.current_path()), read_only=True)

    def clear(self) -> None:
        with self.app.server.app_context():
            self.warehouse.memo_store.clear()  # the shared cache and the per-process memos

    def _timed(
        self, results: dict[str, Timed], name: str, call: Call, sql: list[tuple[str, Any]], cold: bool
    ) -> None:
        entry = results.setdefault(name, Timed(name))
        (entry.cold if cold else entry.warm).append(call.seconds)
        entry.bytes = call.bytes
        entry.errors += call.status not in (200, 204) or call.degraded  # 204: nothing to change
        if cold and not entry.sql:
            entry.sql = list(sql)

    def page(self, url: str) -> dict[str, Timed]:
        """The page's layout callback and every callback it fires on load, cold then warm."""
        results: dict[str, Timed] = {}
        for _ in range(self.repeat):
            for cold in (True, False):
                if cold:
                    self.clear()
                with self.recorder.capture() as sql:
                    call, props = self.driver.render_page(url)
                self._timed(results, "layout", call, sql, cold)
                for dep in self.driver.initial_callbacks(props):
                    with self.recorder.capture() as sql:
                        call = self.driver.post(
                            dep, props, [f"{i['id']}.{i['property']}" for i in dep["inputs"]][:1]
                        )
                    self._timed(results, call.name, call, sql, cold)
        self._floors(results)
        return results

    def drill(self, url: str, target: str) -> dict[str, Timed]:
        """A map click on ``target`` from the view at ``url``: the drill callback, then every callback
        its answer triggers (as the renderer fires them); ``chain`` is drill + what the map waits on."""
        results: dict[str, Timed] = {}
        _call, props = self.driver.render_page(url)
        drill = self.driver.find(
            lambda d: any(i["id"] == "screen-map" and i["property"] == "clickData" for i in d["inputs"])
        )
        click = {"points": [{"location": target}]}
        for _ in range(self.repeat):
            for cold in (True, False):
                if cold:
                    self.clear()
                chain = 0.0
                with self.recorder.capture() as sql:
                    call = self.driver.post(
                        drill, props | {"screen-map.clickData": click}, ["screen-map.clickData"]
                    )
                self._timed(results, "drill", call, sql, cold)
                chain += call.seconds
                chain_sql = list(sql)
                changed = changed_props(call)
                state = props | changed
                if "_pages_location.search" in changed:  # the page is re-rendered from the new address
                    with self.recorder.capture() as sql:
                        call, new_props = self.driver.render_page("/" + changed["_pages_location.search"])
                    self._timed(results, "layout", call, sql, cold)
                    chain += call.seconds
                    chain_sql += sql
                    state = new_props
                    fired = self.driver.initial_callbacks(new_props)
                else:  # the drill answered the new view itself: what follows the view fires
                    fired = self.driver.dependents(changed, exclude=drill)
                for dep in fired:
                    with self.recorder.capture() as sql:
                        call = self.driver.post(dep, state, list(changed)[:1])
                    self._timed(results, call.name, call, sql, cold)
                    if call.name == "screen-map.figure":
                        chain += call.seconds
                        chain_sql += sql
                entry = results.setdefault("chain", Timed("drill → map"))
                (entry.cold if cold else entry.warm).append(chain)
                if cold and not entry.sql:
                    entry.sql = chain_sql
        self._floors(results)
        return results

    def _floors(self, results: dict[str, Timed]) -> None:
        for entry in results.values():
            entry.floor = bare_seconds(self.bare, entry.sql, self.repeat)

    def close(self) -> None:
        self.bare.close()
        self.http.close()


def summary(timed: dict[str, Timed]) -> dict[str, Any]:
    """Per callback: median cold, median/p95 warm, floor, ratio (all ms), for results.json."""
    return {
        name: {
            "cold_ms": median(t.cold) * 1e3,
            "warm_ms": median(t.warm) * 1e3,
            "warm_p95_ms": p95(t.warm) * 1e3,
            "bare_ms": t.floor * 1e3,
            "cold_over_bare": (median(t.cold) / t.floor) if t.floor else None,
            "queries": len(t.sql),
            "bytes": t.bytes,
            "errors": t.errors,
        }
        for name, t in timed.items()
    }


DRILLS = (("province→city", "/", "141100"), ("city→county", "/?region=141100", "141124"))
ACCOUNT = "bench-callbacks"


def bench_account(settings: Any) -> tuple[str, str]:
    """A province-wide leader for the benchmark, with a fresh password each run."""
    from cockpit.auth.users import UserStore

    store, password = UserStore(settings), secrets.token_urlsafe(18)
    if store.get(ACCOUNT) is None:
        store.create(ACCOUNT, password, "leader", settings.province_adcode, display_name="基准测试")
    else:
        store.update(
            ACCOUNT, role="leader", scope=settings.province_adcode, disabled=False, password=password
        )
    return ACCOUNT, password


def table(rows: dict[str, dict[str, Timed]]) -> str:
    lines = [f"  {'page / drill':<22} {'callback':<52} {'cold ms':>8} {'warm ms':>8} {'warm p95':>8} "
             f"{'bare ms':>8} {'cold/bare':>9} {'SQL':>4} {'KB':>6} {'err':>3}"]  # fmt: skip
    for where, timed in rows.items():
        for name, row in summary(timed).items():
            label = name if len(name) <= 52 else name[:49] + "…"
            over = f"{row['cold_over_bare']:.2f}" if row["cold_over_bare"] else "—"
            lines.append(f"  {where:<22} {label:<52} {row['cold_ms']:>8.1f} {row['warm_ms']:>8.1f} "
                         f"{row['warm_p95_ms']:>8.1f} {row['bare_ms']:>8.2f} {over:>9} {row['queries']:>4} "
                         f"{row['bytes'] / 1024:>6.0f} {row['errors']:>3}")  # fmt: skip
    return "\n".join(lines)


def headline(rows: dict[str, dict[str, Timed]], scale: str, repeat: int) -> list[Figure]:
    """The drills against PRODUCT.md §6, the slowest page callback, and the error count."""
    out = []
    for label, _url, _target in DRILLS:
        chain = rows[f"drill {label}"]["chain"]
        out.append(Figure(scale, f"callbacks: drill {label}, to map, warm p95", p95(chain.warm) * 1e3, "ms",
                          target=50, runs=len(chain.warm), note="drill + what the new map waits on"))  # fmt: skip
        out.append(Figure(scale, f"callbacks: drill {label}, to map, cold", median(chain.cold) * 1e3,
                          "ms", target=2, target_on="ratio", floor=chain.floor * 1e3 if chain.sql else None,
                          runs=len(chain.cold), note=f"{len(chain.sql)} SQL statements"))  # fmt: skip
    pages = [(where, name, t) for where, timed in rows.items() if not where.startswith("drill")
             for name, t in timed.items()]  # fmt: skip
    if pages:
        where, name, slowest = max(pages, key=lambda x: p95(x[2].warm))
        out.append(Figure(scale, "callbacks: slowest page callback, warm p95", p95(slowest.warm) * 1e3, "ms",
                          runs=len(slowest.warm), note=f"{where} {name}"[:60]))  # fmt: skip
        where, name, coldest = max(pages, key=lambda x: median(x[2].cold))
        out.append(Figure(scale, "callbacks: slowest page callback, cold", median(coldest.cold) * 1e3, "ms",
                          floor=coldest.floor * 1e3 if coldest.sql else None, runs=len(coldest.cold),
                          note=f"{where} {name}"[:60]))  # fmt: skip
    errors = sum(t.errors for timed in rows.values() for t in timed.values())
    out.append(Figure(scale, "callbacks: errors", errors, "", target=0, runs=repeat))
    return [f for f in out if not (isinstance(f.value, float) and math.isnan(f.value))]


def main() -> None:
    from cockpit.settings import Settings

    parser = argparse.ArgumentParser(
        description="server time of every page and drill callback, cold and warm"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    parser.add_argument("--scale", default="", help="label for the table (e.g. demo, 10M)")
    parser.add_argument("--json", type=Path, help="write the headline figures here (for bench/run_all.py)")
    args = parser.parse_args()
    settings = Settings()
    user, password = bench_account(settings)
    bench = CallbackBench(settings, user, password, args.repeat)
    print(f"machine: {machine()}")
    print(
        f"snapshot {bench.warehouse.store.current_id()} in {settings.warehouse_path}; {args.repeat} runs each"
    )
    rows: dict[str, dict[str, Timed]] = {}
    try:
        for url in args.pages:
            rows[url] = bench.page(url)
        for label, url, target in DRILLS:
            rows[f"drill {label}"] = bench.drill(url, target)
    finally:
        bench.close()
    print(table(rows))
    report_figures(headline(rows, args.scale, args.repeat), args.json)


if __name__ == "__main__":
    main()
