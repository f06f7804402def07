"""Demo event feeds: incidents (JSON API dump), warnings, inspections, 13710 tasks, and the 12345
tickets of etl.demo.hotline.

Counts scale with population (tickets, inspections, tasks, most incidents) or area (weather
warnings, natural disasters); seasons follow Shanxi's calendar (summer floods, spring fires,
winter heating, gas and CO accidents).

The vocabularies are inline '|' tables: one line per entry, months as 12 weights from January.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cockpit.warehouse.events_base import REPORT_DEADLINE_MINUTES
from etl.demo.files import (
    FileResult,
    Plant,
    duplicate_plant,
    plant_rows,
    quarantined,
    replace_plants,
    save_csv,
    save_xlsx,
    spread_positions,
)
from etl.demo.hotline import write_hotline
from etl.demo.indicators import simulated_series
from etl.demo.kit import (
    choose,
    city_or_county,
    day_months,
    numbers,
    per_million_year,
    region_weights,
    simulated_rates,
    vocab,
    working_days,
)
from etl.demo.rates import RowRates, month_code, quarter_code
from etl.demo.regions import RegionBook
from etl.demo.spec import FILE_NAMES, DemoSpec

WARNINGS_HEADER = tuple(
    ["预警编号", "预警类型", "预警级别", "发布区域", "发布单位", "发布时间", "失效时间", "解除时间"]
)
INSPECTIONS_HEADER = tuple(
    [
        "任务编号",
        "所属地区",
        "检查部门",
        "行业领域",
        "计划日期",
        "完成日期",
        "是否发现问题",
        "罚没金额（万元）",
    ]
)
INSPECTIONS_SHEET = "双随机抽查"
TASKS_HEADER = tuple(
    [
        "任务编号",
        "任务名称",
        "任务类别",
        "责任单位",
        "所属地区",
        "规划任务序号",
        "交办日期",
        "办结时限",
        "办结日期",
    ]
)
INCIDENT_LEVELS = ("Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级")
COLORS = ("蓝色预警", "黄色预警", "橙色预警", "红色预警")
_TS = "%Y-%m-%d %H:%M:%S"
_WARN_TS = "%Y/%m/%d %H:%M"


_DAYTIME = numbers(".3 .2 .2 .2 .3 .5 .8 1 1.4 1.4 1.4 1.4 1.4 1.4 1.4 1.4 1.4 1.4 1.1 1 .9 .8 .6 .4")

# type | share | where (area share vs population) | odds of level I II III | loss factor
_INCIDENT_TYPES = {
    row[0]: (float(row[1]), float(row[2]), numbers(row[3]), float(row[4]))
    for row in vocab("""
        自然灾害|.30|.8|.003 .02 .13|1.5
        事故灾难|.50|.2|.002 .02 .15|1.0
        公共卫生事件|.08|0|0 .01 .10|.2
        社会安全事件|.12|0|0 .01 .08|.1
    """)
}
# Deaths (min max) for levels I..IV, after the national grading of 突发事件.
_DEATHS = {
    "自然灾害": ((10, 40), (3, 15), (0, 5), (0, 1)),
    "事故灾难": ((30, 40), (10, 29), (3, 9), (0, 2)),
    "公共卫生事件": ((0, 3), (0, 2), (0, 1), (0, 0)),
    "社会安全事件": ((0, 2), (0, 1), (0, 0), (0, 0)),
}
_LOSS = (15000.0, 3000.0, 350.0, 25.0)  # median direct loss (万元) for levels I..IV
# type | subtype | weight within type | months
_SUBTYPES = vocab("""
    自然灾害|强降雨引发山洪|1|0 0 0 0 .2 .8 2 2 .6 0 0 0
    自然灾害|暴雨引发城市内涝|.7|0 0 0 0 0 .6 2 1.6 .3 0 0 0
    自然灾害|山体滑坡|.6|0 0 .3 .3 .3 .5 1.2 1.2 .8 .3 0 0
    自然灾害|冰雹灾害|.4|0 0 0 0 .6 1 .8 .5 0 0 0 0
    自然灾害|森林火灾|.9|.3 .6 1.5 2 .8 0 0 0 0 .4 .4 .3
    自然灾害|低温冷冻灾害|.3|.5 .3 .3 .6 0 0 0 0 0 .2 .4 .4
    自然灾害|地震|.05|1 1 1 1 1 1 1 1 1 1 1 1
    事故灾难|煤矿透水事故|.25|.8 .8 .8 .8 .8 .8 1.4 1.4 .8 .8 .8 .8
    事故灾难|煤矿瓦斯事故|.2|1 1 1 1 1 1 1 1 1 1 1 1
    事故灾难|煤矿顶板事故|.3|1 1 1 1 1 1 1 1 1 1 1 1
    事故灾难|道路交通事故|1.2|1.3 1.3 1 1 1 1 1 1 1 1 1.3 1.3
    事故灾难|居民楼火灾|.8|1.5 1.2 .8 .8 .5 .5 .5 .5 .5 .8 1.2 1.6
    事故灾难|燃气爆炸事故|.4|1.2 1 .6 .25 .25 .25 .25 .25 .25 .25 .9 1.3
    事故灾难|一氧化碳中毒事件|.4|1.4 1 .4 0 0 0 0 0 0 .2 1 1.5
    事故灾难|建筑施工坍塌事故|.4|0 0 .5 .9 .9 .9 .9 .9 .9 .9 .4 0
    事故灾难|危化品泄漏事故|.3|1 1 1 1 1 1 1 1 1 1 1 1
    公共卫生事件|食物中毒事件|1|.3 .3 .3 .5 .8 1.2 1.5 1.5 1 .4 .4 .4
    公共卫生事件|学校诺如病毒聚集性疫情|.7|1 1 1 .6 .3 0 0 0 .3 .8 1.2 1.2
    公共卫生事件|职业中毒事件|.3|1 1 1 1 1 1 1 1 1 1 1 1
    社会安全事件|群体性讨薪事件|1|1.8 1.2 .4 .4 .4 .4 .4 .4 .4 .4 .8 1.6
    社会安全事件|校园安全事件|.6|.5 0 .8 .8 .8 .8 0 0 .8 .8 .8 .8
    社会安全事件|重大刑事案件|.5|1 1 1 1 1 1 1 1 1 1 1 1
