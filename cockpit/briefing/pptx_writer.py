"""The briefing as a 16:9 PPTX: native text and tables (editable in PowerPoint/WPS), charts as
high-DPI PNG pictures rendered by kaleido.

PowerPoint picks the font for Chinese characters from a run's East Asian typeface (``a:ea``),
not from ``font.name`` (``a:latin``): both are set, or WPS and PowerPoint fall back to a
Latin font's missing-glyph boxes on machines without the default CJK theme font.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from cockpit.briefing.document import Briefing, Slide, Table
from cockpit.exports.charts import png_bytes

CJK_FONT = "Microsoft YaHei"  # 微软雅黑: on every Chinese Windows desk; others substitute a CJK sans
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
NAVY, GREY, WHITE = RGBColor(0x12, 0x2B, 0x4A), RGBColor(0x5B, 0x6B, 0x7C), RGBColor(0xFF, 0xFF, 0xFF)
STATUS_FILL = {
    "green": RGBColor(0xD9, 0xF2, 0xE3),
    "amber": RGBColor(0xFD, 0xEB, 0xC8),
    "red": RGBColor(0xF9, 0xD6, 0xD2),
}
FIG_W, FIG_H = 1000, 560  # CSS px of a figure; rendered at 2x


def _style(run: object, size: float, *, bold: bool = False, colour: RGBColor = NAVY) -> None:
    font = run.font  # type: ignore[attr-defined]
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = colour
    font.name = CJK_FONT
    rpr = run._r.get_or_add_rPr()  # type: ignore[attr-defined]
    for tag in ("a:ea", "a:cs"):
        found = rpr.find(qn(tag))
        if found is None:
            found = etree.SubElement(rpr, qn(tag))
        found.set("typeface", CJK_FONT)


def _text(slide: object, left: int, top: int, width: int, height: int, lines: list[str], size: float, *,
          bold: bool = False, colour: RGBColor = NAVY, align: PP_ALIGN = PP_ALIGN.LEFT, spacing: float = 6) -> None:  # fmt: skip
    box = slide.shapes.add_textbox(left, top, width, height)  # type: ignore[attr-defined]
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(spacing)
        _style(para.add_run(), size, bold=bold, colour=colour)
        para.runs[0].text = line


def _frame(prs: Any, slide_def: Slide, briefing: Briefing, number: int) -> object:
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    bar = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.95))
    bar.fill.solid()
    bar.fill.fore_color.rgb = NAVY
    bar.line.fill.background()
    _text(
        slide,
        Inches(0.5),
        Inches(0.18),
        Inches(12.3),
        Inches(0.7),
        [slide_def.title],
        26,
        bold=True,
        colour=WHITE,
    )
    _text(slide, Inches(0.5), Inches(7.0), Inches(11.2), Inches(0.4), [briefing.footer], 10, colour=GREY)
    _text(
        slide,
        Inches(11.8),
        Inches(7.0),
        Inches(1.0),
        Inches(0.4),
        [f"{number}"],
        10,
        colour=GREY,
        align=PP_ALIGN.RIGHT,
    )
    return slide


def _title_slide(prs: Any, slide_def: Slide, briefing: Briefing) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(1, 0, Inches(2.2), WIDTH, Inches(2.6))
    band.fill.solid()
    band.fill.fore_color.rgb = NAVY
    band.line.fill.background()
    _text(
        slide,
        Inches(0.8),
        Inches(2.5),
        Inches(11.7),
        Inches(1.2),
        [slide_def.title],
        40,
        bold=True,
        colour=WHITE,
    )
    _text(
        slide, Inches(0.8), Inches(3.6), Inches(11.7), Inches(1.0), slide_def.paragraphs[:1], 24, colour=WHITE
    )
    _text(
        slide, Inches(0.8), Inches(5.2), Inches(11.7), Inches(1.5), slide_def.paragraphs[1:], 14, colour=GREY
    )


def _table(slide: object, table: Table, top: int) -> None:
    rows, cols = len(table.rows) + 1, len(table.columns)
    height = min(Inches(0.36) * rows, Inches(6.9) - top)
    shape = slide.shapes.add_table(rows, cols, Inches(0.5), top, Inches(12.3), height)  # type: ignore[attr-defined]
    grid = shape.table
    size = 12 if rows <= 12 else 10
    for c, name in enumerate(table.columns):
        cell = grid.cell(0, c)
        cell.fill.solid()
        cell.fill.fore_color.rgb = NAVY
        cell.text_frame.paragraphs[0].text = ""
        _style(cell.text_frame.paragraphs[0].add_run(), size, bold=True, colour=WHITE)
        cell.text_frame.paragraphs[0].runs[0].text = name
    for r, row in enumerate(table.rows, start=1):
        status = table.status[r - 1] if r - 1 < len(table.status) else None
        for c, value in enumerate(row):
            cell = grid.cell(r, c)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = (
                STATUS_FILL[status] if c == table.status_col and status in STATUS_FILL else WHITE
            )
            para = cell.text_frame.paragraphs[0]
            _style(para.add_run(), size)
            para.runs[0].text = value


def _picture(slide: object, png: bytes, left: int, top: int, width: int) -> None:
    slide.shapes.add_picture(io.BytesIO(png), left, top, width=width)  # type: ignore[attr-defined]


def write(briefing: Briefing, out: Path, progress: Callable[[str], None] | None = None) -> Path:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(WIDTH), Emu(HEIGHT)
    prs.core_properties.title = briefing.title
    prs.core_properties.subject = briefing.subtitle
    prs.core_properties.author = "领导驾驶舱"
    for number, slide_def in enumerate(briefing.slides, start=1):
        if progress:
            progress(f"PPTX 第{number}页：{slide_def.title}")
        if slide_def.kind == "title":
            _title_slide(prs, slide_def, briefing)
            continue
        slide = _frame(prs, slide_def, briefing, number)
        top: int = Inches(1.2)
        if slide_def.kind == "text":
            _text(slide, Inches(0.7), top, Inches(11.9), Inches(5.6), slide_def.paragraphs, 18, spacing=14)
        elif slide_def.kind == "figure" and slide_def.figure is not None:
            png = png_bytes(slide_def.figure, FIG_W, FIG_H, scale=2)
            _picture(slide, png, Inches(0.4), top, Inches(9.6))
            _text(
                slide,
                Inches(10.2),
                top + Inches(0.2),
                Inches(2.9),
                Inches(5.0),
                slide_def.bullets,
                14,
                spacing=10,
            )
        elif slide_def.kind == "table" and slide_def.table is not None:
            if slide_def.paragraphs:
                _text(
                    slide, Inches(0.5), top - Inches(0.1), Inches(12.3), Inches(0.9), slide_def.paragraphs, 13
                )
                top += Inches(0.3) * (len(slide_def.paragraphs) + 1)
            _table(slide, slide_def.table, top)
    out.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(out))
    return out
