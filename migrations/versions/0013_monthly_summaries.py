"""Monthly summaries beside the daily ones: `monthly_counts`, `monthly_area_counts`, `monthly_totals`.

Keyed by offence code, the daily summaries hold about as many rows as there are occurrences by area, so a
year's window by area read hundreds of thousands of them. A window's whole months now come from these (12
rows a key for a year) and only its part months from the daily rows. Filled here from the daily summaries;
kept current with them by every writer.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CODE = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "monthly_counts",
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("offence_code", CODE, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_monthly_counts_strand_id_strands", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("strand_id", "month", "offence_code", name="pk_monthly_counts"),
    )
    op.create_index(
        "ix_monthly_counts_month_strand_id_offence_code_occurrences",
        "monthly_counts",
        ["month", "strand_id", "offence_code", "occurrences"],
    )
    op.create_table(
        "monthly_area_counts",
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("offence_code", CODE, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_monthly_area_counts_strand_id_strands", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name="fk_monthly_area_counts_area_id_areas", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("strand_id", "area_id", "month", "offence_code", name="pk_monthly_area_counts"),
    )
    for use, leading in (("strand", ["strand_id", "month", "area_id"]), ("area", ["area_id", "month", "strand_id"])):
        op.create_index(
            f"ix_monthly_area_counts_by_{use}", "monthly_area_counts", [*leading, "offence_code", "occurrences"]
        )
    op.create_table(
        "monthly_totals",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("offence_code", CODE, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name="fk_monthly_totals_area_id_areas", ondelete="CASCADE"),
    )
    op.create_index(
        "ix_monthly_totals_area_id_month_offence_code_occurrences",
        "monthly_totals",
        ["area_id", "month", "offence_code", "occurrences"],
    )
    month = (
        "CAST(date_trunc('month', day) AS DATE)"
        if op.get_context().dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    for daily, monthly, keys in (
        ("daily_counts", "monthly_counts", "strand_id, offence_code"),
        ("daily_area_counts", "monthly_area_counts", "strand_id, area_id, offence_code"),
        ("daily_totals", "monthly_totals", "area_id, offence_code"),
    ):
        op.execute(
            f"INSERT INTO {monthly} (month, {keys}, occurrences) "
            f"SELECT {month}, {keys}, SUM(occurrences) FROM {daily} GROUP BY {month}, {keys}"
        )


def downgrade() -> None:
    for table in ("monthly_totals", "monthly_area_counts", "monthly_counts"):
        op.drop_table(table)
