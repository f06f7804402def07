"""The store's tables (SQLAlchemy Core). Times are ISO text to the second, in the cockpit's zone
(``Settings.now``), as they always were: they sort and compare as text on every database.

A change here needs a new migration in ``migrations/versions`` (``tests/test_store.py`` checks
that the migrated schema and this one agree).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

# Named constraints, so later migrations can alter them (SQLite rebuilds a table to do so).
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TIME = String(32)  # "2026-11-28T09:30:00"
USERNAME = String(64)

users = Table(
    "users",
    metadata,
    Column("username", USERNAME, primary_key=True),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("role", String(16), nullable=False),
    Column("scope", String(12), nullable=False),  # adcode
    Column("display_name", Text, nullable=False, server_default=""),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("duty", Boolean, nullable=False, server_default=false()),  # on duty: may acknowledge alarms
    # Bumped on each password change (a record of how many there were; sessions end through the session table).
    Column("generation", Integer, nullable=False, server_default=text("1")),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
)

# The wall's way back in after its session ends; only the token's sha256 is kept.
device_token = Table(
    "device_token",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("username", USERNAME, ForeignKey("users.username"), nullable=False, index=True),
    Column("created_at", TIME, nullable=False),
    Column("expires_at", TIME, nullable=False),
    Column("last_used_at", TIME),
)

# 记住此设备: a phone kept signed in for a bounded number of days; ``digest`` is the sha256 of the
# token in its cookie. Valid only while the user's password generation, role and scope are still
# those it was issued under.
remembered_device = Table(
    "remembered_device",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("username", USERNAME, ForeignKey("users.username"), nullable=False, index=True),
    Column("generation", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("scope", String(12), nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("expires_at", TIME, nullable=False),
    Column("last_used_at", TIME),
)

# Server-side sessions; ``id`` is the sha256 of the token the browser holds.
session = Table(
    "session",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", USERNAME, ForeignKey("users.username"), nullable=False, index=True),
    Column("created_at", TIME, nullable=False),
    Column("last_seen_at", TIME, nullable=False),
    Column("expires_at", TIME, nullable=False),
    Column("revoked_at", TIME),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
)

# Only ever appended to.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", TIME, nullable=False),
    Column("event", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),  # ok | denied | failed
    Column("username", USERNAME),  # who (the claimed name for a failed sign-in)
    Column("role", String(16)),
    Column("ip", String(64)),
    Column("region", String(12)),  # the adcode concerned, if any
    Column("path", String(200)),  # the URL path or CLI command
    Column("detail", Text),  # JSON: filters, formats, counts, reasons
    Index("ix_audit_at", "at"),
    Index("ix_audit_event_at", "event", "at"),
    sqlite_autoincrement=True,  # an id is never reused, as before
)

# The first acknowledgement of an alarm is the one kept.
alarm_ack = Table(
    "alarm_ack",
    metadata,
    Column("alarm_id", String(64), primary_key=True),
    Column("who", Text, nullable=False),
    Column("at", TIME, nullable=False),
    Column("note", Text),
)

# Which old SQLite files were imported (so an interrupted rename never imports one twice).
legacy_import = Table(
    "legacy_import",
    metadata,
    Column("source", String(500), primary_key=True),  # the file's absolute path
    Column("row_count", Integer, nullable=False),
    Column("imported_at", TIME, nullable=False),
)

# Failed sign-ins per (user name, client address) in the current window, reserved before the password
# is checked (``cockpit.store.lockout``); the user name ``*`` counts every name's from one address.
signin_failure = Table(
    "signin_failure",
    metadata,
    Column("username", USERNAME, primary_key=True),  # the claimed name: it need not exist
    Column("ip", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, server_default=text("0")),  # and attempts under way
    Column("first_at", TIME, nullable=False),  # the window starts at the first failure
    Column("last_at", TIME, nullable=False),
    Column("locked_until", TIME),  # set when the limit is reached; a success or `unlock` clears it
    Index("ix_signin_failure_last_at", "last_at"),
)

# Background jobs (``cockpit.store.jobs``): every worker reports the same progress. A job's files
# stay on disk (``<exports>/jobs/<id>/``); the row names them.
job = Table(
    "job",
    metadata,
    Column("id", String(32), primary_key=True),  # uuid4 hex: the folder's name
    Column("kind", String(16), nullable=False),  # briefing
    Column("owner", USERNAME),  # who asked (None: the command line)
    Column("region", String(12), nullable=False),  # the adcode the job is about
    Column("params", Text, nullable=False, server_default="{}"),  # JSON: what else was asked
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("progress", Float, nullable=False, server_default=text("0")),  # share done, 0..1
    Column("message", Text),  # the progress text shown
    Column("error", Text),  # why it failed, fit for the user
    Column("files", Text, nullable=False, server_default="{}"),  # JSON: format -> file name
    Column("seconds", Float),  # how long it ran
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
    Column("finished_at", TIME),
    Index("ix_job_updated_at", "updated_at"),
)
