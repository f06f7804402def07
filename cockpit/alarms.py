"""Emergency alarms: a level I or II incident not yet closed, or a red warning in force, stays an alarm
on the big screen until someone on duty acknowledges it.

The warehouse is read-only for the app (the ETL publishes snapshots), so acknowledgements live in
the cockpit's store (``cockpit.store``, table ``alarm_ack``), shared by every server worker and the
CLI; the first acknowledgement of an alarm is the one kept (the alarm id is its primary key).
An incident that escalates gets a new alarm id (the level is part of it), so it alarms again.

For the big screen::
    from cockpit import alarms
    pending = alarms.pending_alarms(services, region, now)      # unacknowledged, most serious first
    alarms.acknowledge(services, pending[0].alarm_id, "张三")     # raises AlarmError if not active
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from cockpit import store
from cockpit.access.scope import home_region
from cockpit.formatting import day_time
from cockpit.services import Services
from cockpit.settings import Settings
from cockpit.store.tables import alarm_ack
from cockpit.warehouse.emergency_queries import EmergencyQueries
from cockpit.warehouse.queries import Warehouse

ALARM_LEVELS = ("I", "II")
LEVEL_NAMES = {"I": "Ⅰ级（特别重大）", "II": "Ⅱ级（重大）", "III": "Ⅲ级（较大）", "IV": "Ⅳ级（一般）"}
STATUS_NAMES = {"reported": "已报告", "responding": "处置中", "controlled": "已控制", "closed": "已结案"}


def status_breakdown(statuses: Iterable[str]) -> str:
    """ "处置中 1 · 已控制 7 · 已报告 1": what a count of 未结案 incidents is made of, in the feed's words."""
    found = Counter(str(s) for s in statuses)
    parts = [
        f"{STATUS_NAMES[s]} {found[s]}" for s in ("responding", "controlled", "reported") if found.get(s)
    ]
    return " · ".join(parts) or "无"


