"""Background jobs' state (briefings), revision 0003 after 0002: kept in the store so every worker
reports the same progress; their files stay on disk beside the exports."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    time = sa.String(32)  # ISO text to the second
    op.create_table(
        "job",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("params", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False, server_default=sa.text("0")),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("files", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("created_at", time, nullable=False),
        sa.Column("updated_at", time, nullable=False),
        sa.Column("finished_at", time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_job"),
    )
    op.create_index("ix_job_updated_at", "job", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_job_updated_at", table_name="job")
    op.drop_table("job")
