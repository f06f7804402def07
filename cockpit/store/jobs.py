"""Background jobs' state (``job`` rows): what was asked, by whom, how far it got, what it made.
Every server process sharing the store sees the same state; the files a job makes are its
caller's (on disk), the row only names them.

    job = create(engine, job_id, kind="briefing", owner="li", region="141100", params={...}, now=now)
    update(engine, job_id, now=now, status="running", progress=0.4, message="绘图中")
    job = get(engine, job_id)            # None when unknown
    gone = prune(engine, before=cutoff)  # the ids of the jobs not updated since ``before``, removed
    n = active(engine, "li", since=now - stale)  # li's queued or running jobs still showing signs of life
    job = claim(engine, "export", now=now, since=now - stale)  # the oldest queued export, now running

Times are the cockpit's wall time (``Settings.now``), naive, stored as ISO text to the second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, func, insert, select
from sqlalchemy import update as sql_update

from cockpit.store.tables import job as table

STATUSES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    owner: str | None
    region: str
    status: str
    progress: float
    created_at: datetime
    updated_at: datetime
    message: str | None = None
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    seconds: float | None = None
    finished_at: datetime | None = None


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def create(engine: Engine, job_id: str, *, kind: str, owner: str | None, region: str, now: datetime,
           params: dict[str, Any] | None = None, message: str | None = None) -> Job:  # fmt: skip
    """A new queued job."""
    values = {"id": job_id, "kind": kind, "owner": owner, "region": region, "status": "queued", "progress": 0.0,
              "message": message, "params": json.dumps(params or {}, ensure_ascii=False, default=str),
              "files": "{}", "created_at": _text(now), "updated_at": _text(now)}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(table).values(values))
    return _job({**values, "error": None, "seconds": None, "finished_at": None})


def update(engine: Engine, job_id: str, *, now: datetime, status: str | None = None,
           progress: float | None = None, message: str | None = None, error: str | None = None,
           files: dict[str, str] | None = None, seconds: float | None = None,
           finished: bool = False) -> bool:  # fmt: skip
    """Changes what is given (None: unchanged); ``finished`` stamps the end. False for an unknown job."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown job status {status!r}")
    values: dict[str, Any] = {"updated_at": _text(now)}
    given = {"status": status, "progress": progress, "message": message, "error": error, "seconds": seconds}
    values.update({k: v for k, v in given.items() if v is not None})
    if files is not None:
        values["files"] = json.dumps(files, ensure_ascii=False)
    if finished:
        values["finished_at"] = _text(now)
    with engine.begin() as conn:
        return bool(conn.execute(sql_update(table).where(table.c.id == job_id).values(values)).rowcount)


def get(engine: Engine, job_id: str) -> Job | None:
    with engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == job_id)).mappings().first()
    return _job(row) if row is not None else None


def _alive(since: datetime, *statuses: str) -> ColumnElement[bool]:
    """Jobs in ``statuses`` that updated their row since ``since``: a job whose process died stops
    updating, and stops counting (or being claimed) instead of holding a place for ever."""
    return table.c.status.in_(statuses) & (table.c.updated_at >= _text(since))


def _count(engine: Engine, where: ColumnElement[bool]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())


def active(engine: Engine, owner: str, *, since: datetime) -> int:
    """How many of ``owner``'s jobs are queued or running and alive since ``since``."""
    return _count(engine, (table.c.owner == owner) & _alive(since, "queued", "running"))


def claim(engine: Engine, kind: str, *, now: datetime, since: datetime) -> Job | None:
    """The oldest queued job of ``kind`` alive since ``since``, now marked running (None: none
    waiting). Callers serialise claims of one kind (``cockpit.background`` holds a file lock)."""
    waiting_now = (table.c.kind == kind) & _alive(since, "queued")
    with engine.begin() as conn:
        row = (
            conn.execute(select(table).where(waiting_now).order_by(table.c.created_at, table.c.id).limit(1))
            .mappings()
            .first()
        )
        if row is None:
            return None
        conn.execute(
            sql_update(table).where(table.c.id == row["id"]).values(status="running", updated_at=_text(now))
        )
    return _job({**row, "status": "running", "updated_at": _text(now)})


def queued_before(engine: Engine, job: Job, *, since: datetime) -> int:
    """How many jobs of ``job``'s kind wait ahead of it (its place in the queue)."""
    ahead = (table.c.kind == job.kind) & (table.c.created_at < _text(job.created_at))
    return _count(engine, ahead & _alive(since, "queued"))


def waiting(engine: Engine, kind: str, *, since: datetime) -> int:
    """Queued jobs of ``kind`` (every process's) alive since ``since``."""
    return _count(engine, (table.c.kind == kind) & _alive(since, "queued"))


def prune(engine: Engine, *, before: datetime) -> list[str]:
    """Removes the jobs not updated since ``before``; their ids (for removing their files)."""
    old = table.c.updated_at < _text(before)
    with engine.begin() as conn:
        ids = [str(i) for i in conn.execute(select(table.c.id).where(old)).scalars()]
        if ids:
            conn.execute(delete(table).where(table.c.id.in_(ids)))
    return ids


def _job(row: Any) -> Job:
    values = dict(row)  # the columns are the fields
    for name in ("params", "files"):
        values[name] = json.loads(values[name] or "{}")
    for name in ("created_at", "updated_at", "finished_at"):
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    values["progress"] = float(values["progress"])
    return Job(**values)
