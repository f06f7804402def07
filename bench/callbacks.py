"""Server time of every page and drill callback, cold and warm, against the bare DuckDB queries it ran.

In-process: the app is driven through ``httpx.WSGITransport`` (whole Flask + Dash stack, JSON
included, no socket), signed in like a browser. Every SQL statement a callback sends to DuckDB is
recorded on its cold run and replayed on a bare read-only connection to the same snapshot: that
sum is the callback's floor (the DuckDB work it cannot avoid).

* cold: the memo cache emptied first (a view nobody opened since the last publish), DuckDB's
  buffers warm — the same definition as ``bench/events_queries.py``;
* warm: the same request again (memoized).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import httpx

from bench.dash_client import Call, DashDriver, changed_props, sign_in_if_needed
from bench.figures import median, p95

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
        from cockpit.app import cache, create_app

        self.app = create_app(settings.model_copy(update={"refresh_seconds": 3600}))
        self.cache = cache
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
            self.cache.clear()

    def _timed(
        self, results: dict[str, Timed], name: str, call: Call, sql: list[tuple[str, Any]], cold: bool
    ) -> None:
        entry = results.setdefault(name, Timed(name))
        (entry.cold if cold else entry.warm).append(call.seconds)
        entry.bytes = call.bytes
        entry.errors += call.status != 200
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
                else:
                    fired = self.driver.dependents(changed)
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
