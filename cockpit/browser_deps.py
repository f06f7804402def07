"""The scripts Dash loads before its renderer, trimmed to what the cockpit's browsers need.

Dash puts Babel's polyfill (core-js 2 and regenerator, 99 KB) first on every page, for browsers
without ES2015. Every browser the cockpit serves (React 18 and plotly.js 4 need a modern engine)
has what core-js adds; what the Dash bundles still need from it is ``regeneratorRuntime``, the
global their transpiled async functions call (dash-renderer's lazy components, the map among
them). Evaluating the polyfill cost ~8–10 ms of main thread on every load, before the map.
``assets/vendor/regenerator-runtime.js`` (regenerator-runtime 0.14.1, MIT, byte for byte:
tools/regenerator_runtime) provides that global; Dash serves it with the other assets, after
React and before its renderer.
"""

from __future__ import annotations

from dash import _dash_renderer

POLYFILL = "polyfill@"  # deps/polyfill@7.12.1.min.js, and its unpkg address
RUNTIME = "vendor/regenerator-runtime.js"  # in assets/


def drop_babel_polyfill() -> None:
    """Removes the polyfill from Dash's renderer dependencies (idempotent: the list is Dash's own,
    read by every app in the process when it writes a page)."""
    for entry in _dash_renderer._js_dist_dependencies:
        for key in ("relative_package_path", "external_url"):
            for mode, paths in entry[key].items():
                entry[key][mode] = [path for path in paths if POLYFILL not in path]
