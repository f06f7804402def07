"""Demo 12345 tickets: the file the build writes, and the tickets a served demo adds as the day goes.

Volume follows population, the hour of day, the weekday and each category's season, growing 12% a
year. A county's tickets are closed and rated as its simulated 办结率 and 满意率 for the month say,
so the rates it reports are its rows' (etl.demo.rates). The build's file is written in day-aligned
chunks with vectorised numpy so that 10 million tickets stay within bounded memory.

After the build, ``live_tickets`` continues the same model hour by hour past the build's ``as_of``:
each hour's tickets come from their own random stream, so regenerating them later gives the same
tickets with their state at the later moment (a ticket closes when its time comes).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl.demo.files import FileResult, spread_positions, with_counterparts
from etl.demo.kit import numbers, people, region_weights, simulated_rates, vocab
from etl.demo.rates import RowRates
from etl.demo.regions import RegionBook
from etl.demo.spec import FILE_NAMES, DemoSpec

HOTLINE_HEADER = tuple(
    [
        "工单编号",
        "区划代码",
        "受理时间",
        "来源渠道",
        "诉求类别",
        "诉求主题",
        "是否按时响应",
        "办结时间",
        "满意度",
    ]
)
_HOURS = numbers(".2 .15 .1 .1 .1 .2 .5 1.5 4 7 8 7.5 4.5 4.5 6.5 7 7 6 4 3.5 3.5 3 2 1")
_WEEKDAY = numbers("1.15 1.08 1.05 1.03 1 .72 .65")  # Monday first: people call on working days
# category | share | months | topics
_CATEGORIES = vocab("""
    城乡建设|.16|1 1 1 1 1 1 1 1 1 1 1 1|物业管理 小区配套设施 违章建筑 房屋质量 老旧小区改造 房产证办理
    环境保护|.08|.9 .9 .9 .9 1.25 1.25 1.25 1.25 1.25 .9 .9 .9|噪音扰民 大气污染 油烟扰民 水污染 垃圾清运
    劳动保障|.10|1.6 1.2 .9 .9 .9 .9 .9 .9 .9 .9 .9 1.7|拖欠工资 社保缴纳 劳动合同纠纷 养老保险 就业创业
    交通运输|.08|1 1 1 1 1 1 1 1 1 1 1 1|出租车服务 公交线路 道路破损 停车管理 交通信号设施
    市场监管|.12|1 1 1 1 1 1 1 1 1 1 1 1|消费维权 食品安全 价格投诉 虚假宣传 预付卡退费
    教育|.06|.7 1.3 1.3 1 1 1 .8 1.1 1.5 .9 .9 .9|招生入学 校外培训 教育收费 校园安全 师德师风
    医疗卫生|.07|1 1 1 1 1 1 1 1 1 1 1 1|医疗服务 医保报销 药品价格 疫苗接种 医患纠纷
    供暖|.07|3.5 2 1.2 .1 .1 .1 .1 .1 .1 .8 4 4|室温不达标 暖气不热 供暖收费 管道漏水 停暖报修
    供水供电|.08|.8 .8 .8 .8 .8 1.8 1.8 1.8 .8 .8 .8 .8|停水 水质问题 停电 电压不稳 水电费争议
    社会治安|.05|1 1 1 1 1 1 1 1 1 1 1 1|治安隐患 邻里纠纷 电信网络诈骗 流动摊贩
    其他|.13|1 1 1 1 1 1 1 1 1 1 1 1|政策咨询 意见建议 表扬感谢 其他诉求
