"""Component ids shared by layouts and callbacks, so the two cannot drift apart."""

from __future__ import annotations

# Root layout (outside the pages): the URL that drill-downs write, kiosk timers.
URL = "url"
REFRESH = "refresh-timer"
PLAYLIST_TIMER = "playlist-timer"
KIOSK = "kiosk-config"

# Big screen
VIEW = "screen-view"
MAP = "screen-map"
BREADCRUMB = "screen-breadcrumb"
BACK = "screen-back"
SEARCH = "screen-search"
INDICATOR = "screen-indicator"
CLOCK = "screen-clock"

# Feeds page
FEEDS_TABLE = "feeds-table"

TILES = ("kpis", "pillars", "map-footer", "trend", "emergency", "pulse", "ticker")


def tile(name: str) -> dict[str, str]:
    """Each tile's body: one callback per tile, so a slow or failing tile never blocks the rest."""
    return {"type": "tile", "name": name}
