"""The demo's reported rates are the rates of their own rows (issue 14, 数据核验).

A data office reports 12345 办结率 and 满意率, 13710 按期办结率 and 清零率, 突发事件按时报送率,
双随机覆盖率 and the catalogue's 认领率/公布率 by counting its own records. The demo does the same:
each event generator counts, per region (its own rows) and period, the rows behind a rate (n) and
those meeting it (k), leaving out the rows it plants to be quarantined, since they never reach the
warehouse. The indicator files then report 100·k/n (rolled up: a region counts its descendants' rows
too) wherever a region has rows in a full period, except for a few discrepancies planted on purpose
and listed in MANIFEST.json. The counting rules are the ones ``seeds/reconciliation.csv`` states
and ``cockpit.warehouse.reconcile_queries`` checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from etl.demo.regions import RegionBook

# The reported rates the demo counts from its rows (seeds/reconciliation.csv checks the same ones).
DERIVED = frozenset({"hotline_close_rate", "hotline_satisfaction_rate", "emergency_report_ontime_rate",
                     "task_13710_ontime_rate", "task_13710_clearance_rate", "double_random_coverage_rate",
                     "regulatory_claim_rate", "inspection_list_publish_rate"})  # fmt: skip
Key = tuple[str, str, str]  # (indicator code, adcode, period code as the warehouse writes it)


def month_code(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_code(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


@dataclass
class RowRates:
    """k of n rows per (indicator, region, period), each region counting its own rows only."""

    counts: dict[Key, list[int]] = field(default_factory=dict)
    own_only: set[str] = field(
        default_factory=set
    )  # indicators not rolled up (the catalogue's: own departments)

    def add(self, code: str, adcode: str, period: str, k: int, n: int) -> None:
        cell = self.counts.setdefault((code, adcode, period), [0, 0])
        cell[0] += int(k)
        cell[1] += int(n)

    def merge(self, other: RowRates) -> None:
        for (code, adcode, period), (k, n) in other.counts.items():
            self.add(code, adcode, period, k, n)
        self.own_only |= other.own_only

    def rolled_up(self, book: RegionBook) -> dict[Key, tuple[int, int]]:
        """Every region's k and n over its own rows and its descendants' (n > 0 only)."""
        out: dict[Key, list[int]] = {}
        for (code, adcode, period), (k, n) in self.counts.items():
            region: str | None = adcode
            while region is not None:
                cell = out.setdefault((code, region, period), [0, 0])
                cell[0] += k
                cell[1] += n
                region = None if code in self.own_only else book.parent.get(region)
        return {key: (k, n) for key, (k, n) in out.items() if n > 0}


def producible(reported: float, n: int, decimals: int) -> bool:
    """Whether some k of n rows gives ``reported`` at its stated precision (as 数据核验 judges)."""
    half = 0.5 * 10.0**-decimals + 1e-9
    guess = reported * n / 100.0
    return any(0 <= k <= n and abs(100.0 * k / n - reported) <= half for k in (int(guess), int(guess) + 1))


def reported_values(
    rolled: dict[Key, tuple[int, int]], decimals: dict[str, int], book: RegionBook, last_month: str,
    last_quarter: str,
) -> tuple[dict[Key, float], list[dict[str, object]]]:  # fmt: skip
    """The value each region reports: its rows' rate at the indicator's precision, except for the
    discrepancies planted on purpose (returned for MANIFEST.json, each with what 数据核验 should say)."""
    values = {
        key: round(100.0 * k / n, decimals[key[0]]) for key, (k, n) in rolled.items() if key[0] in decimals
    }
    planted: list[dict[str, object]] = []

    def plant(code: str, adcode: str, period: str, value: float, why: str) -> None:
        k, n = rolled[(code, adcode, period)]
        value = round(min(100.0, max(0.0, value)), decimals[code])
        values[(code, adcode, period)] = value
        planted.append({"indicator": code, "adcode": adcode, "region": book.display.get(adcode, adcode),
                        "period": period, "reported": value, "rows": n, "matching": k,
                        "computed": round(100.0 * k / n, 4), "producible": producible(value, n, decimals[code]),
                        "why": why})  # fmt: skip

    def busiest(code: str, period: str, among: list[str]) -> str | None:
        found = [(rolled[(code, a, period)][1], a) for a in among if (code, a, period) in rolled]
        return max(found)[1] if found else None

    # A lagging county's 满意率 polished by three points.
    county = busiest("hotline_satisfaction_rate", last_month, book.lagging_counties or book.counties)
    if county is not None:
        k, n = rolled[("hotline_satisfaction_rate", county, last_month)]
        rate = 100.0 * k / n
        plant("hotline_satisfaction_rate", county, last_month, rate + 3 if rate <= 97 else rate - 3,
              "上报满意率比工单高出（或低于）3个百分点")  # fmt: skip
    # A lagging city's 13710 按期办结率 reported as all but perfect.
    city = busiest("task_13710_ontime_rate", last_month, book.lagging_cities or book.cities)
    if city is not None:
        k, n = rolled[("task_13710_ontime_rate", city, last_month)]
        plant("task_13710_ontime_rate", city, last_month, 99.6 if 100.0 * k / n < 99.4 else 100.0 * k / n - 5,
              "上报按期办结率远高于督办任务明细")  # fmt: skip
    # A county with a handful of incidents in a month reporting 98.2%: no count of them gives that.
    few = sorted(key for key, (_, n) in rolled.items()
                 if key[0] == "emergency_report_ontime_rate" and key[1] in book.counties and 2 <= n <= 9
                 and key[2] <= last_month and not producible(98.2, n, decimals[key[0]]))  # fmt: skip
    if few:
        _, county, month = few[-1]
        plant("emergency_report_ontime_rate", county, month, 98.2, "几起事件得不出的按时报送率")
    # A city's 双随机 coverage understated by two and a half points.
    city = busiest("double_random_coverage_rate", last_quarter, book.cities)
    if city is not None:
        k, n = rolled[("double_random_coverage_rate", city, last_quarter)]
        rate = 100.0 * k / n
        plant("double_random_coverage_rate", city, last_quarter, rate - 2.5 if rate >= 2.5 else rate + 2.5,
              "上报覆盖率与抽查明细相差2.5个百分点")  # fmt: skip
    return values, planted
