"""HTML → PDF with WeasyPrint, in this process and fully offline.

WeasyPrint lays out the page itself (Pango for text): no browser is started per document, so a
briefing's PDF takes a fraction of a second, not seconds. The page is self-contained (charts as
SVG images in ``data:`` URLs) and the fetcher allows ``data:`` URLs only, so nothing can be fetched while printing
even if a label held a URL. ``@page { size }`` and one HTML section per page give slide-shaped
pages. Text is set in Noto Sans CJK SC (``cockpit.exports.fonts``), embedded as the subset used.
"""

from __future__ import annotations

import functools
import html
import logging
import threading
from pathlib import Path

from cockpit.exports.fonts import FAMILY, require_cjk_font

log = logging.getLogger(__name__)
# One layout at a time per process: the prestart's page and a document must not interleave in Pango.
_lock = threading.Lock()


class PdfError(RuntimeError):
    pass


def document(title: str, body: str, css: str = "") -> str:
    """A complete page around ``body``; ``body`` is trusted markup built by the caller with every
    data value escaped."""
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>\n"
        f"html,body{{margin:0;padding:0;font-family:'{FAMILY}';}}\n{css}</style></head>"
        f"<body>{body}</body></html>"
    )


def pdf_bytes(page: str) -> bytes:
    """The PDF of ``page``: offline (``data:`` URLs only), the CJK face embedded."""
    require_cjk_font()
    import weasyprint  # imported on first use: ~20 MB a serving worker that never prints need not hold

    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    try:
        with _lock:
            out = weasyprint.HTML(string=page, url_fetcher=fetcher).write_pdf()
    except Exception as exc:  # WeasyPrint raises many types (layout, font, SVG); the user sees one
        log.exception("PDF rendering failed")
        raise PdfError(f"生成 PDF 失败：{type(exc).__name__}") from exc
    if not out:
        raise PdfError("生成 PDF 失败：空文件")
    return bytes(out)


@functools.cache  # once per process: a warm worker's later briefings have nothing left to warm
def prestart() -> None:
    """Lays out one line in the CJK face in the background: WeasyPrint's import, fontconfig's set-up
    and the face's first load (about 0.9 s of a cold process's first PDF) overlap what the caller
    computes meanwhile, as ``cockpit.exports.charts.prestart`` does for the chart browser."""

    def warm() -> None:
        try:
            pdf_bytes(document("", "<p>领导驾驶舱 0123</p><p><b>数据截至</b></p>"))
        except Exception:  # the document itself reports it, with the user's message
            log.warning("WeasyPrint did not warm up ahead of the first PDF", exc_info=True)

    threading.Thread(target=warm, name="weasyprint-prestart", daemon=True).start()


def html_to_pdf(page: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf_bytes(page))
    return out
