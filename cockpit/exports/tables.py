"""Tables to CSV and XLSX, each opening with a header block that says what was exported.

The header block (title, region, period, filters, sort, data-as-of, export time, row count) is
a few label/value lines, then one empty line, then the table with Chinese column names. CSV is
UTF-8 with a byte-order mark: without it Excel reads UTF-8 as the ANSI code page (GBK on a
Chinese Windows) and shows mojibake.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_576 - 20  # Excel's sheet limit, less the header block


@dataclass(frozen=True)
class ExportHeader:
    title: str
    lines: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, value)

    def rows(self) -> list[list[str]]:
        return [[self.title], *[[f"{label}：", value] for label, value in self.lines]]


def _cell(value: Any) -> Any:
    """Python value for a spreadsheet cell; missing values stay empty, not "nan"."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()  # numpy scalars
    return value


def _text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time() != datetime.min.time()
            else f"{value:%Y-%m-%d}"
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


_FORMULA_START = ("=", "+", "-", "@")
# Whitespace and control characters Excel skips before reading a cell as a formula.
_LEADING = re.compile(r"^[\s\x00-\x1f\x7f]*")


def _guard(text: str) -> str:
    # A cell starting with = + - @ (after any whitespace or control characters, such as TAB or CR)
    # is run as a formula by Excel: a feed could smuggle one in. Plain numbers are left alone.
    lead = _LEADING.match(text)
    start = lead.end() if lead else 0
    if text[start : start + 1] not in _FORMULA_START or (start == 0 and _is_number(text)):
        return text
    return "'" + text


def _xlsx_text(text: str) -> str:
    """A text cell for a workbook: escaped like any export, and the control characters XML can't
    hold (NUL, BEL, …) written as visible escapes (``\\x00``) instead of breaking the file."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", _guard(text))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(header: ExportHeader, columns: Sequence[tuple[str, str]], frame: pd.DataFrame) -> bytes:
    """``columns``: (field, Chinese label) in display order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in header.rows():
        writer.writerow([_guard(c) for c in row])
    writer.writerow([])
    writer.writerow([label for _, label in columns])
    fields = [f for f, _ in columns]
    for record in frame[fields].itertuples(index=False, name=None):
        writer.writerow([_guard(_text(v)) for v in record])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    header: ExportHeader, columns: Sequence[tuple[str, str]], frame: pd.DataFrame, sheet: str = "数据"
) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    fields = [f for f, _ in columns]
    for i, (field_name, label) in enumerate(columns, start=1):
        sample = frame[field_name].head(200).map(_text).str.len().max() if len(frame) else 0
        width = max(len(label) * 2 + 2, min(60, int(sample or 0) + 2), 10)
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    head_rows = header.rows()
    table_row = len(head_rows) + 2
    ws.freeze_panes = f"A{table_row + 1}"
    for n, row in enumerate(head_rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=_xlsx_text(value))
            cell.font = Font(bold=True, size=14) if n == 0 else bold if value.endswith("：") else Font()
            cell.alignment = Alignment(vertical="top")
            cells.append(cell)
        ws.append(cells)
    ws.append([])
    fill = PatternFill("solid", fgColor="DCE6F2")
    header_cells = []
    for _, label in columns:
        cell = WriteOnlyCell(ws, value=label)
        cell.font, cell.fill = bold, fill
        header_cells.append(cell)
    ws.append(header_cells)
    if columns:
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A{table_row}:{last}{table_row + max(len(frame), 1)}"
    for record in frame[fields].head(XLSX_MAX_ROWS).itertuples(index=False, name=None):
        row = []
        for value in record:
            value = _cell(value)
            if isinstance(value, str):
                value = _xlsx_text(value)
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_csv_export(data: bytes) -> tuple[list[list[str]], pd.DataFrame]:
    """The inverse of ``to_csv`` (header block, table): what tests and re-imports use."""
    text = data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    blank = next(i for i, row in enumerate(lines) if not row)
    table = lines[blank + 1 :]
    return lines[:blank], pd.DataFrame(table[1:], columns=table[0])
