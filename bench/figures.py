"""The arithmetic of the benchmark table: medians, p95, ratios, targets met, and the printed table.

Kept free of timing and I/O so ``tests/test_bench.py`` can check it without running anything slow.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: the figure is one that was really measured)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(share * len(ordered))
    return ordered[min(len(ordered), max(rank, 1)) - 1]


def p95(values: Sequence[float]) -> float:
    return percentile(values, 0.95)


def rate(count: float, seconds: float) -> float:
    """Events per second; NaN when no time passed (a rate of nothing is not infinite)."""
    return count / seconds if seconds > 0 else math.nan


def ratio(value: float, floor: float | None) -> float | None:
    if floor is None or math.isnan(floor) or floor <= 0 or math.isnan(value):
        return None
    return value / floor


@dataclass
class Figure:
    """One row of the table. ``target`` is the PRODUCT.md §6 bound, read as ``value <= target``
    (or ``ratio <= target`` when ``target_on`` is "ratio"); ``floor`` is what the same work costs
    with nothing but DuckDB (or the best case), measured in the same run."""

    scale: str
    name: str
    value: float
    unit: str
    target: float | None = None
    target_on: str = "value"  # "value" or "ratio"
    floor: float | None = None
    runs: int = 1
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # A yes/no check with no number to bound (e.g. "every row accounted for"): met is this.
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        return ratio(self.value, self.floor)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return self.ok
        if self.ok is False:  # a failed check fails the row whatever the number says
            return False
        measured = self.ratio if self.target_on == "ratio" else self.value
        if measured is None or math.isnan(measured):
            return None
        return measured <= self.target

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ratio": self.ratio, "met": self.met}


def _num(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer() and not unit:  # counts
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def target_text(fig: Figure) -> str:
    if fig.target is None:
        return "yes" if fig.ok is not None else ""
    return f"≤ {_num(fig.target)}×" if fig.target_on == "ratio" else f"≤ {_num(fig.target, fig.unit)}"


def format_table(figures: Sequence[Figure]) -> str:
    headers = ("scale", "figure", "value", "target", "floor", "ratio", "met", "runs", "note")
    rows = [
        (
            f.scale,
            f.name,
            _num(f.value, f.unit),
            target_text(f),
            _num(f.floor, f.unit) if f.floor is not None else "",
            f"{f.ratio:.2f}×" if f.ratio is not None else "",
            {True: "yes", False: "NO", None: ""}[f.met],
            str(f.runs),
            f.note,
        )
        for f in figures
    ]
    widths = [
        max(_width(h), *(_width(r[i]) for r in rows)) if rows else _width(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def machine() -> dict[str, Any]:
    """What the numbers were measured on, printed with them (they mean little without it)."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")), "")
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    import duckdb

    return {
        "host": platform.node(),
        "cpu": model or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_avg": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def figure_from_dict(data: dict[str, Any]) -> Figure:
    """The inverse of ``Figure.as_dict`` (derived keys dropped), for figures passed between processes."""
    names = {f for f in Figure.__dataclass_fields__}
    return Figure(**{k: v for k, v in data.items() if k in names})


def write_figures(path: str | os.PathLike[str], figures: Sequence[Figure]) -> None:
    import json

    with open(path, "w", encoding="utf-8") as out:
        json.dump([f.as_dict() for f in figures], out, ensure_ascii=False, indent=1, default=str)


def report_figures(figures: Sequence[Figure], json_path: str | os.PathLike[str] | None) -> None:
    """A bench's last words: its table printed, and its figures written to ``json_path`` when given
    (for bench/run_all.py)."""
    print(format_table(figures))
    if json_path:
        write_figures(json_path, figures)


def read_figures(path: str | os.PathLike[str]) -> list[Figure]:
    import json

    with open(path, encoding="utf-8") as handle:
        return [figure_from_dict(d) for d in json.load(handle)]
