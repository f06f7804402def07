"""The demo generators' shared kit: vocabulary tables, region weights, calendars, simulated rates.

Every generator module (events, hotline, regulation) draws from here, so none imports another's
private helpers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from etl.demo.indicators import simulated_series
from etl.demo.regions import RegionBook
from etl.demo.spec import DemoSpec


def vocab(text: str) -> list[list[str]]:
    """An inline '|' table: one line per entry."""
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


def numbers(text: str) -> np.ndarray:
    return np.array([float(x) for x in text.split()])


def people(book: RegionBook) -> float:
    return sum(book.population[c] for c in book.cities) or book.population[book.province]


def per_million_year(book: RegionBook, spec: DemoSpec, rate: float) -> int:
    """Expected count over the span for ``rate`` events per million residents per year."""
    years = (spec.as_of - spec.span_start).total_seconds() / (365.25 * 86400)
    return round(rate * people(book) / 1e6 * years)


def simulated_rates(
    indicators: pd.DataFrame | None,
    book: RegionBook,
    spec: DemoSpec,
    code: str,
    codes: list[str],
    default: float,
) -> np.ndarray:
    """A monthly indicator's simulated values as (region, statistics month): the rate rows follow."""
    series = simulated_series(indicators, book, spec, code) if indicators is not None else {}
    months = len(spec.months())
    return np.array([series.get(c, np.full(months, default)) for c in codes], dtype=float).reshape(
        len(codes), months
    )


def region_weights(book: RegionBook, codes: list[str], area_share: float = 0.0) -> np.ndarray:
    pop = np.array([book.population[c] for c in codes], dtype=float)
    area = np.array([max(book.area[c], 1.0) for c in codes], dtype=float)
    w = (1 - area_share) * pop / pop.sum() + area_share * area / area.sum()
    return w / w.sum()


def day_months(spec: DemoSpec) -> np.ndarray:
    """Calendar month of every day from the first month to as_of."""
    first = np.datetime64(spec.span_start.date(), "D")
    days = first + np.arange((spec.as_of.date() - spec.span_start.date()).days + 1)
    return days.astype("datetime64[M]").astype(np.int64) % 12 + 1


def working_days(spec: DemoSpec) -> list[date]:
    first = spec.span_start.date()
    days = (spec.as_of.date() - first).days + 1
    return [d for d in (first + timedelta(days=i) for i in range(days)) if d.weekday() < 5]


def choose(rng: np.random.Generator, options: list[Any] | tuple[Any, ...], p: Any = None) -> Any:
    weights = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return options[int(rng.choice(len(options), p=weights))]


def city_or_county(
    rng: np.random.Generator, book: RegionBook, city_share: float, county_p: np.ndarray
) -> str:
    """A city (uniformly) or a county (by ``county_p``)."""
    if rng.random() < city_share:
        return str(choose(rng, book.cities))
    return book.counties[int(rng.choice(len(book.counties), p=county_p))]
