"""Serving for real: two gunicorn servers on loopback share one snapshot directory and one real
Redis, as two hosts behind a load balancer would (no sticky sessions).

Proves: both serve the same data; a cache entry written by one is read by the other; after a
publish both serve the new snapshot while the old snapshot's entries, still in Redis, are never
returned; a session signed in on one server is accepted by the other; a Redis outage costs
recomputation, not pages. Not timed. Prints the resident memory of serving workers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bench.load import Server, free_port, proc_status, start_server
from cockpit.settings import Settings
from tests.conftest import DEFAULT_TEST_PASSWORD, add_user, make_settings

INDICATOR = "online_service_rate"
PROVINCE = "140000"
USER = "serving-leader"
MONTHLY_HEADER = "指标代码,地区名称,统计月份,指标值\n"
BEFORE = ["online_service_rate,山西省,2026-09,91.5", "online_service_rate,太原市,2026-09,88.0"]
AFTER = ["online_service_rate,山西省,2026-10,93.7"]  # a new month: the latest period moves
KEY_PREFIX = "cockpit-test:"


# --- a real redis-server on a free loopback port ----------------------------------------------
def _require_redis_server() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("redis-server not found: CI must run the serving tests (apt-get install redis-server)")
    pytest.skip("redis-server not installed (make test installs it)")


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_redis(workdir: Path, port: int | None = None) -> RedisServer:
    """redis-server without persistence, bound to loopback; returns once it answers PING."""
    import redis

    binary = _require_redis_server()
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = RedisServer(process, port)
    deadline = time.monotonic() + 15
    while True:
        try:
            server.client().ping()
            return server
        except redis.exceptions.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


# --- cockpit servers (`cockpit serve --workers N`) on loopback ports: bench.load.start_server -------
def server_env(settings: Settings, redis_url: str | None, secret_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    env.update({
        "COCKPIT_DATA_DIR": str(settings.data_dir),
        "COCKPIT_WAREHOUSE_DIR": str(settings.warehouse_path),
        "COCKPIT_FEEDS_FILE": str(settings.feeds_path),
        "COCKPIT_REFERENCE_DATA_DIR": str(settings.reference_dir),
        "COCKPIT_SEEDS_DIR": str(settings.seeds_dir),
        "COCKPIT_AS_OF": str(settings.as_of),
        "COCKPIT_EXPORTS_DIR": str(settings.data_dir / "exports"),
        "COCKPIT_CACHE_KEY_PREFIX": KEY_PREFIX,
        "COCKPIT_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "COCKPIT_DUCKDB_THREADS": str(settings.duckdb_threads),
        "COCKPIT_WARM_ROLES": "[]",  # tests/test_warmup.py warms; these servers answer at once
        # Every server of a deployment signs cookies with the same key: that is what lets a
        # session started on one host be accepted by another.
        "COCKPIT_SECRET_KEY": secret_key,
    })  # fmt: skip
    if redis_url:
        env["COCKPIT_CACHE_REDIS_URL"] = redis_url
    return env


def write_monthly(path: Path, rows: list[str]) -> Path:
    path.write_bytes((MONTHLY_HEADER + "\n".join(rows) + "\n").encode("gbk"))
    return path


@dataclass
class Pair:
    a: Server
    b: Server
    settings: Settings
    redis: RedisServer
    tmp: Path


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, initialised_warehouse: Path, redis_server: RedisServer
) -> Iterator[Pair]:
    """Two servers, two workers each, on one warehouse directory and one Redis."""
    from etl.runner import run_feed

    root = tmp_path_factory.mktemp("serving")
    shutil.copytree(initialised_warehouse, root / "warehouse", ignore=shutil.ignore_patterns("*.lock"))
    settings = make_settings(root)
    run_feed(settings, "indicator_monthly", str(write_monthly(root / "before.csv", BEFORE)))
    add_user(settings, USER, "leader", PROVINCE)
    env = server_env(settings, redis_server.url, secrets.token_urlsafe(32))
    a = start_server(env, root / "a.log")
    try:
        b = start_server(env, root / "b.log")
    except BaseException:
        a.stop()
        raise
    try:
        yield Pair(a, b, settings, redis_server, root)
    finally:
        a.stop()
        b.stop()


@contextlib.contextmanager
def signed_in(base_url: str) -> Iterator[httpx.Client]:
    """A client with a live session — the one sign-in call every test goes through."""
    from cockpit.auth.client import sign_in

    with httpx.Client(timeout=30) as http:
        sign_in(http, base_url, USER, DEFAULT_TEST_PASSWORD)
        yield http


def values(http: httpx.Client, base_url: str) -> dict[str, object]:
    answer = http.get(f"{base_url}/api/v1/values", params={"indicator": INDICATOR, "region": PROVINCE})
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    province = next(r for r in body["rows"] if r["adcode"] == PROVINCE)
    return {"snapshot": body["snapshot"], "period": body["period"], "value": province["value"]}


def latest_period_key(snapshot: str) -> str:
    # Warehouse.cached_df's key for latest_period(INDICATOR), under the deployment's prefix.
    from cockpit.warehouse.queries import QUERY

    return KEY_PREFIX + QUERY.key(snapshot, ["latest_period", [INDICATOR]])


def cached(redis_client, key: str):  # type: ignore[no-untyped-def]
    from cachelib.serializers import RedisSerializer

    raw = redis_client.get(key)
    return None if raw is None else RedisSerializer().loads(raw)


def keyspace_hits(redis_client) -> int:  # type: ignore[no-untyped-def]
    return int(redis_client.info("stats")["keyspace_hits"])


# --- the tests ----------------------------------------------------------------------------------
def test_both_servers_share_the_cache_and_serve_a_publish_never_the_old_entry(pair: Pair) -> None:
    from etl.runner import run_feed

    r = pair.redis.client()
    with signed_in(pair.a.url) as http:
        first = values(http, pair.a.url)
        old = str(first["snapshot"])
        assert first == {"snapshot": old, "period": "2026-09", "value": 91.5}
        # A wrote the entry; B's identical request finds it in Redis (a hit) and answers the same.
        assert cached(r, latest_period_key(old))["p"].iloc[0] == "2026-09"
        hits = keyspace_hits(r)
        assert values(http, pair.b.url) == first
        assert keyspace_hits(r) > hits, "server B did not read the entries server A wrote"

        new = run_feed(pair.settings, "indicator_monthly", str(write_monthly(pair.tmp / "after.csv", AFTER)))
        assert new.snapshot != old
        # No restart, no signal: every request to either server, whichever worker takes it, serves
        # the new snapshot — including the period, which comes from the cache.
        for _ in range(6):
            for server in (pair.a, pair.b):
                assert values(http, server.url) == {
                    "snapshot": new.snapshot,
                    "period": "2026-10",
                    "value": 93.7,
                }

    # The old snapshot's entry is still in Redis, still saying 2026-09: it was there to be served
    # and was not, because the new snapshot's key is a different key.
    assert cached(r, latest_period_key(old))["p"].iloc[0] == "2026-09"
    assert cached(r, latest_period_key(new.snapshot))["p"].iloc[0] == "2026-10"
    keys = [k.decode() for k in r.scan_iter(match=f"{KEY_PREFIX}*", count=1000)]
    assert keys and all(old in k or new.snapshot in k for k in keys), [
        k for k in keys if old not in k and new.snapshot not in k
    ]


def test_a_session_from_one_server_is_accepted_by_the_other(pair: Pair) -> None:
    with httpx.Client(timeout=30) as anonymous:
        assert anonymous.get(f"{pair.b.url}/api/v1/indicators").status_code == 401
    with signed_in(pair.a.url) as http:
        # Only the cookie travels: server B never saw this sign-in, as with a balancer without
        # sticky sessions.
        cookies = dict(http.cookies)
    with httpx.Client(timeout=30, cookies=cookies) as other:
        answer = other.get(f"{pair.b.url}/api/v1/indicators")
        assert answer.status_code == 200, answer.text[:300]
        assert answer.json()["indicators"]


def test_production_server_sends_no_banner(pair: Pair) -> None:
    answer = httpx.get(f"{pair.a.url}/healthz", timeout=10)
    assert answer.status_code == 200
    assert "gunicorn" not in answer.headers.get("server", "").lower()


def test_resilient_cache_counts_redis_errors_as_misses(tmp_path: Path) -> None:
    """Down at start-up, and failing at run time: get/set never raise, and Redis is used again
    once it answers."""
    from cockpit.cache import REDIS_OPTIONS, ResilientRedisCache

    def make(url: str) -> ResilientRedisCache:
        config = {"CACHE_REDIS_URL": url, "CACHE_KEY_PREFIX": "t:", "CACHE_OPTIONS": dict(REDIS_OPTIONS),
                  "CACHE_REDIS_RETRY_SECONDS": 0.2}  # fmt: skip
        return ResilientRedisCache.factory(None, config, [], {"default_timeout": 60})

    port = free_port()
    down = make(f"redis://127.0.0.1:{port}/0")  # nothing listens there yet
    assert not down.redis_up and down.errors == 1
    assert down.get("x") is None and down.set("x", 1) and down.get("x") == 1  # the fallback answers

    server = start_redis(tmp_path / "r", port)
    try:
        time.sleep(0.25)
        assert down.set("y", 2) and server.client().exists("t:y")  # back on Redis, no restart
        assert down.get("y") == 2
        server.stop()
        errors = down.errors
        assert down.get("y") is None  # an error is a miss, not an exception
        assert down.errors == errors + 1 and not down.redis_up
        assert down.set("z", 3) and down.get("z") == 3
    finally:
        server.stop()


def test_worker_memory_after_serving_pages(
    tmp_path: Path, demo_warehouse: tuple[Settings, dict[str, object]], redis_server: RedisServer
) -> None:
    """Prints (does not assert) the resident memory of a serving worker after it rendered the
    heaviest pages on the demo warehouse; bench/ reports the same at 10M tickets."""
    demo, _ = demo_warehouse
    settings = make_settings(tmp_path, as_of=demo.as_of)
    current = (demo.warehouse_path / "CURRENT").read_text().strip()
    settings.warehouse_path.mkdir(parents=True)
    shutil.copy2(demo.warehouse_path / "CURRENT", settings.warehouse_path / "CURRENT")
    shutil.copy2(demo.warehouse_path / f"{current}.duckdb", settings.warehouse_path / f"{current}.duckdb")
    add_user(settings, USER, "leader", PROVINCE)
    server = start_server(
        server_env(settings, redis_server.url, secrets.token_urlsafe(32)), tmp_path / "m.log", 1
    )
    try:
        (pid,) = server.worker_pids()
        before = proc_status(pid)["VmRSS"]
        rendered = _render_pages(server.url, ["/", "/hotline", "/emergency", "/targets", "/region/141100"])
        print(
            f"\nserving worker {pid}: RSS {before / 1024:.0f} MB after start-up, {proc_status(pid)['VmRSS'] / 1024:.0f} MB "
            f"after {rendered} page renders + callbacks (peak {proc_status(pid)['VmHWM'] / 1024:.0f} MB); "
            f"DuckDB memory_limit {settings.duckdb_memory_limit}, threads {settings.duckdb_threads}"
        )
        assert rendered > 0
    finally:
        server.stop()


def _render_pages(base_url: str, paths: list[str]) -> int:
    """Renders pages the way the browser does (layout, then its initial callbacks)."""
    from bench.dash_client import DashDriver

    calls = 0
    with signed_in(base_url) as http:
        http.base_url = httpx.URL(base_url)
        driver = DashDriver(http)
        for path in paths:
            call, props = driver.render_page(path)
            if call.status != 200:  # page correctness is other tests' business; this one measures
                print(f"\n{path}: HTTP {call.status}, left out of the measurement")
                continue
            for dep in driver.initial_callbacks(props):
                driver.post(dep, props, [f"{i['id']}.{i['property']}" for i in dep["inputs"]])
            calls += 1
    return calls


def test_a_redis_outage_does_not_take_pages_down(pair: Pair) -> None:
    """Last in the module: stops the shared Redis under both running servers."""
    with signed_in(pair.a.url) as http:
        expected = values(http, pair.a.url)
        pair.redis.stop()
        for _ in range(3):
            for server in (pair.a, pair.b):
                assert values(http, server.url) == expected


def test_make_run_serves_with_gunicorn_and_its_own_scheduler_process(
    tmp_path: Path, initialised_warehouse: Path
) -> None:
    """`make run` (cockpit serve --workers 2 --scheduler): the production server with no
    development-server warning, one session key shared by the workers though none is configured,
    and the feed scheduler in a process of its own that stops with the server."""
    import signal
    import sys

    shutil.copytree(initialised_warehouse, tmp_path / "warehouse", ignore=shutil.ignore_patterns("*.lock"))
    settings = make_settings(tmp_path)
    add_user(settings, USER, "leader", PROVINCE)
    env = server_env(settings, None, "")
    env.pop("COCKPIT_SECRET_KEY")
    port, log = free_port(), tmp_path / "run.log"
    command = [str(Path(sys.executable).with_name("cockpit")), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "2", "--scheduler"]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.3)
        with signed_in(base) as http:  # each request may land on either worker: one key for both
            assert all(http.get(f"{base}/api/v1/indicators").status_code == 200 for _ in range(12))
        started = time.monotonic() + 90  # the scheduler process says so once it has imported
        while "调度器启动" not in log.read_text(errors="replace") and time.monotonic() < started:
            time.sleep(0.3)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        scheduler = [p for p in children if b"etl\x00schedule" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(scheduler) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert "development server" not in text.lower() and "调度器启动" in text, text[-2000:]
    assert (
        not Path(f"/proc/{scheduler[0]}").exists()
        or b"zombie" in Path(f"/proc/{scheduler[0]}/status").read_bytes().lower()
    )
