"""一键政务通: the cockpit on a phone. A light page outside Dash (``/m``), server-rendered from the
wall's own render functions: alarms with their age, the headline figures, a drill map in SVG and a
ranking, search, and a switch to the desk. ``create_app`` calls :func:`init_app`."""

from __future__ import annotations

import flask


def init_app(server: flask.Flask) -> None:
    from cockpit.mobile import views

    server.register_blueprint(views.bp)
