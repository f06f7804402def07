"""The benchmark table's arithmetic (bench/figures.py): fast, nothing timed, nothing started."""

from __future__ import annotations

import math
from pathlib import Path

from bench.figures import (
    Figure,
    _width,
    figure_from_dict,
    format_table,
    median,
    p95,
    percentile,
    rate,
    ratio,
    read_figures,
    target_text,
    write_figures,
)


def test_percentiles_are_nearest_rank_values_that_were_measured() -> None:
    values = [float(v) for v in range(1, 101)]  # 1 … 100
    assert p95(values) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 1.0) == 100.0
    assert percentile(values, 0.0) == 1.0  # never below the smallest
    assert p95([3.0, 1.0, 2.0]) == 3.0  # order of measurement does not matter
    assert p95([7.0]) == 7.0
    assert math.isnan(p95([]))
    # 20 values: rank ceil(0.95 * 20) = 19, not an interpolation between 19 and 20.
    assert p95([float(v) for v in range(20)]) == 18.0
    # 30 values: ceil(28.5) = 29 — rounds up, so p95 never flatters with a smaller rank.
    assert p95([float(v) for v in range(1, 31)]) == 29.0


def test_median_and_rates() -> None:
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([1.0, 2.0, 3.0, 4.0]) == 2.5
    assert math.isnan(median([]))
    assert rate(300, 60) == 5.0
    assert math.isnan(rate(10, 0))


def test_ratio_needs_a_real_floor() -> None:
    assert ratio(30.0, 10.0) == 3.0
    assert ratio(30.0, None) is None
    assert ratio(30.0, 0.0) is None
    assert ratio(math.nan, 10.0) is None
    assert ratio(30.0, math.nan) is None


def test_a_target_is_met_at_the_bound_and_missed_above_it() -> None:
    assert Figure("demo", "p95", 300.0, "ms", target=300).met is True
    assert Figure("demo", "p95", 300.1, "ms", target=300).met is False
    assert Figure("demo", "errors", 0, "", target=0).met is True
    assert Figure("demo", "errors", 1, "", target=0).met is False
    assert Figure("demo", "no target", 1e9, "ms").met is None
    assert Figure("demo", "nan", math.nan, "ms", target=300).met is None


def test_ratio_targets_judge_the_ratio_not_the_value() -> None:
    fast_but_far = Figure("10M", "cold", 50.0, "ms", target=2, target_on="ratio", floor=10.0)
    assert fast_but_far.ratio == 5.0
    assert fast_but_far.met is False
    slow_but_close = Figure("10M", "cold", 900.0, "ms", target=2, target_on="ratio", floor=600.0)
    assert slow_but_close.met is True
    assert Figure("10M", "cold", 900.0, "ms", target=2, target_on="ratio").met is None  # no floor


def test_checks_without_a_number() -> None:
    assert Figure("ETL", "accounted", 1.0, "s", ok=True).met is True
    assert Figure("ETL", "accounted", 1.0, "s", ok=False).met is False
    # A failed check fails the row even when its number is within the target.
    assert Figure("ETL", "run", 1.0, "s", target=3, target_on="ratio", floor=1.0, ok=False).met is False
    assert Figure("ETL", "run", 1.0, "s", target=3, target_on="ratio", floor=1.0, ok=True).met is True


def test_target_text() -> None:
    assert target_text(Figure("demo", "p95", 1.0, "ms", target=300)) == "≤ 300 ms"
    assert target_text(Figure("demo", "cold", 1.0, "ms", target=2, target_on="ratio")) == "≤ 2×"
    assert target_text(Figure("demo", "x", 1.0, "ms")) == ""


def test_table_lines_up_and_says_what_was_missed() -> None:
    figures = [
        Figure("demo", "load: callback p95", 412.0, "ms", target=300, runs=900),
        Figure("10M", "drill 全省→市, cold", 30.0, "ms", target=2, target_on="ratio", floor=10.0),
        Figure("demo", "load: errors", 0, "", target=0),
    ]
    lines = format_table(figures).splitlines()
    assert len(lines) == 2 + len(figures)
    header, _rule, p95_row, cjk_row, errors_row = lines
    assert header.split()[:3] == ["scale", "figure", "value"]
    assert "412 ms" in p95_row and "NO" in p95_row
    assert "3.00×" in cjk_row and "NO" in cjk_row
    assert errors_row.split()[3] == "0" and "yes" in errors_row  # counts print as integers
    # CJK characters count as two columns: the "met" column starts at the same place on every row.
    cells = [line.index(" NO ") if " NO " in line else line.index(" yes ") for line in lines[2:]]

    assert len({_width(line[:c]) for line, c in zip(lines[2:], cells, strict=True)}) == 1


def test_figures_survive_json(tmp_path: Path) -> None:
    figures = [
        Figure("demo", "a", 1.5, "ms", target=2, target_on="ratio", floor=1.0, runs=3, note="n", ok=True),
        Figure("10M", "b", math.nan, "MB"),
    ]
    path = tmp_path / "f.json"
    write_figures(path, figures)
    back = read_figures(path)
    assert back[0] == figures[0]
    assert back[0].met is True
    assert math.isnan(back[1].value)
    assert figure_from_dict(figures[0].as_dict() | {"unknown": 1}) == figures[0]


def test_run_all_reads_the_tables_the_other_benchmarks_print() -> None:
    from bench.run_all import parse_browser, parse_etl

    etl = parse_etl(
        "      rows encoding  duckdb read (s)  feed run (s)  ratio     rows/s accounted\n"
        "    60,000    utf-8            0.050         0.100    2.0    600,000       yes\n"
        " 1,000,000      gbk            0.200         0.800    4.0  1,250,000        NO\n",
        runs=3,
    )
    assert [(f.value, f.floor, f.met, f.runs) for f in etl] == [(0.1, 0.05, True, 3), (0.8, 0.2, False, 3)]
    # Columns are found by their headers, so a table with more columns (headers wider than their
    # numbers, several words) still reads.
    wider = parse_etl(
        "      rows encoding   read   load    run  ratio excl. copy  cpu read/run     rows/s accounted\n"
        "    60,000    utf-8  0.046  0.135  0.489   10.7       10.7     0.05/0.41    122,618       yes\n"
    )
    assert [(f.value, f.floor, f.met) for f in wider] == [(0.489, 0.046, False)]
    assert "122,618 rows/s" in wider[0].note and "load 0.135" in wider[0].note
    browser = parse_browser(
        "snapshot s1; 3 rounds\n"
        "measure                                            median        p95\n"
        "first load → map painted (ms)                        1200       1600\n"
        "first load bytes, plotly.js aside (KB)                 41\n"
        "first load callback requests (count)                    8\n"
        "\n"
        "Traceback (most recent call last):  12  13\n",
        "demo",
    )
    paint, size, count = browser
    assert (paint.name, paint.value, paint.unit, paint.met, paint.note) == (
        "browser: first load → map painted, p95",
        1600.0,
        "ms",
        False,
        "median 1200",
    )
    assert (size.value, size.unit, size.met) == (41.0, "KB", True)
    assert (count.value, count.unit, count.target) == (8.0, "", None)
