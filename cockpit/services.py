"""Per-app services (settings, warehouse and its query layer), attached to the Flask server by
``create_app``.

Layouts and callbacks look them up from the current request's app rather than from module
globals, so two apps with different settings can live in one process (tests do this). Pages read
through ``services.queries.<domain>``: one query object per domain, bound to the app's warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import flask

from cockpit.settings import Settings
from cockpit.warehouse.emergency_queries import EmergencyQueries
from cockpit.warehouse.explorer_queries import ExplorerQueries
from cockpit.warehouse.figure_queries import FigureQueries
from cockpit.warehouse.hotline_queries import HotlineQueries
from cockpit.warehouse.plan_queries import PlanQueries
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.reconcile_queries import ReconcileQueries
from cockpit.warehouse.regulation_queries import RegulationQueries
from cockpit.warehouse.screen_queries import ScreenQueries

EXTENSION = "cockpit"


@dataclass(frozen=True)
class Queries:
    """The query layer by domain, bound to one warehouse (query objects hold only the warehouse)."""

    warehouse: Warehouse
    plan: PlanQueries = field(init=False)
    emergency: EmergencyQueries = field(init=False)
    regulation: RegulationQueries = field(init=False)
    hotline: HotlineQueries = field(init=False)
    screen: ScreenQueries = field(init=False)
    explorer: ExplorerQueries = field(init=False)
    reconcile: ReconcileQueries = field(init=False)
    figures: FigureQueries = field(init=False)

    def __post_init__(self) -> None:
        for name, kind in DOMAINS.items():
            object.__setattr__(self, name, kind(self.warehouse))


DOMAINS: dict[str, type] = {
    "plan": PlanQueries, "emergency": EmergencyQueries, "regulation": RegulationQueries, "hotline": HotlineQueries,
    "screen": ScreenQueries, "explorer": ExplorerQueries, "reconcile": ReconcileQueries, "figures": FigureQueries,
}  # fmt: skip


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