""")
# hazard | share | durations (hours) | odds of blue yellow orange red | months
_HAZARDS = vocab("""
    暴雨|.22|6 12 24|.45 .35 .16 .04|0 0 0 0 .2 .6 1.5 1.5 .5 0 0 0
    大风|.15|12 24|.55 .35 .09 .01|.3 .4 .8 1 .6 0 0 0 0 .4 .6 .4
    寒潮|.10|24 48|.45 .35 .17 .03|.6 .5 .6 0 0 0 0 0 0 .4 1 .8
    高温|.12|24 48 72|0 .7 .27 .03|0 0 0 0 .2 1 1 .6 0 0 0 0
    森林火险|.10|24 48 72|0 .6 .33 .07|.2 .3 .8 1 .6 0 0 0 0 .3 .4 .2
    地质灾害|.08|24|0 .7 .25 .05|0 0 0 0 0 .3 1 1 .5 0 0 0
    大雾|.13|6 12|0 .6 .32 .08|1 .6 0 0 0 0 0 0 0 .5 .8 1
    道路结冰|.10|12 24|0 .65 .28 .07|1 .6 .2 0 0 0 0 0 0 0 .5 1
""")
# department | share | sectors
_INSPECTION_DEPTS = vocab("""
    市场监管局|.34|食品生产 食品经营 特种设备 产品质量 价格收费
    生态环境局|.14|排污许可 大气污染防治 危险废物
    应急管理局|.14|非煤矿山 危险化学品 工贸安全
    交通运输局|.10|道路运输 公路工程 驾驶员培训
    住建局|.10|建筑施工 房地产开发 物业服务
    卫生健康委|.10|医疗机构 公共场所卫生 职业卫生
    文旅局|.08|旅行社 娱乐场所 A级景区
""")
# provincial department | plan tasks (1..31) it leads
_PROVINCIAL_DEPTS = vocab("""
    省政务服务管理局|12 13 14 15
    省司法厅|1 2 3 4 5 6 7
    省应急管理厅|16 17 18
    省市场监管局|13 19 20
    省大数据局|26 27 28 29 30 31
    省发展改革委|21 22 23
    省审计厅|9 10
    省财政厅|10 11
    省人力资源社会保障厅|14 20
    省生态环境厅|19 25
