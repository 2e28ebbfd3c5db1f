"""A daily summary of occurrences per strand, so the dashboard sums days instead of scanning occurrences.

The summary's days are local to a time zone, which a migration cannot know: `strandbot db upgrade` fills
it for the configured `STRANDBOT_TIMEZONE` after migrating, and every import keeps it current.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_counts",
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_daily_counts_strand_id_strands", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("strand_id", "day", name="pk_daily_counts"),
    )
    op.create_index("ix_daily_counts_day_strand_id_occurrences", "daily_counts", ["day", "strand_id", "occurrences"])
    op.create_table(
        "daily_counts_zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_daily_counts_zone"),
    )
    # The row every writer locks; "" until `strandbot db upgrade` or the first import builds the summary.
    op.execute("INSERT INTO daily_counts_zone (id, time_zone) VALUES (1, '')")


def downgrade() -> None:
    op.drop_table("daily_counts_zone")
    op.drop_table("daily_counts")
