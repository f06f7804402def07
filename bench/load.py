"""50 concurrent viewers against gunicorn with 2 workers on loopback: errors, throughput, callback
p50/p95 and peak memory per worker (PRODUCT.md §6: no error, p95 under 300 ms, a worker under 400 MB).

    .venv/bin/python bench/load.py [--viewers 50] [--duration 60] [--iterations 0] [--think 2]
                                   [--workers 2] [--url http://127.0.0.1:PORT] [--json out.json]

Without ``--url`` it starts ``cockpit serve --workers 2`` itself on a free 127.0.0.1 port against the
warehouse the ``COCKPIT_*`` environment names (as ``cockpit`` would), and stops it at the end.
Each viewer has its own account (``bench-viewer-NN``, created or reset through ``UserStore``), signs
in over HTTP through ``cockpit.auth.client.sign_in`` and then, until the time or the iteration count
is up, repeats one visit, looking ``--think`` seconds (± 50 %, 5 by default) at each view before the
next step, as a person does (``--think 0`` makes it a stress test):

1. the big screen: ``GET /``, ``/_dash-dependencies``, ``/_dash-layout`` (which comes with the page
   of the address asking for it, cockpit/page_container.py), then every callback it fires on load (``bench/dash_client.py`` replays them as the renderer does);
2. a map click on a city (the drill callback, then the page again at the new address), 3. on one of
   its counties, 4. "返回上级" (the link's address from the layout), 5. a desk page, in rotation.

Callbacks of one page are fired ``--parallel`` at a time (the renderer sends them together; a browser
has 6 connections per host). Every HTTP request counts; an error is a transport failure, a status
other than 200 (204 for a callback that changed nothing), a drill that did not navigate, or a panel
that answered with its "暂时无法加载" placeholder.

Why threads + httpx and not locust: the viewers reuse ``DashDriver`` (a plain ``httpx.Client``) and
``cockpit.auth.client.sign_in`` unchanged; locust would add gevent (which monkey-patches sockets
and threads process-wide) and a second HTTP client, and its percentiles are bucketed, while the
figures here are nearest-rank over every request (``bench/figures.py``). The client is one process
and its JSON work shares the 2 cores with the server, so measured latency is, if anything, high.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dash_client import NAV_STORE, Call, DashDriver, changed_props  # noqa: E402
from bench.figures import Figure, machine, median, p95, rate, report_figures  # noqa: E402

DESK_PAGES = ("/hotline", "/emergency", "/regulation", "/targets", "/supervision", "/evaluation")
ACCOUNT = "bench-viewer-{:02d}"
REQUEST_TIMEOUT = 60.0  # seconds; a request slower than this is an error, not a hang
KEEPALIVE = 3.0  # seconds a client keeps an idle connection (the server keeps it 5)


# --- a gunicorn cockpit on a free loopback port ---------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (peak resident) of a process in kB; empty when it is gone."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


@dataclass
class Server:
    """``cockpit serve --workers N`` started by us: the process is the gunicorn master."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path
    warm_seconds: float | None = None  # until every worker had warmed the wall, or said it won't

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment, with one session key for every worker (a random key per process would make
    each worker refuse the other's cookies) unless one is set already."""
    env = dict(os.environ) | (extra or {})
    env.setdefault("COCKPIT_SECRET_KEY", secrets.token_urlsafe(32))
    return env


def start_server(
    env: dict[str, str], log: Path, workers: int = 2, threads: int | None = None, timeout: float = 120
) -> Server:
    """Starts the server on 127.0.0.1 and returns once ``/healthz`` answers, every worker is up and has
    warmed the wall or logged that warming is off: benchmarks measure a server in service."""
    port = free_port()
    cockpit = Path(sys.executable).with_name("cockpit")
    command = [str(cockpit), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.TransportError):
            if (
                httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
                and len(server.worker_pids()) >= workers
            ):
                server.warm_seconds = wait_warm(server, workers)
                return server
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"cockpit serve did not come up on port {port}:\n{tail}")
        time.sleep(0.2)


def wait_warm(server: Server, workers: int, timeout: float = 300) -> float:
    """Seconds until every worker has warmed the wall, or said it won't (each logs
    ``cockpit.warmup.WARM_UP_DONE``): the load measures a server in service, not one starting up;
    the warm-up is its own figure."""
    from cockpit.warmup import WARM_UP_DONE

    started = time.monotonic()
    while time.monotonic() - started < timeout and server.process.poll() is None:
        if server.log.read_text(errors="replace").count(WARM_UP_DONE) >= workers:
            break
        time.sleep(0.5)
    return time.monotonic() - started