""")
# category | deadlines (days; the 13710 rhythm for cases, months for projects) | odds | subjects
_TASK_KINDS = vocab("""
    重点交办|1 3 7 10|.15 .3 .35 .2|群众反映供暖不达标 企业反映审批时限过长 12345热线重复投诉 农民工工资拖欠 道路破损影响通行
    重点任务|30 60 90 180|.3 .3 .25 .15|推进政务服务事项全程网办 落实行政执法三项制度 提升12345热线办理质效 推进电子证照扩大应用
    重点改革|90 180 365|.3 .4 .3|承诺制审批 一枚印章管审批 综合行政执法 数据要素市场化配置 营商环境
    重点工程|180 365 540 730|.2 .4 .2 .2|数字政府一期 政务云扩容 电子政务外网升级改造 城市生命线安全 防汛应急能力提升
    重点项目|180 365 730|.3 .4 .3|一体化政务服务平台 12345热线智能化升级 应急指挥信息化 智慧监管平台 公共数据开放平台
""")
_TASK_TITLE = {
    "重点交办": "关于{place}{s}问题的督办件",
    "重点任务": "{place}{s}",
    "重点改革": "{place}深化{s}改革",
}


def write_event_files(
    out_dir: Path, book: RegionBook, geometries: gpd.GeoDataFrame, spec: DemoSpec, with_bad_rows: bool,
    indicators: pd.DataFrame | None = None,
) -> list[FileResult]:  # fmt: skip
    """``indicators``: the catalogue, so rows follow the plan's simulated rates where a rate is
    reported from them (双随机 coverage), as a region's real rows would."""
    return [
        _incidents(out_dir, book, geometries, spec, with_bad_rows, indicators),
        _warnings(out_dir, book, spec, with_bad_rows),
        write_hotline(out_dir, book, spec, with_bad_rows, indicators),
        _inspections(out_dir, book, spec, with_bad_rows, indicators),
        _tasks(out_dir, book, spec, with_bad_rows, indicators),
    ]


# -- emergency incidents ------------------------------------------------------------------------


