"""The registry's figures for a region at this moment, as one list: what the wall's pulse and
emergency tile, the region profile and briefings show, and what ``/api/v1/figures`` answers.

Each value comes from the one query that defines it (``HotlineQueries.hotline_pulse`` and
``inspection_pulse``, ``active_incidents``, ``warnings_in_force``, ``PlanQueries.task_summary``);
this module only names them with their registry code and period, so a caller outside the pages
reads the same numbers the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from cockpit import figures
from cockpit.warehouse.emergency_queries import EmergencyQueries
from cockpit.warehouse.hotline_queries import HotlineQueries
from cockpit.warehouse.plan_queries import PlanQueries
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.regulation_queries import RegulationQueries

SERIOUS_LEVELS = ("I", "II", "III")


@dataclass(frozen=True)
class FigureValue:
    code: str
    kind: str
    period: str
    label: str
    unit: str
    value: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"figure": self.code, "kind": self.kind, "period": self.period, "label": self.label,
                "unit": self.unit, "value": self.value}  # fmt: skip


def _share(value: Any) -> float | None:
    """A 0..1 share as the percentage every surface shows (None when missing)."""
    return None if value is None or pd.isna(value) else 100 * float(value)


def _plain(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


class FigureQueries:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    def current(self, region: str, now: datetime) -> list[FigureValue]:
        """Every registry figure of a period kind other than ``window`` for ``region`` at ``now``."""
        emergency = EmergencyQueries(self.wh)
        incidents = emergency.active_incidents(region, now)
        warnings = emergency.warnings_in_force(region, now)
        hot = HotlineQueries(self.wh).hotline_pulse(region, now)
        ins = RegulationQueries(self.wh).inspection_pulse(region, now)
        sup = PlanQueries(self.wh).task_summary(region, now.date(), now.year)
        serious = int(incidents["level"].isin(SERIOUS_LEVELS).sum()) if len(incidents) else 0
        rows: list[tuple[str, str, Any, dict[str, Any]]] = [
            ("incidents.unclosed", "now", len(incidents), {}),
            ("incidents.serious", "now", serious, {}),
            ("warnings.in_force", "now", len(warnings), {}),
            ("hotline.received", "today", hot["today"], {}),
            ("hotline.received", "month", hot["month"], {}),
            ("hotline.close_rate", "month", _share(hot["month_close_rate"]), {}),
            ("hotline.satisfaction", "30d", _share(hot["satisfaction"]), {}),
            ("hotline.ontime", "30d", _share(hot["ontime"]), {}),
            ("inspections.planned", "year", ins.get("planned") or 0, {}),
            ("inspections.done", "year", ins.get("done") or 0, {}),
            ("inspections.problem_rate", "year", _share(ins.get("problem_rate")), {}),
            ("inspections.penalties", "year", ins.get("penalties") or 0.0, {}),
            ("tasks.open", "now", sup["open"], {}),
            ("tasks.overdue", "now", sup["overdue"], {}),
            ("tasks.ontime_rate", "year", sup["ontime_rate"], {"year": sup["year"]}),
        ]
        return [
            FigureValue(
                code,
                kind,
                figures.period_key(kind, now),
                figures.label(code, kind, **values),
                figures.figure(code).unit,
                _plain(value),
            )
            for code, kind, value, values in rows
        ]
