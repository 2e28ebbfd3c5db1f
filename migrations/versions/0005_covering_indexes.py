"""Covering indexes for repeat-contact lists.

A list reads the occurrences of a strand in a period (id and time) and, for the people on it, their
other occurrences by reference. With `id` in the (strand, time) index and `occurrence_id` in the
(kind, ref) index both are answered from the indexes alone, without visiting the tables' rows.
SQLite's indexes already carry the row id (`occurrences.id`), so only the links index changes there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_index("ix_occurrences_strand_id_occurred_at", table_name="occurrences")
        op.create_index(
            "ix_occurrences_strand_id_occurred_at",
            "occurrences",
            ["strand_id", "occurred_at"],
            postgresql_include=["id"],
        )
    op.drop_index("ix_occurrence_links_kind_ref", table_name="occurrence_links")
    op.create_index("ix_occurrence_links_kind_ref_occurrence_id", "occurrence_links", ["kind", "ref", "occurrence_id"])


def downgrade() -> None:
    op.drop_index("ix_occurrence_links_kind_ref_occurrence_id", table_name="occurrence_links")
    op.create_index("ix_occurrence_links_kind_ref", "occurrence_links", ["kind", "ref"])
    if op.get_context().dialect.name == "postgresql":
        op.drop_index("ix_occurrences_strand_id_occurred_at", table_name="occurrences")
        op.create_index("ix_occurrences_strand_id_occurred_at", "occurrences", ["strand_id", "occurred_at"])
