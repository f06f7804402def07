"""ETL throughput against the floor: bare DuckDB reading the same file, in the same run.

    .venv/bin/python bench/etl_throughput.py [--rows 1000000] [--repeat 3]

Prints one table: for each file size, the median seconds of ``read_csv`` + count (the floor)
and of a full feed run (decode, stage, type, check, quarantine, merge, publish), and the
ratio. PRODUCT.md §6 asks for a ratio of at most 3.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit.settings import Settings  # noqa: E402
from cockpit.warehouse.build import init_warehouse  # noqa: E402
from etl.runner import run_feed  # noqa: E402

HEADER = "工单编号,区划代码,受理时间,来源渠道,诉求类别,诉求主题,是否按时响应,办结时间,满意度\n"


def write_tickets(path: Path, rows: int, encoding: str, seed: int = 7) -> None:
    """Hotline tickets shaped like the real export, with ~0.1% bad rows."""
    rng = np.random.default_rng(seed)
    counties = ["140105", "140106", "141124", "140302", "140502", "141102", "140221", "140721"]
    channels = np.array(["电话", "网站", "微信", "APP"])
    cats = np.array(["城乡建设", "环境保护", "劳动保障", "供暖", "市场监管"])
    sat = np.array(["满意", "基本满意", "不满意", "未评价"])
    with open(path, "w", encoding=encoding, newline="") as out:
        out.write(HEADER)
        chunk = 200_000
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            minutes = rng.integers(0, 60 * 24 * 600, n)
            base = np.datetime64("2025-01-01T00:00")
            created = (base + minutes.astype("timedelta64[m]")).astype(str)
            closed = (base + (minutes + rng.integers(30, 5000, n)).astype("timedelta64[m]")).astype(str)
            county = np.array(counties)[rng.integers(0, len(counties), n)]
            county[rng.random(n) < 0.001] = "999999"
            lines = [
                f"GD{start + i:09d},{county[i]},{created[i].replace('T', ' ')}:00,{channels[i % 4]},{cats[i % 5]},"
                f"诉求,{'是' if i % 20 else '否'},{closed[i].replace('T', ' ')}:00,{sat[i % 4]}\n"
                for i in range(n)
            ]
            out.writelines(lines)


def floor_seconds(path: Path) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute("SELECT count(*) FROM read_csv(?, all_varchar = true, header = true)", [str(path)]).fetchall()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[60_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cockpit-bench-"))
    try:
        settings = Settings(
            data_dir=work / "data", warehouse_dir=work / "warehouse", feeds_file=ROOT / "data" / "feeds.toml",
            reference_data_dir=ROOT / "data" / "reference", as_of=date(2026, 11, 28),
        )  # fmt: skip
        init_warehouse(settings)
        template = work / "template"
        shutil.copytree(settings.warehouse_path, template)
        print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
              f"python {platform.python_version()}, duckdb {duckdb.__version__}")  # fmt: skip
        print(f"{'rows':>10} {'encoding':>8} {'duckdb read (s)':>16} {'feed run (s)':>13} {'ratio':>6} {'rows/s':>10}"
              f" {'accounted':>9}")  # fmt: skip
        for rows in args.rows:
            for encoding in ("utf-8", "gbk"):
                src = work / f"tickets_{rows}_{encoding}.csv"
                utf8 = work / f"tickets_{rows}_utf-8.csv"
                write_tickets(src, rows, encoding)
                floors, runs, balanced = [], [], True
                for _ in range(args.repeat):
                    floors.append(floor_seconds(utf8))
                    shutil.rmtree(settings.warehouse_path)
                    shutil.copytree(template, settings.warehouse_path)
                    result = run_feed(settings, "hotline_tickets", str(src))
                    runs.append(result.seconds)
                    balanced &= result.counts.balanced and result.counts.read == rows
                floor, run = statistics.median(floors), statistics.median(runs)
                print(f"{rows:>10,} {encoding:>8} {floor:>16.3f} {run:>13.3f} {run / floor:>6.1f} "
                      f"{rows / run:>10,.0f} {'yes' if balanced else 'NO':>9}")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
