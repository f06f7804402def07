"""Addresses of the cockpit's own files in ``assets/`` that change whenever the file does.

Dash gives the files it lists itself an ``?m=<mtime>`` address; the scripts placed by hand (the
phone switch, the early layout, the grid's stand-in) and the sign-in page's files get the same
here, and ``cockpit.auth.hardening`` lets a browser keep every such address for a year
(``immutable``). Without it each page load asked the server whether every asset had changed, and
the head's scripts held the page's parser until the answer came (~55 ms on a busy server).
"""

from __future__ import annotations

from cockpit.settings import PROJECT_ROOT

ASSETS = PROJECT_ROOT / "assets"


def asset_url(name: str) -> str:
    """``/assets/<name>?m=<mtime>``, as Dash addresses the assets it lists."""
    return f"/assets/{name}?m={(ASSETS / name).stat().st_mtime}"
