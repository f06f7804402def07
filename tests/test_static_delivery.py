"""Static bundles: compressed once per worker and kept, cacheable by the browser; callback answers
are compressed fresh every time (never served from the static store)."""

from __future__ import annotations

import gzip
from typing import Any

from cockpit.cache import StaticCompressCache
from tests.access_helpers import page_payload
from tests.conftest import signed_in_client

PLOTLY = "/_dash-component-suites/plotly/package_data/plotly.min.js"


def compress_store(app: Any) -> Any:
    """The flask-compress instance Dash registered (found by its after_request hook)."""
    hooks = app.server.after_request_funcs[None]
    return next(h.__self__ for h in hooks if type(getattr(h, "__self__", None)).__name__ == "Compress").cache


def test_bundles_are_compressed_once_and_cacheable(demo_app: Any) -> None:
    client = demo_app.server.test_client()
    raw = client.get(PLOTLY).data
    first = client.get(PLOTLY, headers={"Accept-Encoding": "gzip"})
    again = client.get(PLOTLY, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and gzip.decompress(again.data) == raw
    assert "max-age" in first.headers["Cache-Control"]
    store = compress_store(demo_app)
    assert isinstance(store, StaticCompressCache) and any(PLOTLY in key for key in store._entries)


def test_callback_answers_are_never_taken_from_the_static_store(demo_app: Any) -> None:
    client = signed_in_client(demo_app, "leader")
    bodies = [
        gzip.decompress(
            client.post(
                "/_dash-update-component", json=page_payload(path), headers={"Accept-Encoding": "gzip"}
            ).data
        )
        for path in ("/targets", "/hotline")
    ]
    assert b"targets" in bodies[0] and bodies[0] != bodies[1]
    store = compress_store(demo_app)
    assert not any("_dash-update-component" in key for key in store._entries)
