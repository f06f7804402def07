"""Callbacks mirror layouts: ``callbacks/<page>.py`` registers the callbacks of ``layouts/<page>.py``."""

import importlib
import pkgutil

import dash


def register_callbacks(app: dash.Dash) -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        importlib.import_module(f"{__name__}.{module}").register(app)
    # Region scope at the Dash entry points: the callback payload gate, the page layouts' refusal
    # page and view audit (the query layer guards the rest).
    from cockpit.access import guard

    guard.init_app(app)
