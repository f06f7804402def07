"""Charts to PNG (high DPI), SVG and PDF with Chinese fonts and a footer naming source and data-as-of.

One kaleido server (a headless Chromium) per process, started on first use: a PNG then takes
~0.2 s instead of ~2 s. Kaleido's page loads no MathJax (it would come from a CDN) and geo
traces read the world topology from the app's own stub in ``assets/topojson`` (PRODUCT.md §5).
PDFs go through ``cockpit.exports.pdf`` rather than kaleido's own PDF, whose text ends up in
anonymous Type 3 fonts (see ``cockpit.exports.fonts``).
"""

from __future__ import annotations

import html
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from cockpit.exports.fonts import FAMILY
from cockpit.exports.pdf import chrome_path, document, html_to_pdf
from cockpit.settings import PROJECT_ROOT

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# The first family exists only inside our PDFs; kaleido's Chromium falls back to the same face.
FONT = f"'{FAMILY}', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
TOPOJSON_DIR = PROJECT_ROOT / "assets" / "topojson"
PNG_SCALE = 3  # 1200 px wide → 3600 px: sharp when printed at 300 dpi on A4 width

_lock = threading.Lock()
_started = False


class ChartExportError(RuntimeError):
    pass


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
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _started = True


def stop() -> None:
    global _started
    with _lock:
        if _started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def printable(fig: go.Figure, caption: Caption | None, width: int, height: int) -> go.Figure:
    """A copy on white paper with title and footer: what a desk exports, whatever the screen theme."""
    out = go.Figure(fig)
    out.update_layout(
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        font={"family": FONT, "color": "#1d2733"},
        width=width,
        height=height,
    )
    if caption is None:
        return out
    margin = out.layout.margin
    out.update_layout(
        title={"text": caption.title, "x": 0.02, "xanchor": "left", "font": {"size": 20}},
        margin={"t": max(60, (margin.t or 0)), "b": max(56, (margin.b or 0) + 40),
                "l": margin.l if margin.l is not None else 60, "r": margin.r if margin.r is not None else 30},
    )  # fmt: skip
    out.add_annotation(
        text=html.escape(caption.footer),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-((out.layout.margin.b or 56) - 14),
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 12, "color": "#5b6b7c"},
    )
    return out


def _kaleido(fig: go.Figure, fmt: str, width: int, height: int, scale: float) -> bytes:
    with _lock:  # the sync server answers through one queue: calls must not interleave
        _ensure_server()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts ignored when using a server": intended
            try:
                return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale)
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


def svg_markup(fig: go.Figure, width: int, height: int, caption: Caption | None = None) -> str:
    """The figure as inline SVG markup, for HTML pages printed to PDF."""
    svg = _kaleido(printable(fig, caption, width, height), "svg", width, height, 1).decode("utf-8")
    return svg[svg.index("<svg") :] if "<svg" in svg else svg


def png_bytes(fig: go.Figure, width: int, height: int, scale: float = 2) -> bytes:
    return _kaleido(printable(fig, None, width, height), "png", width, height, scale)


def pdf_of_svgs(svgs: list[str], title: str, width: int, height: int) -> bytes:
    """One page per SVG, the page the size of the figure (CSS px → 96 dpi)."""
    body = "".join(f"<div class='pg'>{s[s.index('<svg') :] if '<svg' in s else s}</div>" for s in svgs)
    css = (f"@page{{size:{width}px {height}px;margin:0}} .pg{{width:{width}px;height:{height}px;"
           f"overflow:hidden;break-after:page}} .pg:last-child{{break-after:auto}}")  # fmt: skip
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cockpit-chart-") as tmp:
        out = html_to_pdf(document(title, body, css), Path(tmp) / "chart.pdf")
        return out.read_bytes()
