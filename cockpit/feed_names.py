"""What a person calls a feed: its catalogue label without the bracketed notes, never its code.

Footers, lineages and the region profile name where a figure came from; the catalogue
(``data/feeds.toml``) is read once per change of the file, with each feed's lateness allowance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from cockpit.services import Services


@lru_cache(maxsize=4)
def _catalogue(feeds_path: Path, mtime: float) -> tuple[dict[str, int], dict[str, str]]:
    """Per feed, seconds until it counts as late, and its Chinese name (re-read when the file changes)."""
    from etl.catalog import load_catalog

    feeds = load_catalog(feeds_path)
    # A footer has room for the name, not the notes in brackets: 月度指标（各地报送，GBK 编码 CSV） → 月度指标
    labels = {n: f.label.split("（")[0].strip() or n for n, f in feeds.items()}
    return {n: f.stale_after_seconds for n, f in feeds.items()}, labels


def catalogue(services: Services) -> tuple[dict[str, int], dict[str, str]]:
    path = services.settings.feeds_path
    return _catalogue(path, path.stat().st_mtime) if path.exists() else ({}, {})


def feed_labels(services: Services) -> dict[str, str]:
    """Feed code → the name a footer or a lineage shows."""
    return catalogue(services)[1]


def names_of(codes: Iterable[str], labels: Mapping[str, str]) -> str:
    """Feed codes as their names, each once, joined with 、 (a code the catalogue no longer lists
    stays as it is)."""
    return "、".join(dict.fromkeys(labels.get(code, code) for code in codes if code))


def named(services: Services, feeds: str) -> str:
    """``a、b`` of feed codes as their names."""
    return names_of(feeds.split("、"), feed_labels(services))
