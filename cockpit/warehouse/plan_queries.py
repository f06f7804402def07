"""Named queries behind the targets, plan-evaluation and 13710 pages, and the big screen's pillar
tile and alarms. DuckDB selects and aggregates; every status goes through ``cockpit.targets``,
so a number means the same on the map, in a table, in an alarm and in an export.

Targets are resolved once, in ``_RESOLVED_TARGETS``: a region's own target, else, for indicators
averaged over regions (rates, scores), its nearest ancestor's — a county without a target of its
own is held to its city's standard. Summed indicators (counts) never inherit: a city's total is no
county's target, so such a region shows 无目标.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd

from cockpit import targets
from cockpit.access.scope import scoped
from cockpit.memo import Memo
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.region_tree import SUBTREE

# Assessments computed in Python from guarded queries: built inside the method's scope guard (the
# region was vouched for, nothing below is cut), and the guard cuts the answer per viewer.
_UNDER_GUARD = "built inside the query's scope guard, which cuts the answer per viewer"
ASSESS_REGION = Memo("plan_assess_region", scope_free=_UNDER_GUARD)
ALARMS = Memo("plan_alarms", scope_free=_UNDER_GUARD)
EVALUATION = Memo("plan_evaluation", scope_free=_UNDER_GUARD)
SCORES = Memo("plan_scores", scope_free=_UNDER_GUARD)
YEARLY_SCORE = Memo("plan_yearly_score", scope_free=_UNDER_GUARD)
# Every region of the province on every indicator in one year, assessed once per snapshot: a
# region's standing depends on its own values and its own (or inherited) target only, so each view
# takes its rows from here instead of assessing again (per view that was most of a tile's time).
ASSESSED_EVERYWHERE = Memo(
    "plan_assessed_everywhere",
    scope_free="the whole tree, read only by _assess_all inside a scope guard, which takes the caller's rows",
    local=True,
)

# Region $r and its children; with $deep its whole subtree.
_SCOPE = f"""(SELECT adcode FROM region WHERE adcode = $r OR parent_adcode = $r
             OR ($deep AND adcode IN {SUBTREE}))"""

_RESOLVED_TARGETS = f"""
    WITH chain AS (
      SELECT r.adcode, r.adcode AS holder, 0 AS depth FROM region r WHERE r.adcode IN {_SCOPE}
      UNION ALL
      SELECT r.adcode, r.parent_adcode, 1 FROM region r
      WHERE r.adcode IN {_SCOPE} AND r.parent_adcode IS NOT NULL
      UNION ALL
      SELECT r.adcode, p.parent_adcode, 2 FROM region r JOIN region p ON p.adcode = r.parent_adcode
      WHERE r.adcode IN {_SCOPE} AND p.parent_adcode IS NOT NULL)
    SELECT c.adcode, t.indicator_code, t.year, arg_min(t.target_value, c.depth) AS target_value,
           CASE WHEN min(c.depth) = 0 THEN 'own' ELSE 'inherited' END AS target_source
    FROM chain c
    JOIN indicator_target t ON t.adcode = c.holder AND list_contains($codes, t.indicator_code)
    JOIN indicator i ON i.code = t.indicator_code
    WHERE c.depth = 0 OR i.aggregation = 'mean'
    GROUP BY c.adcode, t.indicator_code, t.year"""

# 13710 tasks in the scope of region $r (itself and everything below it) as of $today, each with
# its state, the child of $r it belongs to, and how much of its time limit has passed.
_TASKS = f"""
    tasks AS (
      SELECT t.task_id, t.title, t.category, t.department, t.adcode, reg.name AS region_name, t.plan_task_no,
             t.assigned_at, t.deadline, t.completed_at, t.source_feed, t.loaded_at,
             CASE WHEN t.adcode = $r OR reg.parent_adcode = $r THEN t.adcode ELSE reg.parent_adcode END
                 AS child_adcode,
             CASE WHEN t.completed_at IS NOT NULL AND t.completed_at <= $today
                      THEN CASE WHEN t.completed_at <= t.deadline THEN 'done_ontime' ELSE 'done_late' END
                  WHEN t.deadline < $today THEN 'overdue' ELSE 'open' END AS state,
             date_diff('day', t.deadline, $today) AS days_overdue,
             date_diff('day', t.assigned_at, $today)
                 / greatest(date_diff('day', t.assigned_at, t.deadline), 1) AS elapsed_share,
             CASE WHEN t.category IN (SELECT category FROM supervision_stage) THEN t.category ELSE '*' END
                 AS stage_key
      FROM supervision_task t JOIN region reg ON reg.adcode = t.adcode
      WHERE t.assigned_at <= $today AND ($dept = '' OR t.department = $dept)
        AND t.adcode IN {SUBTREE}),
    staged AS (
      SELECT tasks.*,
             CASE tasks.state WHEN 'open' THEN coalesce(st.label, '在办') WHEN 'overdue' THEN '逾期'
                  ELSE '已办结' END AS stage,
             CASE tasks.state WHEN 'open' THEN coalesce(st.status, 'green') WHEN 'overdue' THEN 'red'
                  ELSE 'green' END AS stage_status
      FROM tasks ASOF LEFT JOIN supervision_stage st
           ON tasks.stage_key = st.category AND tasks.elapsed_share <= st.until_share)"""

_NO_STAGES = """SELECT NULL::VARCHAR AS category, NULL::VARCHAR AS stage, NULL::VARCHAR AS label,
                         NULL::DOUBLE AS until_share, NULL::VARCHAR AS status WHERE false"""

# Per group, for tasks due in year $y: on-time and cleared shares; open and overdue now (any year).
_TASK_FIGURES = """
    count(*) FILTER (WHERE year(assigned_at) = $y) AS assigned,
    count(*) FILTER (WHERE year(deadline) = $y AND state IN ('done_ontime', 'done_late', 'overdue')) AS due,
    count(*) FILTER (WHERE year(deadline) = $y AND state = 'done_ontime') AS done_ontime,
    count(*) FILTER (WHERE year(deadline) = $y AND state IN ('done_ontime', 'done_late')) AS done,
    count(*) FILTER (WHERE state = 'open') AS open,
    count(*) FILTER (WHERE state = 'overdue') AS overdue,
    coalesce(max(days_overdue) FILTER (WHERE state = 'overdue'), 0) AS max_days_overdue,
    max(loaded_at) AS loaded_at"""
_GROUPS = {"department": "department", "child": "child_adcode", "category": "category",
           "year": "year(assigned_at)", "stage": "stage"}  # fmt: skip
TASK_STATES = ("open", "overdue", "done_ontime", "done_late")


class PlanQueries:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    def _df(self, name: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        return self.wh.cached_df(f"plan.{name}", sql, params)

    # --- reference --------------------------------------------------------------------------
    def has_table(self, table: str) -> bool:
        found = self._df(
            "has_table", "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $t", {"t": table}
        )
        return bool(found["n"].iloc[0])

    def _with_tasks(self) -> str:
        """The ``WITH tasks, staged`` prefix; a warehouse built before 13710 stages were declared has
        no stage table, and its open tasks are simply 在办 (run ``cockpit init`` to declare them)."""
        if self.has_table("supervision_stage"):
            return f"WITH {_TASKS.strip()}"
        return f"WITH supervision_stage AS ({_NO_STAGES}), {_TASKS.strip()}"

    def rules(self) -> targets.Rules:
        """The status rules in force (built-in defaults for a warehouse built before the table)."""
        if not self.has_table("status_rule"):
            return targets.Rules()
        rows = self._df("rules", "SELECT * FROM status_rule", {})
        return targets.Rules.from_records(rows.to_dict("records"))  # type: ignore[arg-type]

    def rule_notes(self) -> dict[str, str]:
        if not self.has_table("status_rule"):
            return {}
        rows = self._df("rule_notes", "SELECT indicator_code, note FROM status_rule", {})
        return {str(r.indicator_code): str(r.note or "") for r in rows.itertuples()}

    def stages(self) -> pd.DataFrame:
        if not self.has_table("supervision_stage"):
            return pd.DataFrame(columns=["category", "stage", "label", "until_share", "status", "note"])
        return self._df("stages", "SELECT * FROM supervision_stage ORDER BY category, until_share", {})

    def indicators(self) -> pd.DataFrame:
        return self._df(
            "indicators",
            """SELECT i.*, p.name AS pillar_name, p.ordinal AS pillar_ordinal
               FROM indicator i LEFT JOIN pillar p ON p.code = i.pillar_code
               ORDER BY p.ordinal, i.task_no, i.code""",
            {},
        )

    def plan_tree(self) -> pd.DataFrame:
        """Pillar → task → indicator, one row per indicator (tasks without indicators: code NULL)."""
        return self._df(
            "plan_tree",
            """SELECT p.code AS pillar_code, p.name AS pillar_name, p.ordinal, t.task_no, t.title AS task_title,
                      i.code, i.name, i.short_name, i.unit, i.direction, i.frequency, i.decimals
               FROM pillar p JOIN plan_task t ON t.pillar_code = p.code
               LEFT JOIN indicator i ON i.task_no = t.task_no AND i.pillar_code = p.code
               ORDER BY p.ordinal, t.task_no, i.code""",
            {},
        )

    def plan_period(self) -> tuple[int, int]:
        plan = json.loads(self.wh.meta().get("plan") or "{}")
        start, end = plan.get("period") or (2021, 2025)
        return int(start), int(end)

    def data_years(self) -> list[int]:
        frame = self._df(
            "data_years",
            "SELECT DISTINCT CAST(left(period, 4) AS INTEGER) AS y FROM indicator_value ORDER BY y",
            {},
        )
        return [int(y) for y in frame["y"]]

    # --- values and targets -----------------------------------------------------------------
    @scoped("region")
    def series(
        self, codes: list[str], region: str, from_year: int, to_year: int, deep: bool = False
    ) -> pd.DataFrame:
        """Values of ``codes`` for ``region`` and its children (``deep``: grandchildren too)."""
        return self._df(
            "series",
            f"""SELECT indicator_code, adcode, period, value FROM indicator_value
                WHERE list_contains($codes, indicator_code) AND adcode IN {_SCOPE}
                  AND period >= $lo AND period < $hi
                ORDER BY indicator_code, adcode, period""",
            {"codes": codes, "r": region, "deep": deep, "lo": str(from_year), "hi": str(to_year + 1)},
        )

    @scoped("region")
    def resolved_targets(self, codes: list[str], region: str, deep: bool = False) -> pd.DataFrame:
        return self._df("resolved_targets", _RESOLVED_TARGETS, {"codes": codes, "r": region, "deep": deep})

    @scoped("region")
    def supervision_counts_by_plan_task(self, region: str, today: date) -> pd.DataFrame:
        """Open and overdue 13710 tasks per plan task: what the plan tree shows for tasks without indicators."""
        return self._df(
            "supervision_by_plan_task",
            f"""{self._with_tasks()}
                SELECT plan_task_no AS task_no, count(*) AS tasks,
                       count(*) FILTER (WHERE state = 'open') AS open,
                       count(*) FILTER (WHERE state = 'overdue') AS overdue
                FROM staged WHERE plan_task_no IS NOT NULL GROUP BY ALL""",
            {"r": region, "today": today, "dept": ""},
        )

    # --- assessed (the functions the big screen calls) --------------------------------------
    @scoped("region")
    def assess_indicator(
        self, code: str, region: str, year: int, *, deep: bool = False, with_projection: bool = True
    ) -> pd.DataFrame:
        """``region`` and its children (``deep``: and grandchildren) on one indicator in ``year``:
        targets.ASSESS_COLUMNS (+ projection) with name, short_name, level, parent_adcode, rank,
        prev_rank and movement among siblings. Drives the targets page's map, table and alarms."""
        meta = self.indicator(code)
        rule = self.rules().for_indicator(code)
        frame = targets.assess(
            self.series([code], region, year - 4, year, deep),
            self.resolved_targets([code], region, deep),
            direction=str(meta["direction"]),
            rule=rule,
            year=year,
            with_projection=with_projection,
            bounds=(_num(meta.get("min_value")), _num(meta.get("max_value"))),
            decimals=targets.decimals_of(meta.get("decimals")),
        )
        regions = self._regions_in(region, deep)
        out = regions.merge(frame, on="adcode", how="left")
        ranked = [targets.with_ranks(g) for _, g in out[out["adcode"] != region].groupby("parent_adcode")]
        return pd.concat([out[out["adcode"] == region], *ranked]).reset_index(drop=True)

    @scoped("region")
    def assess_region(self, region: str, year: int, *, with_projection: bool = True) -> pd.DataFrame:
        """One region on every indicator in ``year``: indicator metadata + targets.ASSESS_COLUMNS."""
        return ASSESS_REGION.get(self.wh, [region, year, with_projection],
                                 lambda: self._assess_all(region, year, False, with_projection, only_region=True))  # fmt: skip

    @scoped("region")
    def pillar_rollup(self, region: str, year: int) -> pd.DataFrame:
        """Per pillar: green/amber/red/none counts, total rated, on-track share, worst status and the
        names of its red and amber indicators — the big screen's pillar tile."""
        assessed = self.assess_region(region, year, with_projection=False)
        rows = []
        for (code, name, ordinal), group in assessed.groupby(
            ["pillar_code", "pillar_name", "pillar_ordinal"]
        ):
            c = targets.counts(group["status"])
            rated = c[targets.GREEN] + c[targets.AMBER] + c[targets.RED]
            rows.append({"pillar_code": code, "pillar_name": name, "ordinal": ordinal, **c, "total": rated,
                         "on_track_share": c[targets.GREEN] / rated if rated else None,
                         "status": targets.worst(group["status"]),
                         "red_names": group.loc[group["status"] == targets.RED, "name"].tolist(),
                         "amber_names": group.loc[group["status"] == targets.AMBER, "name"].tolist()})  # fmt: skip
        return pd.DataFrame(rows).sort_values("ordinal").reset_index(drop=True)

    @scoped("region")
    def alarms(self, region: str, year: int, deep: bool = True) -> pd.DataFrame:
        """Red standings below ``region`` on every indicator: adcode, name, level, code, indicator
        name, unit, value, target_value, pace_target, gap, period — for the ticker and map outlines."""

        def compute() -> pd.DataFrame:
            found = self._assess_all(region, year, deep, False)
            found = found[(found["status"] == targets.RED) & (found["adcode"] != region)]
            names = self._regions_in(region, deep)[["adcode", "name", "level"]]
            merged = names.merge(found.rename(columns={"name": "indicator_name"}), on="adcode")
            return merged.sort_values(["level", "adcode", "code"]).reset_index(drop=True)

        return ALARMS.get(self.wh, [region, year, deep], compute)

    @scoped("region")
    def scores(self, region: str, year: int) -> pd.DataFrame:
        """The children of ``region`` with their 目标达标率（综合） in ``year`` (targets.score on the one
        assessment): adcode, name, short_name, level + targets.SCORE_COLUMNS, every child listed."""

        def compute() -> pd.DataFrame:
            assessed = self._assess_all(region, year, False, False)
            kids = self._regions_in(region, False)
            kids = kids[kids["adcode"] != region][["adcode", "name", "short_name", "level"]]
            groups = dict(tuple(assessed.groupby("adcode", sort=False)))
            rows = [targets.score(groups[a]) if a in groups else targets.score(assessed.iloc[:0])
                    for a in kids["adcode"]]  # fmt: skip
            return pd.concat([kids.reset_index(drop=True), pd.DataFrame(rows, columns=targets.SCORE_COLUMNS)],
                             axis=1)  # fmt: skip

        return SCORES.get(self.wh, [region, year], compute)

    @scoped("region")
    def yearly_score(self, region: str, years: list[int], in_progress: int | None = None) -> pd.DataFrame:
        """``region``'s 目标达标率（综合） in each of ``years``: year + targets.SCORE_COLUMNS, only years
        with a rated indicator. A completed year is judged as the evaluation judges it (its own periods
        only); the year in progress as the monitoring does — each indicator's latest period, an annual
        figure not yet reported this year standing at last year's — the figure the wall's map and
        /targets give that year (太原市 2026: 20 of 23, not 16 of the 19 reported so far)."""

        def compute() -> pd.DataFrame:
            rows = []
            for year in sorted(years):  # the region alone: its children are not needed for its score
                own = self._assess_all(
                    region, year, False, False, only_region=True, fallback=year == in_progress
                )
                rows.append({"year": year, **targets.score(own[own["period"].notna()])})
            out = pd.DataFrame(rows, columns=["year", *targets.SCORE_COLUMNS])
            return out[out["total"] > 0].reset_index(drop=True)

        return YEARLY_SCORE.get(self.wh, [region, sorted(years), in_progress], compute)

    @scoped("region")
    def evaluation(self, region: str, years: list[int]) -> pd.DataFrame:
        """``region`` and its children on every indicator in each of ``years``: each year's last period
        against that year's target (no fallback to earlier years) — the annual monitoring, mid-term
        and final evaluation tables. Indicator metadata + targets.ASSESS_COLUMNS, one row per
        (indicator, region, year) that has data."""

        def compute() -> pd.DataFrame:
            parts = [self._assess_all(region, y, False, False, fallback=False) for y in years]
            frame = pd.concat(parts, ignore_index=True)
            return frame[frame["period"].notna()].reset_index(drop=True)

        return EVALUATION.get(self.wh, [region, sorted(years)], compute)

    def _assess_all(
        self,
        region: str,
        year: int,
        deep: bool,
        with_projection: bool,
        only_region: bool = False,
        fallback: bool = True,
    ) -> pd.DataFrame:
        """Every indicator for ``region`` and the regions below it: indicator metadata + assessment.
        Without the projection, the rows of the whole tree's assessment (``_assessed_everywhere``)
        for these regions; the projection (one region at a time) is computed here."""
        if with_projection:
            return self._assess(region, year, deep, with_projection, only_region, fallback)
        everywhere = self._assessed_everywhere(region, year, fallback)
        if not only_region:
            wanted = set(self._regions_in(region, deep)["adcode"])
            return everywhere[everywhere["adcode"].isin(wanted)].reset_index(drop=True)
        own = everywhere[everywhere["adcode"] == region]
        inds = self.indicators()
        missing = inds[~inds["code"].isin(set(own["code"]))]
        if missing.empty:
            return own.reset_index(drop=True)
        # Indicators with no standing here still get their row (as the direct assessment gives it).
        filler = missing.assign(adcode=region)
        out = pd.concat([own, filler], ignore_index=True)
        order = {code: i for i, code in enumerate(inds["code"])}
        return out.sort_values("code", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)

    def _assessed_everywhere(self, region: str, year: int, fallback: bool) -> pd.DataFrame:
        root = str(self.wh.lineage(region)[0]["adcode"])
        return ASSESSED_EVERYWHERE.get(
            self.wh, [root, year, fallback], lambda: self._assess(root, year, True, False, False, fallback)
        )

    def _assess(
        self, region: str, year: int, deep: bool, with_projection: bool, only_region: bool, fallback: bool
    ) -> pd.DataFrame:
        """The assessment itself, indicator by indicator over ``region``'s rows (see _assess_all)."""
        inds = self.indicators()
        rules = self.rules()
        codes = inds["code"].tolist()
        values = self.series(codes, region, year - (4 if with_projection else 1), year, deep)
        tgts = self.resolved_targets(codes, region, deep)
        if only_region:
            values, tgts = values[values["adcode"] == region], tgts[tgts["adcode"] == region]
        value_groups = dict(tuple(values.groupby("indicator_code", sort=False)))
        target_groups = dict(tuple(tgts.groupby("indicator_code", sort=False)))
        empty_v, empty_t = values.iloc[:0], tgts.iloc[:0]
        parts = []
        for ind in inds.to_dict("records"):
            code = str(ind["code"])
            frame = targets.assess(
                value_groups.get(code, empty_v),
                target_groups.get(code, empty_t),
                direction=str(ind["direction"]),
                rule=rules.for_indicator(code),
                year=year,
                fallback=fallback,
                with_projection=with_projection,
                bounds=(_num(ind["min_value"]), _num(ind["max_value"])),
                decimals=targets.decimals_of(ind["decimals"]),
            )
            parts.append(frame.assign(code=code) if not frame.empty or not only_region
                         else pd.DataFrame({"code": [code], "adcode": [region]}))  # fmt: skip
        assessed = pd.concat(parts, ignore_index=True)
        return inds.merge(assessed, on="code", how="right" if not only_region else "left")

    def indicator(self, code: str) -> dict[str, Any]:
        inds = self.indicators()
        rows = inds[inds["code"] == code]
        if rows.empty:
            raise KeyError(code)
        return rows.iloc[0].to_dict()  # type: ignore[return-value]

    def _regions_in(self, region: str, deep: bool) -> pd.DataFrame:
        return self._df(
            "regions_in",
            f"""SELECT adcode, name, short_name, level, parent_adcode FROM region
                WHERE adcode IN {_SCOPE} ORDER BY level = 'county', adcode""",
            {"r": region, "deep": deep},
        )

    # --- 13710 supervision -----------------------------------------------------------------
    @scoped("region", rows="key")  # grouped by child: the key is the child's adcode
    def task_figures(
        self, region: str, today: date, year: int, by: str | None = None, department: str = ""
    ) -> pd.DataFrame:
        """13710 figures for ``region``'s tasks, overall (``by`` None) or per group: department,
        child (region), category, year (of assignment) or stage. Rates are derived in
        ``task_rates`` so every table divides the same way."""
        key = _GROUPS[by] if by else None  # identifiers from the whitelist above, never from input
        select = f"{key} AS key, " if key else ""
        group = "GROUP BY ALL" if key else ""
        frame = self._df(
            f"task_figures:{by}",
            f"{self._with_tasks()} SELECT {select}{_TASK_FIGURES} FROM staged {group}",
            {"r": region, "today": today, "y": year, "dept": department},
        )
        return task_rates(frame)

    @scoped("region")
    def task_summary(self, region: str, today: date, year: int) -> dict[str, Any]:
        """The 13710 figures every surface shows for ``region`` (the wall's pulse, /supervision, the
        region profile, briefings): ``task_figures`` with its rates (percent), and ``year``.
        在办 (``open``) is tasks still within their time limit; 逾期未办结 (``overdue``) the rest."""
        row: dict[str, Any] = task_rates(self.task_figures(region, today, year)).iloc[0].to_dict()  # type: ignore[assignment]
        return {**row, "year": year}

    @scoped("region")
    def task_list(
        self, region: str, today: date, *, states: tuple[str, ...] = TASK_STATES, department: str = "",
        limit: int = 300,
    ) -> pd.DataFrame:  # fmt: skip
        """Tasks in scope with state and stage: overdue first (oldest first), then open by deadline,
        then the most recently completed."""
        return self._df(
            "task_list",
            f"""{self._with_tasks()}
                SELECT task_id, title, category, department, adcode, region_name, child_adcode, plan_task_no,
                       assigned_at, deadline, completed_at, state, stage, stage_status, days_overdue,
                       elapsed_share, loaded_at
                FROM staged WHERE list_contains($states, state)
                ORDER BY coalesce(list_position(['overdue', 'open'], state), 3),
                         CASE WHEN state = 'overdue' THEN -days_overdue END,
                         CASE WHEN state = 'open' THEN deadline END, completed_at DESC, task_id
                LIMIT $limit""",
            {"r": region, "today": today, "dept": department, "states": list(states), "limit": limit},
        )

    @scoped("region")
    def task_profile(self, region: str, today: date, department: str = "") -> pd.DataFrame:
        """Open tasks by 13710 stage and overdue ones by age: kind (stage / overdue), label, status, n."""
        return self._df(
            "task_profile",
            f"""{self._with_tasks()}
                SELECT 'stage' AS kind, stage AS label, stage_status AS status, count(*) AS n,
                       min(elapsed_share) AS sort_key
                FROM staged WHERE state = 'open' GROUP BY ALL
                UNION ALL
                SELECT 'overdue', CASE WHEN days_overdue <= 7 THEN '逾期≤7天' WHEN days_overdue <= 30 THEN '逾期8–30天'
                                       WHEN days_overdue <= 90 THEN '逾期31–90天' ELSE '逾期>90天' END,
                       'red', count(*), min(days_overdue) + 100
                FROM staged WHERE state = 'overdue' GROUP BY ALL
                ORDER BY sort_key""",
            {"r": region, "today": today, "dept": department},
        )

    @scoped("region")
    def task_years(self, region: str, today: date, department: str = "") -> pd.DataFrame:
        """清零 progress per year of assignment: tasks, on time, late, open, overdue."""
        return self._df(
            "task_years",
            f"""{self._with_tasks()}
                SELECT year(assigned_at) AS year, count(*) AS tasks,
                       count(*) FILTER (WHERE state = 'done_ontime') AS done_ontime,
                       count(*) FILTER (WHERE state = 'done_late') AS done_late,
                       count(*) FILTER (WHERE state = 'open') AS open,
                       count(*) FILTER (WHERE state = 'overdue') AS overdue
                FROM staged GROUP BY ALL ORDER BY year""",
            {"r": region, "today": today, "dept": department},
        )

    @scoped("region")
    def departments(self, region: str, today: date) -> list[str]:
        frame = self._df(
            "departments",
            f"{self._with_tasks()} SELECT department, count(*) AS n FROM staged GROUP BY ALL ORDER BY n DESC, department",
            {"r": region, "today": today, "dept": ""},
        )
        return frame["department"].tolist()


def task_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """按期办结率 = on time / due; 清零率 = cleared / due, where due = this year's tasks whose time limit
    has passed or that are done (as the screen's 13710 tile counts them)."""
    out = frame.copy()
    due = out["due"].astype(float).where(out["due"] > 0)
    out["ontime_rate"] = 100.0 * out["done_ontime"] / due
    out["clear_rate"] = 100.0 * out["done"] / due
    return out


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
