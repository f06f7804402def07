"""The feed catalogue: one TOML file in ``data/`` declares every feed the cockpit pulls.

A feed names its target table (whose natural key it must share), where rows come from,
how the file is shaped, which raw headers mean which column, how often it is pulled and
whether later rows may overwrite earlier ones. See ``data/feeds.toml`` for examples.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.warehouse.cleaning import header_key
from cockpit.warehouse.loader import WideSpec
from cockpit.warehouse.schema import FEED_TABLES, Table
from etl.http_source import HttpSpec

FORMATS = ("csv", "xlsx", "json")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16")
WRITE_MODES = ("merge", "append")
_EVERY = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class CatalogError(ValueError):
    pass


def parse_every(text: str) -> int:
    match = _EVERY.match(text.strip())
    if not match:
        raise CatalogError(f"every 应形如 5m、1h 或 1d，实际为 {text!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True)
class FeedSpec:
    name: str
    table: Table
    label: str
    format: str
    source: str | None  # path or glob, relative to the data directory unless absolute
    http: HttpSpec | None
    encoding: str = "auto"
    delimiter: str = ","
    sheet: str | None = None
    records_path: str = ""
    every_seconds: int = 86400
    stale_after_seconds: int = 2 * 86400
    write_mode: str = "merge"
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical -> raw header aliases
    region_parent: tuple[str, ...] = ()
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical -> {raw: value}
    wide: WideSpec | None = None
    cursor: str | None = None

    def match_headers(self, headers: list[str]) -> dict[str, str]:
        """canonical column -> the raw header present in this file."""
        by_key = {header_key(h): h for h in headers}
        found: dict[str, str] = {}
        for canonical, aliases in self.columns.items():
            for alias in aliases:
                if header_key(alias) in by_key:
                    found[canonical] = by_key[header_key(alias)]
                    break
        return found

    def parent_header(self, headers: list[str]) -> str | None:
        by_key = {header_key(h): h for h in headers}
        return next((by_key[header_key(a)] for a in self.region_parent if header_key(a) in by_key), None)

    def resolve_sources(self, data_dir: Path, override: str | None = None) -> list[Path]:
        pattern = override or self.source
        if pattern is None:
            return []
        path = Path(pattern)
        base = path if path.is_absolute() else data_dir / path
        if any(ch in pattern for ch in "*?["):
            return sorted(base.parent.glob(base.name))
        return [base]


def _tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CatalogError(f"列名应为一个名称或名称列表，实际为 {value!r}")


def _feed(name: str, raw: Mapping[str, Any]) -> FeedSpec:
    known = {
        "table", "label", "format", "source", "http", "encoding", "delimiter", "sheet", "records_path", "every",
        "stale_after", "write_mode", "columns", "region_parent", "values", "wide", "cursor", "key",
    }  # fmt: skip
    unknown = set(raw) - known
    if unknown:
        raise CatalogError(f"数据源 {name}：未知配置项 {sorted(unknown)}")
    table_name = raw.get("table")
    if table_name not in FEED_TABLES:
        raise CatalogError(f"数据源 {name}：table 应为 {sorted(FEED_TABLES)} 之一，实际为 {table_name!r}")
    table = FEED_TABLES[table_name]
    if "key" in raw and tuple(raw["key"]) != table.key:
        raise CatalogError(
            f"数据源 {name}：主键 {raw['key']} 与表 {table.name} 的自然主键 {table.key} 不一致"
        )
    http = HttpSpec.from_mapping(raw["http"]) if "http" in raw else None
    fmt = raw.get("format", "json" if http else None)
    if fmt not in FORMATS:
        raise CatalogError(f"数据源 {name}：format 应为 {FORMATS} 之一")
    if (http is None) == ("source" not in raw):
        raise CatalogError(f"数据源 {name}：source（文件或通配路径）与 [http] 须且只能设置一个")
    encoding = raw.get("encoding", "auto")
    if encoding not in ENCODINGS:
        raise CatalogError(f"数据源 {name}：encoding 应为 {ENCODINGS} 之一")
    write_mode = raw.get("write_mode", "merge")
    if write_mode not in WRITE_MODES:
        raise CatalogError(f"数据源 {name}：write_mode 应为 {WRITE_MODES} 之一")
    columns = {k: _tuple(v) for k, v in raw.get("columns", {}).items()}
    table_columns = {c.name for c in table.columns}
    stray = set(columns) - table_columns
    if stray:
        raise CatalogError(f"数据源 {name}：列 {sorted(stray)} 不在表 {table.name} 中")
    wide = None
    if "wide" in raw:
        w = raw["wide"]
        wide = WideSpec(_tuple(w["id_columns"]), w["names_to"], w["values_to"])
        if {wide.names_to, wide.values_to} - table_columns:
            raise CatalogError(f"数据源 {name}：宽表的 names_to/values_to 必须是表 {table.name} 的列")
    values = {k: {str(a): str(b) for a, b in v.items()} for k, v in raw.get("values", {}).items()}
    every = parse_every(raw.get("every", "1d"))
    stale_after = parse_every(raw["stale_after"]) if "stale_after" in raw else 2 * every
    cursor = raw.get("cursor")
    if cursor is not None and cursor not in table_columns:
        raise CatalogError(f"数据源 {name}：游标列 {cursor!r} 不是表 {table.name} 的列")
    return FeedSpec(
        name=name,
        table=table,
        label=raw.get("label", name),
        format=fmt,
        source=raw.get("source"),
        http=http,
        encoding=encoding,
        delimiter=raw.get("delimiter", ","),
        sheet=raw.get("sheet"),
        records_path=raw.get("records_path", ""),
        every_seconds=every,
        stale_after_seconds=stale_after,
        write_mode=write_mode,
        columns=columns,
        region_parent=_tuple(raw["region_parent"]) if "region_parent" in raw else (),
        values=values,
        wide=wide,
        cursor=cursor,
    )


def load_catalog(path: Path) -> dict[str, FeedSpec]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}：不是有效的 TOML（{exc}）") from exc
    feeds = data.get("feeds", {})
    if not isinstance(feeds, dict) or not feeds:
        raise CatalogError(f"{path}：没有任何 [feeds.<名称>] 数据源配置")
    return {name: _feed(name, spec) for name, spec in feeds.items()}