def _points(geom: Any, count: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Points strictly inside ``geom``, checked after rounding to the 6 decimals that are written."""
    minx, miny, maxx, maxy = geom.bounds
    out: list[tuple[float, float]] = []
    while len(out) < count:
        m = max(64, 4 * (count - len(out)))
        x = np.round(rng.uniform(minx, maxx, m), 6)
        y = np.round(rng.uniform(miny, maxy, m), 6)
        ok = shapely.contains_xy(geom, x, y)
        out.extend(zip(x[ok].tolist(), y[ok].tolist(), strict=True))
    return out[:count]


def _incidents(
    out_dir: Path, book: RegionBook, geometries: gpd.GeoDataFrame, spec: DemoSpec, bad: bool,
    indicators: pd.DataFrame | None = None,
) -> FileResult:  # fmt: skip
    rng = spec.rng("incidents")
    # Reports miss the deadline as often as the county's simulated 按时报送率 for the month says.
    ontime = dict(zip(book.counties, simulated_rates(indicators, book, spec, "emergency_report_ontime_rate",
                                            list(book.counties), 97.0), strict=True))  # fmt: skip
    geoms = {str(k): g for k, g in geometries.geometry.items() if g is not None and not g.is_empty}
    counties = [c for c in book.counties if c in geoms]
    if not counties:
        raise ValueError("geometries hold no county of the province")
    start, as_of = spec.span_start, spec.as_of
    months = day_months(spec)
    per_day = per_million_year(book, spec, spec.incidents_per_million) / len(months)  # ≈ 220 a year
    hour_p = _DAYTIME / _DAYTIME.sum()
    drafts: list[tuple[datetime, str, str, str, int]] = []  # occurred, type, subtype, county, stage
    for kind, (share, area_share, _, _) in _INCIDENT_TYPES.items():
        subs = [s for s in _SUBTYPES if s[0] == kind]
        sub_total = sum(float(s[2]) for s in subs)
        where = region_weights(book, counties, area_share)
        for _, sub, weight, season in subs:
            seasonal = numbers(season) / numbers(season).mean()
            counts = rng.poisson(per_day * share * float(weight) / sub_total * seasonal[months - 1])
            for day in np.repeat(np.arange(len(months)), counts).tolist():
                # Nature strikes at any hour; accidents and crowds follow human activity.
                hour = int(rng.integers(24)) if kind == "自然灾害" else int(rng.choice(24, p=hour_p))
                when = start + timedelta(days=day, hours=hour, seconds=int(rng.integers(3600)))
                drafts.append((when, kind, sub, counties[int(rng.choice(len(counties), p=where))], -1))
    drafts = [d for d in drafts if d[0] < as_of - timedelta(hours=6)]  # reports take up to 6 hours
    # Something is always going on when the leadership looks: three incidents of the last days,
    # pinned at 已报告 / 处置中 / 已控制 (stage 0, 1, 2).
    in_season = [
        (s[0], s[1])
        for s in _SUBTYPES
        if s[0] in ("事故灾难", "自然灾害") and float(s[2]) >= 0.2 and numbers(s[3])[as_of.month - 1] >= 0.8
    ]
    for stage, ago in enumerate((timedelta(minutes=50), timedelta(hours=9), timedelta(days=2, hours=6))):
        kind, sub = in_season[int(rng.integers(len(in_season)))]
        when = (as_of - ago).replace(second=int(rng.integers(60)), microsecond=0)
        drafts.append(
            (
                when,
                kind,
                sub,
                counties[int(rng.choice(len(counties), p=region_weights(book, counties)))],
                stage,
            )
        )
    drafts.sort(key=lambda d: (d[0], d[3], d[2]))

    by_county: dict[str, int] = {}
    for d in drafts:
        by_county[d[3]] = by_county.get(d[3], 0) + 1
    points = {c: iter(_points(geoms[c], k, rng)) for c, k in sorted(by_county.items())}
    seq: dict[int, int] = {}
    used: dict[tuple[int, int], int] = {}  # (year, level) → level I/II incidents so far
    records: list[dict[str, Any]] = []
    for draft in drafts:
        year = draft[0].year
        seq[year] = seq.get(year, 0) + 1
        records.append(
            _incident(
                rng, spec, book, draft, f"YJ{year}-{seq[year]:06d}", next(points[draft[3]]), used, ontime
            )
        )

    # 突发事件信息按时报送率 as the records give it: reported within the deadline, per county and month.
    rates = RowRates()
    for r in records:
        if r["reportTime"]:
            occurred = datetime.strptime(r["occurTime"], _TS)
            minutes = (datetime.strptime(r["reportTime"], _TS) - occurred).total_seconds() / 60
            in_time = int(minutes <= REPORT_DEADLINE_MINUTES)
            rates.add("emergency_report_ontime_rate", r["areaCode"], month_code(occurred), in_time, 1)
    plants: list[Plant] = []
    if bad:
        pos = spread_positions(len(records), 2, spec.rng("incidents:bad"))
        cases = (
            ("bad_enum", "eventLevel", "Ⅴ级"),
            ("bad_timestamp", "occurTime", f"{as_of.year}-02-30 10:00:00"),
        )
        for at, (reason, key, value) in zip(pos, cases, strict=True):
            year = int(records[at]["eventId"][2:6])
            seq[year] += 1  # a fresh id: the record is wrong only in the planted field
            row = {**records[at], "eventId": f"YJ{year}-{seq[year]:06d}", key: value}
            plants.append(Plant(reason, at, row, column=key, value=value))
    final, entries = plant_rows(records, plants, FILE_NAMES["emergency_incidents"])
    path = out_dir / FILE_NAMES["emergency_incidents"]
    dump = {"code": 0, "msg": "ok", "total": len(final), "data": final}
    path.write_text(json.dumps(dump, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return FileResult("emergency_incidents", path, len(final), "utf-8", entries, rates=rates)


def _incident(
    rng: np.random.Generator,
    spec: DemoSpec,
    book: RegionBook,
    draft: tuple[datetime, str, str, str, int],
    event_id: str,
    point: tuple[float, float],
    used: dict[tuple[int, int], int],
    ontime: dict[str, np.ndarray],
) -> dict[str, Any]:
    """One API record; ``stage`` >= 0 pins a planted current incident at 已报告/处置中/已控制.
    ``used`` counts the year's level I and II incidents so far: past ``spec.level_caps`` an event
    is graded one level lower (its casualties and losses are then drawn for that level)."""
    occurred, kind, sub, county, stage = draft
    as_of = spec.as_of
    odds = _INCIDENT_TYPES[kind][2]
    level = int(rng.choice(4, p=[*odds, 1 - odds.sum()]))
    while level < 2 and used.get((occurred.year, level), 0) >= spec.level_caps[level]:
        level += 1
    if level < 2:
        used[(occurred.year, level)] = used.get((occurred.year, level), 0) + 1
    if stage >= 0:
        level = max(level, 2)  # the planted current incidents are ordinary ones
    lo, hi = _DEATHS[kind][level]
    deaths = int(rng.integers(lo, hi + 1))
    if kind == "公共卫生事件":  # the sick count as injured: <30 for IV, 30–99 for III …
        injured = int(rng.integers(*((100, 300), (100, 200), (30, 99), (5, 29))[level]))
    else:
        injured = int(rng.poisson((40, 15, 5, 1.2)[level]))
    loss = round(float(_LOSS[level] * _INCIDENT_TYPES[kind][3] * rng.lognormal(0.0, 0.8)), 2)
    fast = 0.6 if level <= 1 else 1.0  # big events are reported and handled faster
    (y0, m0), months = spec.start_ym, len(spec.months())
    t = min(max((occurred.year - y0) * 12 + occurred.month - m0, 0), months - 1)
    if rng.random() * 100 >= ontime[county][t]:  # this report misses the deadline
        minutes = float(rng.uniform(REPORT_DEADLINE_MINUTES + 1, 360.0))
    else:
        minutes = min(float(REPORT_DEADLINE_MINUTES), max(3.0, 18 * fast * rng.lognormal(0, 0.6)))
    report = occurred + timedelta(minutes=minutes)
    respond = report + timedelta(minutes=max(5.0, 20 * fast * rng.lognormal(0, 0.6)))
    slow = 1.5 if kind == "自然灾害" else 1.0
    control = respond + timedelta(hours=(48, 24, 10, 4)[level] * slow * rng.lognormal(0, 0.7))
    # Once under control an incident is closed within days (the aftermath of a 特别重大 one takes longer).
    close = control + timedelta(days=min(21.0, (7, 4, 2, 1)[level] * rng.lognormal(0, 0.5)))
    if stage >= 0:
        report = min(report, occurred + timedelta(minutes=20))
        respond = min(respond, report + timedelta(minutes=40))
        control = max(respond + timedelta(hours=1), min(control, as_of - timedelta(hours=20)))
        later = as_of + timedelta(hours=1)
        respond = respond if stage >= 1 else later
        control = control if stage >= 2 else later
        close = later
    stamps = (report, respond, control, close)
    reached = sum(t <= as_of for t in stamps)
    blank = None if rng.random() < 0.5 else ""  # the API writes both for "not yet"
    updated = min(
        as_of, max(t for t in (occurred, *stamps) if t <= as_of) + timedelta(minutes=int(rng.integers(2, 90)))
    )
    what = sub if sub != "地震" else f"{rng.uniform(3.0, 4.6):.1f}级地震"
    times = dict(zip(("reportTime", "responseTime", "controlTime", "closeTime"), stamps, strict=True))
    return {
        "eventId": event_id,
        "eventName": f"{book.display[county]}{what}",
        "eventType": kind,
        "eventLevel": INCIDENT_LEVELS[level],
        "areaCode": county,
        "longitude": point[0],
        "latitude": point[1],
        "status": ("已报告", "处置中", "已控制", "已结案")[reached - 1],
        "occurTime": occurred.strftime(_TS),
        **{k: (t.strftime(_TS) if t <= as_of else blank) for k, t in times.items()},
        "deathNum": deaths,
        "injuredNum": injured,
        "directLoss": loss,
        "updateTime": updated.strftime(_TS),
    }


# -- warnings -----------------------------------------------------------------------------------


def _warnings(out_dir: Path, book: RegionBook, spec: DemoSpec, bad: bool) -> FileResult:
    rng = spec.rng("warnings")
    start, as_of = spec.span_start, spec.as_of
    months = day_months(spec)
    area = book.area[book.province] or sum(book.area[c] for c in book.counties) or 156_700.0
    per_day = 420.0 * area / 156_700 / 365.25  # about 420 a year over Shanxi's 156,700 km²
    county_p = region_weights(book, book.counties, area_share=1.0)
    hour_p = _DAYTIME / _DAYTIME.sum()
    drafts: list[tuple[datetime, str, int, str, int]] = []  # issued, hazard, colour, region, hours
    for name, share, durations, odds, season in _HAZARDS:
        seasonal = numbers(season) / numbers(season).mean()
        counts = rng.poisson(per_day * float(share) * seasonal[months - 1])
        for day in np.repeat(np.arange(len(months)), counts).tolist():
            hour, minute = int(rng.choice(24, p=hour_p)), int(rng.integers(60))
            issued = start + timedelta(days=day, hours=hour, minutes=minute)
            colour = int(rng.choice(4, p=numbers(odds)))
            span = int(choose(rng, durations.split()))
            drafts.append((issued, name, colour, city_or_county(rng, book, 0.35, county_p), span))
    drafts = [d for d in drafts if d[0] < as_of - timedelta(days=2)]
    # Warnings in force now, in season, up to red: the big screen's alert strip is never empty.
    for colour in (1, 0, 2, 1, 2, 3):
        options = [h for h in _HAZARDS if numbers(h[4])[as_of.month - 1] > 0 and numbers(h[3])[colour] > 0]
        pick = options[int(rng.integers(len(options)))]
        issued = (as_of - timedelta(hours=float(rng.uniform(1, 30)))).replace(second=0, microsecond=0)
        span = max(int(pick[2].split()[-1]), math.ceil((as_of - issued).total_seconds() / 3600) + 6)
        drafts.append((issued, pick[0], colour, str(choose(rng, book.counties + book.cities)), span))
    drafts.sort(key=lambda d: (d[0], d[3], d[1]))
    rows: list[list[str]] = []
    for n, (issued, hazard, colour, region, hours) in enumerate(drafts, start=1):
        lifted = ""
        if as_of - issued > timedelta(days=2) and rng.random() < 0.35:  # lifted early
            lifted_at = issued + timedelta(minutes=int(hours * 60 * rng.uniform(0.3, 0.9)))
            lifted = lifted_at.strftime(_WARN_TS) if lifted_at <= as_of else ""
        city = book.name[book.city_of(region)]
        if hazard == "地质灾害":
            issuer = f"{city}自然资源局"
        elif book.level[region] == "county" and book.name[region][-1] in "县市":  # counties run a station
            issuer = f"{book.display[region]}气象台"
        else:
            issuer = f"{city}气象台"
        expires = issued + timedelta(hours=hours)
        times = (issued.strftime(_WARN_TS), expires.strftime(_WARN_TS), lifted)
        rows.append(
            [
                f"{region}_{issued:%Y%m%d%H%M}_{n:05d}",
                hazard,
                COLORS[colour],
                book.display[region],
                issuer,
                *times,
            ]
        )
    plants: list[Plant] = []
    if bad:
        old = sum(1 for d in drafts if d[0] < as_of - timedelta(days=7))  # never the ones in force
        cases = [("bad_enum", 2, "紫色预警"), ("bad_timestamp", 5, f"{as_of.year}/02/30 10:00")]
        cases += [("ambiguous_region", 3, n) for n in book.ambiguous_names[:1]]
        cases += [("unknown_region", 3, book.foreign[1]), ("missing_required", 1, "")]
        plants = replace_plants(
            rows, spread_positions(old, 5, spec.rng("warnings:bad")), cases, WARNINGS_HEADER
        )
    return save_csv(out_dir, "emergency_warnings", WARNINGS_HEADER, rows, plants, "utf-8")


# -- inspections --------------------------------------------------------------------------------


def _inspections(
    out_dir: Path, book: RegionBook, spec: DemoSpec, bad: bool, indicators: pd.DataFrame | None
) -> FileResult:
    rng = spec.rng("inspections")
    # How many planned inspections a region gets done: its simulated 双随机覆盖率 for the quarter.
    coverage = (
        simulated_series(indicators, book, spec, "double_random_coverage_rate")
        if indicators is not None
        else {}
    )
    quarter_at = {yq: i for i, yq in enumerate(spec.quarters())}
    workdays = working_days(spec)
    count = per_million_year(book, spec, 100 * spec.inspections_per_10k)
    planned = sorted(workdays[i] for i in rng.integers(0, len(workdays), count))
    county_p = region_weights(book, book.counties)
    depts = [d[0] for d in _INSPECTION_DEPTS]
    dept_p = [float(d[1]) for d in _INSPECTION_DEPTS]
    today = spec.as_of.date()
    rows: list[list[Any]] = []
    codes: list[str] = []
    seq: dict[int, int] = {}
    for day in planned:
        region = city_or_county(rng, book, 0.15, county_p)
        codes.append(region)
        k = int(rng.choice(len(depts), p=np.array(dept_p) / sum(dept_p)))
        sector = choose(rng, _INSPECTION_DEPTS[k][2].split())
        done: date | None = day + timedelta(days=int(abs(rng.normal(0, 10))))
        t = quarter_at.get((day.year, (day.month - 1) // 3 + 1))
        share = float(coverage[region][t]) / 100 if region in coverage and t is not None else 0.97
        # A backlog of this quarter's (the quarter still running; its rate is not reported yet).
        stalled = rng.random() < 0.1 and (day.year, (day.month - 1) // 3) == (
            today.year,
            (today.month - 1) // 3,
        )
        if stalled or rng.random() >= share or (done is not None and done > today):
            done = None
        found: str | None = None
        penalty: float | None = None
        if done is not None:
            found = "是" if rng.random() < (0.26 if region in book.lagging_counties else 0.17) else "否"
            if found == "是":  # a problem found; about half end in a fine
                penalty = round(float(rng.lognormal(math.log(1.2), 1.0)), 2) if rng.random() < 0.55 else 0.0
        seq[day.year] = seq.get(day.year, 0) + 1
        rows.append(
            [
                f"SJ{day.year}{seq[day.year]:05d}",
                book.display[region],
                depts[k],
                sector,
                day,
                done,
                found,
                penalty,
            ]
        )
    plants: list[Plant] = []
    if bad:
        cases = [("ambiguous_region", 1, n) for n in book.ambiguous_names[:1]]
        cases += [("bad_timestamp", 4, f"{spec.as_of.year}-02-30")]
        plants = replace_plants(
            rows, spread_positions(len(rows), 2, spec.rng("inspections:bad")), cases, INSPECTIONS_HEADER
        )
    # 双随机抽查覆盖率 as the rows give it: planned in the quarter and done, leaving out refused rows.
    rates = RowRates()
    refused = quarantined(plants)
    for i, (row, region) in enumerate(zip(rows, codes, strict=True)):
        if i not in refused:
            rates.add("double_random_coverage_rate", region, quarter_code(row[4]), int(row[5] is not None), 1)
    widths = (14, 18, 12, 12, 12, 12, 12, 16)
    return save_xlsx(
        out_dir,
        "inspections",
        INSPECTIONS_SHEET,
        INSPECTIONS_HEADER,
        rows,
        plants,
        spec.as_of,
        widths=widths,
        rates=rates,
    )


# -- 13710 supervised tasks ---------------------------------------------------------------------


def _tasks(
    out_dir: Path, book: RegionBook, spec: DemoSpec, bad: bool, indicators: pd.DataFrame | None = None
) -> FileResult:
    rng = spec.rng("tasks_13710")
    # Tasks are done by their deadline as often as the region's simulated 按期办结率 for that month says.
    codes = list(book.all_codes)
    ontime_model = dict(
        zip(
            codes, simulated_rates(indicators, book, spec, "task_13710_ontime_rate", codes, 96.0), strict=True
        )
    )
    (y0, m0), n_months = spec.start_ym, len(spec.months())
    workdays = working_days(spec)
    assigned = sorted(workdays[i] for i in rng.integers(0, len(workdays), per_million_year(book, spec, 20)))
    county_p = region_weights(book, book.counties)
    today = spec.as_of.date()
    depts = {d[0]: [int(x) for x in d[1].split()] for d in _PROVINCIAL_DEPTS}
    kinds = {k[0]: k for k in _TASK_KINDS}
    rows: list[list[str]] = []
    facts: list[tuple[str, date, date | None]] = []  # region, deadline, done: for the reported rates
    seq: dict[int, int] = {}
    for day in assigned:
        provincial = rng.random() < 0.45
        region = book.province if provincial else city_or_county(rng, book, 0.55, county_p)
        unit = str(choose(rng, list(depts))) if provincial else f"{book.display[region]}人民政府"
        cat_p = (0.3, 0.35, 0.15, 0.1, 0.1) if provincial else (0.5, 0.3, 0.05, 0.08, 0.07)
        category = str(choose(rng, list(kinds), cat_p))
        _, spans, odds, subjects = kinds[category]
        if category == "重点交办" and provincial:
            region = book.counties[int(rng.choice(len(book.counties), p=county_p))]  # filed where it happened
        place = "" if region == book.province else book.display[region]
        subject = choose(rng, subjects.split())
        title = _TASK_TITLE.get(category, "{place}{s}" + category[-2:]).format(place=place, s=subject)
        plan_no = ""
        if provincial and rng.random() < 0.7:
            plan_no = str(choose(rng, depts[unit]))
        elif not provincial and rng.random() < 0.4:
            plan_no = str(int(rng.integers(1, 32)))
        span = int(choose(rng, spans.split(), numbers(odds)))
        deadline = day + timedelta(days=span)
        t = min(max((deadline.year - y0) * 12 + deadline.month - m0, 0), n_months - 1)
        on_time = float(ontime_model[region][t]) / 100
        lag = region in book.lagging_counties or book.city_of(region) in book.lagging_cities
        r = rng.random()
        done: date | None
        if rng.random() < (0.04 if lag else 0.02) and (today - day).days < 400:
            done = None  # stuck this year: overdue and open once the deadline passes (13710 须清零)
        elif r < on_time:
            done = day + timedelta(days=math.ceil(span * float(rng.uniform(0.25, 1.0))))
        elif r < on_time + (1 - on_time) / 2 and (today - day).days < 400:
            done = None  # stuck this year: overdue and open once the deadline passes
        else:
            done = deadline + timedelta(days=int(rng.integers(1, max(3, span // 3) + 1)))  # closed late
        if done is not None and done > today:
            done = None
        seq[day.year] = seq.get(day.year, 0) + 1
        region_name = book.name[region] if region == book.province else book.display[region]
        dates = (day.isoformat(), deadline.isoformat(), "" if done is None else done.isoformat())
        rows.append([f"DB{day.year}{seq[day.year]:05d}", title, category, unit, region_name, plan_no, *dates])
        facts.append((region, deadline, done))
    plants: list[Plant] = []
    if bad:
        pos = spread_positions(len(rows), 5, spec.rng("tasks_13710:bad"))
        cases = [("unknown_region", 4, book.foreign[1]), ("bad_timestamp", 6, f"{spec.as_of.year}-02-30")]
        cases += [("missing_required", 3, ""), ("not_a_number", 5, "第3项")]
        plants = replace_plants(rows, pos[:4], cases, TASKS_HEADER)
        plants.append(duplicate_plant(rows, pos[4], pos[4] - 3))
    rates = _task_rates(spec, [f for i, f in enumerate(facts) if i not in quarantined(plants)])
    # Exported from the 13710 system's Excel: GBK and CRLF.
    return save_csv(
        out_dir, "supervision_tasks_13710", TASKS_HEADER, rows, plants, "gbk", newline="\r\n", rates=rates
    )


def _task_rates(spec: DemoSpec, facts: list[tuple[str, date, date | None]]) -> RowRates:
    """13710 按期办结率 and 清零率 for each reported month: the tasks due from 1 January to the month's
    end, done by their deadline (按期) and done by the month's end (清零)."""
    rates = RowRates()
    for year, month in spec.months():
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        period = f"{year}-{month:02d}"
        for region, deadline, done in facts:
            if deadline.year == year and deadline <= end:
                rates.add(
                    "task_13710_ontime_rate", region, period, int(done is not None and done <= deadline), 1
                )
                rates.add(
                    "task_13710_clearance_rate", region, period, int(done is not None and done <= end), 1
                )
    return rates
