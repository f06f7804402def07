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
SCREEN_NAV = "screen-nav"  # {"search", "seq"}: a URL navigation on the screen, from assets/screen_nav.js
SCREEN_URL_SYNC = "screen-url"  # {"search", "push"}: the URL of the view shown; pushed to history if "push"
SCREEN_URL_SYNCED = "screen-url-synced"  # output of the clientside history sync (nothing reads it)
SCREEN_NOTICES = "screen-notices"
SCREEN_CENTRE = "screen-centre"  # its style's --map-w: the map's width, from the shape of the regions shown
SCREEN_THEME_LINK = "screen-theme"
SCREEN_PROFILE = "screen-region-profile"
SCREEN_MAP_DIGEST = "screen-map-digest"  # digest of the figure the map shows: a refresh sends only a change
# The search box's options, handed to it once the page is idle: indexing them for the box's search
# took the main thread for about 300 ms of the first paint.
SCREEN_SEARCH_OPTIONS = "screen-search-options"
SCREEN_TILES_VIEW = "screen-tiles-view"  # the view the tiles show: handed on once the map has painted

# Feeds page
FEEDS_TABLE = "feeds-table"

TILES = ("kpis", "pillars", "map-footer", "trend", "emergency", "pulse", "ticker")


def tile(name: str) -> dict[str, str]:
    """Each tile's body: one callback per tile, so a slow or failing tile never blocks the rest."""
    return {"type": "tile", "name": name}


# 一颗星 emergency, 互联网+监管 regulation and 12345 hotline pages. Each page keeps its view in a
# store; panels, filters and graphs are pattern-matching ids {"type": <below>, "name": <part>}.
EMERGENCY_VIEW = "emergency-view"
EMERGENCY_PANEL = "emergency-panel"
EMERGENCY_FILTER = "emergency-filter"
EMERGENCY_GRAPH = "emergency-graph"
EMERGENCY_ACK = "emergency-ack"  # {"type": EMERGENCY_ACK, "index": <alarm id>}: the 确认 buttons
EMERGENCY_ACK_NOTE = (
    "emergency-ack-note"  # the note an acknowledgement carries (the person is the signed-in user)
)
REGULATION_VIEW = "regulation-view"
REGULATION_PANEL = "regulation-panel"
REGULATION_FILTER = "regulation-filter"
REGULATION_GRAPH = "regulation-graph"
HOTLINE_VIEW = "hotline-view"
HOTLINE_PANEL = "hotline-panel"
HOTLINE_FILTER = "hotline-filter"
HOTLINE_GRAPH = "hotline-graph"

# Plan targets (/targets), plan evaluation (/evaluation) and 13710 supervision (/supervision).
# One drill callback serves every one of these pages' maps, {"type": TARGETS_MAP, "index": <page>},
# reading that page's view from its store {"type": TARGETS_VIEW, "index": <page>}.
TARGETS_MAP = "plan-map"
TARGETS_VIEW = "plan-view"
TARGETS_PAGE = "targets-page"
TARGETS_NOTICE = "targets-notice"
TARGETS_BREADCRUMB = "targets-breadcrumb"
TARGETS_YEARS = "targets-years"
TARGETS_FILTER = "targets-filter"
TARGETS_TREE = "targets-tree"
TARGETS_DETAIL = "targets-detail"
TARGETS_KPIS = "targets-kpis"
TARGETS_RULE = "targets-rule"
TARGETS_TREND = "targets-trend"
TARGETS_TABLE = "targets-table"
TARGETS_LAGGING = "targets-lagging"
TARGETS_EVAL_PAGE = "targets-eval-page"
TARGETS_EVAL_SCOPES = "targets-eval-scopes"
TARGETS_EVAL_SUMMARY = "targets-eval-summary"
TARGETS_EVAL_NARRATIVE = "targets-eval-narrative"
TARGETS_EVAL_PILLARS = "targets-eval-pillars"
TARGETS_EVAL_INDICATORS = "targets-eval-indicators"
TARGETS_EVAL_REGIONS = "targets-eval-regions"
SUPERVISION_PAGE = "supervision-page"
SUPERVISION_NOTICE = "supervision-notice"
SUPERVISION_BREADCRUMB = "supervision-breadcrumb"
SUPERVISION_DEPARTMENT = "supervision-department"
SUPERVISION_STATUS = "supervision-status"
SUPERVISION_KPIS = "supervision-kpis"
SUPERVISION_STAGES = "supervision-stages"
SUPERVISION_CLEARANCE = "supervision-clearance"
SUPERVISION_BY_DEPARTMENT = "supervision-by-department"
SUPERVISION_BY_REGION = "supervision-by-region"
SUPERVISION_OVERDUE = "supervision-overdue"
SUPERVISION_TASKS = "supervision-tasks"


def plan_map(page: str) -> dict[str, str]:
    return {"type": TARGETS_MAP, "index": page}


def plan_view(page: str) -> dict[str, str]:
    return {"type": TARGETS_VIEW, "index": page}


# Region profile (/region/<adcode>), data explorer (/explorer) and exports/briefings (issue 6).
REGION_VIEW = "region-view"
REGION_MAP = "region-map"
REGION_TREND = "region-trend"
REGION_TREND_PICK = "region-trend-pick"
REGION_CHILDREN = "region-children"
REGION_BRIEF = "region-brief"
EXPLORER_VIEW = "explorer-view"
EXPLORER_GRID = "explorer-grid"
EXPLORER_CONTROL = "explorer-control"  # {"type": EXPLORER_CONTROL, "name": <dataset|region|scope|…>}
EXPLORER_NOTICE = "explorer-notice"
EXPLORER_COUNT = "explorer-count"
EXPORT_GRID = "export-grid"  # {"type": EXPORT_GRID, "fmt": "csv" | "xlsx"}
EXPORT_CHART = "export-chart"  # {"type": EXPORT_CHART, "chart": <name>, "fmt": "png" | "svg" | "pdf"}
EXPORT_DOWNLOAD = "export-download"
EXPORT_JOB = "export-job"  # {"type": EXPORT_JOB, "name": "status" | "job" | "timer"}: a background export
EXPORT_BRIEFING = "export-briefing"  # {"type": EXPORT_BRIEFING, "name": "start" | "status" | "timer"}
