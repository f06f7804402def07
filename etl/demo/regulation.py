"""Demo “互联网+监管” feeds: catalogue claims per department (quarterly XLSX) and the 失信 list (XLSX).

The claim and publication rates are the quarterly indicators ``regulatory_claim_rate`` and
``inspection_list_publish_rate`` split over each region's own departments, so the page's
per-department table adds up to the figure the big screen shows for that region and quarter.
Both files are exports with a merged title row, as the 互联网+监管 system writes them.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl.demo.files import (
    FileResult,
    Plant,
    duplicate_plant,
    quarantined,
    replace_plants,
    save_xlsx,
    spread_positions,
)
from etl.demo.indicators import simulated_series
from etl.demo.kit import choose, city_or_county, per_million_year, region_weights, vocab, working_days
from etl.demo.rates import RowRates
from etl.demo.regions import RegionBook
from etl.demo.spec import DemoSpec

CATALOG_HEADER = (
    "地区",
    "部门",
    "统计季度",
    "应认领事项数",
    "已认领事项数",
    "应编制检查实施清单数",
    "已公布检查实施清单数",
)
CATALOG_SHEET = "认领及清单公布"
CATALOG_TITLE = "“互联网+监管”监管事项目录清单认领及检查实施清单公布情况统计表"
CREDIT_HEADER = (
    "名单编号",
    "主体名称",
    "统一社会信用代码",
    "主体类型",
    "所属地区",
    "认定部门",
    "行业领域",
    "失信行为",
    "列入日期",
    "信用修复日期",
)
CREDIT_SHEET = "失信主体名单"
CREDIT_TITLE = "严重失信主体名单（含信用修复情况）"

# department | catalogue items at county level | odds of lagging behind on claims
_CATALOG_DEPTS = vocab("""
    市场监管局|120|1
    生态环境局|60|1
    应急管理局|50|1
    交通运输局|55|1
    住建局|45|1.5
    卫生健康委|70|1
    文旅局|30|1.5
    农业农村局|65|2
    自然资源局|40|3
    水利局|35|3
    商务局|25|2
    人社局|35|1.5
""")


def _words(text: str) -> list[str]:
    return text.split()


_LEVEL_SCALE = {"province": 1.6, "city": 1.25, "county": 1.0}
# department | share | sectors | what got the entity listed
_CREDIT_DEPTS = vocab("""
    市场监管局|.30|食品经营 食品生产 产品质量 价格收费|食品安全严重违法 产品质量严重违法 虚假宣传 价格欺诈
    税务局|.18|税收征管|虚开增值税专用发票 偷逃税款
    人社局|.20|劳动保障|拖欠农民工工资
    生态环境局|.10|排污许可 危险废物|超标排放污染物 非法处置危险废物
    应急管理局|.08|非煤矿山 危险化学品 工贸安全|安全生产严重违法
    住建局|.09|建筑施工 房地产开发|建筑市场严重失信
    交通运输局|.05|道路运输|超限超载严重违法
