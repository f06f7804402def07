"""The cockpit's map against the textbook Dash app's, painted in the same Chromium, alternating, in the
same run: deep link with a warm browser cache → choropleth painted, for the province and for 吕梁.

    .venv/bin/python bench/paint.py [--rounds 3] [--runs 5] [--tickets 60000] [--json out.json]

Starts ``bench/textbook_dash.py`` (the app a Dash user writes from the docs: full-resolution GeoJSON
read per request, pandas in the callback, no cache, one map) and ``cockpit serve --workers 2`` on
free loopback ports, then per round runs ``bench/paint_time.py`` against each (the cockpit signed in
as ``bench-painter``), textbook first in even rounds and cockpit first in odd ones. Each row is the
median over the rounds of paint_time's median; the floor is the textbook app's, and the goal
(issue 19) is the cockpit at ≤ 0.8× the textbook app.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, machine, report_figures  # noqa: E402
from bench.load import ensure_leader, free_port, server_env, start_server  # noqa: E402

USER, PASSWORD = "bench-painter", "Drawn-Maps-Quickly-2026!"
PATHS = (("/", "province", 11), ("/?region=141100", "吕梁", 13))
_LINE = re.compile(r"painted median (\d+) ms .*median (\d+) KiB")


def ensure_painter() -> None:
    ensure_leader(USER, PASSWORD, "绘制计时")


def start_textbook(tickets: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "textbook_dash.py"), str(port), str(tickets)],
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/", timeout=5).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"textbook app did not come up:\n{log.read_text(errors='replace')[-2000:]}")


def paint(url: str, path: str, regions: int, runs: int, signed_in: bool) -> tuple[float, float]:
    """paint_time.py's (median ms, median KiB) for one page."""
    env = dict(os.environ)
    env.pop("COCKPIT_USER", None)
    if signed_in:
        env.update(COCKPIT_USER=USER, COCKPIT_PASSWORD=PASSWORD)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "paint_time.py"), url, path, str(regions), str(runs)],
                         env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    found = _LINE.search(out.stdout)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"paint_time failed on {url}{path}:\n{out.stdout[-1500:]}{out.stderr[-1500:]}")
    return float(found.group(1)), float(found.group(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="paint_time runs per page and round")
    parser.add_argument("--tickets", type=int, default=60_000, help="the textbook app's tickets")
    parser.add_argument("--scale", default="")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--log-dir", type=Path, default=Path("build/bench"))
    args = parser.parse_args()

    ensure_painter()
    textbook, textbook_url = start_textbook(args.tickets, args.log_dir / "textbook.log")
    cockpit = None
    measured: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        cockpit = start_server(server_env(), args.log_dir / "paint-server.log", workers=2)
        for round_ in range(args.rounds):
            order = [("textbook", textbook_url, False), ("cockpit", cockpit.url, True)]
            for who, url, signed in order if round_ % 2 == 0 else order[::-1]:
                for path, _label, regions in PATHS:
                    measured.setdefault((who, path), []).append(paint(url, path, regions, args.runs, signed))
            print(f"round {round_ + 1}: " + ", ".join(f"{w} {p} {v[-1][0]:.0f} ms" for (w, p), v in measured.items()),
                  flush=True)  # fmt: skip
    finally:
        textbook.terminate()
        textbook.wait(timeout=30)
        if cockpit is not None:
            cockpit.stop()

    print(f"machine: {machine()}")
    figures = []
    for path, label, _ in PATHS:
        mine = statistics.median(ms for ms, _ in measured[("cockpit", path)])
        peer = statistics.median(ms for ms, _ in measured[("textbook", path)])
        kib = statistics.median(k for _, k in measured[("cockpit", path)])
        peer_kib = statistics.median(k for _, k in measured[("textbook", path)])
        figures.append(Figure(args.scale, f"paint: deep link {label}, warm cache, vs textbook Dash", mine, "ms",
                              target=0.8, target_on="ratio", floor=peer, runs=args.rounds,
                              note=f"data {kib:.0f} KiB vs {peer_kib:.0f} KiB"))  # fmt: skip
    report_figures(figures, args.json)


if __name__ == "__main__":
    main()
