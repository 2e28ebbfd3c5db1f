"""Breach thresholds may watch harm: `breach_thresholds.measure` (count | harm).

Empty for every threshold already set, which then follows its parent's, the default's, or the shipped
measure (counts), so no threshold changes what it watches.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("breach_thresholds") as batch:
        batch.add_column(sa.Column("measure", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("breach_thresholds") as batch:
        batch.drop_column("measure")
