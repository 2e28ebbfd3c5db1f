"""The data's version, and a cache of charts and forecasts keyed on it.

`daily_counts_zone.data_version` goes up by one in every transaction that writes occurrences (import, demo,
purge, catalogue rebuild): they all take that row's lock first, and taking it now counts a new version. A
chart drawn for one version is never shown for another. The cache lives in the database, the one thing
every worker and replica shares.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("daily_counts_zone") as batch:
        batch.add_column(sa.Column("data_version", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "chart_cache",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_chart_cache"),
    )
    op.create_index("ix_chart_cache_data_version", "chart_cache", ["data_version"])
    op.create_index("ix_chart_cache_created_at", "chart_cache", ["created_at"])


def downgrade() -> None:
    op.drop_table("chart_cache")
    with op.batch_alter_table("daily_counts_zone") as batch:
        batch.drop_column("data_version")
