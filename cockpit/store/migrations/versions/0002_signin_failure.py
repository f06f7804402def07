"""Failed sign-ins per (user name, client address): the lockout's counters, kept in the store so
every worker shares them and an attempt is counted before its password is checked.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "signin_failure",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("first_at", TIME, nullable=False),
        sa.Column("last_at", TIME, nullable=False),
        sa.Column("locked_until", TIME, nullable=True),
        sa.PrimaryKeyConstraint("username", "ip", name="pk_signin_failure"),
    )
    op.create_index("ix_signin_failure_last_at", "signin_failure", ["last_at"])


def downgrade() -> None:
    op.drop_index("ix_signin_failure_last_at", table_name="signin_failure")
    op.drop_table("signin_failure")
