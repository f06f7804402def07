"""Charts to PNG (high DPI), SVG and PDF with Chinese fonts and a footer naming source and data-as-of.

One kaleido server (a headless Chromium) per process, started on first use: a PNG then takes
~0.2 s instead of ~2 s. Kaleido's page loads no MathJax (it would come from a CDN) and geo
traces read the world topology from the app's own stub in ``assets/topojson`` (PRODUCT.md §5).
PDFs go through ``cockpit.exports.pdf`` (WeasyPrint, the chart as an SVG image: ``svg_image``)
rather than kaleido's own PDF, whose text ends up in anonymous Type 3 fonts.
"""

from __future__ import annotations

import base64
import copy
import html
import logging
import os
import shutil
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from cockpit.charts import PLOTLY_JS
from cockpit.exports.fonts import FAMILY
from cockpit.exports.pdf import PdfError, document, pdf_bytes
from cockpit.settings import PROJECT_ROOT

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# The Simplified Chinese face first, by name (see cockpit.exports.fonts): kaleido's Chromium draws the
# PNG/SVG with it and WeasyPrint the SVG inside a PDF.
FONT = f"'{FAMILY}', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
TOPOJSON_DIR = PROJECT_ROOT / "assets" / "topojson"
PNG_SCALE = 3  # 1200 px wide → 3600 px: sharp when printed at 300 dpi on A4 width

log = logging.getLogger(__name__)
_lock = threading.Lock()
_started = False


class ChartExportError(RuntimeError):
    pass


def chrome_path() -> str:
    """The local Chromium kaleido drives (one per process, started once, kept running)."""
    for candidate in (os.environ.get("BROWSER_PATH"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise PdfError("未找到 Chromium 浏览器，无法导出图表（请安装 chromium）")


@dataclass(frozen=True)
class Caption:
    title: str
    source: str  # e.g. "来源：indicator_values（入库 2026-11-28 06:00）"
    as_of: str  # e.g. "数据截至2026年10月"

    @property
    def footer(self) -> str:
        return f"{self.source} · {self.as_of}"


def _ensure_server() -> None:
    global _started
    if _started:
        return
    import kaleido

    os.environ.setdefault("BROWSER_PATH", chrome_path())
    pio.defaults.topojson = TOPOJSON_DIR.as_uri()
    pio.defaults.mathjax = None
    # The cockpit's own plotly.js, a third of the full bundle kaleido would load into its page.
    kaleido.start_sync_server(mathjax=False, plotlyjs=PLOTLY_JS.as_uri(), silence_warnings=True)
    _started = True


def prestart() -> None:
    """Starts kaleido's browser in the background while the caller computes (a briefing's facts take
    about a second, the browser about two): the first chart then waits for what is left, if anything."""

    def start() -> None:
        with _lock:
            try:
                _ensure_server()
            except Exception:  # the first chart reports it, with the user's message (_kaleido)
                log.warning("kaleido did not start ahead of the first chart", exc_info=True)

    threading.Thread(target=start, name="kaleido-prestart", daemon=True).start()


def stop() -> None:
    global _started
    with _lock:
        if _started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def _merge(into: dict[str, Any], update: dict[str, Any]) -> None:
    """``update`` into ``into``, nested dicts merged key by key (as ``Figure.update_layout`` does)."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def printable(
    fig: go.Figure | dict[str, Any], caption: Caption | None, width: int, height: int
) -> dict[str, Any]:
    """A copy on white paper with title and footer: what a desk exports, whatever the screen theme.
    A plain figure dict (drawn with ``validate=False``): building a ``go.Figure`` again validated
    the whole figure and its template, ~50 ms a chart for nothing."""
    out = fig.to_dict() if isinstance(fig, go.Figure) else copy.deepcopy(fig)
    layout: dict[str, Any] = out.setdefault("layout", {})
    _merge(layout, {"paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
                    "font": {"family": FONT, "color": "#1d2733"}, "width": width, "height": height})  # fmt: skip
    if caption is None:
        return out
    margin = layout.get("margin") or {}
    _merge(layout, {
        "title": {"text": caption.title, "x": 0.02, "xanchor": "left", "font": {"size": 20}},
        "margin": {"t": max(60, margin.get("t") or 0), "b": max(56, (margin.get("b") or 0) + 40),
                   "l": margin["l"] if margin.get("l") is not None else 60,
                   "r": margin["r"] if margin.get("r") is not None else 30},
    })  # fmt: skip
    layout.setdefault("annotations", []).append({
        "text": html.escape(caption.footer), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
        "yshift": -(layout["margin"]["b"] - 14), "xanchor": "left", "yanchor": "bottom", "showarrow": False,
        "font": {"size": 12, "color": "#5b6b7c"},
    })  # fmt: skip
    return out


def _kaleido(fig: dict[str, Any], fmt: str, width: int, height: int, scale: float) -> bytes:
    with _lock:  # the sync server answers through one queue: calls must not interleave
        _ensure_server()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts ignored when using a server": intended
            try:
                return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale, validate=False)
            except Exception as exc:  # kaleido raises its own error types from the browser side
                raise ChartExportError(f"图表导出失败：{exc}") from exc


def figure_bytes(
    fig: go.Figure, fmt: str, caption: Caption | None = None, width: int = 1200, height: int = 675
) -> bytes:
    if fmt not in FORMATS:
        raise ChartExportError(f"不支持的格式“{fmt[:8]}”")
    paper = printable(fig, caption, width, height)
    if fmt == "png":
        return _kaleido(paper, "png", width, height, PNG_SCALE)
    svg = _kaleido(paper, "svg", width, height, 1).decode("utf-8")
    if fmt == "svg":
        return svg.encode("utf-8")
    return pdf_of_svgs([svg], caption.title if caption else "图表", width, height)


def svg_image(svg: str, width: int, height: int) -> str:
    """An SVG as an ``<img>`` with a ``data:`` URL, for pages printed to PDF. WeasyPrint draws it as
    vectors with real text (the face embedded) and, unlike inline SVG, without running the page's CSS
    cascade over every path and label: a briefing's PDF lays out in about half the time."""
    data = base64.b64encode(
        svg[svg.index("<svg") :].encode("utf-8") if "<svg" in svg else svg.encode("utf-8")
    )
    return f"<img alt='' src='data:image/svg+xml;base64,{data.decode('ascii')}' width='{width}' height='{height}'>"


def svg_figure(fig: go.Figure, width: int, height: int, caption: Caption | None = None) -> str:
    """The figure as a vector image for HTML pages printed to PDF (``svg_image``)."""
    svg = _kaleido(printable(fig, caption, width, height), "svg", width, height, 1).decode("utf-8")
    return svg_image(svg, width, height)


def png_bytes(fig: go.Figure, width: int, height: int, scale: float = 2) -> bytes:
    return _kaleido(printable(fig, None, width, height), "png", width, height, scale)


def chart_page(svgs: list[str], title: str, width: int, height: int) -> str:
    """The HTML of one page per SVG, each page the size of the figure (CSS px → 96 dpi)."""
    body = "".join(f"<div class='pg'>{svg_image(s, width, height)}</div>" for s in svgs)
    css = (f"@page{{size:{width}px {height}px;margin:0}} .pg{{width:{width}px;height:{height}px;"
           f"overflow:hidden;break-after:page}} .pg:last-child{{break-after:auto}} .pg img{{display:block}}")  # fmt: skip
    return document(title, body, css)


def pdf_of_svgs(svgs: list[str], title: str, width: int, height: int) -> bytes:
    """One PDF page per SVG (``chart_page``)."""
    return pdf_bytes(chart_page(svgs, title, width, height))