""")
_CHANNELS = ("电话", "网站", "微信", "APP", "12345小程序")
_CHANNEL_FIRST = numbers(".68 .10 .12 .05 .05")  # phone dominated in 2021 …
_CHANNEL_LAST = numbers(".45 .06 .19 .12 .18")  # … apps and the mini-programme took over
_CHUNK_ROWS = 200_000
_MOODS = np.array(["满意", "基本满意", "不满意", "未评价"])
_YES_NO = np.array(["否,", "是,"])


def hotline_total(book: RegionBook, spec: DemoSpec) -> int:
    """Tickets from ``spec.hotline_start`` to as_of: the fixed count, or the per-resident rate."""
    if spec.hotline_tickets is not None:
        return spec.hotline_tickets
    years = (spec.as_of - spec.hotline_start).total_seconds() / (365.25 * 86400)
    return round(spec.hotline_per_10k * people(book) / 1e4 * years)


def _hour_share() -> tuple[np.ndarray, np.ndarray]:
    hour_p = _HOURS / _HOURS.sum()
    return hour_p, np.concatenate([[0.0], np.cumsum(hour_p)])


def _day_fraction(moment: datetime) -> float:
    """The share of a day's calls that came in before ``moment`` on its day."""
    hour_p, hour_cdf = _hour_share()
    into_hour = (moment.minute * 60 + moment.second) / 3600
    return float(hour_cdf[moment.hour] + hour_p[moment.hour] * into_hour)


