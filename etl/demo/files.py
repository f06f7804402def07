"""The demo's files: the bad rows planted in them, the CSV and XLSX writers, and ``FileResult``,
what the manifest says about each file.

A generator builds its clean rows, makes ``Plant``s (a bad row inserted before a clean row or
written over it) and hands both to ``save_csv`` or ``save_xlsx``, which place the plants, write the
file and number every bad row as it ends up in the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from etl.demo.rates import RowRates
from etl.demo.spec import FILE_NAMES, REASONS

# -- bad rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plant:
    """A deliberately bad row: inserted before clean row ``at`` or replacing it."""

    reason: str
    at: int
    row: Any
    replace: bool = False
    column: str | None = None
    value: Any = None
    source: int | None = None  # clean index of the row this one duplicates
    note: str = ""


def cell_plant(
    reason: str,
    rows: Sequence[Sequence[Any]],
    at: int,
    col: int,
    value: Any,
    header: Sequence[str],
    *,
    replace: bool = False,
    source: int | None = None,
    note: str = "",
) -> Plant:
    """A bad row that differs from a clean one in one cell: row ``source`` (or ``at``) with column
    ``col`` set to ``value``, inserted before clean row ``at`` or, with ``replace``, written over it."""
    row = list(rows[at if source is None else source])
    row[col] = value
    return Plant(reason, at, row, replace=replace, column=header[col], value=value, source=source, note=note)


def replace_plants(
    rows: Sequence[Sequence[Any]],
    positions: list[int],
    cases: list[tuple[str, int, Any]],
    header: Sequence[str],
) -> list[Plant]:
    """Bad rows made by overwriting one cell of a clean row: (reason, column index, bad value)."""
    return [
        cell_plant(reason, rows, at, col, value, header, replace=True)
        for at, (reason, col, value) in zip(positions, cases, strict=False)
    ]


def duplicate_plant(rows: Sequence[Sequence[Any]], at: int, source: int) -> Plant:
    """An exact copy of clean row ``source``, inserted before clean row ``at``."""
    return Plant("duplicate_key", at, list(rows[source]), source=source, note="exact copy of duplicate_of")


def quarantined(plants: Iterable[Plant]) -> set[int]:
    """Clean rows that will not reach the warehouse: those a plant overwrites, and the originals of
    conflicting duplicates (two rows with one key and different values: both are refused)."""
    out: set[int] = set()
    for p in plants:
        if p.replace:
            out.add(p.at)
        if p.reason == "conflicting_duplicate" and p.source is not None:
            out.add(p.source)
    return out


def plant_rows(
    rows: list[Any], plants: list[Plant], file_name: str
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Apply plants and return the final rows plus manifest entries with final 1-based row numbers."""
    if unknown := [p.reason for p in plants if p.reason not in REASONS]:
        raise ValueError(f"unknown bad-row reasons {unknown}")
    replaced = {p.at: p for p in plants if p.replace}
    inserts: dict[int, list[Plant]] = {}
    for p in plants:
        if not p.replace:
            inserts.setdefault(p.at, []).append(p)
    out: list[Any] = []
    clean_pos: dict[int, int] = {}
    placed: list[tuple[Plant, int]] = []
    for i in range(len(rows) + 1):
        for p in inserts.get(i, []):
            out.append(p.row)
            placed.append((p, len(out)))
        if i == len(rows):
            break
        if i in replaced:
            out.append(replaced[i].row)
            placed.append((replaced[i], len(out)))
        else:
            out.append(rows[i])
        clean_pos[i] = len(out)
    return out, with_counterparts([_entry(file_name, p, row, clean_pos) for p, row in placed])


