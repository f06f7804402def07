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
    from concurrent.futures import ThreadPoolExecutor

    from cockpit.briefing import document, facts, pdf_writer, pptx_writer
    from cockpit.exports import charts, pdf

    charts.prestart()  # the chart browser and WeasyPrint start while the facts are computed
    if "pdf" in formats:
        pdf.prestart()

    def step(share: float, text: str) -> None:
        if progress:
            progress(share, text)

    step(0.05, "汇总数据")
    found = facts.compute(services, region, period, indicators)
    step(0.2, "生成叙述与页面")
    brief = document.build(services.warehouse, found, services.settings.now().replace(microsecond=0))
    stem = brief.file_stem
    pages = max(len(brief.slides), 1)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing-pdf") as pool:
        laid_out = None
        if "pdf" in formats:
            step(0.3, "绘制 PDF 图表")
            svgs = pdf_writer.draw(brief)
            # The PDF's layout (Python, ~1 s) runs beside the PPTX, whose time is mostly the chart
            # browser drawing PNGs in its own process: the two overlap on two cores.
            laid_out = pool.submit(pdf_writer.write, brief, out_dir / f"{stem}.pdf", None, svgs)
        written = {}
        if "pptx" in formats:
            counter = iter(range(1, 10_000))

            def page_step(text: str) -> None:
                step(min(0.9, 0.4 + 0.5 * next(counter) / (pages + 1)), text)

            written["pptx"] = pptx_writer.write(brief, out_dir / f"{stem}.pptx", page_step)
        if laid_out is not None:
            step(0.92, "PDF 排版与字体嵌入")
            written["pdf"] = laid_out.result()
    step(1.0, "完成")
    return [written[fmt] for fmt in formats]