@dataclass
class _Model:
    """Everything a ticket row is drawn from, for the days from the span's start to ``last_day``."""

    spec: DemoSpec
    days: np.ndarray  # datetime64[D]
    volume: np.ndarray  # (day, category): expected tickets that day
    build_share: np.ndarray  # each (day, category)'s share of the build's total, flattened
    counties: list[str]
    county_p: np.ndarray
    lagging: np.ndarray
    year_index: np.ndarray  # per day, into channel_cdf
    channel_cdf: np.ndarray
    topic_off: np.ndarray
    topic_cdf: np.ndarray
    close_model: np.ndarray
    sat_model: np.ndarray
    stat_month: np.ndarray  # per day
    # Lookup tables: every field is a fancy-index into preformatted strings, separators included.
    day_sp: np.ndarray
    day_id: np.ndarray
    tod: np.ndarray
    tod_c: np.ndarray
    code_c: np.ndarray
    combo: np.ndarray
    n_topics: int

    @classmethod
    def build(
        cls, book: RegionBook, spec: DemoSpec, indicators: pd.DataFrame | None, last_day: date | None = None
    ) -> _Model:
        start, as_of = spec.span_start, spec.as_of
        last = max(last_day or as_of.date(), as_of.date())
        days = np.datetime64(start.date(), "D") + np.arange((last - start.date()).days + 1)
        n_base = (as_of.date() - start.date()).days + 1  # the build's days: their volume sums to the total
        month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        years = days.astype("datetime64[Y]").astype(np.int64) - days[0].astype("datetime64[Y]").astype(
            np.int64
        )
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        season = np.array([numbers(c[2]) for c in _CATEGORIES]).T  # (12, categories)
        day_w = 1.12 ** (np.arange(len(days)) / 365.25) * _WEEKDAY[weekday]  # 12% more calls a year
        lam = (
            day_w[:, None]
            * np.array([float(c[1]) for c in _CATEGORIES])
            * (season / season.mean(axis=0))[month - 1]
        )
        first = (spec.hotline_start.date() - start.date()).days
        lam[:first] = 0.0  # before the tickets' first day the monthly indicator feed carries the volume
        base = lam[:n_base].copy()
        base[-1] *= _day_fraction(as_of)  # the build's last day counts only its hours so far
        volume = lam * (hotline_total(book, spec) / base.sum())

        counties = list(book.counties)
        close_model = simulated_rates(indicators, book, spec, "hotline_close_rate", counties, 98.0)
        sat_model = simulated_rates(indicators, book, spec, "hotline_satisfaction_rate", counties, 93.0)
        first_stat = np.datetime64(f"{spec.start}", "M")
        stat_month = np.minimum(
            (days.astype("datetime64[M]") - first_stat).astype(np.int64), close_model.shape[1] - 1
        )  # the statistics month of each day (the latest one for days after it)
        base_years = int(years[n_base - 1]) + 1
        mix = np.linspace(0, 1, base_years)[:, None]
        channel_cdf = np.cumsum((1 - mix) * _CHANNEL_FIRST + mix * _CHANNEL_LAST, axis=1)
        channel_cdf[:, -1] = 1.0
        topic_lists = [c[3].split() for c in _CATEGORIES]
        topic_off = np.cumsum([0] + [len(t) for t in topic_lists])
        topic_cdf = np.ones((len(_CATEGORIES), max(len(t) for t in topic_lists)))
        for i, topics in enumerate(topic_lists):
            w = 0.8 ** np.arange(len(topics))  # a few topics carry most calls
            topic_cdf[i, : len(w)] = np.cumsum(w / w.sum())

        add = np.char.add
        day_str = np.datetime_as_string(days, unit="D")
        tod = np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)])
        combo = np.array(
            [
                f"{ch},{c[0]},{t},"
                for ch in _CHANNELS
                for c, ts in zip(_CATEGORIES, topic_lists, strict=True)
                for t in ts
            ]
        )
        return cls(
            spec=spec,
            days=days,
            volume=volume,
            build_share=(base / base.sum()).ravel(),
            counties=counties,
            county_p=region_weights(book, counties),
            lagging=np.array([c in book.lagging_counties for c in counties]),
            year_index=np.minimum(years, base_years - 1),
            channel_cdf=channel_cdf,
            topic_off=topic_off,
            topic_cdf=topic_cdf,
            close_model=close_model,
            sat_model=sat_model,
            stat_month=stat_month,
            day_sp=add(day_str, " "),
            day_id=add("GD", np.char.replace(day_str, "-", "")),
            tod=tod,
            tod_c=add(tod, ","),
            code_c=np.array([f"{c}," for c in counties]),
            combo=combo,
            n_topics=int(topic_off[-1]),
        )

    def seconds(self, moment: datetime) -> int:
        return int((moment - self.spec.span_start).total_seconds())

    def rows(
        self, rng: np.random.Generator, day: np.ndarray, cat: np.ndarray, sec: np.ndarray, now_sec: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows without their 工单编号, as they stand at ``now_sec``: (text from 区划代码 on, county
        index, still open, mood: 0 满意 1 基本满意 2 不满意 3 未评价)."""
        n = len(day)
        add = np.char.add
        county = rng.choice(len(self.counties), size=n, p=self.county_p)
        lag = self.lagging[county]
        yi = self.year_index[day]
        channel = (rng.random(n)[:, None] > self.channel_cdf[yi]).sum(axis=1)
        topic = self.topic_off[cat] + (rng.random(n)[:, None] > self.topic_cdf[cat]).sum(axis=1)
        on_time = rng.random(n) < np.minimum(0.93 + 0.008 * yi, 0.975) - 0.09 * lag
        hours = 28 * rng.lognormal(0.0, 0.9, n) * np.where(lag, 1.8, 1.0)
        hours = hours * np.where(rng.random(n) < 0.02, 15.0, 1.0)  # a few drag on for weeks
        created = day.astype(np.int64) * 86400 + sec
        closed = created + (hours * 3600).astype(np.int64)
        sm = self.stat_month[day]
        # Some tickets stay open (transferred, disputed): as many as the county's 办结率 leaves.
        stuck = rng.random(n) >= self.close_model[county, sm] / 100
        is_open = (closed > now_sec) | stuck
        # Rated tickets are satisfied (满意 or 基本满意) as often as the county's 满意率 says.
        p_sat = self.sat_model[county, sm] / 100
        s = rng.random(n)
        mood = np.where(s < 0.7 * p_sat, 0, np.where(s < p_sat, 1, 2))
        mood = np.where(is_open | (rng.random(n) < 0.15), 3, mood)
        cday = np.minimum(closed // 86400, len(self.days) - 1)
        closed_txt = np.where(is_open, "", add(self.day_sp[cday], self.tod[closed % 86400]))
        line = add(self.code_c[county], add(self.day_sp[day], self.tod_c[sec]))
        line = add(add(line, self.combo[channel * self.n_topics + topic]), _YES_NO[on_time.astype(int)])
        return add(line, add(add(closed_txt, ","), _MOODS[mood])), county, is_open, mood


def write_hotline(
    out_dir: Path, book: RegionBook, spec: DemoSpec, bad: bool, indicators: pd.DataFrame | None = None
) -> FileResult:
    """The build's tickets, from the span's start to ``spec.as_of``."""
    rng = spec.rng("hotline")
    model = _Model.build(book, spec, indicators)
    n_days = len(model.days)
    hour_p, hour_cdf = _hour_share()
    today_frac = _day_fraction(spec.as_of)
    cats = len(_CATEGORIES)
    # The expected volumes already hold today's share so far: the draw spreads the total over them.
    counts = rng.multinomial(hotline_total(book, spec), model.build_share).reshape(n_days, cats)
    seq_c = np.array([f"{i:06d}," for i in range(int(counts.sum(axis=1).max()) + 2)])
    as_of_sec = model.seconds(spec.as_of)

    plants: dict[int, tuple[str, int, str]] = {}
    total = int(counts.sum())
    if bad and total >= 100:  # a handful of tickets has no room for five bad rows
        cases = [("unknown_region", 1, book.foreign[0]), ("duplicate_key", -1, "")]
        cases += [("bad_timestamp", 2, f"{spec.as_of.year}-02-30 10:00:00"), ("conflicting_duplicate", 6, "")]
        cases += [("missing_required", 4, "")]
        plants = dict(zip(spread_positions(total, 5, spec.rng("hotline:bad")), cases, strict=True))
    entries: list[dict[str, Any]] = []
    path = out_dir / FILE_NAMES["hotline_tickets"]
    # What the 12345 system's own count says, per county and month: tickets (n), closed, rated and
    # satisfied (满意 or 基本满意), leaving out the planted rows the loader will refuse.
    days = model.days
    mon = (days.astype("datetime64[M]") - days[0].astype("datetime64[M]")).astype(np.int64)
    n_months = int(mon[-1]) + 1
    tally = np.zeros((4, len(model.counties) * n_months), dtype=np.int64)
    # A chunk ends on the day its running total crosses a multiple of _CHUNK_ROWS; days are never split.
    cum = np.cumsum(counts.sum(axis=1))
    ends = np.flatnonzero(np.diff(cum // _CHUNK_ROWS, prepend=0)) + 1
    edges = [0, *[int(e) for e in ends if 0 < e < n_days], n_days]
    written = done = 0
    with path.open("wb") as fh:
        fh.write((",".join(HOTLINE_HEADER) + "\n").encode("utf-8"))
        for d0, d1 in itertools.pairwise(edges):
            c = counts[d0:d1]
            n = int(c.sum())
            if n == 0:
                continue
            day = np.repeat(np.repeat(np.arange(d0, d1), cats), c.ravel())
            cat = np.repeat(np.tile(np.arange(cats), d1 - d0), c.ravel())
            u = rng.random(n)
            u[day == n_days - 1] *= today_frac  # nothing after as_of today
            hour = np.clip(np.searchsorted(hour_cdf, u, side="right") - 1, 0, 23)
            sec = hour * 3600 + np.minimum(
                ((u - hour_cdf[hour]) / hour_p[hour] * 3600).astype(np.int64), 3599
            )
            order = np.lexsort((cat, sec, day))
            day, cat, sec = day[order], cat[order], sec[order]
            seq = np.arange(n) - np.searchsorted(day, day, side="left") + 1
            text, county, is_open, mood = model.rows(rng, day, cat, sec, as_of_sec)
            lines: list[str] = np.char.add(np.char.add(model.day_id[day], seq_c[seq]), text).tolist()
            cell = county * n_months + mon[day]
            keep = np.ones(n, dtype=bool)
            here = {p: case for p, case in plants.items() if done <= p < done + n}
            for p, (reason, _, _) in here.items():
                off = p - done
                if reason not in ("duplicate_key", "conflicting_duplicate"):
                    keep[off] = False  # the row is overwritten with a bad value
                if reason == "conflicting_duplicate":
                    keep[off - min(7, off)] = False  # its original: both are refused
            for i, flag in enumerate((keep, keep & ~is_open, keep & (mood != 3), keep & (mood <= 1))):
                tally[i] += np.bincount(cell, weights=flag, minlength=tally.shape[1]).astype(np.int64)
            if here:
                lines, new = _plant_hotline(lines, done, written, here)
                entries.extend(new)
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
            written += len(lines)
            done += n
    rates = RowRates()
    first_month = days[0].astype("datetime64[M]")
    for flat in np.flatnonzero(tally[0]).tolist():
        ci, m = divmod(flat, n_months)
        period = str(first_month + m)  # YYYY-MM
        n_all, n_closed, rated, pleased = (int(t) for t in tally[:, flat])
        rates.add("hotline_close_rate", model.counties[ci], period, n_closed, n_all)
        if rated:
            rates.add("hotline_satisfaction_rate", model.counties[ci], period, pleased, rated)
    return FileResult("hotline_tickets", path, written, "utf-8", with_counterparts(entries), rates=rates)


def live_tickets(
    book: RegionBook, spec: DemoSpec, indicators: pd.DataFrame | None, since: datetime, now: datetime
) -> list[str]:
    """Tickets received after the build's ``as_of`` from ``since`` up to ``now``, as they stand at
    ``now``: the build's model continued hour by hour (weekday, season, hour of day, growth).

    Their 工单编号 carry a ``T`` and the hour (``GD20261206T140007``), so they never collide with
    the build's (``GD20261206000123``) however many tickets a day has."""
    since = max(since, spec.as_of)
    if now <= since:
        return []
    model = _Model.build(book, spec, indicators, last_day=now.date())
    hour_p, _ = _hour_share()
    since_sec, now_sec = model.seconds(since), model.seconds(now)
    out: list[str] = []
    slot = since.replace(minute=0, second=0, microsecond=0)
    while slot <= now:
        d = (slot.date() - spec.span_start.date()).days
        # One stream per hour: the same hour regenerated later gives the same tickets.
        rng = spec.rng(f"hotline:live:{slot:%Y%m%d%H}")
        counts = rng.poisson(model.volume[d] * hour_p[slot.hour])
        n = int(counts.sum())
        if n:
            cat = np.repeat(np.arange(len(_CATEGORIES)), counts)
            sec = slot.hour * 3600 + rng.integers(0, 3600, n)
            order = np.lexsort((cat, sec))
            cat, sec = cat[order], sec[order]
            day = np.full(n, d)
            text, _, _, _ = model.rows(rng, day, cat, sec, now_sec)
            created = d * 86400 + sec
            ids = np.char.add(
                f"{model.day_id[d]}T{slot.hour:02d}", np.char.zfill(np.arange(1, n + 1).astype(str), 4)
            )
            line = np.char.add(np.char.add(ids, ","), text)
            out.extend(line[(created > since_sec) & (created <= now_sec)].tolist())
        slot += timedelta(hours=1)
    return out


def write_live_tickets(path: Path, lines: list[str]) -> Path:
    """The live tickets as the 12345 feed reads them (same header and encoding as the build's file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(",".join(HOTLINE_HEADER) + "\n" + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    tmp.replace(path)
    return path


def _plant_hotline(
    lines: list[str], clean_lo: int, written: int, plants: dict[int, tuple[str, int, str]]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Bad rows inside one chunk: cells overwritten in place, duplicates inserted after their row."""
    out: list[str] = []
    final_of: dict[int, int] = {}
    entries: list[dict[str, Any]] = []
    file_name = FILE_NAMES["hotline_tickets"]
    for off, line in enumerate(lines):
        i = clean_lo + off
        reason, col, value = plants.get(i, ("", -1, ""))
        duplicate = reason in ("duplicate_key", "conflicting_duplicate")
        if reason and not duplicate:
            fields = line.split(",")
            fields[col] = value
            line = ",".join(fields)
            entries.append(
                {"file": file_name, "row": written + len(out) + 1, "reason": reason, "planted": True}
            )
            entries[-1].update(column=HOTLINE_HEADER[col], value=value)
        out.append(line)
        final_of[i] = written + len(out)
        if duplicate:
            src = i - min(7, off)  # an earlier row of this chunk, already placed
            fields = lines[src - clean_lo].split(",")
            entry: dict[str, Any] = {"file": file_name, "reason": reason, "planted": True}
            if reason == "conflicting_duplicate":  # same 工单编号, different 是否按时响应
                fields[col] = "否" if fields[col] == "是" else "是"
                entry.update(column=HOTLINE_HEADER[col], value=fields[col])
            out.append(",".join(fields))
            entries.append({**entry, "row": written + len(out), "duplicate_of": final_of[src]})
    return out, entries
