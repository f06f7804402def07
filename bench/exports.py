"""Four users export 100,000 rows at once from ``cockpit serve --workers 2``: does the server keep
answering? Prints ``/healthz`` p99 (idle, the floor, and during the exports) and the workers' summed
peak memory (VmHWM) before and after, with each export's time and size.

    .venv/bin/python bench/exports.py [--users 4] [--format xlsx] [--region 140000] [--json out.json]

Runs against the warehouse the ``COCKPIT_*`` environment names (as ``cockpit`` would); the export is
``indicator_value`` for ``--region`` and below, which is about 111,000 rows at the pinned demo scale.
Each user has their own account (``bench-exporter-N``), signs in, asks for the export (``POST
/exports/grid.<fmt>``: a background job), follows it (``GET /exports/jobs/<id>``) and downloads the
file. Meanwhile a prober asks ``/healthz`` every 20 ms over its own connection, as the wall's
watchdog would. Goals (issue 18): p99 ≤ 100 ms while exporting, memory growth ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, machine, percentile, report_figures  # noqa: E402
from bench.load import proc_status, server_env, start_server  # noqa: E402

ACCOUNT = "bench-exporter-{}"
PASSWORD = "Bench-Exports-2026!"


def ensure_exporters(count: int) -> list[str]:
    """``bench-exporter-1`` … as province-wide staff (who may export), with ``PASSWORD``."""
    from cockpit.auth.users import UserStore
    from cockpit.settings import Settings

    settings = Settings()
    store = UserStore(settings)
    names = []
    for index in range(1, count + 1):
        name = ACCOUNT.format(index)
        if store.get(name) is None:
            store.create(name, PASSWORD, "staff", settings.province_adcode, display_name=f"导出压测{index}")
        else:
            store.update(
                name, role="staff", scope=settings.province_adcode, disabled=False, password=PASSWORD
            )
        names.append(name)
    return names


class Prober(threading.Thread):
    """``/healthz`` every ``every`` seconds; keeps each answer's latency (an error counts as its time)."""

    def __init__(self, url: str, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.url, self.every = url, every
        self.samples: list[float] = []
        self.errors = 0
        self.done = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=60) as http:
            while not self.done.is_set():
                started = time.perf_counter()
                try:
                    ok = http.get(f"{self.url}/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.samples.append((time.perf_counter() - started) * 1000)
                self.errors += not ok
                self.done.wait(self.every)

    def stop(self) -> list[float]:
        self.done.set()
        self.join(timeout=70)
        return list(self.samples)


@dataclass
class Export:
    user: str
    seconds: float
    size: int
    error: str = ""


def export_once(url: str, user: str, fmt: str, region: str) -> Export:
    from cockpit.auth.client import sign_in

    with httpx.Client(timeout=120, headers={"Origin": url}) as http:
        sign_in(http, url, user, PASSWORD)
        started = time.perf_counter()
        answer = http.post(f"{url}/exports/grid.{fmt}", json={"region": region, "dataset": "indicator_value"})
        if answer.status_code != 202:
            return Export(user, 0, 0, f"HTTP {answer.status_code}: {answer.text[:120]}")
        job = answer.json()["job"]
        while True:
            state = http.get(f"{url}/exports/jobs/{job}").json()
            if state["state"] in ("done", "failed"):
                break
            time.sleep(0.3)
        if state["state"] != "done":
            return Export(user, time.perf_counter() - started, 0, str(state.get("message")))
        size = 0
        with http.stream("GET", f"{url}/exports/jobs/{job}/{fmt}") as download:
            for chunk in download.iter_bytes():
                size += len(chunk)
        return Export(user, time.perf_counter() - started, size)


def warm_up(url: str, user: str) -> None:
    from cockpit.auth.client import sign_in

    with httpx.Client(timeout=120, headers={"Origin": url}) as http:
        sign_in(http, url, user, PASSWORD)
        for _ in range(3):
            http.get(f"{url}/api/v1/indicators").raise_for_status()
            http.get(f"{url}/exports/grid.csv?region=141124&indicator=online_service_rate").raise_for_status()


def workers_hwm(pids: list[int]) -> list[int]:
    """Each worker's peak resident memory (MB)."""
    return [proc_status(pid).get("VmHWM", 0) // 1024 for pid in pids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--format", default="xlsx", choices=("xlsx", "csv"))
    parser.add_argument("--region", default=None, help="default: the province")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="the idle /healthz floor")
    parser.add_argument("--scale", default="")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--log", type=Path, default=Path("build/bench/exports-server.log"))
    args = parser.parse_args()

    from cockpit.settings import Settings

    region = args.region or Settings().province_adcode
    users = ensure_exporters(args.users)
    server = start_server(server_env(), args.log, workers=2)
    try:
        pids = server.worker_pids()
        # A server that has been up a while: every user signed in, the API and a small export
        # (one county, written in the request) served by both workers.
        with ThreadPoolExecutor(len(users)) as pool:
            list(pool.map(lambda u: warm_up(server.url, u), users))
        prober = Prober(server.url)
        prober.start()
        time.sleep(args.idle_seconds)
        idle = prober.stop()
        before = workers_hwm(pids)
        prober = Prober(server.url)
        prober.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(len(users)) as pool:
            done = list(pool.map(lambda u: export_once(server.url, u, args.format, region), users))
        wall = time.perf_counter() - started
        during = prober.stop()
        after = workers_hwm(pids)
    finally:
        server.stop()

    print(f"machine: {machine()}")
    for e in done:
        print(
            f"  {e.user}: {e.seconds:.1f} s, {e.size / 1e6:.1f} MB {args.format}"
            + (f"  ERROR {e.error}" if e.error else "")
        )
    print(f"  {len(done)} exports at once took {wall:.1f} s; /healthz probes: {len(idle)} idle, {len(during)} during "
          f"({prober.errors} failed)")  # fmt: skip
    failed = [e for e in done if e.error]
    idle_p99, during_p99 = percentile(idle, 0.99), percentile(during, 0.99)
    figures = [
        Figure(
            args.scale,
            f"/healthz p99 during {len(users)} × {args.format} exports",
            during_p99,
            "ms",
            target=100,
            floor=idle_p99,
            note=f"floor: idle p99; max {max(during, default=0):.0f} ms",
            ok=None if not failed and not prober.errors else False,
        ),
        Figure(
            args.scale,
            "workers' peak memory growth (ΣVmHWM)",
            float(sum(after) - sum(before)),
            "MB",
            target=150,
            note=f"{sum(before)} → {sum(after)} MB; per worker {before} → {after}",
        ),
        Figure(
            args.scale,
            f"{len(users)} exports at once, wall time",
            wall,
            "s",
            note=f"{done[0].size / 1e6:.1f} MB each" if done else "",
            ok=not failed,
        ),
    ]
    report_figures(figures, args.json)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