class MemorySampler(threading.Thread):
    """Samples every worker of the master (recycled ones too) and keeps each one's peak resident set."""

    def __init__(self, server: Server, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.peak_kb: dict[int, int] = {}
        self.done = threading.Event()

    def sample(self) -> None:
        for pid in self.server.worker_pids():
            status = proc_status(pid)
            seen = max(status.get("VmHWM", 0), status.get("VmRSS", 0))
            if seen:
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), seen)

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.sample()

    def stop(self) -> dict[int, int]:
        self.sample()
        self.done.set()
        self.join(timeout=5)
        return dict(self.peak_kb)


# --- accounts -------------------------------------------------------------------------------------
def ensure_leader(name: str, password: str, display_name: str) -> None:
    """``name`` as a province-wide leader with ``password`` in the warehouse's user store: created,
    or its role, scope, state and password put back (a benchmark's own account)."""
    from cockpit.auth.users import UserStore
    from cockpit.settings import Settings

    settings = Settings()
    store = UserStore(settings)
    if store.get(name) is None:
        store.create(name, password, "leader", settings.province_adcode, display_name=display_name)
    else:
        store.update(name, role="leader", scope=settings.province_adcode, disabled=False, password=password)


def ensure_accounts(count: int, password: str) -> list[str]:
    """``bench-viewer-01`` … as province-wide leaders in the warehouse's user store, with ``password``."""
    names = [ACCOUNT.format(index) for index in range(1, count + 1)]
    for index, name in enumerate(names, start=1):
        ensure_leader(name, password, f"压测观看者{index}")
    return names


# --- viewers --------------------------------------------------------------------------------------
@dataclass
class Sample:
    step: str
    kind: str  # "callback" (POST /_dash-update-component) or "get"
    name: str
    seconds: float
    status: int
    error: str = ""  # empty when it went well
    end: float = field(default_factory=time.monotonic)  # when it finished (recorded right after)


@dataclass
class Plan:
    """Where viewers drill: every city and its counties, read from the API once."""

    cities: dict[str, list[str]]


def read_plan(http: httpx.Client, province: str) -> Plan:
    cities = {}
    for child in http.get(f"/api/v1/regions/{province}").raise_for_status().json()["children"]:
        counties = http.get(f"/api/v1/regions/{child['adcode']}").raise_for_status().json()["children"]
        cities[child["adcode"]] = [c["adcode"] for c in counties]
    if not cities:
        raise SystemExit(f"region {province} has no children to drill to")
    return Plan(cities)


class Stopped(Exception):
    pass


