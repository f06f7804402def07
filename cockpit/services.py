"""Per-app services (settings, warehouse and its query layer), attached to the Flask server by
``create_app``.

Layouts and callbacks look them up from the current request's app rather than from module
globals, so two apps with different settings can live in one process (tests do this). Pages read
through ``services.queries.<domain>``: one query object per domain, bound to the app's warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import flask

from cockpit.screen.queries import ScreenQueries
from cockpit.settings import Settings
from cockpit.warehouse.emergency_queries import EmergencyQueries
from cockpit.warehouse.explorer_queries import ExplorerQueries
from cockpit.warehouse.figure_queries import FigureQueries
from cockpit.warehouse.hotline_queries import HotlineQueries
from cockpit.warehouse.plan_queries import PlanQueries
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.reconcile_queries import ReconcileQueries
from cockpit.warehouse.regulation_queries import RegulationQueries

EXTENSION = "cockpit"


@dataclass(frozen=True)
class Queries:
    """The query layer by domain, bound to one warehouse (each object is made once, on first use)."""

    warehouse: Warehouse

    @cached_property
    def plan(self) -> PlanQueries:
        return PlanQueries(self.warehouse)

    @cached_property
    def emergency(self) -> EmergencyQueries:
        return EmergencyQueries(self.warehouse)

    @cached_property
    def regulation(self) -> RegulationQueries:
        return RegulationQueries(self.warehouse)

    @cached_property
    def hotline(self) -> HotlineQueries:
        return HotlineQueries(self.warehouse)

    @cached_property
    def screen(self) -> ScreenQueries:
        return ScreenQueries(self.warehouse)

    @cached_property
    def explorer(self) -> ExplorerQueries:
        return ExplorerQueries(self.warehouse)

    @cached_property
    def reconcile(self) -> ReconcileQueries:
        return ReconcileQueries(self.warehouse)

    @cached_property
    def figures(self) -> FigureQueries:
        return FigureQueries(self.warehouse)


@dataclass(frozen=True)
class Services:
    settings: Settings
    warehouse: Warehouse
    queries: Queries = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "queries", Queries(self.warehouse))

    def init_app(self, server: flask.Flask) -> None:
        server.extensions[EXTENSION] = self


def current() -> Services:
    return flask.current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
