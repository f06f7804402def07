"""The schema at head, once per process: Alembic run in code, then the old SQLite files imported.

    upgrade(settings)          # `cockpit db upgrade`: migrate, import, say what was done
    engine = database(settings)  # every store call: the engine, upgraded on the process's first use

Several processes starting at once (server workers, the CLI) take turns on a file lock beside the
snapshots (``<warehouse>/locks/store.lock``): one migrates and imports, the others find it done.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from cockpit import clock
from cockpit.settings import Settings
from cockpit.store.engine import dispose, get_engine, sqlite_file
from cockpit.store.legacy import Imported, import_legacy

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK = Path("locks") / "store.lock"

_ready: set[tuple[str, str]] = set()  # (url, directory of the old files) upgraded in this process
_ready_lock = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built here: the migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(settings: Settings) -> list[Imported]:
    """Creates or migrates the schema to head, then imports the old files beside the snapshots."""
    return upgrade_database(settings.store_url, settings.warehouse_path, settings.now())


def upgrade_database(url: str, legacy_dir: Path | None, now: datetime | None = None) -> list[Imported]:
    engine = get_engine(url)
    with _exclusive(legacy_dir):
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        imported = []
        if legacy_dir is not None:
            imported = import_legacy(engine, legacy_dir, now or clock.now(clock.DEFAULT_ZONE))
    _ready.add(_key(url, legacy_dir))
    return imported


def ready(url: str, legacy_dir: Path | None) -> Engine:
    """The engine of ``url``, its schema at head and the old files of ``legacy_dir`` imported."""
    key = _key(url, legacy_dir)
    path = sqlite_file(url)
    if key in _ready and (path is None or path.exists()):
        return get_engine(url)
    with _ready_lock:
        if path is not None and not path.exists() and any(k[0] == url for k in _ready):
            # The file was removed under a running process (a test, an operator): start afresh.
            _ready.difference_update({k for k in _ready if k[0] == url})
            dispose(url)
        if key not in _ready:
            upgrade_database(url, legacy_dir)
    return get_engine(url)


def database(settings: Settings) -> Engine:
    """The store's engine for these settings (upgraded once per process, on first use)."""
    return ready(settings.store_url, settings.warehouse_path)


def _key(url: str, legacy_dir: Path | None) -> tuple[str, str]:
    return url, str(legacy_dir) if legacy_dir is not None else ""


@contextmanager
def _exclusive(directory: Path | None) -> Iterator[None]:
    if directory is None:
        with nullcontext():
            yield
        return
    lock = directory / LOCK
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for another process's upgrade to finish
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
