"""``cockpit briefing``: the same briefing as the web button, for scheduled generation (cron)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from cockpit.services import Services
from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse

FORMAT_CHOICES = {"pptx": ("pptx",), "pdf": ("pdf",), "both": ("pptx", "pdf")}


def run(
    settings: Settings,
    region: str,
    period: str | None,
    out: Path,
    fmt: str = "both",
    indicators: list[str] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[list[Path], float]:
    """Writes the briefing into ``out`` (a directory, or a file path whose suffix is replaced per
    format); returns the paths and the seconds it took. Raises ``FactsError`` / ``ValueError``."""
    from cockpit.briefing import generate

    if fmt not in FORMAT_CHOICES:
        raise ValueError(f"--format 应为 {'/'.join(FORMAT_CHOICES)} 之一")
    started = time.perf_counter()
    services = Services(settings, Warehouse(settings))
    target_dir = out if out.suffix == "" else out.parent
    paths = generate(services, region, period, target_dir, indicators=indicators,
                     formats=FORMAT_CHOICES[fmt], progress=progress)  # fmt: skip
    if out.suffix:
        renamed = []
        for path in paths:
            wanted = out.with_suffix(path.suffix)
            path.replace(wanted)
            renamed.append(wanted)
        paths = renamed
    from cockpit.exports.charts import stop

    stop()  # a command exits at once rather than waiting for kaleido's browser at interpreter exit
    return paths, time.perf_counter() - started
