"""The briefing as a PDF: the same slides as the PPTX, one 16:9 page each, laid out by WeasyPrint.

Charts are vector SVG images (sharp at any zoom), text is real text in the embedded Simplified
Chinese face (``cockpit.exports.fonts``), and every page carries the footer with source and
data-as-of.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from cockpit.briefing.document import Briefing, Slide, Table
from cockpit.exports.charts import svg_figure
from cockpit.exports.pdf import document, html_to_pdf

FIG_W, FIG_H = 930, 540
CSS = """
@page { size: 960pt 540pt; margin: 0 }  /* 16:9, as the PPTX: 13.333 × 7.5 in */
.page { width: 960pt; height: 540pt; position: relative; overflow: hidden; break-after: page; color: #1d2733; }
.page:last-child { break-after: auto }
.bar { background: #122b4a; color: #fff; height: 0.95in; display: flex; align-items: center; padding: 0 0.5in;
       font-size: 26pt; font-weight: 700; }
.body { position: absolute; top: 1.15in; left: 0.5in; right: 0.5in; bottom: 0.6in; }
.foot { position: absolute; bottom: 0.2in; left: 0.5in; right: 0.5in; font-size: 9.5pt; color: #5b6b7c;
        display: flex; justify-content: space-between; border-top: 1px solid #d9e1ea; padding-top: 4px; }
.text p { font-size: 17pt; line-height: 1.75; margin: 0 0 12pt 0; text-indent: 2em; }
.note { font-size: 12pt; color: #5b6b7c; margin: 0 0 8pt 0; }
.fig { display: flex; gap: 0.25in; }
.fig .chart { width: 9.7in; height: 5.6in; }
.fig .chart img { width: 100%; height: 100%; }
.fig ul { font-size: 14pt; line-height: 1.7; padding-left: 1.2em; margin-top: 0.2in; }
table { border-collapse: collapse; width: 100%; font-size: 11pt; }
th { background: #122b4a; color: #fff; font-weight: 700; text-align: left; padding: 5px 8px; }
td { border-bottom: 1px solid #d9e1ea; padding: 3px 8px; }
td.green { background: #d9f2e3 } td.amber { background: #fdebc8 } td.red { background: #f9d6d2 }
.cover { background: #f4f6f9; }
.cover .band { position: absolute; top: 2.2in; left: 0; right: 0; height: 2.6in; background: #122b4a; color: #fff;
               padding: 0.35in 0.8in; box-sizing: border-box; }
.cover h1 { font-size: 40pt; margin: 0 0 0.25in 0; font-weight: 700; }
.cover .sub { font-size: 24pt; }
.cover .meta { position: absolute; top: 5.2in; left: 0.8in; font-size: 14pt; color: #5b6b7c; line-height: 1.8; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(table: Table) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    rows = []
    for i, row in enumerate(table.rows):
        status = table.status[i] if i < len(table.status) else None
        cells = "".join(
            f"<td class='{status}'>{_e(v)}</td>" if c == table.status_col and status else f"<td>{_e(v)}</td>"
            for c, v in enumerate(row)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def draw(briefing: Briefing) -> dict[int, str]:
    """Each figure slide's chart as an SVG image (kaleido), by slide number: drawn before the layout so
    the layout can run beside other work (the PPTX's PNGs) without waiting on the chart browser."""
    return {
        number: svg_figure(slide.figure, FIG_W, FIG_H)
        for number, slide in enumerate(briefing.slides, start=1)
        if slide.kind == "figure" and slide.figure is not None
    }


def _page(slide: Slide, briefing: Briefing, number: int, chart: str | None) -> str:
    if slide.kind == "title":
        meta = "".join(f"<div>{_e(p)}</div>" for p in slide.paragraphs[1:])
        return (f"<section class='page cover'><div class='band'><h1>{_e(slide.title)}</h1>"
                f"<div class='sub'>{_e(slide.paragraphs[0] if slide.paragraphs else '')}</div></div>"
                f"<div class='meta'>{meta}</div></section>")  # fmt: skip
    if slide.kind == "text":
        body = "<div class='text'>" + "".join(f"<p>{_e(p)}</p>" for p in slide.paragraphs) + "</div>"
    elif slide.kind == "figure" and chart is not None:
        bullets = "".join(f"<li>{_e(b)}</li>" for b in slide.bullets)
        body = f"<div class='fig'><div class='chart'>{chart}</div><ul>{bullets}</ul></div>"
    else:
        notes = "".join(f"<p class='note'>{_e(p)}</p>" for p in slide.paragraphs)
        body = notes + (_table(slide.table) if slide.table is not None else "")
    return (f"<section class='page'><div class='bar'>{_e(slide.title)}</div><div class='body'>{body}</div>"
            f"<div class='foot'><span>{_e(briefing.footer)}</span><span>{number}</span></div></section>")  # fmt: skip


def page_html(
    briefing: Briefing, progress: Callable[[str], None] | None = None, charts: dict[int, str] | None = None
) -> str:
    """The whole briefing as one HTML document, a section per slide (what ``write`` prints); charts
    ``draw`` made already are used (else drawn here)."""
    charts = draw(briefing) if charts is None else charts
    pages = []
    for number, slide in enumerate(briefing.slides, start=1):
        if progress:
            progress(f"PDF 第{number}页：{slide.title}")
        pages.append(_page(slide, briefing, number, charts.get(number)))
    return document(briefing.title, "".join(pages), CSS)


def write(
    briefing: Briefing,
    out: Path,
    progress: Callable[[str], None] | None = None,
    charts: dict[int, str] | None = None,
) -> Path:
    page = page_html(briefing, progress, charts)
    if progress:
        progress("PDF 排版与字体嵌入")
    return html_to_pdf(page, out)
