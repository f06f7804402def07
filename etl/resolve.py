"""Meaning for the raw values that need more than a cast: periods, indicators, enums, booleans.

Each resolver takes the distinct ``(raw, parent)`` pairs of one column and returns
``raw, parent, value, reason`` — reason is a Chinese sentence for the quarantine, None when
the value is accepted. Nothing is guessed: an unknown or ambiguous value is a reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd

from cockpit.periods import Period, PeriodError, parse_period
from cockpit.warehouse.cleaning import visible

Lookup = Callable[[str], tuple[str | None, str | None]]
Noted = Callable[[str], str | None]

TRUE_WORDS = ("是", "true", "t", "yes", "y", "1", "满意", "基本满意", "按时", "√")
FALSE_WORDS = ("否", "false", "f", "no", "n", "0", "不满意", "超时", "×")


def normalise(raw: object) -> str:
    return re.sub(r"[\s\u200b\ufeff]+", "", unicodedata.normalize("NFKC", str(raw)))


def _apply(distinct: pd.DataFrame, lookup: Lookup, noted: Noted | None = None) -> pd.DataFrame:
    """Each distinct raw value looked up once: ``value``, ``reason`` (None: accepted) and ``note``
    (what to keep beside an accepted value, from ``noted``)."""
    out = distinct[["raw", "parent"]].copy()
    values: list[str | None] = []
    reasons: list[str | None] = []
    notes: list[str | None] = []
    for raw in out["raw"]:
        if raw is None or (isinstance(raw, float) and pd.isna(raw)) or not str(raw).strip():
            values.append(None)
            reasons.append(None)  # emptiness is the loader's "required" check, reported once
            notes.append(None)
            continue
        value, reason = lookup(str(raw))
        values.append(value)
        reasons.append(reason)
        notes.append(noted(str(raw)) if noted is not None else None)
    out["value"], out["reason"], out["note"] = values, reasons, notes
    return out


def period_resolver(today: date) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def lookup(raw: str) -> tuple[str | None, str | None]:
        try:
            period: Period = parse_period(raw)
        except PeriodError as exc:
            return None, str(exc)
        if period.start > today:
            return None, f"统计期{period.label}晚于当前日期{today.isoformat()}"
        return period.code, None

    return lambda distinct: _apply(distinct, lookup)


def year_resolver() -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A year as offices write it: 2025, 2025年, 2025年度, 2025.0 (Excel)."""

    def lookup(raw: str) -> tuple[str | None, str | None]:
        try:
            period = parse_period(raw)
        except PeriodError:
            period = None
        if period is None or period.kind != "year":
            return None, f"无法识别的年度“{visible(raw.strip())}”"
        return str(period.start.year), None

    return lambda distinct: _apply(distinct, lookup)


def indicator_resolver(catalogue: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Feeds name indicators by code, full name or short name, often with the unit in brackets."""
    names: dict[str, set[str]] = {}
    for row in catalogue.itertuples():
        for alias in (row.code, row.name, row.short_name):
            if isinstance(alias, str) and alias:
                names.setdefault(normalise(alias).lower(), set()).add(str(row.code))

    def lookup(raw: str) -> tuple[str | None, str | None]:
        key = normalise(raw).lower()
        candidates = names.get(key) or names.get(re.sub(r"\([^()]*\)$", "", key))
        if not candidates:
            return None, f"未知指标“{visible(raw.strip())}”（不在指标目录中）"
        if len(candidates) > 1:
            return None, f"指标“{raw.strip()}”有歧义：{'、'.join(sorted(candidates))}"
        return next(iter(candidates)), None

    return lambda distinct: _apply(distinct, lookup)


def enum_resolver(
    allowed: tuple[str, ...], label: str, mapping: Mapping[str, str]
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    table = {normalise(k): v for k, v in mapping.items()}
    allowed_keys = {normalise(a): a for a in allowed}

    def lookup(raw: str) -> tuple[str | None, str | None]:
        key = normalise(raw)
        value = table.get(key) or allowed_keys.get(key)
        if value is None or value not in allowed:
            return None, f"{label}取值“{visible(raw.strip())}”不在允许范围（{'、'.join(allowed)}）"
        return value, None

    return lambda distinct: _apply(distinct, lookup)


def vocabulary_resolver(vocabulary: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A listed value (or one of its spellings) is itself; any other is counted as 其他 — not
    refused, since the ticket is real — and ``note`` keeps what was sent, for the data office."""
    table = {
        normalise(a).lower(): str(v) for a, v in zip(vocabulary["alias"], vocabulary["value"], strict=True)
    }

    def lookup(raw: str) -> tuple[str | None, str | None]:
        return table.get(normalise(raw).lower(), "其他"), None

    def unlisted(raw: str) -> str | None:
        return None if normalise(raw).lower() in table else raw.strip()

    return lambda distinct: _apply(distinct, lookup, unlisted)


def bool_resolver(label: str, mapping: Mapping[str, str]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    table = {normalise(k): v for k, v in mapping.items()}
    words = {normalise(w).lower(): "true" for w in TRUE_WORDS} | {
        normalise(w).lower(): "false" for w in FALSE_WORDS
    }

    def lookup(raw: str) -> tuple[str | None, str | None]:
        key = normalise(raw)
        if key in table:
            mapped = table[key]
            # A feed may declare that a value means "unknown" (e.g. 满意度 未评价 → empty).
            return (None, None) if mapped == "" else (words.get(mapped.lower(), mapped), None)
        value = words.get(key.lower())
        if value is None:
            return None, f"{label}取值“{visible(raw.strip())}”无法识别为是/否"
        return value, None

    return lambda distinct: _apply(distinct, lookup)


def region_resolver(resolver: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Adapter for ``cockpit.regions.RegionResolver`` (resolves distinct values with parent context)."""

    def resolve(distinct: pd.DataFrame) -> pd.DataFrame:
        raws = [None if pd.isna(v) else v for v in distinct["raw"]]
        parents = [None if pd.isna(v) else v for v in distinct["parent"]]
        found = resolver.resolve_many(raws, parents)  # type: ignore[attr-defined]
        out = distinct[["raw", "parent"]].copy()
        out["value"] = list(found["adcode"])
        blank = [r is None or not str(r).strip() for r in raws]
        out["reason"] = [None if b else r for b, r in zip(blank, found["reason"], strict=True)]
        return out

    return resolve
