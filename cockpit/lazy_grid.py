"""The data grid's library, fetched when a page first shows a grid rather than run by every page.

dash-ag-grid's bundle is 1.3 MB of script that Dash puts on every page, the wall included, where it
is parsed and run before the renderer boots — before the map. Here its bundle stays served (at its
fingerprinted, cacheable address) but leaves the page's script list, and ``assets/lazy_grid.js``
stands in for ``dash_ag_grid.AgGrid``: the first grid a page renders loads the bundle, then the
real grid renders inside the stand-in (the component type never changes, so no remount).
"""

from __future__ import annotations

from pathlib import Path

import dash_ag_grid
from dash.fingerprint import build_fingerprint

BUNDLE = "dash_ag_grid.min.js"
STAND_IN = "lazy_grid.js"  # in assets/, loaded by cockpit.app's INDEX with the bundle's address


def defer(prefix: str) -> str:
    """Marks the grid's bundle as loaded on demand (Dash still registers and serves it) and returns
    the address Dash serves it at, fingerprinted like the scripts it lists itself."""
    for entry in dash_ag_grid._js_dist:  # type: ignore[attr-defined]  # Dash's resource list
        if entry.get("relative_package_path") == BUNDLE:
            entry["dynamic"] = True  # idempotent: every app in the process reads the same list
    modified = int((Path(dash_ag_grid.__file__).parent / BUNDLE).stat().st_mtime)
    fingerprint = build_fingerprint(BUNDLE, dash_ag_grid.__version__, modified)
    return f"{prefix}_dash-component-suites/dash_ag_grid/{fingerprint}"
