"""Per-app services (warehouse, settings), attached to the Flask server by ``create_app``.

Layouts and callbacks look them up from the current request's app rather than from module
globals, so two apps with different settings can live in one process (tests do this).
"""

from __future__ import annotations

from dataclasses import dataclass

import flask

from cockpit.settings import Settings
from cockpit.warehouse.queries import Warehouse

EXTENSION = "cockpit"


@dataclass(frozen=True)
class Services:
    settings: Settings
    warehouse: Warehouse

    def init_app(self, server: flask.Flask) -> None:
        server.extensions[EXTENSION] = self


def current() -> Services:
    return flask.current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