""")
_TRADE_NAMES = _words(
    "鑫盛 华泰 宏达 恒信 金鼎 瑞丰 晋发 汇通 永鑫 德润 泰和 丰源 盛世 隆昌 佳禾 顺达 兴业 宝利 天元 博远"
)
_BUSINESS = {
    "企业": _words("商贸 建筑工程 食品 化工 运输 物业管理 餐饮管理 煤业 建材 劳务 房地产开发 环保科技"),
    "个体工商户": _words("饭店 便利店 建材店 汽修厂 烧烤店 副食部"),
    "社会组织": _words("行业协会 培训学校 商会"),
}
_TYPES = ("企业", "个体工商户", "社会组织")
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet (no I, O, S, V, Z)


def write_regulation_files(
    out_dir: Path, book: RegionBook, indicators: pd.DataFrame, spec: DemoSpec, with_bad_rows: bool
) -> list[FileResult]:
    return [
        _catalog(out_dir, book, indicators, spec, with_bad_rows),
        _credit(out_dir, book, spec, with_bad_rows),
    ]


# -- catalogue claims ---------------------------------------------------------------------------


def _rates(indicators: pd.DataFrame, book: RegionBook, spec: DemoSpec, code: str) -> dict[str, np.ndarray]:
    """The quarterly indicator's simulated values, or near the plan's baseline without it."""
    return simulated_series(indicators, book, spec, code) or {
        c: np.full(len(spec.quarters()), 99.0) for c in book.all_codes
    }


def _split(rng: np.random.Generator, missing: int, capacity: np.ndarray, odds: np.ndarray) -> np.ndarray:
    """``missing`` unclaimed items over departments by ``odds``, never more than a department has."""
    out = np.zeros(len(capacity), dtype=np.int64)
    left = missing
    while left > 0 and (capacity - out).sum() > 0:
        room = capacity - out
        p = odds * (room > 0)
        draw = rng.multinomial(left, p / p.sum())
        take = np.minimum(draw, room)
        out += take
        left -= int(take.sum())
    return out


def _catalog(
    out_dir: Path, book: RegionBook, indicators: pd.DataFrame, spec: DemoSpec, bad: bool
) -> FileResult:
    rng = spec.rng("regulatory_catalog")
    quarters = spec.quarters()
    claim = _rates(indicators, book, spec, "regulatory_claim_rate")
    publish = _rates(indicators, book, spec, "inspection_list_publish_rate")
    depts = [d[0] for d in _CATALOG_DEPTS]
    base = np.array([float(d[1]) for d in _CATALOG_DEPTS])
    odds = np.array([float(d[2]) for d in _CATALOG_DEPTS])
    rows: list[list[Any]] = []
    cells: list[tuple[str, str]] = []  # (adcode, quarter) of each row, for the reported rates
    for code in book.all_codes:
        # Each government's catalogue is its own size and grows as national items are added.
        size = base * _LEVEL_SCALE[book.level[code]] * rng.uniform(0.85, 1.15, len(depts))
        lag_odds = odds * rng.uniform(0.5, 1.5, len(depts))
        for t, (year, q) in enumerate(quarters):
            items = np.round(size * (1 + 0.03 * (year - 2021 + (q - 1) / 4))).astype(np.int64)
            rate_c = float(claim.get(code, np.full(len(quarters), 99.0))[t])
            claimed = items - _split(rng, round(items.sum() * (1 - rate_c / 100)), items, lag_odds)
            lists = np.round(claimed * 0.85).astype(np.int64)
            rate_p = float(publish.get(code, np.full(len(quarters), 98.0))[t])
            published = lists - _split(rng, round(lists.sum() * (1 - rate_p / 100)), lists, lag_odds)
            label = f"{year}年第{q}季度"
            name = book.display[code]
            for k, dept in enumerate(depts):
                rows.append(
                    [name, dept, label, int(items[k]), int(claimed[k]), int(lists[k]), int(published[k])]
                )
                cells.append((code, f"{year}Q{q}"))
    plants: list[Plant] = []
    if bad:
        cases = [
            ("unknown_region", 0, book.foreign[1]),
            ("bad_period", 2, f"{spec.end_ym[0]}年第5季度"),
            ("not_a_number", 4, "—"),
            ("out_of_range", 3, "-12"),
            ("missing_required", 5, ""),
        ]
        pos = spread_positions(len(rows), len(cases), spec.rng("regulatory_catalog:bad"))
        plants = replace_plants(rows, pos, cases, CATALOG_HEADER)
    # The reported 认领率 and 公布率 are this catalogue's own sums (the region's departments, no roll-up).
    rates = RowRates(own_only={"regulatory_claim_rate", "inspection_list_publish_rate"})
    refused = quarantined(plants)
    for i, (row, (code, quarter)) in enumerate(zip(rows, cells, strict=True)):
        if i not in refused:
            rates.add("regulatory_claim_rate", code, quarter, row[4], row[3])
            rates.add("inspection_list_publish_rate", code, quarter, row[6], row[5])
    widths = (22, 14, 16, 14, 14, 20, 20)
    return save_xlsx(
        out_dir,
        "regulatory_catalog",
        CATALOG_SHEET,
        CATALOG_HEADER,
        rows,
        plants,
        spec.as_of,
        title=CATALOG_TITLE,
        widths=widths,
        rates=rates,
    )


# -- 失信 list and credit repair ------------------------------------------------------------------


def _entity(rng: np.random.Generator, book: RegionBook, region: str, kind: str, code: str) -> tuple[str, str]:
    place = book.name[region] if book.name[region] not in book.ambiguous_names else book.display[region]
    trade = str(choose(rng, _TRADE_NAMES))
    business = str(choose(rng, _BUSINESS[kind]))
    name = f"{place}{trade}{business}" + ("有限公司" if kind == "企业" else "")
    prefix = {"企业": "91", "个体工商户": "92", "社会组织": "52"}[kind]
    tail = "".join(_CODE_CHARS[i] for i in rng.integers(0, len(_CODE_CHARS), 10))
    return name, f"{prefix}{code}{tail}"


def _credit(out_dir: Path, book: RegionBook, spec: DemoSpec, bad: bool) -> FileResult:
    rng = spec.rng("credit_records")
    workdays = working_days(spec)
    listed = sorted(workdays[i] for i in rng.integers(0, len(workdays), per_million_year(book, spec, 15)))
    county_p = region_weights(book, book.counties)
    depts = [d[0] for d in _CREDIT_DEPTS]
    dept_p = np.array([float(d[1]) for d in _CREDIT_DEPTS])
    today = spec.as_of.date()
    rows: list[list[Any]] = []
    seq: dict[int, int] = {}
    for day in listed:
        region = city_or_county(rng, book, 0.1, county_p)
        k = int(rng.choice(len(depts), p=dept_p / dept_p.sum()))
        _, _, sectors, reasons = _CREDIT_DEPTS[k]
        kind = str(choose(rng, _TYPES, (0.8, 0.17, 0.03)))
        name, code = _entity(rng, book, region, kind, region)
        lag = region in book.lagging_counties
        # Repair needs the penalty served and a public commitment: months, and not everyone bothers.
        repaired: date | None = None
        if rng.random() < (0.35 if lag else 0.55):
            repaired = day + timedelta(days=int(90 + 30 * rng.lognormal(1.6, 0.6)))
            if repaired > today:
                repaired = None
        seq[day.year] = seq.get(day.year, 0) + 1
        rows.append(
            [
                f"SX{day.year}{seq[day.year]:05d}",
                name,
                code,
                kind,
                book.display[region],
                depts[k],
                str(choose(rng, sectors.split())),
                str(choose(rng, reasons.split())),
                day,
                repaired,
            ]
        )
    plants: list[Plant] = []
    if bad:
        pos = spread_positions(len(rows), 5, spec.rng("credit_records:bad"))
        cases = [
            ("unknown_region", 4, book.foreign[1]),
            ("bad_timestamp", 8, f"{spec.as_of.year}-02-30"),
            ("bad_enum", 3, "机关单位"),
            ("missing_required", 1, ""),
        ]
        plants = replace_plants(rows, pos[:4], cases, CREDIT_HEADER)
        plants.append(duplicate_plant(rows, pos[4], pos[4] - 3))
    widths = (14, 30, 22, 12, 18, 12, 12, 20, 12, 14)
    return save_xlsx(
        out_dir,
        "credit_records",
        CREDIT_SHEET,
        CREDIT_HEADER,
        rows,
        plants,
        spec.as_of,
        title=CREDIT_TITLE,
        widths=widths,
    )
