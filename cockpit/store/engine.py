"""One pooled SQLAlchemy engine per database URL per process.

Every dialect-specific line of the store is here: SQLite gets WAL (readers never wait for the
appending workers) and a busy timeout (writers queue instead of failing) on each new connection,
and PostgreSQL's id sequences are moved past ids written explicitly. Everything else in
``cockpit.store`` and its users speaks SQLAlchemy Core, so a server database needs only a URL.

    engine = get_engine(settings.store_url)   # cached: the same Engine for the same URL
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

BUSY_TIMEOUT_MS = 30_000
StoreError = SQLAlchemyError  # what a store call raises when the database fails

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file (any characters in the path survive)."""
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for a server database or an in-memory one."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def get_engine(url: str) -> Engine:
    """The process's engine for ``url``, created on first use."""
    engine = _engines.get(url)
    if engine is not None:
        return engine
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create(url)
        return engine


def dispose(url: str) -> None:
    """Closes and forgets the engine of ``url`` (its file was removed, or a test is done with it)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _create(url: str) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)  # a file: SQLAlchemy pools its connections (QueuePool)
        event.listen(engine, "connect", _sqlite_connection)
        return engine
    # A server database: connections dropped by the server or a proxy are replaced, not handed out.
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800)


def _sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")  # as a server database does
    finally:
        cursor.close()


def move_id_sequence(conn: Connection, table: str, column: str = "id") -> None:
    """After rows were written with explicit ids: the next generated id must come after them.

    SQLite's AUTOINCREMENT follows by itself; PostgreSQL's sequence does not."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT coalesce(max({column}), 0) + 1 FROM {table}), false)"
            )
        )


def _after_fork_in_child() -> None:
    # A forked worker must not share its parent's sockets or SQLite handles: new pools, same URLs.
    global _lock
    _lock = threading.Lock()
    for engine in list(_engines.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)
