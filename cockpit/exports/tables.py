"""Tables to CSV and XLSX, each opening with a header block that says what was exported.

The header block (title, region, period, filters, sort, data-as-of, export time, row count) is
a few label/value lines, then one empty line, then the table with Chinese column names. CSV is
UTF-8 with a byte-order mark: without it Excel reads UTF-8 as the ANSI code page (GBK on a
Chinese Windows) and shows mojibake.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

# openpyxl (with lxml, ~15 MB per serving worker) is imported by the functions that write a
# workbook: most workers never do, and the background job that does pays it once.

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
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", _guard(text))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


Batch = Sequence[Sequence[Any]]  # rows (tuples, in ``columns`` order) read together


def frame_batches(frame: pd.DataFrame, fields: Sequence[str], size: int = 5_000) -> Iterator[Batch]:
    """A frame's rows as batches, for the writers below (which never need the whole table)."""
    for start in range(0, len(frame), size):
        yield list(frame[list(fields)].iloc[start : start + size].itertuples(index=False, name=None))


def write_csv(out: BinaryIO, header: ExportHeader, columns: Sequence[tuple[str, str]],
              batches: Iterable[Batch]) -> int:  # fmt: skip
    """Writes the header block and the rows to ``out`` batch by batch (memory: one batch);
    ``columns``: (field, Chinese label) in display order. Returns the number of rows written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for row in header.rows():
        writer.writerow([_guard(c) for c in row])
    writer.writerow([])
    writer.writerow([label for _, label in columns])
    written = 0
    for batch in batches:
        writer.writerows([_guard(_text(v)) for v in record] for record in batch)
        written += len(batch)
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))
    return written


def _xlsx_value(value: Any) -> Any:
    kind = type(value)
    if kind is int or kind is float:
        return None if value != value else value  # NaN: an empty cell
    if kind is str:
        return _xlsx_text(value)
    value = _cell(value)
    return _xlsx_text(value) if isinstance(value, str) else value


def write_xlsx(out: BinaryIO | Path, header: ExportHeader, columns: Sequence[tuple[str, str]],
               batches: Iterable[Batch], total: int, sheet: str = "数据") -> int:  # fmt: skip
    """Writes a workbook batch by batch: openpyxl's write-only sheet streams rows to a temporary
    file, so memory stays at one batch however long the table. ``total`` (the rows to come) sizes
    the header's auto-filter. Returns the number of rows written (at most Excel's sheet limit)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    pending = iter(batches)
    first = next(pending, [])
    for i, (_, label) in enumerate(columns, start=1):
        sample = max((len(_text(row[i - 1])) for row in first[:200]), default=0)
        ws.column_dimensions[get_column_letter(i)].width = max(len(label) * 2 + 2, min(60, sample + 2), 10)
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
        ws.auto_filter.ref = f"A{table_row}:{last}{table_row + max(min(total, XLSX_MAX_ROWS), 1)}"
    written = 0
    for batch in itertools.chain([first], pending):
        for record in batch:
            if written >= XLSX_MAX_ROWS:
                break
            ws.append([_xlsx_value(v) for v in record])
            written += 1
    book.save(out)
    return written


def to_csv(header: ExportHeader, columns: Sequence[tuple[str, str]], frame: pd.DataFrame) -> bytes:
    """A small table as CSV bytes (``write_csv`` of the frame)."""
    out = io.BytesIO()
    write_csv(out, header, columns, frame_batches(frame, [f for f, _ in columns]))
    return out.getvalue()


def to_xlsx(
    header: ExportHeader, columns: Sequence[tuple[str, str]], frame: pd.DataFrame, sheet: str = "数据"
) -> bytes:
    """A small table as XLSX bytes (``write_xlsx`` of the frame)."""
    out = io.BytesIO()
    write_xlsx(out, header, columns, frame_batches(frame, [f for f, _ in columns]), len(frame), sheet)
    return out.getvalue()


def read_csv_export(data: bytes) -> tuple[list[list[str]], pd.DataFrame]:
    """The inverse of ``to_csv`` (header block, table): what tests and re-imports use."""
    text = data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    blank = next(i for i, row in enumerate(lines) if not row)
    table = lines[blank + 1 :]
    return lines[:blank], pd.DataFrame(table[1:], columns=table[0])
