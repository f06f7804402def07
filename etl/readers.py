"""Turning real feed files into text rows: encodings, Excel title rows, JSON envelopes.

Everything comes out as text; typing and checking happen in one place, the loader, so a
value that does not parse is quarantined with its original text rather than coerced here.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from collections.abc import Iterable
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
        raise FeedFormatError(f"{path.name}: not valid {actual}: {error[1]} at byte {error[0]}")
    return out, actual


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


def read_xlsx(path: Path, sheet: str | None, expected_headers: Iterable[str]) -> pd.DataFrame:
    """Read a sheet whose header row may sit under merged title rows: the first row with
    most of the expected headers is the header."""
    from openpyxl import load_workbook

    expected = {header_key(h) for h in expected_headers}
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise FeedFormatError(
                f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header: list[str] | None = None
        for _ in range(30):
            row = next(rows, None)
            if row is None:
                break
            cells = [_cell_text(c) or "" for c in row]
            if sum(header_key(c) in expected for c in cells) >= max(1, len(expected) // 2):
                header = [c.strip() or f"column_{i + 1}" for i, c in enumerate(cells)]
                break
        if header is None:
            raise FeedFormatError(
                f"{path.name}: no header row with the expected columns in the first 30 rows"
            )
        data = [[_cell_text(c) for c in row[: len(header)]] for row in rows]
    finally:
        workbook.close()
    # Trailing blank rows are formatting, not data.
    while data and all(v is None for v in data[-1]):
        data.pop()
    return pd.DataFrame(data, columns=header, dtype="object")


def _dig(body: object, dotted: str) -> object:
    for part in [p for p in dotted.split(".") if p]:
        if not isinstance(body, dict) or part not in body:
            raise FeedFormatError(f"JSON has no '{dotted}'")
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
        raise FeedFormatError(f"{path.name}: not JSON: {exc}") from exc
    records = _dig(body, records_path)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FeedFormatError(f"{path.name}: '{records_path or '(body)'}' is not a list of records")
    return records_frame(records)
