"""数据核验: reported rates (``indicator_value``) reconciled with the rows they summarise.

A feed reports official rates as indicators; several of them can also be counted from event rows
in the same snapshot. For each such pair (``PAIRS``) one query counts, per region and period of
the indicator's frequency, the rows behind the rate (``n``) and those meeting it (``k``), and
returns them beside the reported value. A region's rows are its own plus its descendants' (the
13710, 12345, 一颗星 and 双随机 rates); the catalogue rates count the region's own departments only,
as /regulation does. Periods still running are left out: their rows are not all in yet.

Two verdicts: 超出容差 (the reported value is further from k/n than the tolerance) and 明细无法得出
(no count 0..n of n rows gives the reported value at its stated precision: 98.2% of 7 tickets).
How the rows are counted, in words, and the tolerances are data (``seeds/reconciliation.csv``,
loaded by ``cockpit init`` into ``reconciliation_rule``).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from cockpit.access.scope import descendants, scoped
from cockpit.memo import Memo
from cockpit.settings import PROJECT_ROOT
from cockpit.warehouse.events_base import REPORT_DEADLINE_MINUTES
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.region_tree import LINEAGE, SUBTREE

DISCREPANCIES = Memo(
    "reconcile_discrepancies_everywhere",
    scope_free="the whole tree, read only inside discrepancies' scope guard, which keeps the caller's subtree",
    local=True,
)

BEYOND, IMPOSSIBLE = "超出容差", "明细无法得出"
VERDICTS = (IMPOSSIBLE, BEYOND)
DEFAULT_TOLERANCE_PP, DEFAULT_MIN_ROWS = 0.1, 1
SEED_FILE = PROJECT_ROOT / "seeds" / "reconciliation.csv"
COLUMNS = ["adcode", "region_name", "indicator", "indicator_name", "figure", "period", "reported", "computed", "rows",
           "matching", "difference_pp", "beyond", "impossible", "verdict", "tolerance_pp", "definition"]  # fmt: skip
RULE_COLUMNS = ["indicator_code", "definition", "tolerance_pp", "min_rows"]


class ReconcileRuleError(ValueError):
    """A bad row in reconciliation.csv; the message is Chinese (``cockpit init`` prints it)."""


@dataclass(frozen=True)
class Pair:
    """How one reported rate is counted from rows: ``den`` selects the rows, ``num`` those that
    meet the rate; ``figure`` is the registry's figure (cockpit.figures) that counts the same rows
    on the desk pages, so a computed value is marked and labelled as that figure for the period.
    SQL fragments are constants of this module, never input."""

    figure: str
    table: str
    time: str  # the event column that places a row in a period
    kind: str  # "month" | "quarter"
    den: str
    num: str
    shape: str = "events"  # "events" (rows in the period) | "tasks" (13710: due so far this year) | "catalog"


_ALL = "TRUE"
PAIRS: dict[str, Pair] = {
    "hotline_close_rate": Pair("hotline.close_rate", "hotline_ticket", "created_at", "month", _ALL,
                               "x.closed_at IS NOT NULL"),
    "hotline_satisfaction_rate": Pair("hotline.satisfaction", "hotline_ticket", "created_at", "month",
                                      "x.satisfied IS NOT NULL", "x.satisfied"),
    "emergency_report_ontime_rate": Pair(
        "incidents.report_ontime_rate", "emergency_incident", "occurred_at", "month", "x.reported_at IS NOT NULL",
        f"date_diff('second', x.occurred_at, x.reported_at) / 60.0 <= {REPORT_DEADLINE_MINUTES}"),
    "task_13710_ontime_rate": Pair("tasks.ontime_rate", "supervision_task", "deadline", "month", _ALL,
                                   "x.completed_at <= x.deadline", "tasks"),
    "task_13710_clearance_rate": Pair("tasks.clearance_rate", "supervision_task", "deadline", "month", _ALL,
                                      "x.completed_at <= m.month_end", "tasks"),
    "double_random_coverage_rate": Pair("inspections.done_rate", "inspection", "planned_date", "quarter", _ALL,
                                        "x.done_date IS NOT NULL"),
    "regulatory_claim_rate": Pair("catalog.claim_rate", "regulatory_catalog", "period", "quarter", "x.items_total",
                                  "x.items_claimed", "catalog"),
    "inspection_list_publish_rate": Pair("catalog.publish_rate", "regulatory_catalog", "period", "quarter",
                                         "x.lists_total", "x.lists_published", "catalog"),
}  # fmt: skip

_PERIOD_SQL = {
    "month": "strftime(x.{c}, '%Y-%m')",
    "quarter": "CAST(year(x.{c}) AS VARCHAR) || 'Q' || CAST(quarter(x.{c}) AS VARCHAR)",
}
# The reported value beside the counts, for the region the counts were rolled up to.
_REPORTED = """SELECT up.adcode, g.name AS region_name, up.period, CAST(up.n AS BIGINT) AS n,
                      CAST(up.k AS BIGINT) AS k, v.value AS reported
               FROM up JOIN region g ON g.adcode = up.adcode
               JOIN indicator_value v ON v.indicator_code = $code AND v.adcode = up.adcode AND v.period = up.period
               WHERE up.n > 0 AND up.period < $cur"""
# Counts per county (one pass over the rows) rolled up to every ancestor inside the region.
_ROLL_UP = f"""up AS (SELECT lin.anc AS adcode, a.period, sum(a.n) AS n, sum(a.k) AS k
                      FROM a JOIN {LINEAGE} lin ON lin.adcode = a.adcode
                      WHERE lin.anc IN {SUBTREE} GROUP BY ALL)"""


def _sql(pair: Pair) -> str:
    if pair.shape == "catalog":  # the region's own departments: no roll-up (catalog_by_region's is_self)
        return f"""WITH up AS (SELECT x.adcode, x.period, sum({pair.den}) AS n, sum({pair.num}) AS k
                               FROM regulatory_catalog x WHERE x.adcode IN {SUBTREE} AND x.period < $cur
                               GROUP BY ALL)
                   {_REPORTED}"""
    if pair.shape == "tasks":
        # Month M counts the tasks due from 1 January to M's last day; the months are those reported.
        return f"""WITH m AS (SELECT DISTINCT period,
                                     last_day(strptime(period || '-01', '%Y-%m-%d')) AS month_end
                              FROM indicator_value WHERE indicator_code = $code AND period < $cur
                                AND period LIKE '____-__'),
                        a AS (SELECT x.adcode, m.period, count(*) AS n, count(*) FILTER (WHERE {pair.num}) AS k
                              FROM supervision_task x JOIN m ON year(x.deadline) = year(m.month_end)
                                   AND x.deadline <= m.month_end
                              WHERE x.adcode IN {SUBTREE} GROUP BY ALL),
                        {_ROLL_UP}
                   {_REPORTED}"""
    period = _PERIOD_SQL[pair.kind].format(c=pair.time)
    return f"""WITH a AS (SELECT x.adcode, {period} AS period, count(*) FILTER (WHERE {pair.den}) AS n,
                                 count(*) FILTER (WHERE {pair.den} AND {pair.num}) AS k
                          FROM {pair.table} x WHERE x.{pair.time} < $t1 AND x.adcode IN {SUBTREE} GROUP BY ALL),
                    {_ROLL_UP}
               {_REPORTED}"""


def period_start(kind: str, today: date) -> date:
    """First day of the period of ``kind`` running on ``today`` (rows from then on are left out)."""
    month = today.month if kind == "month" else 3 * ((today.month - 1) // 3) + 1
    return date(today.year, month, 1)


def period_code(kind: str, start: date) -> str:
    return f"{start:%Y-%m}" if kind == "month" else f"{start.year}Q{(start.month - 1) // 3 + 1}"


def producible(reported: float, n: int, decimals: int) -> int | None:
    """A count k in 0..n with 100·k/n equal to ``reported`` at its stated precision, or None."""
    if n <= 0 or not math.isfinite(reported):
        return None
    half = 0.5 * 10.0 ** (-decimals) + 1e-9
    guess = reported * n / 100.0
    for k in (math.floor(guess), math.ceil(guess)):  # the only candidates near the value
        if 0 <= k <= n and abs(100.0 * k / n - reported) <= half:
            return int(k)
    return None


def read_reconciliation_rules(path: Path, indicator_codes: set[str] | None = None) -> pd.DataFrame:
    """Rows of reconciliation.csv, checked (so a bad rule fails ``cockpit init``, not a page); empty
    tolerance or min_rows cells take the defaults. A missing file reconciles nothing."""
    if not path.exists():
        return pd.DataFrame(columns=RULE_COLUMNS)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        code = (row.get("indicator") or "").strip()
        if code not in PAIRS:
            raise ReconcileRuleError(f"reconciliation.csv：指标“{code}”没有可核验的明细口径")
        if indicator_codes is not None and code not in indicator_codes:
            raise ReconcileRuleError(f"reconciliation.csv 含未知指标：{code}")
        definition = (
            (row.get("definition") or "").strip().replace("{deadline_minutes}", str(REPORT_DEADLINE_MINUTES))
        )
        try:
            tolerance = float((row.get("tolerance_pp") or "").strip() or DEFAULT_TOLERANCE_PP)
            min_rows = int((row.get("min_rows") or "").strip() or DEFAULT_MIN_ROWS)
        except ValueError as exc:
            raise ReconcileRuleError(f"reconciliation.csv：指标 {code} 的容差或最少行数不是数字") from exc
        if not definition or not math.isfinite(tolerance) or tolerance < 0 or min_rows < 1:
            raise ReconcileRuleError(
                f"reconciliation.csv：指标 {code} 需要口径说明、非负容差和不小于1的最少行数"
            )
        out.append(
            {
                "indicator_code": code,
                "definition": definition,
                "tolerance_pp": tolerance,
                "min_rows": min_rows,
            }
        )
    frame = pd.DataFrame(out, columns=RULE_COLUMNS)
    if frame["indicator_code"].duplicated().any():
        raise ReconcileRuleError("reconciliation.csv：同一指标出现多次")
    return frame.astype({"tolerance_pp": "float64", "min_rows": "int64"})


class ReconcileQueries:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    def rules(self) -> pd.DataFrame:
        """The snapshot's rules; one built before the table existed reads the seed file instead."""
        found = self.wh.cached_df(
            "rc_has_rules",
            "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'reconciliation_rule'",
        )
        if not int(found["n"].iloc[0]):
            return read_reconciliation_rules(SEED_FILE)
        return self.wh.cached_df(
            "rc_rules", f"SELECT {', '.join(RULE_COLUMNS)} FROM reconciliation_rule ORDER BY indicator_code"
        )

    @scoped("region")
    def discrepancies(self, region: str, today: date, indicator: str | None = None) -> pd.DataFrame:
        """Every (region in ``region``, reconciled indicator, finished period) whose reported value is
        beyond tolerance from its rows' rate or could not come from any count of them.

        Judged once for the whole tree per snapshot and day, then cut to ``region``'s subtree: a
        region's counts roll up from the regions below it only, so they are the same whichever
        ancestor is asked (every view used to run the eight count queries again)."""
        root = str(self.wh.lineage(region)[0]["adcode"])
        everywhere = DISCREPANCIES.get(self.wh, [root, today], lambda: self._discrepancies(root, today))
        inside = everywhere[everywhere["adcode"].isin(descendants(self.wh, region))]
        if indicator:
            inside = inside[inside["indicator"] == indicator]
        return inside.reset_index(drop=True)

    def _discrepancies(self, region: str, today: date) -> pd.DataFrame:
        catalogue = self.wh.indicators().set_index("code")
        frames = []
        for rule in self.rules().to_dict("records"):
            code = str(rule["indicator_code"])
            if code not in PAIRS or code not in catalogue.index:
                continue
            counted = self._counted(code, region, today)
            if counted.empty:
                continue
            info = catalogue.loc[code]
            frames.append(_judged(counted, code, info, rule))
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame(columns=COLUMNS)
        out = pd.concat(frames, ignore_index=True)
        # Region by region (the selected one first), indicators in catalogue order, newest period first.
        order = out["indicator"].map({c: i for i, c in enumerate(catalogue.index)})
        out = out.assign(_order=order).sort_values(
            ["adcode", "_order", "period"], ascending=[True, True, False]
        )
        return out.drop(columns="_order").reset_index(drop=True)

    def _counted(self, code: str, region: str, today: date) -> pd.DataFrame:
        pair = PAIRS[code]
        start = period_start(pair.kind, today)
        params: dict[str, Any] = {"r": region, "code": code, "cur": period_code(pair.kind, start)}
        if pair.shape == "events":  # DuckDB refuses a bound value the statement does not use
            params["t1"] = start
        return self.wh.cached_df(f"rc_{code}", _sql(pair), params)

    @scoped("region")
    def flags(self, region: str, today: date) -> set[tuple[str, str]]:
        """(adcode, indicator) pairs whose latest reported period is among the discrepancies: the
        figure a card shows now is the one in doubt."""
        found = self.discrepancies(region, today)
        if found.empty:
            return set()
        latest = self.wh.cached_df(
            "rc_latest",
            f"""SELECT adcode, indicator_code AS indicator, max(period) AS period FROM indicator_value
                WHERE adcode IN {SUBTREE} AND list_contains($codes, indicator_code) GROUP BY ALL""",
            {"r": region, "codes": sorted(PAIRS)},
        )
        hit = found.merge(latest, on=["adcode", "indicator", "period"])
        return set(zip(hit["adcode"].astype(str), hit["indicator"].astype(str), strict=True))


