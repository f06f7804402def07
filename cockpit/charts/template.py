"""The one plotly template every cockpit figure carries: plotly's default, cut to the parts the
product's traces read (scatter, bar, choropleth, scattergeo; axes, geo, fonts, colours).

Every figure embeds its template. plotly's default describes two dozen trace types and 3D scenes
(7 KB per figure, in every callback answer and every refresh); this one says the same about what
the cockpit draws in a third of that, so every figure looks exactly as it did.

    register()            # once, when the app is built: go.Figure() embeds it from then on
    template()            # the same as a plain dict, for figures built as dicts
"""

from __future__ import annotations

from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio

NAME = "cockpit"
BASE = "plotly"  # plotly's default template: the look every figure was designed on
TRACES = ("scatter", "bar", "choropleth", "scattergeo")  # the traces tools/plotly_bundle ships
LAYOUT_KEYS = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor",
               "plot_bgcolor", "coloraxis", "colorscale", "xaxis", "yaxis", "geo", "title",
               "shapedefaults", "annotationdefaults")  # fmt: skip
# Numbers on axes and colour bars as Chinese writes them: 290,000, never d3's SI 290k or 1.2M.
PLAIN_NUMBERS = {"exponentformat": "none", "separatethousands": True}


@lru_cache(maxsize=1)
def template() -> dict[str, object]:
    """The cockpit template as a plain dict (computed once)."""
    full = pio.templates[BASE].to_plotly_json()
    layout = {k: v for k, v in full["layout"].items() if k in LAYOUT_KEYS}
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout.get(axis, {}), **PLAIN_NUMBERS}
    coloraxis = layout.get("coloraxis", {})
    layout["coloraxis"] = {**coloraxis, "colorbar": {**coloraxis.get("colorbar", {}), **PLAIN_NUMBERS}}
    return {"data": {k: v for k, v in full["data"].items() if k in TRACES}, "layout": layout}


def register() -> None:
    """Makes the cockpit template plotly's default in this process (idempotent)."""
    if NAME not in pio.templates:
        pio.templates[NAME] = go.layout.Template(template())
    pio.templates.default = NAME
