"""Typed row access for pandas frames.

pandas-stubs types ``DataFrame.to_dict("records")`` as ``list[dict[Hashable, Any]]``
and ``row[...]`` from ``iterrows()`` as a wide union, which makes mypy reject
ordinary uses of row values. :func:`records` returns the same rows with ``str``
keys (column labels are converted with ``str``) so callers get plain
``dict[str, Any]`` records. Values are passed through unchanged (NA/None stay
as they are).
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as ``dict[str, Any]`` records, in order."""
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict("records")]


def first_record(frame: pd.DataFrame) -> dict[str, Any]:
    """Return the first row of ``frame`` as a record (like ``frame.iloc[0]``).

    Raises ``IndexError`` when the frame is empty, as ``frame.iloc[0]`` does.
    """
    rows = records(frame.iloc[:1])
    if not rows:
        raise IndexError("single positional indexer is out-of-bounds")
    return rows[0]


def json_rows(frame: pd.DataFrame, blank: object = None) -> list[list[object]]:
    """Rows as JSON-ready lists (what plotly makes of a 2-D ``customdata`` array), gaps as ``blank``."""
    return [[blank if missing(v) else v for v in row] for row in frame.itertuples(index=False, name=None)]


def missing(value: Any) -> bool:
    """A gap in a frame: None, NaN, NA or NaT (pandas' own test, false for anything it can't judge)."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
