"""Alembic migrations of the store, run in code by ``cockpit.store.migrate`` (no alembic.ini)."""
