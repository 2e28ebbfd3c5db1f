"""Alerts that are news: each threshold's reminder interval (`remind_weeks`), what happens to alerts on comparisons
that cross a counting-rule break (`breaks`: mark | hold) and how many weeks of the financial year FYTD comparisons
wait for (`early_weeks`); and the counting-rule breaks themselves (`counting_breaks`).

Empty for every threshold already set, which then follows its parent's, the default's, or the shipped values.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("breach_thresholds") as batch:
        batch.add_column(sa.Column("remind_weeks", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("breaks", sa.String(8), nullable=True))
        batch.add_column(sa.Column("early_weeks", sa.Integer(), nullable=True))
    op.create_table(
        "counting_breaks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("strand", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("strand", "day", name="uq_counting_breaks_strand_day"),
    )


def downgrade() -> None:
    op.drop_table("counting_breaks")
    with op.batch_alter_table("breach_thresholds") as batch:
        batch.drop_column("early_weeks")
        batch.drop_column("breaks")
        batch.drop_column("remind_weeks")
