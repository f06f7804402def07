"""Every benchmark, at demo scale and at 10M hotline tickets, in one table with the PRODUCT.md §6 targets.

    .venv/bin/python bench/run_all.py [--skip-10m] [--skip-browser] [--load-seconds 60] [--fresh]

(``make bench`` runs it.) Builds the demo warehouses with ``cockpit demo build [--tickets N]`` in
``--work`` (default ``build/bench/t<N>``: kept and reused by the next run; ``--fresh`` rebuilds),
then per scale runs

* ``bench/callbacks.py`` — server time of every page and drill callback, cold and warm, vs bare DuckDB;
* ``bench/events_queries.py`` — the /emergency, /regulation, /hotline queries vs bare DuckDB;
* ``bench/load.py`` — 50 viewers against its own ``cockpit serve --workers 2`` on a loopback port;
* ``bench/exports.py`` — four users exporting 100,000 rows at once: ``/healthz`` p99 and memory;
* ``bench/screen_drill.py`` — a real browser against a ``cockpit serve --workers 2`` started here;
* ``bench/paint.py`` — deep links painted in Chromium, the cockpit against the textbook Dash app;

and once ``bench/etl_throughput.py`` (feed runs vs DuckDB reading the same file). Each prints its own
detail as it goes; the summary at the end has one row per headline figure: value, target, floor
(what DuckDB alone needs), ratio, met. Every server is started on 127.0.0.1 and stopped again.
Exits 1 when a benchmark failed to run (not when a target is missed: numbers are for reading).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, format_table, machine, read_figures  # noqa: E402
from bench.load import Server, start_server  # noqa: E402

BENCH = ROOT / "bench"
PYTHON = sys.executable
AS_OF = "2026-11-28"  # the demo's pinned "today", as the tests and bench/events_queries.py use
# A hung benchmark must not hang the run: generous per-step bounds (seconds).
TIMEOUTS = {
    "build": 900,
    "etl": 900,
    "callbacks": 900,
    "events": 900,
    "load": 600,
    "exports": 600,
    "paint": 900,
    "phone": 600,
    "briefing": 600,
    "browser": 900,
}


def scale_env(work: Path, secret: str) -> dict[str, str]:
    """The environment every command and server of one scale runs with (as tests/test_serving.py)."""
    env = dict(os.environ)
    env.update({
        "COCKPIT_DATA_DIR": str(work / "data"),
        "COCKPIT_WAREHOUSE_DIR": str(work / "warehouse"),
        "COCKPIT_FEEDS_FILE": str(ROOT / "data" / "feeds.toml"),
        "COCKPIT_REFERENCE_DATA_DIR": str(ROOT / "data" / "reference"),
        "COCKPIT_SEEDS_DIR": str(ROOT / "seeds"),
        "COCKPIT_EXPORTS_DIR": str(work / "data" / "exports"),
        "COCKPIT_AS_OF": AS_OF,
        "COCKPIT_SECRET_KEY": secret,  # one key for every worker of the server
        "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    env.pop("COCKPIT_CACHE_REDIS_URL", None)  # each scale has its own in-process caches
    return env


def _stop_group(process: subprocess.Popen[str]) -> None:
    """Stops the benchmark and whatever it started (its own process group: start_new_session)."""
    for sig, wait in ((signal.SIGTERM, 45), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)


def run(label: str, command: list[str], env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Runs a benchmark, echoing its output indented as it comes; returns (exit code, output)."""
    print(f"\n=== {label}: {' '.join(Path(c).name if c == PYTHON else c for c in command)}", flush=True)
    started = time.monotonic()
    lines: list[str] = []
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace", start_new_session=True)  # fmt: skip
    timer = threading.Timer(timeout, _stop_group, args=(process,))
    timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            print("  " + line.rstrip("\n"), flush=True)
        code = process.wait()
    except BaseException:  # Ctrl-C: stop it (and its servers) before going
        _stop_group(process)
        raise
    finally:
        timer.cancel()
    if time.monotonic() - started >= timeout:
        lines.append(f"timed out after {timeout:.0f} s\n")
    print(f"=== {label}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
    return code, "".join(lines)


def failed(scale: str, label: str, code: int, output: str) -> Figure:
    last = next((ln for ln in reversed(output.strip().splitlines()) if ln.strip()), "")
    return Figure(scale, f"{label}: did not run", float(code), "", ok=False, note=last.strip()[:70])


# --- parsing the benchmarks that print rather than write JSON -----------------------------------------
OVERHANG = 3


def table_rows(output: str, first_header: str) -> list[dict[str, str]]:
    """Rows of a right-aligned table printed by another benchmark, as {column header: cell}: each cell
    is named by the header text above it (headers end where their column ends, several words allowed),
    so added, removed or reordered columns still read. The table starts at the line whose first word is
    ``first_header`` and ends at the first line with another number of cells."""
    rows: list[dict[str, str]] = []
    header: str | None = None
    width = 0
    for line in output.splitlines():
        words = line.split()
        if header is None:
            if words and words[0] == first_header:
                header = line
            continue
        cells = [(m.group(), m.end()) for m in re.finditer(r"\S+", line)]
        if not cells or (width and len(cells) != width):
            break
        width = len(cells)
        # A header word belongs to the first cell whose right edge is at or after its own end
        # (right-aligned columns), allowing a header up to OVERHANG characters wider than its column.
        words: list[list[str]] = [[] for _ in cells]
        for word in re.finditer(r"\S+", header):
            at = next(
                (i for i, (_v, end) in enumerate(cells) if end >= word.end() - OVERHANG), len(cells) - 1
            )
            words[at].append(word.group())
        rows.append({" ".join(w): value for w, (value, _end) in zip(words, cells, strict=True)})
    return rows


def _cell(row: dict[str, str], *names: str) -> str | None:
    return next((row[n] for n in names if n in row), None)


def parse_etl(output: str, runs: int = 1) -> list[Figure]:
    """``bench/etl_throughput.py``'s table: per file size and encoding, the DuckDB read (the floor), the
    feed run, rows/s and whether every row was accounted for; its other columns go to the note."""
    found = []
    known = {
        "rows",
        "encoding",
        "read",
        "duckdb read (s)",
        "run",
        "feed run (s)",
        "ratio",
        "rows/s",
        "accounted",
        "bare write (s)",
        "run / bare write",
        "decode (s)",
    }
    utf8_runs: dict[str, float] = {}
    for row in table_rows(output, "rows"):
        floor, seconds = _cell(row, "read", "duckdb read (s)"), _cell(row, "run", "feed run (s)")
        try:
            floor_s, run_s = float(floor or "nan"), float(seconds or "nan")
        except ValueError:
            continue
        accounted = _cell(row, "accounted")
        others = "; ".join(f"{k} {v}" for k, v in row.items() if k not in known)
        found.append(Figure("ETL", f"ETL: {row.get('rows', '?')} tickets {row.get('encoding', '')}, feed run",
                            run_s, "s", target=3, target_on="ratio", floor=floor_s, runs=runs,
                            ok=None if accounted is None else accounted == "yes",
                            note=f"{row.get('rows/s', '?')} rows/s; accounted {accounted}{'; ' if others else ''}{others}"[:70]))  # fmt: skip
        found.extend(_issue20_etl(row, run_s, utf8_runs, runs))
    if not found:
        found.append(Figure("ETL", "ETL: no table found in its output", 0, "", ok=False))
    return found


def _issue20_etl(row: dict[str, str], run_s: float, utf8_runs: dict[str, float], runs: int) -> list[Figure]:
    """Issue 20's two loader figures from one row: the run against DuckDB's bare write of the same
    rows (≤ 1.3×), and a GBK run against its UTF-8 twin (≤ 1.2×, or the gap the decoder's own time)."""
    rows, encoding = row.get("rows", "?"), row.get("encoding", "")
    out = []
    bare = _cell(row, "bare write (s)")
    if bare:
        out.append(Figure("ETL", f"ETL: {rows} tickets {encoding}, feed run vs bare write", run_s, "s",
                          target=1.3, target_on="ratio", floor=float(bare), runs=runs,
                          note="floor: CREATE TABLE AS SELECT * FROM read_csv(UTF-8 file), fresh file"))  # fmt: skip
    if encoding == "utf-8":
        utf8_runs[rows] = run_s
    elif rows in utf8_runs:
        decode = float(_cell(row, "decode (s)") or "nan")
        gap = run_s - utf8_runs[rows]
        out.append(Figure("ETL", f"ETL: {rows} tickets {encoding} vs the same rows in UTF-8", run_s, "s",
                          target=1.2, target_on="ratio", floor=utf8_runs[rows], runs=runs,
                          note=f"gap {gap:.2f} s; decoding alone {decode:.2f} s"))  # fmt: skip
    return out


BROWSER_ROW = re.compile(r"^\s*(.*?\S)\s{2,}(-?\d+(?:\.\d+)?)(?:\s+(-?\d+(?:\.\d+)?))?\s*$")
# PRODUCT.md §6 bounds by the start of ``bench/screen_drill.py``'s row label.
BROWSER_TARGETS = {
    "first load → map painted": 1500.0,
    "reload → map painted": 1500.0,
    "first load bytes": 400.0,
    "drill click → new map painted": 300.0,
}


def parse_browser(output: str, scale: str) -> list[Figure]:
    """Every row of ``bench/screen_drill.py``'s table (``label (unit)  median  [p95]``), whatever rows
    it has; value = p95 when it gives one (the figure to hold), the median in the note."""
    found, in_table = [], False
    for line in output.splitlines():
        if line.strip().startswith("measure") and "median" in line:
            in_table = True
            continue
        match = BROWSER_ROW.match(line) if in_table else None
        if not match:
            in_table = False  # the table ends at the first other line
            continue
        label, median_text, p95_text = match.groups()
        unit_match = re.search(r"\(([^,)]+)[^)]*\)", label)
        unit = unit_match.group(1).strip() if unit_match else ""
        name = re.sub(r"\s*\([^)]*\)", "", label).strip()
        target = next((t for prefix, t in BROWSER_TARGETS.items() if name.startswith(prefix)), None)
        value = float(p95_text) if p95_text else float(median_text)
        found.append(Figure(scale, f"browser: {name}" + (", p95" if p95_text else ""), value,
                            "" if unit == "count" else unit, target=target,
                            note=f"median {float(median_text):g}" if p95_text else ""))  # fmt: skip
    return found


# --- the steps ---------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.figures: list[Figure] = []
        self.crashed = 0
        self.secret = secrets.token_urlsafe(32)
        self.out = args.work / "results"
        self.out.mkdir(parents=True, exist_ok=True)

    def step(self, scale: str, label: str, command: list[str], env: dict[str, str],
             parse: Callable[[str], list[Figure]] | None = None, json_out: Path | None = None) -> bool:  # fmt: skip
        if json_out is not None:
            json_out.unlink(missing_ok=True)
            command = [*command, "--json", str(json_out)]
        code, output = run(f"{scale} {label}", command, env, TIMEOUTS[label])
        if code != 0:
            self.crashed += 1
            if parse:  # what it printed before it failed still counts
                self.figures += parse(output)
            self.figures.append(failed(scale, label, code, output))
            return False
        try:
            self.figures += parse(output) if parse else read_figures(json_out)  # type: ignore[arg-type]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            self.crashed += 1
            self.figures.append(failed(scale, label, 0, f"no figures: {exc}"))
            return False
        return True

    def build(self, scale: str, tickets: int, work: Path, env: dict[str, str]) -> bool:
        if self.args.fresh and work.exists():
            shutil.rmtree(work)
        reused = (work / "warehouse" / "CURRENT").exists()
        started = time.monotonic()
        # 0 tickets: the demo as `make run` builds it, at the pinned per-resident scale.
        volume = ["--tickets", str(tickets)] if tickets else []
        code, output = run(f"{scale} build", [str(Path(PYTHON).with_name("cockpit")), "demo", "build", *volume],
                           env, TIMEOUTS["build"])  # fmt: skip
        if code != 0:
            self.crashed += 1
            self.figures.append(failed(scale, "build", code, output))
            return False
        shown = f"{tickets:,} tickets" if tickets else "pinned scale"
        self.figures.append(Figure(scale, f"build: demo warehouse, {shown}",
                                   time.monotonic() - started, "s",
                                   note="reused (--fresh rebuilds)" if reused else "generate + load every feed"))  # fmt: skip
        return True

    def scale(self, scale: str, tickets: int) -> None:
        work = (self.args.work / f"t{tickets}").resolve()
        env = scale_env(work, self.secret)
        if not self.build(scale, tickets, work, env):
            return
        tag = scale.replace(" ", "")
        py = [PYTHON]
        self.step(scale, "callbacks", [*py, str(BENCH / "callbacks.py"), "--scale", scale, "--repeat",
                                       str(self.args.repeat)], env, json_out=self.out / f"callbacks-{tag}.json")  # fmt: skip
        self.step(scale, "events", [*py, str(BENCH / "events_queries.py"), "--tickets", str(tickets), "--keep",
                                    str(work.parent), "--scale", scale, "--repeat", str(max(3, self.args.repeat))],
                  env, json_out=self.out / f"events-{tag}.json")  # fmt: skip
        self.step(scale, "load", [*py, str(BENCH / "load.py"), "--scale", scale, "--viewers", str(self.args.viewers),
                                  "--duration", str(self.args.load_seconds), "--workers", "2",
                                  "--log", str(self.out / f"load-server-{tag}.log")],
                  env, json_out=self.out / f"load-{tag}.json")  # fmt: skip
        self.step(scale, "exports", [*py, str(BENCH / "exports.py"), "--scale", scale,
                                     "--log", str(self.out / f"exports-server-{tag}.log")],
                  env, json_out=self.out / f"exports-{tag}.json")  # fmt: skip
        if not self.args.skip_browser:
            self.browser(scale, env, work)
        if not tickets:  # a briefing reads the plan's indicators, whose volume does not grow with tickets
            self.step(scale, "briefing", [*py, str(BENCH / "briefing.py"), "--scale", scale, "--repeat",
                                          str(self.args.repeat)], env, json_out=self.out / f"briefing-{tag}.json")  # fmt: skip

    def browser(self, scale: str, env: dict[str, str], work: Path) -> None:
        if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
            self.figures.append(
                Figure(scale, "browser: skipped, no chromium", 0, "", note="make test installs it")
            )
            return
        server: Server | None = None
        try:
            server = start_server(env, self.out / f"browser-server-{scale.replace(' ', '')}.log", workers=2)
            print(f"\n  cockpit for the browser on {server.url} (workers {server.worker_pids()})", flush=True)
            self.step(scale, "browser",
                      [PYTHON, str(BENCH / "screen_drill.py"), "--url", server.url, "--rounds", str(self.args.rounds)],
                      env, parse=lambda out: parse_browser(out, scale))  # fmt: skip
        except RuntimeError as exc:
            self.crashed += 1
            self.figures.append(failed(scale, "browser server", 1, str(exc)))
        finally:
            if server:
                server.stop()
        # The textbook Dash app against the cockpit, alternating, each on its own server.
        self.step(scale, "paint", [PYTHON, str(BENCH / "paint.py"), "--scale", scale, "--log-dir", str(self.out)],
                  env, json_out=self.out / f"paint-{scale.replace(' ', '')}.json")  # fmt: skip
        # The phone view on a throttled network: sign-in to the first screen, and a drill (issue 23).
        tag = scale.replace(" ", "")
        self.step(scale, "phone", [PYTHON, str(BENCH / "phone_first_screen.py"), "--scale", scale, "--log",
                                   str(self.out / f"phone-server-{tag}.log")],
                  env, json_out=self.out / f"phone-{tag}.json")  # fmt: skip

    def etl(self) -> None:
        self.step("ETL", "etl", [PYTHON, str(BENCH / "etl_throughput.py"), "--rows", *map(str, self.args.etl_rows),
                                 "--repeat", str(self.args.repeat)], dict(os.environ, PYTHONUNBUFFERED="1"),
                  parse=lambda out: parse_etl(out, self.args.repeat))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description="run every benchmark and print one table")
    parser.add_argument("--skip-10m", action="store_true", help="demo scale only (no 10M-ticket warehouse)")
    parser.add_argument("--skip-browser", action="store_true", help="no Chromium (bench/screen_drill.py)")
    parser.add_argument("--skip-etl", action="store_true", help="no bench/etl_throughput.py")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench", help="warehouses and logs")
    parser.add_argument("--fresh", action="store_true", help="rebuild the warehouses even if present")
    parser.add_argument("--tickets", type=int, default=0,
                        help="hotline tickets at demo scale (0: the pinned scale `make run` builds)")  # fmt: skip
    parser.add_argument(
        "--big-tickets", type=int, default=10_000_000, help="hotline tickets at the large scale"
    )
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timed figure")
    parser.add_argument("--rounds", type=int, default=3, help="browser rounds (each drills every city)")
    parser.add_argument("--etl-rows", type=int, nargs="*", default=[60_000, 1_000_000])
    args = parser.parse_args()
    started = time.monotonic()
    bench = Bench(args)
    about = machine()
    print(f"machine: {about}", flush=True)
    if not args.skip_etl:
        bench.etl()
    scales = [("demo", args.tickets)] + (
        [] if args.skip_10m else [(_label(args.big_tickets), args.big_tickets)]
    )
    for scale, tickets in scales:
        bench.scale(scale, tickets)
    total = time.monotonic() - started
    judged = [f for f in bench.figures if f.met is not None]
    print("\n" + "=" * 40 + " summary " + "=" * 40)
    print(f"machine: {about['cpu']}, {about['cores']} cores, load average at start {about['load_avg']}; "
          f"python {about['python']}, duckdb {about['duckdb']}; {total / 60:.1f} min in all")  # fmt: skip
    print(format_table(bench.figures))
    print(f"\ntargets met: {sum(1 for f in judged if f.met)} of {len(judged)}"
          + (f"; {bench.crashed} benchmark(s) did not run" if bench.crashed else ""))  # fmt: skip
    summary = bench.out / "summary.json"
    summary.write_text(json.dumps({"machine": about, "seconds": total, "figures": [f.as_dict() for f in bench.figures]},
                                  ensure_ascii=False, indent=1, default=str), encoding="utf-8")  # fmt: skip
    print(f"figures as JSON: {summary}")
    sys.exit(1 if bench.crashed else 0)


def _label(tickets: int) -> str:
    return f"{tickets / 1e6:g}M" if tickets >= 1_000_000 else f"{tickets // 1000}k"


if __name__ == "__main__":
    main()
