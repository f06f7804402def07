"""Audit retention: rows older than ``audit_keep_days`` (at least 180) move from the store to a
compressed JSON-lines file under ``<warehouse>/audit-archive/`` — never dropped.

A file is written and read back (its row count checked) before the same rows are deleted from the
store in one transaction, by id, so a crash in between leaves the rows in both places rather than
in neither. The scheduler runs it once a day; ``cockpit audit archive`` runs it by hand.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from cockpit import store
from cockpit.access import audit
from cockpit.settings import Settings
from cockpit.store.tables import audit as audit_table

BATCH = 50_000  # rows per archive file: a file stays small enough to open by hand


@dataclass(frozen=True)
class Archived:
    rows: int
    files: tuple[Path, ...]
    cutoff: datetime


def archive_dir(settings: Settings) -> Path:
    return settings.warehouse_path / "audit-archive"


def archived_files(settings: Settings) -> list[Path]:
    return sorted(archive_dir(settings).glob("audit-*.jsonl.gz"))


def archive(settings: Settings, now: datetime | None = None) -> Archived:
    """Moves every row older than the retention period to archive files; returns what moved."""
    cutoff = (now or settings.now()) - timedelta(days=settings.audit_keep_days)
    stamp = cutoff.isoformat(timespec="seconds")
    engine = store.database(settings)
    columns = [audit_table.c[c] for c in audit.COLUMNS]
    files: list[Path] = []
    moved = 0
    while True:
        sql = select(*columns).where(audit_table.c.at < stamp).order_by(audit_table.c.id).limit(BATCH)
        with engine.connect() as conn:
            rows = [dict(zip(audit.COLUMNS, r, strict=True)) for r in conn.execute(sql)]
        if not rows:
            break
        path = _write(settings, rows)
        with engine.begin() as conn:
            ids = [r["id"] for r in rows]
            conn.execute(delete(audit_table).where(audit_table.c.id.in_(ids), audit_table.c.at < stamp))
        files.append(path)
        moved += len(rows)
    if moved:
        audit.record(settings, "audit_archive", detail={"rows": moved, "before": stamp,
                                                        "files": [p.name for p in files]})  # fmt: skip
    return Archived(moved, tuple(files), cutoff)


def _write(settings: Settings, rows: list[dict[str, object]]) -> Path:
    folder = archive_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    first, last = str(rows[0]["at"])[:10], str(rows[-1]["at"])[:10]
    path = folder / f"audit-{first}_{last}-{rows[0]['id']}-{rows[-1]['id']}.jsonl.gz"
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    with gzip.open(partial, "rt", encoding="utf-8") as check:
        if sum(1 for _ in check) != len(rows):
            raise OSError(f"审计归档文件校验失败：{partial}")
    partial.replace(path)
    return path


def read_archive(path: Path) -> list[dict[str, object]]:
    """The rows of one archive file, as they were in the store."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
