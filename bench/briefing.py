"""A briefing in seconds (issue 20): one city's pack cold, its PDF alone, one chart as PDF.

    .venv/bin/python bench/briefing.py [--region 141100] [--period 2026-10] [--repeat 3] [--json out.json]

Against the warehouse the ``COCKPIT_*`` environment names (as ``cockpit`` would):

- **pack, cold**: ``cockpit briefing REGION --format both`` in a fresh process each time (kaleido's
  browser not yet started, every memo empty): the seconds the command reports, and its wall time
  with the interpreter's start-up;
- **PDF of the pack**: ``pdf_writer.write`` on the built briefing (charts already drawn to SVG), against
  the peer measured in the same run: the same HTML printed by a Chromium started for the document
  (``chromium --print-to-pdf``, the path the cockpit took before WeasyPrint);
- **one chart as PDF**: ``figure_bytes(fig, "pdf")`` with kaleido warm, against the same peer.

Each row is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import Figure, machine, median, report_figures  # noqa: E402

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
                  "--disable-background-networking", "--disable-extensions")  # fmt: skip


def chromium_print(page: str) -> float:
    """Seconds for a Chromium started for this one document to print it (the old path's peer)."""
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        source, target = Path(tmp) / "page.html", Path(tmp) / "out.pdf"
        source.write_text(page, encoding="utf-8")
        started = time.perf_counter()
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={target}",
                        source.as_uri()], capture_output=True, timeout=120, check=False)  # fmt: skip
        seconds = time.perf_counter() - started
        if not target.exists() or target.stat().st_size == 0:
            raise RuntimeError("chromium printed nothing")
    return seconds


def cold_pack(region: str, period: str) -> tuple[float, float]:
    """(seconds the command reports, wall seconds with start-up) of one cold ``cockpit briefing``."""
    cockpit = Path(sys.executable).with_name("cockpit")
    with tempfile.TemporaryDirectory(prefix="bench-brief-") as tmp:
        started = time.perf_counter()
        done = subprocess.run([str(cockpit), "briefing", region, "--period", period, "--format", "both",
                               "--out", tmp], capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        wall = time.perf_counter() - started
        files = sorted(p.suffix for p in Path(tmp).iterdir())
        if done.returncode != 0 or files != [".pdf", ".pptx"]:
            raise RuntimeError(f"cockpit briefing failed: {done.stdout[-400:]} {done.stderr[-400:]}")
    reported = next((float(w.rstrip("s秒")) for line in done.stdout.splitlines() for w in line.split()
                     if w.rstrip("s秒").replace(".", "", 1).isdigit() and "用时" in line), wall)  # fmt: skip
    return reported, wall


def warm_parts(region: str, period: str, repeat: int) -> dict[str, list[float]]:
    """The pack's PDF and one chart's PDF in this process (kaleido warm), each beside its peer."""
    from cockpit.briefing import document, facts, pdf_writer
    from cockpit.exports import charts, pdf
    from cockpit.services import Services
    from cockpit.settings import Settings
    from cockpit.warehouse.queries import Warehouse

    settings = Settings()
    services = Services(settings, Warehouse(settings))
    brief = document.build(services.warehouse, facts.compute(services, region, period, None),
                           settings.now().replace(microsecond=0))  # fmt: skip
    figure = next(s.figure for s in brief.slides if s.figure is not None)
    caption = charts.Caption("各市目标达标率", "来源：基准测试", f"数据截至{period}")
    charts.figure_bytes(figure, "pdf", caption)  # kaleido started, fonts found: warm from here
    pack_html = pdf_writer.page_html(brief)  # the pages write() prints, charts drawn once here
    svg = charts.figure_bytes(figure, "svg", caption).decode("utf-8")
    chart_html = charts.chart_page([svg], caption.title, 1200, 675)  # what figure_bytes(…, "pdf") prints
    out: dict[str, list[float]] = {k: [] for k in ("pack_pdf", "pack_peer", "chart_pdf", "chart_peer")}
    for _ in range(repeat):
        started = time.perf_counter()
        pdf.pdf_bytes(pack_html)
        out["pack_pdf"].append(time.perf_counter() - started)
        out["pack_peer"].append(chromium_print(pack_html))
        started = time.perf_counter()
        charts.figure_bytes(figure, "pdf", caption)
        out["chart_pdf"].append(time.perf_counter() - started)
        out["chart_peer"].append(chromium_print(chart_html))
    charts.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", default="141100")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    cold = [cold_pack(args.region, args.period) for _ in range(args.repeat)]
    parts = warm_parts(args.region, args.period, args.repeat)
    reported, wall = median([c[0] for c in cold]), median([c[1] for c in cold])
    n = args.repeat
    figures = [
        Figure(args.scale, f"briefing: one city's pack, PPTX + PDF, cold ({args.region})", reported, "s",
               target=5, runs=n, note=f"{wall:.1f} s with the process's start-up; a fresh process each run"),
        Figure(args.scale, "briefing: the pack's PDF (11 pages) vs Chromium per document",
               median(parts["pack_pdf"]) * 1e3, "ms", floor=median(parts["pack_peer"]) * 1e3, runs=n,
               note="WeasyPrint in process; peer: chromium --print-to-pdf of the same HTML"),
        Figure(args.scale, "briefing: one chart as PDF vs Chromium per document",
               median(parts["chart_pdf"]) * 1e3, "ms", target=500, floor=median(parts["chart_peer"]) * 1e3,
               runs=n, note="kaleido warm (SVG) + WeasyPrint; peer: chromium --print-to-pdf"),
    ]  # fmt: skip
    report_figures(figures, args.json)


if __name__ == "__main__":
    main()
