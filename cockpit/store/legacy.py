"""Importing the SQLite files the store replaces, once: ``access.sqlite3`` (users, device tokens),
``audit.sqlite3`` and ``alarm_ack.sqlite3`` beside the snapshots.

Each file is imported in one transaction that also records it in ``legacy_import``; the file is
then renamed ``<name>.migrated`` (never deleted, never overwritten). A file recorded but not yet
renamed (the process stopped in between) is only renamed. Every row is kept: audit rows with their
ids and times (new ids, after the existing ones, only if the store already had audit rows), users
with their password hashes and generations, tokens and acknowledgements as they were. A row whose
key the store already holds keeps the store's row, and a device token of a user who no longer
exists is left out (it could never sign anyone in): both are counted, and stay in the renamed file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    MetaData,
    Table,
    create_engine,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.pool import NullPool

from cockpit.store.engine import move_id_sequence, sqlite_url
from cockpit.store.tables import alarm_ack, audit, device_token, legacy_import, users

# file → (its table, the store's table), in import order (users before their tokens)
LEGACY_FILES: dict[str, tuple[tuple[str, Table], ...]] = {
    "access.sqlite3": (("users", users), ("device_tokens", device_token)),
    "audit.sqlite3": (("audit", audit),),
    "alarm_ack.sqlite3": (("ack", alarm_ack),),
}
MIGRATED = ".migrated"
BATCH = 2000


@dataclass(frozen=True)
class Imported:
    source: Path  # the old file's name
    kept_as: Path  # where the old file is now
    rows: dict[str, int] = field(default_factory=dict)  # store table → rows imported
    skipped: dict[str, int] = field(default_factory=dict)  # store table → rows left out (see above)
    earlier: bool = False  # imported by an earlier run that stopped before renaming the file


def import_legacy(engine: Engine, directory: Path, now: datetime) -> list[Imported]:
    """Imports every old file in ``directory`` not imported yet; renames each one imported."""
    done: list[Imported] = []
    for name, tables in LEGACY_FILES.items():
        path = directory / name
        if not path.is_file():
            continue
        source = str(path.resolve())
        rows: dict[str, int] = {}
        skipped: dict[str, int] = {}
        with engine.begin() as conn:
            seen = select(legacy_import.c.source).where(legacy_import.c.source == source)
            earlier = conn.execute(seen).first() is not None
            if not earlier:
                with _open(path) as old:
                    for old_name, table in tables:
                        rows[table.name], skipped[table.name] = _copy(old, old_name, conn, table)
                conn.execute(
                    insert(legacy_import).values(
                        source=source, row_count=sum(rows.values()),
                        imported_at=now.isoformat(timespec="seconds"),
                    )
                )  # fmt: skip
        done.append(Imported(path, _retire(path), rows, skipped, earlier))
    return done


@contextmanager
def _open(path: Path) -> Iterator[Connection]:
    engine = create_engine(sqlite_url(path), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()  # the last connection closed: SQLite folds its WAL back into the file


def _copy(old: Connection, old_name: str, conn: Connection, table: Table) -> tuple[int, int]:
    """Copies one old table into the store's ``table``; (rows written, rows left out)."""
    if not inspect(old).has_table(old_name):
        return 0, 0
    source = Table(old_name, MetaData(), autoload_with=old)
    shared = [c.name for c in source.columns if c.name in table.columns]
    booleans = {c.name for c in table.columns if isinstance(c.type, Boolean)}
    (key,) = table.primary_key.columns
    keep_ids = True
    if table is audit:
        # Keep the ids (and so the order) unless the store already has audit rows of its own.
        keep_ids = conn.execute(select(func.count()).select_from(audit)).scalar_one() == 0
        taken: set[Any] = set()
    else:
        taken = set(conn.execute(select(key)).scalars())
    known_users = _referenced_users(conn, table)
    order = [source.columns[c.name] for c in source.primary_key.columns] or [source.columns[shared[0]]]
    written = left_out = 0
    result = old.execute(
        select(*(source.columns[c] for c in shared)).order_by(*order).execution_options(yield_per=BATCH)
    )
    for part in result.partitions():
        batch: list[dict[str, Any]] = []
        for row in part:
            values = {c: (bool(v) if c in booleans and v is not None else v) for c, v in row._mapping.items()}
            if not keep_ids:
                values.pop(key.name, None)
            if values.get(key.name) in taken or (
                known_users is not None and values.get("username") not in known_users
            ):
                left_out += 1
                continue
            batch.append(values)
        if batch:
            conn.execute(insert(table), batch)
            written += len(batch)
    if table is audit and written:
        move_id_sequence(conn, audit.name)
    return written, left_out


def _referenced_users(conn: Connection, table: Table) -> set[str] | None:
    """The users a row of ``table`` may name, when it refers to them; None when it does not."""
    if not any(fk.column.table is users for fk in table.foreign_keys):
        return None
    return set(conn.execute(select(users.c.username)).scalars())


def _retire(path: Path) -> Path:
    """Renames the old file (and any WAL files SQLite left) to ``<name>.migrated``, never over one."""
    target = path.with_name(path.name + MIGRATED)
    number = 2
    while target.exists():
        target = path.with_name(f"{path.name}{MIGRATED}.{number}")
        number += 1
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(target.with_name(target.name + suffix))
    return target
