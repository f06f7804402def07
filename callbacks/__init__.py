"""Callbacks mirror layouts: ``callbacks/<page>.py`` registers the callbacks of ``layouts/<page>.py``."""

import importlib
import pkgutil

import dash

from cockpit.access import guard


def register_callbacks(app: dash.Dash) -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        before = set(app.callback_map)
        importlib.import_module(f"{__name__}.{module}").register(app)
        if module == "screen":  # the wall's own callbacks: all the kiosk role may call
            guard.allow_on_wall(app, set(app.callback_map) - before)
    # Region scope at the Dash entry points: the callback payload gate, the page layouts' refusal
    # page and view audit (the query layer guards the rest).
    guard.init_app(app)
