"""One-click briefings (PPTX and PDF) of a region at a period: facts → narrative → slides → files.

``generate`` is what the web job runner (``cockpit.briefing.jobs``) and ``cockpit briefing`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cockpit.services import Services

FORMATS = ("pptx", "pdf")


def generate(
    services: Services,
    region: str,
    period: str | None,
    out_dir: Path,
    *,
    indicators: list[str] | None = None,
    formats: tuple[str, ...] = FORMATS,
    progress: Callable[[float, str], None] | None = None,
) -> list[Path]:
    """Writes the briefing in each of ``formats`` to ``out_dir``; returns the paths.

    Raises ``FactsError`` for an unknown region or period (a message fit for the user)."""
    from cockpit.briefing import document, facts, pdf_writer, pptx_writer
    from cockpit.exports import charts

    charts.prestart()  # the chart browser starts while the facts are computed

    def step(share: float, text: str) -> None:
        if progress:
            progress(share, text)

    step(0.05, "汇总数据")
    found = facts.compute(services, region, period, indicators)
    step(0.2, "生成叙述与页面")
    brief = document.build(services.warehouse, found, services.settings.now().replace(microsecond=0))
    paths = []
    stem = brief.file_stem
    writers = {"pptx": pptx_writer.write, "pdf": pdf_writer.write}
    spans = (
        {"pptx": (0.25, 0.6), "pdf": (0.6, 0.95)} if len(formats) > 1 else {f: (0.25, 0.95) for f in formats}
    )
    for fmt in formats:
        lo, hi = spans[fmt]
        pages = max(len(brief.slides), 1)
        counter = iter(range(1, 10_000))

        def page_step(text: str, lo: float = lo, hi: float = hi, pages: int = pages, counter=counter) -> None:  # type: ignore[no-untyped-def]
            step(min(hi, lo + (hi - lo) * next(counter) / (pages + 1)), text)

        paths.append(writers[fmt](brief, out_dir / f"{stem}.{fmt}", page_step))
    step(1.0, "完成")
    return paths
