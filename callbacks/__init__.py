"""Callbacks mirror layouts: ``callbacks/<page>.py`` for ``layouts/<page>.py``."""

import dash


def register_callbacks(app: dash.Dash) -> None:
    from callbacks import screen

    screen.register(app)
