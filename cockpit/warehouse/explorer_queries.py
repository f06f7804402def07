"""The data explorer's queries: the rows behind any figure, filtered, sorted, grouped and paged in DuckDB.

A grid sends AG Grid filter and sort models; ``compile_query`` turns them into SQL whose column
expressions come only from the dataset declarations below (an allow-list) and whose values are
always bound parameters. The grid's pages and the CSV/XLSX export run the same compiled query,
so the exported rows are the grid's filtered rows by construction. Anything the model asks for
that is not declared (an unknown column, operator or value type) raises ``FilterError`` with a
Chinese message instead of reaching SQL.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from cockpit.access.scope import scoped, scoped_list
from cockpit.warehouse.queries import Warehouse
from cockpit.warehouse.region_keys import KEYS_SQL, with_keys
from cockpit.warehouse.region_tree import SUBTREE
from cockpit.warehouse.typed_sql import Params

MAX_CONDITIONS = 40
MAX_TEXT = 200
MAX_PAGE = 1000
EXPORT_LIMIT = 1_000_000
LINEAGE_LABELS = {"source_feed": "来源数据源", "run_id": "批次", "loaded_at": "入库时间"}
LEVEL_SQL = "CASE r.level WHEN 'province' THEN '省' WHEN 'city' THEN '市' ELSE '县' END"
SCOPES = {"self": "本级", "children": "下级", "all": "本级及所有下级"}


class FilterError(ValueError):
    """A filter, sort or grouping the explorer can't run; the message is shown to the user."""


@dataclass(frozen=True)
class Col:
    id: str
    label: str
    sql: str
    kind: str = "text"  # text | number | date | datetime
    group: bool = False  # may be grouped by
    pinned: bool = False
    width: int = 130


@dataclass(frozen=True)
class Preset:
    label: str
    sql: str  # may use $now


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str
    table: str
    source: str
    columns: tuple[Col, ...]
    order: str
    presets: Mapping[str, Preset] = field(default_factory=dict)
    # How a region and its scope select rows (``$r``): overridable per dataset.
    scope_sql: Mapping[str, str] = field(default_factory=dict)

    def col(self, col_id: object) -> Col:
        for c in self.columns:
            if c.id == col_id:
                return c
        raise FilterError(f"未知的列“{str(col_id)[:40]}”")


def _lineage(alias: str) -> tuple[Col, ...]:
    return (
        Col("source_feed", "来源数据源", f"{alias}.source_feed", group=True, width=150),
        Col("run_id", "批次", f"{alias}.run_id", "number", width=90),
        Col("loaded_at", "入库时间", f"{alias}.loaded_at", "datetime", width=170),
    )


def _region_cols(alias: str = "r") -> tuple[Col, ...]:
    return (
        Col("region_name", "地区", f"{alias}.name", group=True, pinned=True, width=120),
        Col("adcode", "地区代码", f"{alias}.adcode", group=True, width=100),
        Col("parent_name", "上级地区", "pr.name", group=True, width=110),
        Col("level", "层级", LEVEL_SQL, group=True, width=80),
    )