def with_counterparts(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the original row of every conflicting duplicate, sorted by row.

    Two rows with one key and different values leave no way to tell which is right, so both end
    in quarantine; the original is listed (planted: false) so the manifest names every row that does.
    """
    extra = [
        {
            "file": e["file"],
            "row": e["duplicate_of"],
            "reason": "conflicting_duplicate",
            "planted": False,
            "conflicts_with": e["row"],
        }
        for e in entries
        if e["reason"] == "conflicting_duplicate"
    ]
    return sorted([*entries, *extra], key=lambda e: e["row"])


def _entry(file_name: str, p: Plant, row: int, clean_pos: dict[int, int]) -> dict[str, Any]:
    entry: dict[str, Any] = {"file": file_name, "row": row, "reason": p.reason, "planted": True}
    if p.column is not None:
        entry["column"] = p.column
        entry["value"] = p.value
    if p.source is not None:
        entry["duplicate_of"] = clean_pos[p.source]
    if p.note:
        entry["note"] = p.note
    return entry


def spread_positions(n: int, k: int, rng: np.random.Generator, margin: int = 3) -> list[int]:
    """k distinct row indices spread over the file (not bunched at the end), deterministic."""
    if n < k + 2 * margin:
        raise ValueError(f"file too small to plant {k} bad rows among {n}")
    slots = (np.arange(k) + 0.5 + rng.uniform(-0.3, 0.3, k)) / k
    pos = np.clip((slots * n).astype(int), margin, n - margin)
    out: list[int] = []
    for p in pos.tolist():
        while p in out:
            p += 1
        out.append(p)
    return out


# -- writers ------------------------------------------------------------------------------------


@dataclass
class FileResult:
    key: str
    path: Path
    rows: int
    encoding: str
    bad_rows: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)
    rates: RowRates | None = None  # the rates the file's rows give (not in the manifest)


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str, newline: str = "\n"
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    # Strict encoding: a character the target code page lacks must fail here, not in the ETL.
    path.write_bytes(buf.getvalue().encode(encoding))


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XLSX_STATIC = {
    "[Content_Types].xml": f'<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/relationships/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG}/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC}/relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>",
    "docProps/app.xml": f'<Properties xmlns="{_DOC}/extended-properties"><Application>Microsoft Excel</Application>'
    "</Properties>",
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/relationships/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC}/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>",
    # Style 0 plain, 1 date (yyyy-mm-dd, so readers see a real date), 2 bold for title and header.
    "xl/styles.xml": f'<styleSheet {_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '</numFmts><fonts count="2"><font><sz val="11"/><name val="宋体"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/></font></fonts><fills count="2"><fill><patternFill '
    'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
    '<border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}
_EXCEL_EPOCH = date(1899, 12, 30)


def write_xlsx(
    path: Path,
    sheet: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    stamp: datetime,
    *,
    title: str | None = None,
    widths: Sequence[float] = (),
) -> None:
    """A one-sheet workbook as Excel writes it: shared strings, real date cells, a merged title row.

    Written directly rather than through openpyxl, which takes seconds per 100k cells and stamps
    the wall clock into the file; here the same rows give the same bytes.
    """
    strings: dict[str, int] = {}
    letters = [chr(ord("A") + i) for i in range(len(header))]

    def cell(ref: str, value: Any, style: int = 0) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            index = strings.setdefault(value, len(strings))
            bold = f' s="{style}"' if style else ""
            return f'<c r="{ref}" t="s"{bold}><v>{index}</v></c>'
        if isinstance(value, date):
            return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
        return f'<c r="{ref}"><v>{value!r}</v></c>'

    head = [[title], header] if title else [header]
    lines = []
    for r, row in enumerate([*head, *rows], start=1):
        style = 2 if r <= len(head) else 0
        cells = "".join(cell(f"{col}{r}", v, style) for col, v in zip(letters, row, strict=False))
        lines.append(f'<row r="{r}">{cells}</row>')
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    merge = f'<mergeCells count="1"><mergeCell ref="A1:{letters[-1]}1"/></mergeCells>' if title else ""
    sheet_xml = (
        f'<worksheet {_NS} {_NS_R}><dimension ref="A1:{letters[-1]}{len(lines)}"/>'
        f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>{''.join(lines)}</sheetData>{merge}</worksheet>"
    )
    shared = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = {
        **_XLSX_STATIC,
        "docProps/core.xml": '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/'
        'dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>cockpit demo</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{iso}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{iso}</dcterms:modified></cp:coreProperties>',
        "xl/workbook.xml": f'<workbook {_NS} {_NS_R}><sheets><sheet name="{escape(sheet)}" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/worksheets/sheet1.xml": sheet_xml,
        "xl/sharedStrings.xml": f'<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            entry = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, _XML + xml)


def save_csv(
    out_dir: Path,
    key: str,
    header: Sequence[str],
    rows: list[Any],
    plants: list[Plant],
    encoding: str,
    *,
    newline: str = "\n",
    extra: dict[str, Any] | None = None,
    rates: RowRates | None = None,
) -> FileResult:
    """Place ``plants`` among ``rows`` and write them as the CSV of feed ``key``."""
    final, entries = plant_rows(rows, plants, FILE_NAMES[key])
    path = out_dir / FILE_NAMES[key]
    write_csv(path, header, final, encoding, newline)
    return FileResult(key, path, len(final), encoding, entries, extra or {}, rates)


def save_xlsx(
    out_dir: Path,
    key: str,
    sheet: str,
    header: Sequence[str],
    rows: list[Any],
    plants: list[Plant],
    stamp: datetime,
    *,
    title: str | None = None,
    widths: Sequence[float] = (),
    rates: RowRates | None = None,
) -> FileResult:
    """Place ``plants`` among ``rows`` and write them as the workbook of feed ``key``; each bad row
    also gets the row number Excel shows (``excel_row``: below the title and header rows)."""
    final, entries = plant_rows(rows, plants, FILE_NAMES[key])
    header_row = 2 if title else 1
    for entry in entries:
        entry["excel_row"] = entry["row"] + header_row
    path = out_dir / FILE_NAMES[key]
    write_xlsx(path, sheet, header, final, stamp, title=title, widths=widths)
    return FileResult(
        key, path, len(final), "xlsx", entries, {"sheet": sheet, "header_row": header_row}, rates
    )
