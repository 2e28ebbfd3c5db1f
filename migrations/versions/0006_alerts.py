"""Weekly breach alerts: thresholds, subscriptions, the schedule, job runs and the delivery ledger.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "breach_thresholds",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("comparisons", sa.String(64), nullable=True),
        sa.Column("direction", sa.String(8), nullable=True),
        sa.Column("min_volume", sa.Integer(), nullable=True),
        sa.Column("significance", sa.String(8), nullable=True),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_breach_thresholds"),
    )
    op.create_table(
        "alert_subscriptions",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("channel_name", sa.String(200), nullable=True),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "scope", name="pk_alert_subscriptions"),
    )
    op.create_table(
        "alert_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.String(5), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("quiet_note", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_alert_schedule_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_alert_schedule"),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period", sa.String(16), nullable=True),
        sa.Column("host", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_job_runs"),
        sa.UniqueConstraint("job", "scheduled_for", name="uq_job_runs_job_scheduled_for"),
    )
    op.create_index("ix_job_runs_started_at", "job_runs", ["started_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("run_id", BIG_ID, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("breaches", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slack_ts", sa.String(32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["job_runs.id"], name="fk_alert_deliveries_run_id_job_runs", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alert_deliveries"),
        sa.UniqueConstraint("channel", "period", name="uq_alert_deliveries_channel_period"),
    )
    op.create_index("ix_alert_deliveries_status_created_at", "alert_deliveries", ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("job_runs")
    op.drop_table("alert_schedule")
    op.drop_table("alert_subscriptions")
    op.drop_table("breach_thresholds")
