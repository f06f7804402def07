"""Turning real feed files into text rows: encodings, Excel title rows, JSON envelopes.

Everything comes out as text; typing and checking happen in one place, the loader, so a
value that does not parse is quarantined with its original text rather than coerced here.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from etl.catalog import header_key

_PROBE_BYTES = 1 << 20
_BLOCK_BYTES = 8 << 20


class FeedFormatError(ValueError):
    pass


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else GB18030 (a superset of GBK and GB2312)."""
    with open(path, "rb") as handle:
        head = handle.read(_PROBE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False: the probe may end inside a multi-byte character.
        decoder.decode(head, final=len(head) < _PROBE_BYTES)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _transcode(src: Path, out: Path, codec: str) -> tuple[int, str] | None:
    """Decode ``src`` into UTF-8 ``out`` in large blocks; None, or (byte offset, reason) of the
    first bad byte.

    Binary blocks through an incremental decoder: a character cut by a block boundary is held
    over to the next block, and memory stays bounded whatever the file size. (Decoding the two
    halves of a big file in two processes was tried: on 2 busy cores it was slower.)"""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    done = 0
    with open(src, "rb") as source, open(out, "wb") as target:
        while True:
            block = source.read(_BLOCK_BYTES)
            held = len(decoder.getstate()[0])  # bytes of a character cut by the previous block
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                # exc.start counts from the held-over bytes followed by this block.
                return done - held + exc.start, exc.reason
            if not block:
                return None
            target.write(text.encode("utf-8"))
            done += len(block)


def csv_as_utf8(path: Path, encoding: str, workdir: Path | None = None) -> tuple[Path, str]:
    """DuckDB reads only UTF-8/16 and Latin-1: transcode anything else to a temporary UTF-8 copy."""
    actual = detect_encoding(path) if encoding == "auto" else encoding
    if actual in ("utf-8", "utf-8-sig"):
        return path, actual
    source_codec = "gb18030" if actual == "gbk" else actual
    handle, name = tempfile.mkstemp(suffix=".csv", dir=workdir)
    os.close(handle)
    out = Path(name)
    try:
        error = _transcode(path, out, source_codec)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    if error is not None:
        out.unlink(missing_ok=True)
        line = _line_of_byte(path, error[0])
        raise FeedFormatError(
            f"{path.name} 第{line}行（文本编辑器中的行号，文件第{error[0] + 1}个字节）含有不符合"
            f"{_ENCODING_NAMES.get(actual, actual)}编码的字节：请确认文件编码，或修正该行后重新报送"
        )
    return out, actual


_ENCODING_NAMES = {"gb18030": "GB18030/GBK", "gbk": "GBK", "utf-16": "UTF-16", "utf-8": "UTF-8"}


def _line_of_byte(path: Path, offset: int) -> int:
    """The editor's line number (from 1) of the byte at ``offset``."""
    line, done = 1, 0
    with open(path, "rb") as handle:
        while done < offset:
            block = handle.read(min(_BLOCK_BYTES, offset - done))
            if not block:
                break
            line += block.count(b"\n")
            done += len(block)
    return line


class _Lines:
    """Physical lines of a text file with their editor line numbers, and a way to give some back."""

    def __init__(self, handle: Iterator[str]) -> None:
        self._handle = handle
        self._back: deque[tuple[int, str]] = deque()
        self._number = 0

    def next(self) -> tuple[int, str] | None:
        if self._back:
            return self._back.popleft()
        line = next(self._handle, None)
        if line is None:
            return None
        self._number += 1
        return self._number, line.rstrip("\r\n")

    def give_back(self, lines: list[tuple[int, str]]) -> None:
        self._back.extendleft(reversed(lines))


_MAX_RECORD_LINES = 200  # a quoted field longer than this is an unclosed quote, not a paragraph


def _split_record(text: str, delimiter: str, final: bool) -> tuple[list[str], bool]:
    """Fields of one record (``text`` may hold quoted line breaks), and whether a quoted field is
    still open at the end, so the record may go on on the next line (never when ``final``).

    A field is quoted only if its closing quote comes right before a delimiter or the end, with any
    quote inside doubled; otherwise its quotes are text, kept as written (``"两违"整治问题``)."""
    fields: list[str] = []
    i, n = 0, len(text)
    while True:
        quoted = None
        if i < n and text[i] == '"':
            j, parts = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    if not final:
                        return fields, True
                    break  # never closed: the quote is text
                if k + 1 < n and text[k + 1] == '"':
                    parts.append(text[j : k + 1])
                    j = k + 2
                    continue
                if k + 1 == n or text[k + 1] == delimiter:
                    parts.append(text[j:k])
                    quoted, i = "".join(parts), k + 1
                break  # a quote followed by other text: the field was never quoted
        if quoted is not None:
            fields.append(quoted)
        else:
            end = text.find(delimiter, i)
            end = n if end < 0 else end
            fields.append(text[i:end])
            i = end
        if i >= n:
            return fields, False
        i += 1  # past the delimiter
        if i == n:
            fields.append("")
            return fields, False


def _next_record(lines: _Lines, delimiter: str) -> tuple[int, str, list[str]] | None:
    """The next non-blank record: (its first line's number, its text, its fields)."""
    while (item := lines.next()) is not None:
        number, text = item
        if not text.strip():
            continue
        if '"' not in text:
            return number, text, text.split(delimiter)
        fields, more = _split_record(text, delimiter, final=False)
        taken: list[tuple[int, str]] = []
        joined = text
        while more and len(taken) < _MAX_RECORD_LINES:
            following = lines.next()
            if following is None:
                break
            taken.append(following)
            joined += "\n" + following[1]
            fields, more = _split_record(joined, delimiter, final=False)
        if more:  # the quote never closed: it was text, and the lines after it are records of their own
            lines.give_back(taken)
            fields, _ = _split_record(text, delimiter, final=True)
            return number, text, fields
        return number, joined, fields
    return None


def csv_header(path: Path, delimiter: str = ",") -> tuple[list[str], int]:
    """The header record of a UTF-8 CSV and the lines it takes (a quoted header may span lines, as
    Excel writes 行政区划⏎代码); blank names become ``column_N`` and repeated ones get a suffix, so
    every column has one name."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = _Lines(handle)
        record = _next_record(lines, delimiter)
        taken = lines.next()  # the first line after the header, to count the header's lines
    names: list[str] = []
    for i, raw in enumerate(record[2] if record else []):
        name = raw.strip() or f"column_{i + 1}"
        while name in names:
            name = f"{name}_{i + 1}"
        names.append(name)
    if record is None:
        return names, 0
    return names, (taken[0] - 1 if taken else record[0] + record[1].count("\n"))


def read_csv_lenient(path: Path, delimiter: str = ",") -> pd.DataFrame:
    """Every record of a UTF-8 CSV that DuckDB's strict reader refused, read the way its author meant:
    quotes that do not close a field are text; a record whose field count differs from the header's
    is kept, unsplit and untrimmed, with the reason in ``_problem`` (the loader quarantines it) —
    never cut to fit."""
    header, _ = csv_header(path, delimiter)
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    problems: list[str | None] = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = _Lines(handle)
        _next_record(lines, delimiter)  # the header
        while (record := _next_record(lines, delimiter)) is not None:
            number, text, cells = record
            fields: list[str | None] = list(cells)
            problem = None
            if len(fields) != width:
                problem = (
                    f"第{number}行（文本编辑器中的行号）有{len(fields)}个字段，而表头有{width}列：多出或缺少"
                    f"分隔符（如数值里未加引号的千分位逗号），整行未入库。原文：{text[:300]}"
                )
                fields = [None] * width
            for column, value in zip(columns, fields, strict=True):
                column.append(value if value != "" else None)
            problems.append(problem)
    frame = pd.DataFrame(dict(zip(header, columns, strict=True)), dtype="object")
    frame["_problem"] = pd.Series(problems, dtype="object")
    return frame


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _shown(cell: object) -> str | None:
    """A cell's text as the sheet shows it: a number formatted as a percentage (0.725 shown as 72.5%)
    is that percentage, sign included, so the loader reads 72.5 on a % indicator and refuses it on
    any other."""
    value = getattr(cell, "value", None)
    number_format = str(getattr(cell, "number_format", "") or "")
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        return f"{value * 100:.10g}%"
    return _cell_text(value)


def read_xlsx(path: Path, sheet: str | None, expected_headers: Iterable[str]) -> pd.DataFrame:
    """Read a sheet whose header row may sit under merged title rows: the first row with
    most of the expected headers is the header. ``_row`` is each data row's number as Excel shows it."""
    from openpyxl import load_workbook

    expected = {header_key(h) for h in expected_headers}
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise FeedFormatError(
                f"{path.name}：没有名为“{sheet}”的工作表（现有：{'、'.join(workbook.sheetnames)}）"
            )
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        rows = ws.iter_rows()
        header: list[str] | None = None
        header_row = 0
        for _ in range(30):
            row = next(rows, None)
            if row is None:
                break
            header_row += 1
            cells = [_cell_text(getattr(c, "value", None)) or "" for c in row]
            if sum(header_key(c) in expected for c in cells) >= max(1, len(expected) // 2):
                header = [c.strip() or f"column_{i + 1}" for i, c in enumerate(cells)]
                break
        if header is None:
            raise FeedFormatError(f"{path.name}：前30行中找不到含所需列名的表头行")
        data = [[_shown(c) for c in row[: len(header)]] for row in rows]
    finally:
        workbook.close()
    # Trailing blank rows are formatting, not data.
    while data and all(v is None for v in data[-1]):
        data.pop()
    frame = pd.DataFrame(data, columns=header, dtype="object")
    frame.insert(0, "_row", range(header_row + 1, header_row + 1 + len(frame)))
    return frame


def _dig(body: object, dotted: str) -> object:
    for part in [p for p in dotted.split(".") if p]:
        if not isinstance(body, dict) or part not in body:
            raise FeedFormatError(f"JSON 中没有“{dotted}”")
        body = body[part]
    return body


def records_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    rows = [{k: _cell_text(v) if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)
             for k, v in r.items()} for r in records]  # fmt: skip
    return pd.DataFrame(rows, dtype="object")


def read_json(path: Path, records_path: str) -> pd.DataFrame:
    try:
        body = json.loads(path.read_text(encoding=detect_encoding(path)))
    except json.JSONDecodeError as exc:
        raise FeedFormatError(
            f"{path.name} 不是有效的 JSON：第{exc.lineno}行第{exc.colno}列，{exc.msg}"
        ) from exc
    records = _dig(body, records_path)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FeedFormatError(f"{path.name}：“{records_path or '（整个文件）'}”不是记录列表")
    return records_frame(records)