@dataclass
class Viewer:
    index: int
    base_url: str
    username: str
    password: str
    plan: Plan
    stop: threading.Event
    think: float
    parallel: int
    samples: list[Sample] = field(default_factory=list)
    visits: int = 0
    failure: str = ""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.index)
        # Idle connections are dropped before gunicorn's keep-alive (5 s, cockpit/serving.py) closes
        # them: reusing one the server is closing that instant fails as a browser would silently retry.
        self.http = httpx.Client(
            base_url=self.base_url, timeout=REQUEST_TIMEOUT, limits=httpx.Limits(keepalive_expiry=KEEPALIVE)
        )
        self.pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix=f"viewer{self.index}")
        self.driver: DashDriver | None = None
        self.seq = 0  # the screen-nav store's counter, as assets/screen_nav.js keeps it

    # Measuring -------------------------------------------------------------------------------------
    def _record(self, step: str, call: Call, *, drill: bool = False) -> None:
        error = ""
        if call.status not in (200, 204) or (drill and call.status != 200):
            error = f"HTTP {call.status}"
        elif call.degraded:
            error = "panel placeholder (暂时无法加载)"
        self.samples.append(Sample(step, "callback", call.name, call.seconds, call.status, error))

    def _get(self, step: str, path: str) -> None:
        started = time.perf_counter()
        try:
            status = self.http.get(path).status_code
            error = "" if status == 200 else f"HTTP {status}"
        except httpx.HTTPError as exc:
            status, error = 0, type(exc).__name__
        self.samples.append(Sample(step, "get", path, time.perf_counter() - started, status, error))

    def _post(self, step: str, dep: dict[str, Any], values: dict[str, Any], changed: list[str]) -> Call:
        assert self.driver is not None
        try:
            return self.driver.post(dep, values, changed)
        except httpx.HTTPError as exc:
            name = dep["output"]
            self.samples.append(Sample(step, "callback", name, math.nan, 0, type(exc).__name__))
            raise Stopped from exc

    # What a viewer does ----------------------------------------------------------------------------
    def page(self, step: str, url: str, *, full_load: bool = False) -> dict[str, Any]:
        """The page of ``url`` (its layout on a full load, else the page callback) and every callback
        the page fires on load; returns its props."""
        assert self.driver is not None
        try:
            call, props = self.driver.open_page(url) if full_load else self.driver.render_page(url)
        except httpx.HTTPError as exc:
            self.samples.append(Sample(step, "callback", "layout", math.nan, 0, type(exc).__name__))
            raise Stopped from exc
        self._record(step, Call("layout", call.seconds, call.status, call.bytes, {}, call.degraded))
        if call.status != 200:
            raise Stopped
        self._fire(step, self.driver.initial_callbacks(props), props, None)
        return props

    def _fire(
        self, step: str, deps: list[dict[str, Any]], values: dict[str, Any], changed: list[str] | None
    ) -> list[Call]:
        """Posts ``deps`` ``--parallel`` at a time, as the renderer sends them together; every answer is
        recorded (a failed one too) before a failure ends the step. ``changed`` None: each callback's
        first input (a page load)."""

        def one(dep: dict[str, Any]) -> Call:
            first = [f"{i['id']}.{i['property']}" for i in dep["inputs"]][:1]
            return self._post(step, dep, values, first if changed is None else changed)

        futures = [self.pool.submit(one, dep) for dep in deps]
        answers, failed = [], False
        for future in futures:
            try:
                answer = future.result()
            except Stopped:
                failed = True
                continue
            self._record(step, answer)
            answers.append(answer)
        if failed:
            raise Stopped
        return answers

    def follow(self, step: str, dep: dict[str, Any], call: Call, props: dict[str, Any]) -> dict[str, Any]:
        """What the renderer does with a navigating answer: the page router renders the new address,
        or (the screen's in-page navigation) every server callback fed by what changed fires, and what
        those change in turn (bounded). Returns the page's props afterwards."""
        assert self.driver is not None
        changed = changed_props(call)
        if "_pages_location.search" in changed:
            return self.page(step, "/" + changed["_pages_location.search"])
        state, fired = props | changed, {id(dep)}
        for _depth in range(3):
            deps = [d for d in self.driver.dependents(changed) if id(d) not in fired]
            if not deps:
                break
            fired |= {id(d) for d in deps}
            answers = self._fire(step, deps, state, list(changed)[:1])
            changed = {}
            for answer in answers:
                changed |= changed_props(answer)
            state |= changed
        return state

    def drill(self, step: str, props: dict[str, Any], target: str) -> dict[str, Any]:
        """A map click on ``target``: the drill callback, then whatever its answer sets off."""
        assert self.driver is not None
        dep = self.driver.find(
            lambda d: any(i["id"] == "screen-map" and i["property"] == "clickData" for i in d["inputs"])
        )
        click = {"points": [{"location": target}]}
        call = self._post(step, dep, props | {"screen-map.clickData": click}, ["screen-map.clickData"])
        self._record(
            step, Call("drill", call.seconds, call.status, call.bytes, {}, call.degraded), drill=True
        )
        if call.status != 200 or not call.response:
            if call.status in (200, 204):  # answered, but did not navigate: the viewer is stuck
                self.samples[-1].error = f"drill to {target} did not navigate"
            raise Stopped
        return self.follow(step, dep, call, props)

    def link(self, step: str, props: dict[str, Any], href: str) -> dict[str, Any]:
        """A click on an in-app link (返回上级): on the big screen its script hands the address to the
        screen's navigation callback; elsewhere the page router renders it."""
        assert self.driver is not None
        nav = self.driver.nav_store()
        parts = urlsplit(href)
        if nav is None or (parts.path or "/") != "/":
            return self.page(step, href)
        self.seq += 1
        value = {"search": f"?{parts.query}" if parts.query else "", "seq": self.seq}
        key = f"{NAV_STORE}.data"
        call = self._post(step, nav, props | {key: value}, [key])
        self._record(
            step, Call("navigate", call.seconds, call.status, call.bytes, {}, call.degraded), drill=True
        )
        if call.status != 200 or not call.response:
            if call.status in (200, 204):
                self.samples[-1].error = f"link to {href} did not navigate"
            raise Stopped
        return self.follow(step, nav, call, props)

    def pause(self) -> None:
        if self.think > 0 and self.stop.wait(self.think * self.rng.uniform(0.5, 1.5)):
            raise Stopped
        if self.stop.is_set():
            raise Stopped

    def visit(self, desk: str) -> None:
        for path in ("/", "/_dash-dependencies"):
            self._get("screen", path)
        props = self.page("screen", "/", full_load=True)  # /_dash-layout, with the page in it
        city = self.rng.choice(sorted(self.plan.cities))
        self.pause()
        props = self.drill("drill city", props, city)
        counties = self.plan.cities[city]
        if counties:
            self.pause()
            props = self.drill("drill county", props, self.rng.choice(counties))
        back = props.get("screen-back.href")
        if back:
            self.pause()
            self.link("back", props, back)
        self.pause()
        self.page("desk", desk)

    def sign_in(self) -> None:
        from cockpit.auth.client import sign_in

        sign_in(self.http, self.base_url, self.username, self.password)
        self.driver = DashDriver(self.http)

    def run(self, iterations: int, start_at: float) -> None:
        desks = itertools.islice(itertools.cycle(DESK_PAGES), self.index % len(DESK_PAGES), None)
        try:
            if self.stop.wait(max(0.0, start_at - time.monotonic())):
                return
            while not self.stop.is_set() and (not iterations or self.visits < iterations):
                try:
                    self.visit(next(desks))
                    self.visits += 1
                    self.pause()
                except Stopped:
                    if self.stop.is_set():
                        return
                    # An error ended this visit: the next one starts from the big screen again.
                    self.stop.wait(1.0)
        except Exception as exc:  # a bug in the harness must show, not hang the run
            self.failure = f"{type(exc).__name__}: {exc}"
        finally:
            self.pool.shutdown(wait=True)

    def close(self) -> None:
        self.http.close()


