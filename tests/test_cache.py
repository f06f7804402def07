"""cockpit.cache: the per-process query cache keeps its entries deflated, and gives them back whole."""

from __future__ import annotations

import pickle
from typing import Any

import pandas as pd

from cockpit.cache import DeflatedSimpleCache, cache_config
from tests.conftest import make_settings


def test_entries_are_stored_deflated_and_read_back_equal() -> None:
    cache = DeflatedSimpleCache(threshold=10)
    frame = pd.DataFrame({"adcode": ["140100"] * 2000, "value": range(2000)})
    figure = {"data": [{"type": "choropleth", "locations": ["140100"] * 500, "z": list(range(500))}]}
    cache.set("frame", frame)
    cache.set("figure", figure)
    pd.testing.assert_frame_equal(cache.get("frame"), frame)
    assert cache.get("figure") == figure
    stored = cache._cache["frame"][1]
    assert len(stored) * 4 < len(pickle.dumps(frame, pickle.HIGHEST_PROTOCOL))
    assert cache.get("missing") is None


def test_the_default_per_process_cache_is_the_deflated_one(tmp_path: Any) -> None:
    assert cache_config(make_settings(tmp_path))["CACHE_TYPE"] == "cockpit.cache.DeflatedSimpleCache"
    assert cache_config(make_settings(tmp_path, cache_type="NullCache"))["CACHE_TYPE"] == "NullCache"


def test_the_app_memo_cache_deflates(demo_app: Any) -> None:
    from cockpit.app import cache

    assert isinstance(cache.cache, DeflatedSimpleCache)
