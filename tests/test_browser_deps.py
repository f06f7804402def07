"""cockpit.browser_deps: the page loads regenerator's runtime where Dash put Babel's polyfill."""

from __future__ import annotations

import re
from typing import Any

from cockpit import browser_deps
from cockpit.settings import PROJECT_ROOT
from tests.conftest import signed_in_client


def _scripts(demo_app: Any) -> list[str]:
    page = signed_in_client(demo_app, "leader").get("/").get_data(as_text=True)
    return re.findall(r'<script src="([^"]+)"', page)


def test_the_page_runs_regenerator_instead_of_the_babel_polyfill(demo_app: Any) -> None:
    scripts = _scripts(demo_app)
    assert not any("polyfill" in src for src in scripts), scripts
    runtime = next(i for i, src in enumerate(scripts) if browser_deps.RUNTIME in src)
    react = next(i for i, src in enumerate(scripts) if "/react@" in src)
    renderer = next(i for i, src in enumerate(scripts) if "dash_renderer" in src)
    assert react < runtime < renderer  # the global exists before any Dash bundle can call it


def test_the_runtime_is_regenerators_and_sets_the_global() -> None:
    text = (PROJECT_ROOT / "assets" / browser_deps.RUNTIME).read_text(encoding="utf-8")
    assert "regeneratorRuntime = runtime" in text and "Copyright (c) 2014-present, Facebook" in text


def test_dropping_the_polyfill_twice_changes_nothing_more() -> None:
    from dash import _dash_renderer

    browser_deps.drop_babel_polyfill()
    once = repr(_dash_renderer._js_dist_dependencies)
    browser_deps.drop_babel_polyfill()
    assert repr(_dash_renderer._js_dist_dependencies) == once and "polyfill" not in once
    assert "react@" in once  # only the polyfill goes
