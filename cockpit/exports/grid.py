"""The explorer grid's state ↔ URL parameters, and its export to CSV/XLSX.

``parse_query`` validates everything a URL or a grid request can say (dataset, region, scope,
indicator, period, preset, grouping, filter and sort models) against the warehouse and the
dataset declarations; the export runs the same compiled query the grid pages through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cockpit.access.scope import home_region, require_region
from cockpit.exports.tables import CSV_MIME, XLSX_MIME, ExportHeader, write_csv, write_xlsx
from cockpit.formatting import period_label
from cockpit.periods import PeriodError, parse_period
from cockpit.services import Services
from cockpit.warehouse.explorer_queries import (
    DATASETS,
    SCOPES,
    Compiled,
    FilterError,
    Query,
    compile_query,
)

MAX_MODEL_CHARS = 20_000
MIMES = {"csv": CSV_MIME, "xlsx": XLSX_MIME}
_ADCODE = re.compile(r"^\d{6}$")
_OPS = {"equals": "等于", "notEqual": "不等于", "contains": "包含", "notContains": "不包含", "startsWith": "开头是",
        "endsWith": "结尾是", "lessThan": "小于", "lessThanOrEqual": "不大于", "greaterThan": "大于",
        "greaterThanOrEqual": "不小于", "inRange": "介于", "blank": "为空", "notBlank": "不为空"}  # fmt: skip


def _json(raw: Any, kind: type, what: str) -> Any:
    if raw in (None, ""):
        return kind()
    if isinstance(raw, kind):
        return raw
    if not isinstance(raw, str) or len(raw) > MAX_MODEL_CHARS:
        raise FilterError(f"{what}无效")
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise FilterError(f"{what}无法解析") from exc
    if not isinstance(value, kind):
        raise FilterError(f"{what}格式无效")
    return value


def parse_query(services: Services, params: Mapping[str, Any]) -> Query:
    """A validated ``Query`` from URL/request parameters; ``FilterError`` names what is wrong."""
    wh = services.warehouse
    dataset = str(params.get("dataset") or "indicator_value")
    if dataset not in DATASETS:
        raise FilterError(f"未知的数据集“{dataset[:40]}”")
    region = str(params.get("region") or home_region(services.settings.province_adcode))
    if not _ADCODE.match(region) or wh.region(region) is None:
        raise FilterError(f"未知地区“{region[:12]}”")
    require_region(wh, region)
    scope = str(params.get("scope") or "all")
    if scope not in SCOPES:
        raise FilterError("未知的地区范围")
    indicator = params.get("indicator") or None
    if indicator is not None:
        if dataset != "indicator_value" or str(indicator) not in set(wh.indicators()["code"]):
            raise FilterError(f"未知指标“{str(indicator)[:40]}”")
        indicator = str(indicator)
    period = params.get("period") or None
    if period is not None:
        if dataset != "indicator_value":
            raise FilterError("该数据集不按统计期筛选")
        try:
            period = parse_period(str(period)[:32]).code
        except PeriodError as exc:
            raise FilterError(f"统计期“{str(period)[:12]}”无法识别") from exc
    preset = params.get("preset") or None
    if preset is not None and str(preset) not in DATASETS[dataset].presets:
        raise FilterError(f"未知的预设筛选“{str(preset)[:40]}”")
    group_raw = params.get("group") or ()
    group = tuple(g for g in (group_raw.split(",") if isinstance(group_raw, str) else group_raw) if g)
    for g in group:
        col = DATASETS[dataset].col(g)
        if not col.group:
            raise FilterError(f"列“{col.label}”不能分组")
    return Query(dataset, region, scope, indicator, period, str(preset) if preset else None, group,
                 _json(params.get("filter"), dict, "筛选条件"), tuple(_json(params.get("sort"), list, "排序")))  # fmt: skip


def url_params(q: Query) -> dict[str, str]:
    """The URL parameters that ``parse_query`` reads back into ``q``."""
    out = {"dataset": q.dataset, "region": q.region, "scope": q.scope, "indicator": q.indicator or "",
           "period": q.period or "", "preset": q.preset or "", "group": ",".join(q.group),
           "filter": json.dumps(q.filter_model, ensure_ascii=False, separators=(",", ":")) if q.filter_model else "",
           "sort": json.dumps(list(q.sort_model), ensure_ascii=False, separators=(",", ":")) if q.sort_model else ""}  # fmt: skip
    return {k: v for k, v in out.items() if v and not (k == "scope" and v == "all")}


def href(path: str, q: Query) -> str:
    return f"{path}?{urlencode(url_params(q))}"


def _condition_text(model: Mapping[str, Any]) -> str:
    op = _OPS.get(str(model.get("type")), str(model.get("type")))
    if model.get("type") in ("blank", "notBlank"):
        return op
    if model.get("filterType") == "date":
        lo, hi = str(model.get("dateFrom") or "")[:10], str(model.get("dateTo") or "")[:10]
        return f"{op} {lo}" + (f" 至 {hi}" if model.get("type") == "inRange" else "")
    if model.get("type") == "inRange":
        return f"{op} {model.get('filter')} 至 {model.get('filterTo')}"
    return f"{op}“{model.get('filter')}”"


def describe_filters(q: Query) -> str:
    ds = DATASETS[q.dataset]
    parts = []
    for col_id, entry in q.filter_model.items():
        label = ds.col(col_id).label
        if entry.get("conditions"):
            joiner = " 且 " if entry.get("operator", "AND") == "AND" else " 或 "
            parts.append(f"{label} " + joiner.join(_condition_text(c) for c in entry["conditions"]))
        else:
            parts.append(f"{label} {_condition_text(entry)}")
    return "；".join(parts) or "无"


def describe_sort(q: Query, compiled: Compiled) -> str:
    labels = {c.id: c.label for c in compiled.columns}
    parts = [f"{labels.get(str(s.get('colId')), s.get('colId'))} {'升序' if s.get('sort') == 'asc' else '降序'}"
             for s in q.sort_model]  # fmt: skip
    return "、".join(parts) or "默认"


def header_for(services: Services, q: Query, compiled: Compiled, rows: int, as_of: Any) -> ExportHeader:
    """The header block of an export of ``rows`` rows (all the query selects: above the row cap
    there is no file, never a cut one)."""
    wh = services.warehouse
    ds = DATASETS[q.dataset]
    region = wh.region(q.region) or {"name": q.region}
    lines = [("数据集", ds.label), ("地区", f"{region['name']}（{q.region}）· {SCOPES[q.scope]}")]
    if q.indicator:
        names = wh.indicators().set_index("code")["name"]
        lines.append(("指标", f"{names.get(q.indicator, q.indicator)}（{q.indicator}）"))
    lines.append(("统计期", period_label(q.period) if q.period else "全部"))
    if q.preset:
        lines.append(
            ("预设筛选", f"{ds.presets[q.preset].label}（截至{services.settings.today():%Y-%m-%d}）")
        )
    lines.append(("表格筛选", describe_filters(q)))
    lines.append(("排序", describe_sort(q, compiled)))
    if q.group:
        lines.append(("分组汇总", "、".join(ds.col(g).label for g in q.group)))
    stamp = f"{as_of:%Y-%m-%d %H:%M:%S}" if as_of is not None and as_of == as_of else "—"
    lines.append(("数据截至", f"{stamp}（所含记录的最近入库时间）"))
    lines.append(("导出时间", f"{services.settings.now():%Y-%m-%d %H:%M:%S}"))
    lines.append(("行数", f"{rows}"))
    return ExportHeader(f"{ds.label} · 数据浏览导出", tuple(lines))


def require_format(fmt: str) -> str:
    """``fmt`` if the grid exports to it (``FilterError`` otherwise)."""
    if fmt not in MIMES:
        raise FilterError(f"不支持的导出格式“{fmt[:8]}”")
    return fmt


def too_many(total: int, cap: int) -> str:
    return (f"共 {total:,} 行，超过单次导出上限 {cap:,} 行：请按地区、统计期或指标缩小筛选范围，"
            "或分组汇总后再导出")  # fmt: skip


def file_name(services: Services, q: Query, fmt: str) -> str:
    region = services.warehouse.region(q.region) or {"name": q.region}
    return f"{DATASETS[q.dataset].label}_{region['name']}{'_' + q.period if q.period else ''}.{fmt}"


def _sized(services: Services, q: Query, now: datetime) -> tuple[Compiled, int, Any]:
    compiled = compile_query(q, now)
    total, as_of = services.queries.explorer.count(compiled)
    cap = services.settings.export_max_rows
    if total > cap:
        raise FilterError(too_many(total, cap))
    return compiled, int(total), as_of


def size_of(services: Services, q: Query, now: datetime) -> int:
    """The rows an export of ``q`` would write; ``FilterError`` above the row cap."""
    return _sized(services, q, now)[1]


def write(
    services: Services,
    q: Query,
    fmt: str,
    out_dir: Path,
    now: datetime,
    progress: Callable[[float, str], None] | None = None,
) -> Path:
    """Writes the grid's filtered rows to ``out_dir`` as CSV or XLSX, block by block (memory: one
    block of rows, however many there are); returns the file. ``FilterError`` for a bad format or
    more rows than ``export_max_rows``."""
    require_format(fmt)
    compiled, total, as_of = _sized(services, q, now)
    queries = services.queries.explorer
    header = header_for(services, q, compiled, total, as_of)
    columns = [(c.id, c.label) for c in compiled.columns]

    def counted() -> Iterator[list[tuple[Any, ...]]]:
        done = 0
        for block in queries.batches(compiled, total):
            yield block
            done += len(block)
            if progress is not None:
                progress(done / max(total, 1), f"已写入 {done:,} / {total:,} 行")

    path = out_dir / file_name(services, q, fmt)
    with path.open("wb") as out:
        if fmt == "csv":
            write_csv(out, header, columns, counted())
        else:
            write_xlsx(out, header, columns, counted(), total)
    return path