STORE_NAME = "alarm_ack.sqlite3"
_ALARM_ID = re.compile(r"^(incident|warning):[0-9A-Za-z_\-]{1,40}(:(I|II))?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_WHO = 20
MAX_NOTE = 60


class AlarmError(ValueError):
    """An acknowledgement that can't be recorded; the message is Chinese and safe to show."""


@dataclass(frozen=True)
class Acknowledgement:
    alarm_id: str
    who: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class Alarm:
    alarm_id: str  # incident:<id>:<level> or warning:<id>
    kind: str  # incident | warning
    severity: str  # red (level I, red warning) | orange (level II)
    title: str
    detail: str
    adcode: str
    region_name: str
    since: datetime
    link: str  # the /emergency view that explains it
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_note: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_by is not None


class AckStore:
    """Acknowledgements in the cockpit's store (``cockpit.store``); safe to share between processes.

    ``AckStore(path)`` keeps its old meaning, the acknowledgements beside the snapshots in the
    directory of ``path`` (the file name, that of the old ``alarm_ack.sqlite3``, no longer
    matters): the store's SQLite file there, or ``database_url`` when given."""

    def __init__(self, path: Path | str, database_url: str | None = None) -> None:
        self.path = Path(path)
        self.url = database_url or store.sqlite_url(self.path.parent / "cockpit.sqlite3")

    @classmethod
    def for_settings(cls, settings: Settings) -> AckStore:
        return cls(settings.warehouse_path / STORE_NAME, settings.store_url)

    @property
    def _db(self) -> Engine:
        return store.ready(self.url, self.path.parent)  # upgraded on the process's first use

    def acknowledge(self, alarm_id: str, who: str, at: datetime, note: str = "") -> Acknowledgement:
        db = self._db
        try:
            with db.begin() as conn:
                conn.execute(
                    insert(alarm_ack).values(
                        alarm_id=alarm_id, who=who, at=at.isoformat(timespec="seconds"), note=note or None
                    )
                )
        except IntegrityError:
            pass  # acknowledged already (perhaps a moment ago, by another desk): the first one stands
        with db.connect() as conn:
            row = conn.execute(select(alarm_ack).where(alarm_ack.c.alarm_id == alarm_id)).mappings().one()
        return _acknowledgement(row)

    def lookup(self, alarm_ids: Iterable[str]) -> dict[str, Acknowledgement]:
        wanted = list(dict.fromkeys(alarm_ids))
        if not wanted:
            return {}
        found: dict[str, Acknowledgement] = {}
        with self._db.connect() as conn:
            for start in range(0, len(wanted), 500):  # within every database's bound-parameter limit
                part = wanted[start : start + 500]
                for row in conn.execute(select(alarm_ack).where(alarm_ack.c.alarm_id.in_(part))).mappings():
                    found[row["alarm_id"]] = _acknowledgement(row)
        return found


def _acknowledgement(row: Any) -> Acknowledgement:
    return Acknowledgement(row["alarm_id"], row["who"], datetime.fromisoformat(row["at"]), row["note"] or "")


@dataclass(frozen=True)
class _Row:
    """Just the columns an alarm is made of, typed (pandas rows are not)."""

    incident_id: str = ""
    warning_id: str = ""
    level: str = ""
    title: str = ""
    status: str = ""
    hazard: str = ""
    issuer: str = ""
    adcode: str = ""
    region_name: str = ""
    occurred_at: datetime = datetime.min
    issued_at: datetime = datetime.min
    expires_at: datetime = datetime.min


def _records(frame: pd.DataFrame) -> list[_Row]:
    fields = set(_Row.__dataclass_fields__)
    out = []
    for record in frame.to_dict("records"):
        values = {str(k): v for k, v in record.items() if k in fields and v is not None and not pd.isna(v)}
        for key in ("occurred_at", "issued_at", "expires_at"):
            if key in values:
                values[key] = pd.Timestamp(values[key]).to_pydatetime()
        typed: dict[str, Any] = {k: v if isinstance(v, datetime) else str(v) for k, v in values.items()}
        out.append(_Row(**typed))
    return out


def _link(**params: str) -> str:
    return "/emergency?" + urlencode(params)


class AlarmCenter:
    def __init__(self, warehouse: Warehouse, store: AckStore, root: str) -> None:
        self.queries = EmergencyQueries(warehouse)
        self.store = store
        self.root = root  # the province: an acknowledgement must name an alarm active somewhere in it

    def _raised(self, region: str, now: datetime) -> list[Alarm]:
        out: list[Alarm] = []
        incidents = self.queries.active_incidents(region, now)
        for r in _records(incidents[incidents["level"].isin(ALARM_LEVELS)]):
            out.append(
                Alarm(
                    alarm_id=f"incident:{r.incident_id}:{r.level}",
                    kind="incident",
                    severity="red" if r.level == "I" else "orange",
                    title=f"{LEVEL_NAMES[r.level]}突发事件：{r.title}",
                    detail=f"{r.region_name} · {day_time(r.occurred_at)}发生 · {STATUS_NAMES.get(r.status, r.status)}",
                    adcode=str(r.adcode),
                    region_name=str(r.region_name),
                    since=r.occurred_at,
                    link=_link(region=str(r.adcode), incident=str(r.incident_id)),
                )
            )
        warnings = self.queries.warnings_in_force(region, now)
        for w in _records(warnings[warnings["color"] == "红色"]):
            out.append(
                Alarm(
                    alarm_id=f"warning:{w.warning_id}",
                    kind="warning",
                    severity="red",
                    title=f"{w.region_name}{w.hazard}红色预警",
                    detail=f"{w.issuer or '—'}发布 · 有效至{day_time(w.expires_at)}",
                    adcode=str(w.adcode),
                    region_name=str(w.region_name),
                    since=w.issued_at,
                    link=_link(region=str(w.adcode)),
                )
            )
        return out

    def active(self, region: str, now: datetime) -> list[Alarm]:
        """Every alarm raised in the region now, with its acknowledgement if it has one:
        unacknowledged first, then red before orange, newest first."""
        raised = self._raised(region, now)
        acks = self.store.lookup(a.alarm_id for a in raised)
        marked = [
            replace(
                a,
                acknowledged_by=acks[a.alarm_id].who,
                acknowledged_at=acks[a.alarm_id].at,
                acknowledged_note=acks[a.alarm_id].note,
            )
            if a.alarm_id in acks
            else a
            for a in raised
        ]
        marked.sort(key=lambda a: a.since, reverse=True)
        marked.sort(key=lambda a: (a.acknowledged, a.severity != "red"))
        return marked

    def pending(self, region: str, now: datetime) -> list[Alarm]:
        """What the big screen shows as alarms: raised and not yet acknowledged."""
        return [a for a in self.active(region, now) if not a.acknowledged]

    def acknowledge(self, alarm_id: str, who: str, now: datetime, note: str = "") -> Alarm:
        """Record that ``who`` (the signed-in user on a page) has seen the alarm, with an optional
        note. Idempotent: the first acknowledgement is kept."""
        if not isinstance(alarm_id, str) or not _ALARM_ID.match(alarm_id):
            raise AlarmError("告警编号无效")
        name = _CONTROL.sub("", str(who or "")).strip()
        if not name:
            raise AlarmError("请填写确认人")
        if len(name) > MAX_WHO:
            raise AlarmError(f"确认人不超过{MAX_WHO}个字")
        alarm = next((a for a in self._raised(self.root, now) if a.alarm_id == alarm_id), None)
        if alarm is None:
            raise AlarmError("该告警已解除或不存在，无需确认")
        text = _CONTROL.sub("", str(note or "")).strip()
        if len(text) > MAX_NOTE:
            raise AlarmError(f"备注不超过{MAX_NOTE}个字")
        ack = self.store.acknowledge(alarm_id, name, now, text)
        return replace(alarm, acknowledged_by=ack.who, acknowledged_at=ack.at, acknowledged_note=ack.note)


def alarm_center(services: Services) -> AlarmCenter:
    # A scoped user's acknowledgements can only name alarms inside their scope.
    root = home_region(services.settings.province_adcode)
    return AlarmCenter(services.warehouse, AckStore.for_settings(services.settings), root)


def active_alarms(services: Services, region: str, now: datetime) -> list[Alarm]:
    return alarm_center(services).active(region, now)


def pending_alarms(services: Services, region: str, now: datetime) -> list[Alarm]:
    return alarm_center(services).pending(region, now)


def acknowledge(services: Services, alarm_id: str, who: str, now: datetime | None = None) -> Alarm:
    return alarm_center(services).acknowledge(alarm_id, who, now or services.settings.now())