_REGION_JOIN = "JOIN region r ON r.adcode = x.adcode LEFT JOIN region pr ON pr.adcode = r.parent_adcode"
_DEFAULT_SCOPE = {
    "self": "x.adcode = $r",
    "children": "r.parent_adcode = $r",
    "all": f"x.adcode IN {SUBTREE}",
}
_BOOL = "CASE WHEN {0} THEN '是' WHEN NOT {0} THEN '否' END"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "indicator_value", "指标数据", "indicator_value",
            f"""indicator_value x JOIN indicator i ON i.code = x.indicator_code {_REGION_JOIN}
                LEFT JOIN pillar p ON p.code = i.pillar_code
                LEFT JOIN indicator_target t ON t.indicator_code = x.indicator_code AND t.adcode = x.adcode
                     AND t.year = CAST(left(x.period, 4) AS INTEGER)""",
            (*_region_cols(),
             Col("pillar_name", "领域", "p.name", group=True, width=100),
             Col("indicator_name", "指标", "i.name", group=True, pinned=True, width=200),
             Col("indicator_code", "指标代码", "x.indicator_code", group=True, width=170),
             Col("period", "统计期", "x.period", group=True, width=100),
             Col("value", "数值", "x.value", "number", width=100),
             Col("unit", "单位", "i.unit", group=True, width=80),
             Col("target_value", "年度目标（本级）", "t.target_value", "number", width=130),
             *_lineage("x")),
            "x.indicator_code, x.period DESC, x.adcode",
        ),
        Dataset(
            "emergency_incident", "突发事件", "emergency_incident", f"emergency_incident x {_REGION_JOIN}",
            (Col("incident_id", "事件编号", "x.incident_id", pinned=True, width=150),
             Col("title", "事件名称", "x.title", width=220), *_region_cols(),
             Col("category", "事件类别", "x.category", group=True),
             Col("level_code", "事件级别", "x.level", group=True, width=90),
             Col("status", "状态", "CASE x.status WHEN 'reported' THEN '已报告' WHEN 'responding' THEN '响应中' "
                 "WHEN 'controlled' THEN '已控制' ELSE '已结案' END", group=True, width=90),
             Col("occurred_at", "发生时间", "x.occurred_at", "datetime", width=170),
             Col("closed_at", "结案时间", "x.closed_at", "datetime", width=170),
             Col("deaths", "死亡人数", "x.deaths", "number", width=90),
             Col("injuries", "受伤人数", "x.injuries", "number", width=90),
             Col("loss_wan_yuan", "直接经济损失(万元)", "x.loss_wan_yuan", "number", width=150),
             *_lineage("x")),
            "x.occurred_at DESC",
            {"active": Preset("未结案事件", "x.status <> 'closed' AND x.occurred_at <= $now")},
        ),
        Dataset(
            "emergency_warning", "预警信息", "emergency_warning", f"emergency_warning x {_REGION_JOIN}",
            (Col("warning_id", "预警编号", "x.warning_id", pinned=True, width=150),
             Col("hazard", "预警类型", "x.hazard", group=True), Col("color", "预警级别", "x.color", group=True),
             *_region_cols(), Col("issuer", "发布单位", "x.issuer", group=True, width=150),
             Col("issued_at", "发布时间", "x.issued_at", "datetime", width=170),
             Col("expires_at", "失效时间", "x.expires_at", "datetime", width=170),
             Col("lifted_at", "解除时间", "x.lifted_at", "datetime", width=170), *_lineage("x")),
            "x.issued_at DESC",
            {"in_force": Preset("生效中的预警", "x.issued_at <= $now AND x.expires_at > $now "
                                "AND (x.lifted_at IS NULL OR x.lifted_at > $now)")},
            # As on the big screen: a region is also under the warnings its parent issued.
            {"all": f"({_DEFAULT_SCOPE['all']} OR x.adcode = (SELECT parent_adcode FROM region WHERE adcode = $r))"},
        ),
        Dataset(
            "hotline_ticket", "12345热线工单", "hotline_ticket", f"hotline_ticket x {_REGION_JOIN}",
            (Col("ticket_id", "工单编号", "x.ticket_id", pinned=True, width=160), *_region_cols(),
             Col("created_at", "受理时间", "x.created_at", "datetime", width=170),
             Col("channel", "渠道", "x.channel", group=True, width=90),
             Col("category", "诉求类别", "x.category", group=True),
             Col("topic", "诉求主题", "x.topic", group=True, width=160),
             Col("responded_in_time", "按时响应", _BOOL.format("x.responded_in_time"), group=True, width=90),
             Col("closed_at", "办结时间", "x.closed_at", "datetime", width=170),
             Col("satisfied", "是否满意", _BOOL.format("x.satisfied"), group=True, width=90), *_lineage("x")),
            "x.created_at DESC",
            {"month": Preset("本月受理", "x.created_at >= date_trunc('month', $now) AND x.created_at <= $now"),
             "today": Preset("今日受理", "x.created_at >= date_trunc('day', $now) AND x.created_at <= $now")},
        ),
        Dataset(
            "inspection", "双随机一公开检查", "inspection", f"inspection x {_REGION_JOIN}",
            (Col("inspection_id", "检查任务编号", "x.inspection_id", pinned=True, width=160), *_region_cols(),
             Col("department", "检查部门", "x.department", group=True, width=150),
             Col("sector", "行业领域", "x.sector", group=True),
             Col("planned_date", "计划日期", "x.planned_date", "date", width=120),
             Col("done_date", "完成日期", "x.done_date", "date", width=120),
             Col("problem_found", "发现问题", _BOOL.format("x.problem_found"), group=True, width=90),
             Col("penalty_wan_yuan", "罚没金额(万元)", "x.penalty_wan_yuan", "number", width=130), *_lineage("x")),
            "x.planned_date DESC",
            {"year": Preset("本年计划", "x.planned_date >= date_trunc('year', $now) AND x.planned_date <= $now")},
        ),
        Dataset(
            "supervision_task", "13710督办任务", "supervision_task", f"supervision_task x {_REGION_JOIN}",
            (Col("task_id", "任务编号", "x.task_id", pinned=True, width=150),
             Col("title", "任务名称", "x.title", width=240), Col("category", "任务类别", "x.category", group=True),
             Col("department", "责任单位", "x.department", group=True, width=150), *_region_cols(),
             Col("assigned_at", "交办日期", "x.assigned_at", "date", width=120),
             Col("deadline", "办结时限", "x.deadline", "date", width=120),
             Col("completed_at", "办结日期", "x.completed_at", "date", width=120), *_lineage("x")),
            "x.deadline, x.task_id",
            {"open": Preset("在办（未到期）", "x.completed_at IS NULL AND x.deadline >= CAST($now AS DATE) "
                            "AND x.assigned_at <= $now"),
             "overdue": Preset("逾期未办结", "x.completed_at IS NULL AND x.deadline < CAST($now AS DATE) "
                               "AND x.assigned_at <= $now")},
        ),
    )
}  # fmt: skip


