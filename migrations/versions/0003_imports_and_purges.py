"""Records of file loads (imports) and retention purges.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("inserted", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("unchanged", sa.BigInteger(), nullable=False),
        sa.Column("person_links", sa.BigInteger(), nullable=False),
        sa.Column("location_links", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
    )
    op.create_index("ix_imports_file_sha256", "imports", ["file_sha256"])
    op.create_table(
        "purges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("purged_by", sa.String(100), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.Date(), nullable=False),
        sa.Column("whole_occurrences", sa.Boolean(), nullable=False),
        sa.Column("occurrences_removed", sa.BigInteger(), nullable=False),
        sa.Column("links_removed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_purges"),
    )


def downgrade() -> None:
    op.drop_table("purges")
    op.drop_index("ix_imports_file_sha256", table_name="imports")
    op.drop_table("imports")