def _judged(counted: pd.DataFrame, code: str, info: Any, rule: Mapping[Any, Any]) -> pd.DataFrame:
    decimals = int(info["decimals"]) if pd.notna(info["decimals"]) else 1
    tolerance, min_rows = float(rule["tolerance_pp"]), int(rule["min_rows"])
    rows = []
    for r in counted.to_dict("records"):
        n, k, reported = int(r["n"]), int(r["k"]), float(r["reported"])
        computed = 100.0 * k / n
        difference = reported - computed
        impossible = producible(reported, n, decimals) is None
        # A tolerance is judged from min_rows rows on; the impossibility holds however few there are.
        beyond = n >= min_rows and abs(difference) > tolerance + 1e-9
        if not (impossible or beyond):
            continue
        verdict = "；".join(v for v, hit in ((IMPOSSIBLE, impossible), (BEYOND, beyond)) if hit)
        rows.append({"adcode": str(r["adcode"]), "region_name": r["region_name"], "indicator": code,
                     "indicator_name": str(info["name"]), "figure": PAIRS[code].figure, "period": str(r["period"]), "reported": reported,
                     "computed": computed, "rows": n, "matching": k, "difference_pp": difference,
                     "beyond": beyond, "impossible": impossible, "verdict": verdict, "tolerance_pp": tolerance,
                     "definition": str(rule["definition"])})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)
