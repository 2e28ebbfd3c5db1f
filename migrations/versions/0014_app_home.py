"""App Home: the strands each person follows, and what their Home tab shows.

`strand_follows` holds one row per person and strand they follow (a slug: a follow outlives a rename of
the strand's name). `home_tabs` holds one row per person who has opened strandbot's Home tab: the area it
shows (none: the whole force), the last chart drawn for it (Slack's permalink of the uploaded file, which
an image block can show), and whether an import has made it stale since it was last published.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strand_follows",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("strand", sa.String(64), nullable=False),
        sa.Column("followed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "strand", name="pk_strand_follows"),
    )
    op.create_table(
        "home_tabs",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("area", sa.String(64), nullable=True),
        sa.Column("chart_strand", sa.String(64), nullable=True),
        sa.Column("chart_title", sa.Text(), nullable=True),
        sa.Column("chart_alt_text", sa.Text(), nullable=True),
        sa.Column("chart_url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_home_tabs"),
    )
    op.create_index("ix_home_tabs_stale", "home_tabs", ["stale"])


def downgrade() -> None:
    op.drop_table("home_tabs")
    op.drop_table("strand_follows")
