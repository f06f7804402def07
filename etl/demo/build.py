"""``generate_demo``: every demo feed and ``MANIFEST.json`` in one directory.

The rows come first (events, 12345, regulation), the rates regions report are counted from them
(``etl.demo.rates``), and the indicator files report those counts where a region has rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from etl.demo.events import write_event_files
from etl.demo.indicators import catalogue, write_indicator_files
from etl.demo.rates import RowRates, reported_values
from etl.demo.regions import RegionBook
from etl.demo.regulation import write_regulation_files
from etl.demo.spec import MANIFEST_NAME, REASONS, DemoSpec

DEFAULT_SPEC = DemoSpec()  # the province at full scale


def generate_demo(
    out_dir: Path,
    regions: pd.DataFrame,
    indicators: pd.DataFrame,
    geometries: gpd.GeoDataFrame,
    spec: DemoSpec = DEFAULT_SPEC,
    *,
    with_bad_rows: bool = True,
) -> dict[str, Path]:
    """Write the demo feeds and MANIFEST.json into ``out_dir``; returns {file_key: path}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    book = RegionBook.build(regions, spec)
    # Rows first: the rates regions report are counted from them (etl.demo.rates).
    events = write_event_files(out_dir, book, geometries, spec, with_bad_rows, indicators)
    regulation = write_regulation_files(out_dir, book, indicators, spec, with_bad_rows)
    counted = RowRates()
    for result in (*events, *regulation):
        if result.rates is not None:
            counted.merge(result.rates)
    decimals = {i.code: i.decimals for i in catalogue(indicators)}
    year, quarter = spec.quarters()[-1] if spec.quarters() else (0, 0)
    reported, discrepancies = reported_values(
        counted.rolled_up(book), decimals, book, spec.end, f"{year}Q{quarter}"
    )
    results = [
        *write_indicator_files(out_dir, book, indicators, spec, with_bad_rows, reported),
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
