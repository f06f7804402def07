"""The figures of one region at one period: what the region profile shows and a briefing says.

Computed once (memoized per snapshot) from the warehouse through the shared query layers, with
every status, rank and movement from ``cockpit.targets`` — the same rules as the map and the
targets page. Each indicator figure keeps its lineage (period, source feed, run, load time), so
every number in a briefing can be traced back to a warehouse row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from cockpit import pace, targets
from cockpit.access import scope
from cockpit.formatting import YTD_MEAN, judged_value
from cockpit.memo import Memo
from cockpit.periods import PeriodError, parse_period
from cockpit.screen.tiles import KPI_CODES
from cockpit.services import Services
from cockpit.warehouse.plan_queries import PlanQueries
from cockpit.warehouse.queries import Warehouse

LEVEL_NOUN = {"province": "省", "city": "市", "county": "县（市、区）"}
CHILD_NOUN = {"province": "个市", "city": "个县（市、区）", "county": ""}
DEFAULT_LEAD = "online_service_rate"


# A county viewer's facts hold no sibling ranking and a province viewer's do: keyed by the viewer.
FACTS = Memo("briefing_facts")


class FactsError(ValueError):
    """Unknown region or period: the message is shown to the user."""


@dataclass(frozen=True)
class IndicatorFact:
    code: str
    name: str
    short_name: str
    unit: str
    decimals: int
    direction: str
    pillar_name: str
    frequency: str
    period: str | None
    value: float | None
    prev_period: str | None
    prev_value: float | None
    target_value: float | None
    pace_target: float | None
    # What the status was judged on: ``value`` itself, or (basis ytd_mean) the year's mean so far.
    judged_value: float | None
    basis: str | None
    gap: float | None  # of the judged value to the annual target, in the unit (0 = met)
    status: str | None
    rank: int | None
    siblings: int  # how many siblings were ranked
    movement: int | None  # > 0: moved up
    source_feed: str | None
    run_id: int | None
    loaded_at: datetime | None

    @property
    def delta(self) -> float | None:
        if self.value is None or self.prev_value is None:
            return None
        return self.value - self.prev_value

    @property
    def status_label(self) -> str:
        return targets.STATUS_LABELS[self.status]

    @property
    def judged(self) -> str:
        """The judged value as shown beside the status: 年均 99.1% where the rule reads the year's
        mean; empty where the status was judged on ``value`` itself."""
        if self.basis != YTD_MEAN or self.judged_value is None:
            return ""
        return judged_value(self.judged_value, self.unit, self.decimals, self.basis)

    @property
    def status_text(self) -> str:
        """The status with what it was judged on where that is not ``value``: 达标（年均 99.1%）."""
        return f"{self.status_label}（{self.judged}）" if self.judged and self.status else self.status_label


@dataclass(frozen=True)
class Facts:
    region: dict[str, Any]
    chain: list[dict[str, Any]]  # province → … → region
    period: str  # the month the facts stand at
    now: datetime  # events are counted up to this moment
    indicators: list[IndicatorFact]
    selected: list[str]  # indicator codes the user picked; the first leads the narrative
    children: pd.DataFrame  # adcode, name, lead value/status/rank, score, met, rated, red_names
    siblings: pd.DataFrame  # the region's siblings on the lead indicator (value, rank, status)
    events: dict[str, Any]
    loaded: dict[str, Any] = field(default_factory=dict)  # per feed table: loaded_at, feeds

    @property
    def parent(self) -> dict[str, Any] | None:
        return self.chain[-2] if len(self.chain) > 1 else None

    @property
    def lead(self) -> IndicatorFact:
        return self.by_code(self.selected[0])

    def by_code(self, code: str) -> IndicatorFact:
        return next(f for f in self.indicators if f.code == code)

    @property
    def picked(self) -> list[IndicatorFact]:
        return [self.by_code(c) for c in self.selected]

    @property
    def data_as_of(self) -> datetime | None:
        stamps = [r["loaded_at"] for r in self.loaded.values() if _present(r.get("loaded_at"))]
        return max(stamps) if stamps else None


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NaT and not (isinstance(value, float) and math.isnan(value))


def _num(value: Any) -> float | None:
    return float(value) if _present(value) and value is not pd.NA else None


def _int(value: Any) -> int | None:
    return int(value) if _present(value) and value is not pd.NA else None


def now_of(services: Services) -> datetime:
    return services.settings.data_now()


def latest_month(wh: Warehouse) -> str | None:
    frame = wh.cached_df(
        "briefing_latest_month",
        "SELECT max(period) AS p FROM indicator_value WHERE length(period) = 7 AND period[5] = '-'",
        {},
    )
    value = frame["p"].iloc[0] if len(frame) else None
    return None if value is None or pd.isna(value) else str(value)


def resolve_period(wh: Warehouse, raw: str | None) -> str:
    """A month code, validated: the latest month with data when ``raw`` is empty."""
    latest = latest_month(wh)
    if not raw:
        if latest is None:
            raise FactsError("仓库中还没有月度指标数据")
        return latest
    try:
        parsed = parse_period(str(raw)[:32])
    except PeriodError as exc:
        raise FactsError(f"统计期“{str(raw)[:12]}”无法识别") from exc
    if parsed.kind != "month":
        raise FactsError(f"统计期应为月份（如 2026-10），收到“{str(raw)[:12]}”")
    if latest is not None and parsed.code > latest:
        raise FactsError(f"{parsed.label}尚无数据（最新为{parse_period(latest).label}）")
    return parsed.code


def resolve_indicators(wh: Warehouse, raw: list[str] | str | None) -> list[str]:
    codes = set(wh.indicators()["code"])
    wanted = raw.split(",") if isinstance(raw, str) else list(raw or [])
    picked = [c for c in dict.fromkeys(w.strip() for w in wanted) if c in codes]
    if not picked:
        picked = [c for c in (DEFAULT_LEAD, *KPI_CODES) if c in codes]
        picked = list(dict.fromkeys(picked))
    return picked


def _upto(series: pd.DataFrame, period: str) -> pd.DataFrame:
    """Values whose period ends by the end of ``period``: the state of knowledge at that month."""
    if series.empty:
        return series
    end = pace.as_period(period).end
    ends = {p: pace.as_period(p).end <= end for p in series["period"].unique()}
    return series[series["period"].map(ends).astype(bool)]


def _assess(plan: PlanQueries, scopes: list[str], period: str, codes: list[str]) -> dict[str, pd.DataFrame]:
    """Each of ``scopes`` and its children on ``codes`` at ``period``, the children ranked among
    their siblings: one assessment per indicator over the regions of every scope (a city's pack
    ranks the city among the province's cities and its counties among themselves)."""
    year = pace.as_period(period).start.year
    inds = plan.indicators().set_index("code")
    rules = plan.rules()
    values = pd.concat([plan.series(codes, s, year - 1, year) for s in scopes], ignore_index=True)
    values = _upto(values.drop_duplicates(["indicator_code", "adcode", "period"]), period)
    tgts = pd.concat([plan.resolved_targets(codes, s) for s in scopes], ignore_index=True)
    tgts = tgts.drop_duplicates(["indicator_code", "adcode", "year"])
    regions = pd.concat([_scope_regions(plan, s) for s in scopes], ignore_index=True).drop_duplicates(
        "adcode"
    )
    value_groups = dict(tuple(values.groupby("indicator_code", sort=False)))
    target_groups = dict(tuple(tgts.groupby("indicator_code", sort=False)))
    parts = [
        targets.assess(
            value_groups.get(code, values.iloc[:0]),
            target_groups.get(code, tgts.iloc[:0]),
            direction=str(inds.loc[code, "direction"]),
            rule=rules.for_indicator(code),
            year=year,
            decimals=targets.decimals_of(inds.loc[code, "decimals"]),
        ).assign(code=code)
        for code in codes
    ]
    assessed = regions.merge(pd.concat(parts, ignore_index=True), on="adcode", how="left")
    out = {}
    for s in scopes:
        own = assessed[assessed["adcode"] == s].assign(rank=None, prev_rank=None, movement=None)
        kids = targets.with_ranks(assessed[assessed["parent_adcode"] == s], by="code")
        out[s] = pd.concat([own, kids], ignore_index=True)
    return out


def _scope_regions(plan: PlanQueries, scope: str) -> pd.DataFrame:
    return plan.wh.cached_df(
        "briefing_scope_regions",
        "SELECT adcode, name, short_name, level, parent_adcode FROM region WHERE adcode = $r OR parent_adcode = $r",
        {"r": scope},
    )


def compute(
    services: Services, adcode: str, period: str | None = None, indicators: list[str] | None = None
) -> Facts:
    wh = services.warehouse
    region = wh.region(adcode) if isinstance(adcode, str) and adcode.isdigit() and len(adcode) == 6 else None
    if region is None:
        raise FactsError(f"未知地区“{str(adcode)[:12]}”")
    scope.require_region(wh, adcode)
    month = resolve_period(wh, period)
    selected = resolve_indicators(wh, indicators)
    parts = [adcode, month, selected, str(services.settings.as_of)]
    return FACTS.get(wh, parts, lambda: _compute(services, region, month, selected))


def _compute(services: Services, region: dict[str, Any], month: str, selected: list[str]) -> Facts:
    wh = services.warehouse
    plan = services.queries.plan
    catalogue = plan.indicators()
    codes = catalogue["code"].tolist()
    adcode = region["adcode"]
    chain = wh.lineage(region["adcode"])
    parent = chain[-2]["adcode"] if len(chain) > 1 else None
    # Ranking among siblings only for those who may see the siblings (a county user gets none).
    parent = parent if scope.visible(wh, parent) else None
    ranked_in = parent or adcode  # whose children the region is ranked among (itself: no ranking)
    has_children = not wh.children(adcode).empty
    scopes = list(dict.fromkeys([ranked_in, *([adcode] if has_children else [])]))
    assessed = _assess(plan, scopes, month, codes)
    among = assessed[ranked_in]
    own_rows = {
        c: g.iloc[0].to_dict() for c, g in among[among["adcode"] == adcode].groupby("code", sort=False)
    }
    ranked_counts = among[among["adcode"] != ranked_in].groupby("code")["rank"].count()
    lineage = services.queries.explorer.value_lineage(adcode, codes)
    lineage_at = {(r["indicator_code"], r["period"]): r for r in lineage.to_dict("records")}
    facts: list[IndicatorFact] = []
    for meta in catalogue.to_dict("records"):
        code = meta["code"]
        row = own_rows.get(code, {})
        period = row.get("period") if _present(row.get("period")) else None
        origin = lineage_at.get((code, period), {})
        prev_period = row.get("prev_period") if _present(row.get("prev_period")) else None
        value = _num(row.get("latest_value"))
        judged = _num(row.get("value"))
        target = _num(row.get("target_value"))
        decimals = _int(meta.get("decimals"))
        facts.append(IndicatorFact(
            code=code, name=str(meta["name"]), short_name=str(meta.get("short_name") or meta["name"]),
            # 0 is a count's decimals (800件), not "unset": 783.0件 was printed for 783件.
            unit=str(meta.get("unit") or ""), decimals=1 if decimals is None else decimals,
            direction=str(meta["direction"]), pillar_name=str(meta.get("pillar_name") or ""),
            frequency=str(meta["frequency"]), period=period, value=value, prev_period=prev_period,
            # The raw value of the previous period (assess keeps a year-to-date mean for some rules).
            prev_value=_num(lineage_at.get((code, prev_period), {}).get("value")), target_value=target,
            pace_target=_num(row.get("pace_target")), judged_value=judged,
            basis=row.get("basis") if isinstance(row.get("basis"), str) else None,
            gap=targets.gap(judged, target, str(meta["direction"])),
            status=row.get("status") if isinstance(row.get("status"), str) else None,
            rank=_int(row.get("rank")) if parent else None,
            siblings=int(ranked_counts.get(code, 0)) if parent else 0,
            movement=_int(row.get("movement")) if parent else None,
            source_feed=origin.get("source_feed"), run_id=_int(origin.get("run_id")),
            loaded_at=origin.get("loaded_at") if _present(origin.get("loaded_at")) else None,
        ))  # fmt: skip
    lead = selected[0]
    siblings = among[(among["code"] == lead) & (among["adcode"] != ranked_in)] if parent else among.iloc[:0]
    children = _children(plan, adcode, assessed[adcode], lead) if has_children else pd.DataFrame()
    now = now_of(services)
    return Facts(region=region, chain=chain, period=month, now=now, indicators=facts, selected=selected,
                 children=children, siblings=siblings.reset_index(drop=True), events=_events(services, adcode, now),
                 loaded=services.queries.explorer.latest_loaded())  # fmt: skip


def _children(plan: PlanQueries, adcode: str, assessed: pd.DataFrame, lead: str) -> pd.DataFrame:
    kids = assessed[assessed["adcode"] != adcode]
    rows = []
    names = plan.indicators().set_index("code")["name"]
    for (child, name), group in kids.groupby(["adcode", "name"], sort=True):
        lead_row = group[group["code"] == lead].iloc[0]
        scored = targets.score(group.assign(name=group["code"].map(names).astype(str)))
        rows.append({"adcode": child, "name": name, "value": _num(lead_row.get("latest_value")),
                     "period": lead_row.get("period"), "status": lead_row.get("status"),
                     "target_value": _num(lead_row.get("target_value")), "rank": _int(lead_row.get("rank")),
                     "movement": _int(lead_row.get("movement")), "score": scored["score"], "met": scored["met"],
                     "amber": scored["amber"], "red": scored["red"], "rated": scored["total"],
                     "red_names": scored["red_names"]})  # fmt: skip
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["score_rank"] = targets.rank_among(frame["score"], "higher")
    return frame


def _events(services: Services, adcode: str, now: datetime) -> dict[str, Any]:
    queries = services.queries
    q = queries.emergency
    incidents = q.active_incidents(adcode, now)
    warnings = q.warnings_in_force(adcode, now)
    return {
        "incidents": incidents,
        "incident_levels": {lv: int((incidents["level"] == lv).sum()) for lv in ("I", "II", "III", "IV")},
        "warnings": warnings,
        "hotline": queries.hotline.hotline_pulse(adcode, now),
        "inspection": queries.regulation.inspection_pulse(adcode, now),
        "supervision": queries.plan.task_summary(adcode, now.date(), now.year),
        "today": date(now.year, now.month, now.day),
    }
