"""Offence codes and harm weights.

- `occurrences.offence_code`: the code harm weights are keyed by (empty for what is already stored).
- `harm_weight_sets` and `harm_weights`: every set a force loads, kept on record.
- The daily summaries count by offence code too, and `daily_totals` counts every strand together. They
  are emptied here and rebuilt by `strandbot db upgrade` for the force's time zone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CODE = sa.String(32)


def upgrade() -> None:
    with op.batch_alter_table("occurrences") as batch:
        batch.add_column(sa.Column("offence_code", CODE, nullable=True))

    op.create_table(
        "harm_weight_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("loaded_by", sa.String(100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("codes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_harm_weight_sets"),
    )
    op.create_table(
        "harm_weights",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("offence_code", CODE, nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["set_id"], ["harm_weight_sets.id"], name="fk_harm_weights_set_id_harm_weight_sets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("set_id", "offence_code", name="pk_harm_weights"),
    )

    # The summaries gain the offence code as part of their key: emptied, recreated, rebuilt by `db upgrade`.
    op.execute("UPDATE daily_counts_zone SET time_zone = '', rebuilt_at = NULL")
    op.drop_table("daily_counts")
    op.drop_table("daily_area_counts")
    _create_summaries(by_code=True)
    op.create_table(
        "daily_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("offence_code", CODE, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name="fk_daily_totals_area_id_areas", ondelete="CASCADE"),
    )
    op.create_index(
        "ix_daily_totals_area_id_day_offence_code_occurrences",
        "daily_totals",
        ["area_id", "day", "offence_code", "occurrences"],
    )


def downgrade() -> None:
    op.drop_table("daily_totals")
    op.drop_table("daily_counts")
    op.drop_table("daily_area_counts")
    _create_summaries(by_code=False)
    op.execute("UPDATE daily_counts_zone SET time_zone = '', rebuilt_at = NULL")
    op.drop_table("harm_weights")
    op.drop_table("harm_weight_sets")
    with op.batch_alter_table("occurrences") as batch:
        batch.drop_column("offence_code")


def _create_summaries(by_code: bool) -> None:
    """`daily_counts` and `daily_area_counts`, empty: keyed by offence code too (`by_code`) or, as 0009 left
    them, not."""
    code = ["offence_code"] if by_code else []
    code_columns = [sa.Column("offence_code", CODE, nullable=False)] if by_code else []
    op.create_table(
        "daily_counts",
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *code_columns,
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_daily_counts_strand_id_strands", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("strand_id", "day", *code, name="pk_daily_counts"),
    )
    op.create_index(
        "ix_daily_counts_day_strand_id" + "".join(f"_{c}" for c in code) + "_occurrences",
        "daily_counts",
        ["day", "strand_id", *code, "occurrences"],
    )
    area_code_columns = [sa.Column("offence_code", CODE, nullable=False)] if by_code else []
    op.create_table(
        "daily_area_counts",
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *area_code_columns,
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_daily_area_counts_strand_id_strands", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name="fk_daily_area_counts_area_id_areas", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("strand_id", "area_id", "day", *code, name="pk_daily_area_counts"),
    )
    # Index names are at most 63 characters on PostgreSQL: 0009's spelt out their columns, these their use.
    for use, leading in (("strand", ["strand_id", "day", "area_id"]), ("area", ["area_id", "day", "strand_id"])):
        columns = [*leading, *code, "occurrences"]
        name = f"ix_daily_area_counts_by_{use}" if by_code else f"ix_daily_area_counts_{'_'.join(columns)}"
        op.create_index(name, "daily_area_counts", columns)
