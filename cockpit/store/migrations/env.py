"""Alembic's entry point. ``cockpit.store.migrate`` hands it an open connection in
``config.attributes["connection"]``; a bare ``sqlalchemy.url`` option works too (alembic's own CLI).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from cockpit.store.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    # Batch mode: SQLite alters a table by rebuilding it, which later revisions will need.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                          literal_binds=True)  # fmt: skip
        with context.begin_transaction():
            context.run_migrations()
        return
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = create_engine(str(config.get_main_option("sqlalchemy.url")))
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


run()