# --- the run --------------------------------------------------------------------------------------
@dataclass
class Result:
    samples: list[Sample]
    seconds: float  # from the first viewer's start until every viewer stopped
    window: float  # the measuring window: --duration, or less when every viewer finished sooner
    started: float
    visits: int
    viewers: int
    peak_kb: dict[int, int]
    failures: list[str]


def run_load(
    url: str,
    server: Server | None,
    *,
    viewers: int,
    duration: float,
    iterations: int,
    think: float,
    ramp: float,
    parallel: int,
) -> Result:
    from cockpit.settings import Settings

    password = secrets.token_urlsafe(18)
    names = ensure_accounts(viewers, password)
    stop = threading.Event()
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT) as http:
        from cockpit.auth.client import sign_in

        sign_in(http, url, names[0], password)
        plan = read_plan(http, Settings().province_adcode)
    crowd = [Viewer(i, url, n, password, plan, stop, think, parallel) for i, n in enumerate(names)]
    print(f"signing in {viewers} viewers …", flush=True)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda v: v.sign_in(), crowd))
    sampler = MemorySampler(server) if server else None
    if sampler:
        sampler.start()
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=v.run,
            args=(iterations, started + ramp * i / max(1, viewers)),
            name=f"viewer{i}",
            daemon=True,
        )
        for i, v in enumerate(crowd)
    ]
    for thread in threads:
        thread.start()
    print(f"{viewers} viewers for up to {duration:.0f} s" + (f" or {iterations} visits each" if iterations else ""),
          flush=True)  # fmt: skip
    deadline = started + duration
    while time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 10)
    ended = time.monotonic()
    elapsed = ended - started
    peak = sampler.stop() if sampler else {}
    for v in crowd:
        v.close()
    hung = [t.name for t in threads if t.is_alive()]
    failures = [f"viewer {v.index}: {v.failure}" for v in crowd if v.failure] + [
        f"{n} did not stop" for n in hung
    ]
    samples = [s for v in crowd for s in v.samples]
    last = max((s.end for s in samples), default=ended)
    window = min(duration, last - started)
    return Result(samples, elapsed, window, started, sum(v.visits for v in crowd), viewers, peak, failures)


