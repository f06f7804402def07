"""Exports of what a desk sees: tables (CSV/XLSX with a header block), charts (PNG/SVG/PDF with a
footer), the PDF machinery shared with briefings, and the routes that serve them.

Files are written under ``exports_dir`` — ``COCKPIT_EXPORTS_DIR`` or ``<data_dir>/cache/exports`` —
never into the source tree.
"""

from __future__ import annotations

import os
from pathlib import Path

from cockpit.settings import Settings


def exports_dir(settings: Settings) -> Path:
    configured = os.environ.get("COCKPIT_EXPORTS_DIR")
    root = Path(configured) if configured else settings.data_dir / "cache" / "exports"
    root.mkdir(parents=True, exist_ok=True)
    return root
