"""Callbacks of the placeholder home page."""

from __future__ import annotations

import dash
from dash import Input, Output

from cockpit import ids
from layouts.home import values_table


def register(app: dash.Dash) -> None:
    @app.callback(Output(ids.HOME_TABLE, "children"), Input(ids.HOME_INDICATOR, "value"))
    def show_indicator(indicator: str) -> object:
        return values_table(indicator)
