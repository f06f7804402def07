"""记住此设备: phones kept signed in for a bounded number of days (revocable), revision 0004 after
0003. Only the sha256 of each cookie's token is kept, with the password generation, role and scope
it was issued under.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "remembered_device",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("last_used_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("digest", name="pk_remembered_device"),
        sa.ForeignKeyConstraint(["username"], ["users.username"], name="fk_remembered_device_username_users"),
    )
    op.create_index("ix_remembered_device_username", "remembered_device", ["username"])


def downgrade() -> None:
    op.drop_index("ix_remembered_device_username", table_name="remembered_device")
    op.drop_table("remembered_device")
