"""The one store for everything the cockpit keeps besides the DuckDB warehouse: users, device
tokens, sessions, audit, alarm acknowledgements — SQLAlchemy Core on one pooled engine per
database URL (``Settings.store_url``: SQLite beside the snapshots unless ``COCKPIT_DATABASE_URL``
names another database), its schema kept by Alembic migrations shipped in ``migrations/``.

    from cockpit import store
    engine = store.database(settings)   # upgraded to head on first use in the process
    store.upgrade(settings)             # `cockpit db upgrade`: also reports the imported old files

A low layer, like the warehouse: it imports nothing of the cockpit above ``cockpit.settings``.
"""

from cockpit.store.engine import StoreError, get_engine, shown, sqlite_file, sqlite_url
from cockpit.store.legacy import Imported
from cockpit.store.migrate import current_revision, database, head_revision, ready, upgrade

__all__ = [
    "Imported",
    "StoreError",
    "current_revision",
    "database",
    "get_engine",
    "head_revision",
    "ready",
    "shown",
    "sqlite_file",
    "sqlite_url",
    "upgrade",
]
