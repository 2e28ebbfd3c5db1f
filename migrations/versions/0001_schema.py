"""Strands, their aliases, occurrences and their person/location links.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "strands",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["strands.id"], name="fk_strands_parent_id_strands", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_strands"),
        sa.UniqueConstraint("slug", name="uq_strands_slug"),
    )
    op.create_table(
        "strand_aliases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_strand_aliases_strand_id_strands", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_strand_aliases"),
        sa.UniqueConstraint("strand_id", "alias", name="uq_strand_aliases_strand_id_alias"),
    )
    op.create_table(
        "occurrences",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_occurrences_strand_id_strands", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_occurrences"),
        sa.UniqueConstraint("source", "source_id", name="uq_occurrences_source_source_id"),
    )
    op.create_index("ix_occurrences_strand_id_occurred_at", "occurrences", ["strand_id", "occurred_at"])
    op.create_index("ix_occurrences_occurred_at", "occurrences", ["occurred_at"])
    op.create_table(
        "occurrence_links",
        sa.Column("occurrence_id", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.CheckConstraint("kind IN ('person', 'location')", name="kind"),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["occurrences.id"],
            name="fk_occurrence_links_occurrence_id_occurrences",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "kind", "ref", "role", name="pk_occurrence_links"),
    )
    op.create_index("ix_occurrence_links_kind_ref", "occurrence_links", ["kind", "ref"])


def downgrade() -> None:
    op.drop_table("occurrence_links")
    op.drop_table("occurrences")
    op.drop_table("strand_aliases")
    op.drop_table("strands")