KEYS = {"indicator_value": "x.indicator_code, x.adcode, x.period", "emergency_incident": "x.incident_id",
        "emergency_warning": "x.warning_id", "hotline_ticket": "x.ticket_id", "inspection": "x.inspection_id",
        "supervision_task": "x.task_id"}  # fmt: skip


@dataclass(frozen=True)
class Query:
    """What the grid shows: one dataset, a region and scope, fixed selections, the grid's models."""

    dataset: str
    region: str
    scope: str = "all"
    indicator: str | None = None
    period: str | None = None
    preset: str | None = None
    group: tuple[str, ...] = ()
    filter_model: Mapping[str, Any] = field(default_factory=dict)
    sort_model: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Compiled:
    sql: str  # SELECT … with ORDER BY, no LIMIT
    count_sql: str
    params: dict[str, Any]
    columns: tuple[Col, ...]  # the grid's columns, in order

    @property
    def key(self) -> str:
        return hashlib.sha1(self.sql.encode()).hexdigest()[:16]


def _text_value(raw: Any) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise FilterError("文本筛选值无效")
    text = str(raw)
    if len(text) > MAX_TEXT:
        raise FilterError("筛选文本过长")
    return text


def _number_value(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise FilterError("数值筛选值无效")
    return float(raw)


def _date_value(raw: Any) -> date:
    if not isinstance(raw, str) or len(raw) > 32:
        raise FilterError("日期筛选值无效")
    try:
        return datetime.fromisoformat(raw.strip()).date()
    except ValueError as exc:
        raise FilterError(f"日期“{raw[:20]}”无法识别") from exc


_TEXT_OPS = {
    "equals": "{e} = {v}",
    "notEqual": "({e} IS NULL OR {e} <> {v})",
    "contains": "strpos(lower({e}), lower({v})) > 0",
    "notContains": "({e} IS NULL OR strpos(lower({e}), lower({v})) = 0)",
    "startsWith": "starts_with(lower({e}), lower({v}))",
    "endsWith": "suffix(lower({e}), lower({v}))",
}
_CMP = {"equals": "=", "notEqual": "<>", "lessThan": "<", "lessThanOrEqual": "<=", "greaterThan": ">",
        "greaterThanOrEqual": ">="}  # fmt: skip


def _condition(col: Col, model: Mapping[str, Any], params: Params) -> str:
    if not isinstance(model, Mapping):
        raise FilterError("筛选条件格式无效")
    kind = model.get("type")
    expr = f"CAST({col.sql} AS VARCHAR)" if col.kind == "text" else col.sql
    if kind == "blank":
        return f"({expr} IS NULL{' OR ' + expr + ' = $blank' if col.kind == 'text' else ''})"
    if kind == "notBlank":
        return f"({expr} IS NOT NULL{' AND ' + expr + ' <> $blank' if col.kind == 'text' else ''})"
    ftype = model.get("filterType")
    if col.kind == "text":
        if ftype != "text" or kind not in _TEXT_OPS:
            raise FilterError(f"列“{col.label}”不支持该筛选方式")
        return _TEXT_OPS[str(kind)].format(e=expr, v=params.bind(_text_value(model.get("filter"))))
    if col.kind == "number":
        if ftype != "number" or kind not in (*_CMP, "inRange"):
            raise FilterError(f"列“{col.label}”不支持该筛选方式")
        if kind == "inRange":
            lo, hi = _number_value(model.get("filter")), _number_value(model.get("filterTo"))
            return f"{expr} BETWEEN {params.bind(min(lo, hi))} AND {params.bind(max(lo, hi))}"
        return f"{expr} {_CMP[str(kind)]} {params.bind(_number_value(model.get('filter')))}"
    if ftype != "date" or kind not in (*_CMP, "inRange"):
        raise FilterError(f"列“{col.label}”不支持该筛选方式")
    day = f"CAST({expr} AS DATE)"
    if kind == "inRange":
        first, last = _date_value(model.get("dateFrom")), _date_value(model.get("dateTo"))
        return f"{day} BETWEEN {params.bind(min(first, last))} AND {params.bind(max(first, last))}"
    return f"{day} {_CMP[str(kind)]} {params.bind(_date_value(model.get('dateFrom')))}"


def _filters(ds: Dataset, model: Mapping[str, Any], params: Params) -> list[str]:
    if not isinstance(model, Mapping):
        raise FilterError("筛选模型格式无效")
    out, total = [], 0
    for col_id, entry in model.items():
        col = ds.col(col_id)
        if not isinstance(entry, Mapping):
            raise FilterError("筛选条件格式无效")
        conditions = entry.get("conditions")
        if conditions is not None:
            operator = entry.get("operator", "AND")
            if operator not in ("AND", "OR") or not isinstance(conditions, list) or not conditions:
                raise FilterError("组合筛选条件无效")
            parts = [_condition(col, c, params) for c in conditions]
            out.append("(" + f" {operator} ".join(parts) + ")")
            total += len(parts)
        else:
            out.append(_condition(col, entry, params))
            total += 1
        if total > MAX_CONDITIONS:
            raise FilterError("筛选条件过多")
    return out


def _order(columns: Sequence[Col], sort_model: Sequence[Mapping[str, Any]], default: str, alias: bool) -> str:
    if not isinstance(sort_model, Sequence) or isinstance(sort_model, str | bytes):
        raise FilterError("排序模型格式无效")
    by_id = {c.id: c for c in columns}
    parts = []
    for entry in list(sort_model)[:5]:
        if not isinstance(entry, Mapping):
            raise FilterError("排序模型格式无效")
        col = by_id.get(entry.get("colId"))  # type: ignore[arg-type]
        direction = entry.get("sort")
        if col is None:
            raise FilterError(f"未知的排序列“{str(entry.get('colId'))[:40]}”")
        if direction not in ("asc", "desc"):
            raise FilterError("排序方向无效")
        parts.append(
            f'"{col.id}" {direction.upper()} NULLS LAST'
            if alias
            else f"{col.sql} {direction.upper()} NULLS LAST"
        )
    return ", ".join(parts) or default


def compile_query(q: Query, now: datetime) -> Compiled:
    ds = DATASETS.get(q.dataset)
    if ds is None:
        raise FilterError(f"未知的数据集“{q.dataset[:40]}”")
    params = Params()
    params.params["r"] = q.region
    scope = ds.scope_sql.get(q.scope) or _DEFAULT_SCOPE.get(q.scope)
    if scope is None:
        raise FilterError("未知的地区范围")
    where = [scope]
    if q.indicator:
        if ds.name != "indicator_value":
            raise FilterError("该数据集没有指标列")
        where.append(f"x.indicator_code = {params.bind(q.indicator)}")
    if q.period:
        if ds.name != "indicator_value":
            raise FilterError("该数据集没有统计期列")
        where.append(f"x.period = {params.bind(q.period)}")
    if q.preset:
        preset = ds.presets.get(q.preset)
        if preset is None:
            raise FilterError(f"未知的预设筛选“{q.preset[:40]}”")
        params.params["now"] = now
        where.append(f"({preset.sql})")
    where += _filters(ds, q.filter_model, params)
    if any("$blank" in w for w in where):
        params.params["blank"] = ""
    body = f"FROM {ds.source} WHERE " + " AND ".join(where)
    if q.group:
        groups = [ds.col(g) for g in dict.fromkeys(q.group)]
        if len(groups) > 3 or not all(g.group for g in groups):
            raise FilterError("分组列无效（最多3列，且须为分类列）")
        aggregates = [Col("row_count", "行数", "count(*)", "number", width=90)]
        if ds.name == "indicator_value":
            aggregates += [Col("value_avg", "平均值", "round(avg(x.value), 2)", "number"),
                           Col("value_min", "最小值", "min(x.value)", "number"),
                           Col("value_max", "最大值", "max(x.value)", "number")]  # fmt: skip
        aggregates.append(Col("loaded_at", "最近入库时间", "max(x.loaded_at)", "datetime", width=170))
        columns = (*groups, *aggregates)
        select = ", ".join(f'{c.sql} AS "{c.id}"' for c in columns)
        keys = ", ".join(g.sql for g in groups)
        order = _order(columns, q.sort_model, "", alias=True)
        order = ", ".join(p for p in (order, ", ".join(f'"{g.id}"' for g in groups)) if p)
        sql = f"SELECT {select} {body} GROUP BY {keys} ORDER BY {order}"
        count_sql = f"SELECT count(*) AS n, max(loaded_at) AS as_of FROM ({sql})"
    else:
        columns = ds.columns
        select = ", ".join(f'{c.sql} AS "{c.id}"' for c in columns)
        # The natural key last: OFFSET paging over ties would otherwise repeat or skip rows.
        order = _order(columns, q.sort_model, ds.order, alias=False) + ", " + KEYS[ds.name]
        sql = f"SELECT {select} {body} ORDER BY {order}"
        count_sql = f"SELECT count(*) AS n, max(x.loaded_at) AS as_of {body}"
    return Compiled(sql, count_sql, params.params, tuple(columns))


def _compiled_region(compiled: Compiled) -> object:
    return compiled.params.get("r") if isinstance(compiled, Compiled) else None


class ExplorerQueries:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    @scoped("compiled", get=_compiled_region)
    def count(self, compiled: Compiled) -> tuple[int, Any]:
        frame = self.wh.cached_df(f"explorer_count:{compiled.key}", compiled.count_sql, compiled.params)
        return int(frame["n"].iloc[0]), frame["as_of"].iloc[0]

    @scoped("compiled", get=_compiled_region)
    def page(self, compiled: Compiled, start: int, end: int) -> pd.DataFrame:
        start = max(0, int(start))
        size = max(0, min(int(end) - start, MAX_PAGE))
        params = compiled.params | {"lim": size, "off": start}
        return self.wh.cached_df(
            f"explorer_page:{compiled.key}", compiled.sql + " LIMIT $lim OFFSET $off", params
        )

    @scoped("compiled", get=_compiled_region)
    def rows(self, compiled: Compiled, limit: int = EXPORT_LIMIT) -> pd.DataFrame:
        """Every filtered row (up to ``limit``): what an export writes."""
        cur = self.wh.cursor()  # not memoized: an export may be large and is read once
        try:
            return cur.execute(compiled.sql + " LIMIT $lim", compiled.params | {"lim": limit}).df()
        finally:
            cur.close()

    @scoped("compiled", get=_compiled_region)
    def batches(self, compiled: Compiled, limit: int, size: int = 5_000) -> Iterator[list[tuple[Any, ...]]]:
        """Every filtered row (up to ``limit``) in blocks of ``size`` tuples, read from one cursor as
        the caller asks for them: an export of any length holds one block in memory."""
        return self._blocks(compiled.sql + " LIMIT $lim", compiled.params | {"lim": int(limit)}, size)

    def _blocks(self, sql: str, params: dict[str, Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
        cur = self.wh.cursor()
        try:
            result = cur.execute(sql, params)
            while block := result.fetchmany(size):
                yield block
        finally:
            cur.close()

    # --- lineage for computed figures (region profile, briefing) ----------------------------
    @scoped("adcode")
    def value_lineage(self, adcode: str, codes: list[str]) -> pd.DataFrame:
        """Every value of ``codes`` for one region with its source feed, run and load time."""
        return self.wh.cached_df(
            "explorer_value_lineage",
            """SELECT indicator_code, period, value, source_feed, run_id, loaded_at FROM indicator_value
               WHERE adcode = $r AND list_contains($codes, indicator_code) ORDER BY indicator_code, period""",
            {"r": adcode, "codes": codes},
        )

    def latest_loaded(self) -> dict[str, Any]:
        """Last load time per feed table: the data-as-of stamp of exports and briefings."""
        frame = self.wh.cached_df(
            "explorer_latest_loaded",
            """SELECT target_table, max(last_success_at) AS loaded_at, string_agg(feed, '、' ORDER BY feed) AS feeds
               FROM feed_state GROUP BY target_table""",
            {},
        )
        return {r["target_table"]: r for r in frame.to_dict("records")}

    @scoped_list()
    def region_options(self) -> pd.DataFrame:
        frame = self.wh.cached_df(
            "explorer_region_options",
            f"""SELECT r.adcode, r.name, r.short_name, {KEYS_SQL} AS keys, r.level, pr.name AS parent_name
               FROM region r LEFT JOIN region pr ON pr.adcode = r.parent_adcode
               ORDER BY r.level = 'county', r.level = 'city', r.adcode""",
            {},
        )
        return with_keys(frame)

    def periods(self, indicator: str | None) -> list[str]:
        frame = self.wh.cached_df(
            "explorer_periods",
            """SELECT DISTINCT period FROM indicator_value WHERE $i IS NULL OR indicator_code = $i
               ORDER BY period DESC""",
            {"i": indicator},
        )
        return [str(p) for p in frame["period"]]