def figures(result: Result, scale: str, workers: int, warm_seconds: float | None = None) -> list[Figure]:
    callbacks = [s.seconds * 1e3 for s in result.samples if s.kind == "callback" and not s.error]
    errors = [s for s in result.samples if s.error]
    peak_mb = max(result.peak_kb.values()) / 1024 if result.peak_kb else float("nan")
    tag = f"{result.viewers} viewers, {workers} workers"
    # Throughput counts what finished inside the window; requests in flight at its end still count
    # as requests (and errors), and their latencies are in the percentiles.
    inside = sum(1 for s in result.samples if s.end - result.started <= result.window)
    return [
        Figure(scale, f"load: requests ({tag})", len(result.samples), "", runs=1,
               note=f"{result.visits} visits; {result.seconds - result.window:.0f} s to stop after the window"),
        Figure(scale, "load: errors", len(errors) + len(result.failures), "", target=0,
               note="; ".join(sorted({e.error for e in errors} | set(result.failures)))[:80]),
        Figure(scale, "load: throughput", rate(inside, result.window), "req/s",
               note=f"{inside:,} requests done in {result.window:.0f} s"),
        Figure(scale, "load: callback p50", median(callbacks), "ms", runs=len(callbacks)),
        Figure(scale, "load: callback p95", p95(callbacks), "ms", target=300, runs=len(callbacks)),
        Figure(scale, "load: peak RSS per worker (max)", peak_mb, "MB", target=400,
               note=", ".join(f"{pid}: {kb / 1024:.0f}" for pid, kb in sorted(result.peak_kb.items()))),
    ] + ([Figure(scale, "load: wall warmed after start", warm_seconds, "s", runs=1,
                 note="every region's wall, each worker (cockpit/warmup.py), before the load")]
         if warm_seconds is not None else [])  # fmt: skip


def breakdown(result: Result) -> str:
    """p50/p95 per step and per callback (the slowest first), to see where the time goes."""
    by: dict[tuple[str, str], list[float]] = defaultdict(list)
    errors: dict[tuple[str, str], int] = defaultdict(int)
    for s in result.samples:
        key = (s.step, s.name if len(s.name) <= 48 else s.name[:45] + "…")
        if s.error:
            errors[key] += 1
        else:
            by[key].append(s.seconds * 1e3)
    rows = sorted(set(by) | set(errors), key=lambda k: -p95(by.get(k, [0.0])))
    lines = [f"  {'step':<13} {'request':<48} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}"]
    for key in rows:
        times = by.get(key, [])
        lines.append(f"  {key[0]:<13} {key[1]:<48} {len(times):>6} {median(times):>8.1f} {p95(times):>8.1f} "
                     f"{errors.get(key, 0):>6}")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (the upper bound)")
    parser.add_argument("--iterations", type=int, default=0, help="visits per viewer (0: until --duration)")
    parser.add_argument(
        "--think", type=float, default=5.0, help="mean seconds a viewer looks before the next step"
    )
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which the viewers arrive")
    parser.add_argument("--parallel", type=int, default=6, help="callbacks of one page in flight at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: settings)")
    parser.add_argument("--url", help="a running cockpit (then no memory figure); default: start one")
    parser.add_argument("--scale", default="", help="label for the table (e.g. demo, 10M)")
    parser.add_argument("--json", type=Path, help="write the figures here (for bench/run_all.py)")
    parser.add_argument("--log", type=Path, default=Path("build/bench/load-server.log"))
    args = parser.parse_args()
    if args.url and (urlsplit(args.url).hostname or "") not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load test runs against loopback only (127.0.0.1)")
    print(f"machine: {machine()}", flush=True)
    server, warm_seconds = None, None
    try:
        if not args.url:
            server = start_server(server_env(), args.log.resolve(), args.workers, args.threads)
            print(
                f"gunicorn {args.workers} workers on {server.url} (pids {server.worker_pids()})", flush=True
            )
            warm_seconds = server.warm_seconds
            print(f"every worker warmed the wall in {warm_seconds or 0:.1f} s", flush=True)
        result = run_load(
            args.url or server.url,  # type: ignore[union-attr]
            server,
            viewers=args.viewers,
            duration=args.duration,
            iterations=args.iterations,
            think=args.think,
            ramp=args.ramp,
            parallel=args.parallel,
        )
    finally:
        if server:
            server.stop()
    print(breakdown(result))
    for failure in result.failures:
        print(f"  harness: {failure}")
    report_figures(figures(result, args.scale, args.workers, warm_seconds), args.json)


if __name__ == "__main__":
    main()
