"""Static bundles: compressed once per worker and kept, cacheable by the browser; callback answers
are compressed fresh every time (never served from the static store)."""

from __future__ import annotations

import gzip
import html
import re
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


def test_every_asset_a_page_names_is_versioned_and_kept_by_the_browser(demo_app: Any) -> None:
    """cockpit.static_assets: the desk page and the sign-in page name each asset with ?m=<mtime>,
    and such an address is served immutable for a year; the same file without it is revalidated."""
    client = signed_in_client(demo_app, "leader")
    desk = client.get("/").get_data(as_text=True)
    login = demo_app.server.test_client().get("/login").get_data(as_text=True)
    named = re.findall(r'(?:src|href)="(/assets/[^"]+)"', desk + login)
    assert {"phone_view.js", "early_layout.js", "lazy_grid.js", "login.css", "cockpit.css"} <= {
        url.split("?")[0].rsplit("/", 1)[-1] for url in named
    }
    for url in named:
        assert "?m=" in url, url
        answer = client.get(html.unescape(url))
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    assert "immutable" not in client.get("/assets/phone_view.js").headers.get("Cache-Control", "")
