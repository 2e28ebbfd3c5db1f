"""The delivery ledger and job runs: what elects one process among several, and what was posted."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store.models import AlertDelivery, JobRun


def _insert_new(session: Session, model, values: dict, returning):
    """INSERT unless the row's unique key is taken: the `returning` column if inserted, else None.

    This is what elects one process among several: the database lets exactly one insert win."""
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(model).values(**values).on_conflict_do_nothing().returning(returning)
    return session.execute(statement).scalar()


def claim_job_run(session: Session, run: dict, abandoned_before: datetime) -> int | None:
    """Record the start of a run: its id, or None if a scheduled run for the same time is already recorded
    and did not fail or get abandoned (still `running` since before `abandoned_before`). A failed or
    abandoned scheduled run is taken over, so its channels still get their digest."""
    run_id = _insert_new(session, JobRun, run, returning=JobRun.id)
    if run_id is not None or run["scheduled_for"] is None:
        return run_id
    taken = session.execute(
        update(JobRun)
        .where(
            JobRun.job == run["job"],
            JobRun.scheduled_for == run["scheduled_for"],
            or_(JobRun.outcome == "failed", and_(JobRun.outcome == "running", JobRun.started_at < abandoned_before)),
        )
        .values(host=run["host"], started_at=run["started_at"], outcome="running")
        .returning(JobRun.id)
    )
    return taken.scalar()


def finish_job_run(session: Session, run_id: int, **outcome) -> None:
    session.execute(update(JobRun).where(JobRun.id == run_id).values(**outcome))


def recent_job_runs(session: Session, job: str, limit: int) -> list[JobRun]:
    return list(session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(limit)))


def has_job_runs(session: Session, job: str) -> bool:
    return session.scalar(select(JobRun.id).where(JobRun.job == job).limit(1)) is not None


def claim_delivery(session: Session, delivery: dict) -> int | None:
    """Write a ledger row before posting: its id, or None if the channel already has one for the period."""
    return _insert_new(session, AlertDelivery, delivery, returning=AlertDelivery.id)


def update_delivery(session: Session, delivery_id: int, **values) -> None:
    session.execute(update(AlertDelivery).where(AlertDelivery.id == delivery_id).values(**values))


def retryable_deliveries(
    session: Session, created_after: datetime, failed_before: datetime, stale_before: datetime
) -> list[AlertDelivery]:
    """Posts that failed, or may have arrived (unknown), before `failed_before`, and posts whose sender vanished
    mid-send (claimed before `stale_before`), created since `created_after`."""
    return list(
        session.scalars(
            select(AlertDelivery)
            .where(
                AlertDelivery.created_at >= created_after,
                or_(
                    and_(AlertDelivery.status.in_(["failed", "unknown"]), AlertDelivery.claimed_at < failed_before),
                    and_(AlertDelivery.status == "sending", AlertDelivery.claimed_at < stale_before),
                ),
            )
            .order_by(AlertDelivery.id)
        )
    )


def claim_retry(session: Session, delivery: AlertDelivery, by: str, at: datetime) -> bool:
    """Take a failed, unknown or stale delivery to retry, unless another process took it first since it was read."""
    claimed = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery.id,
            AlertDelivery.status == delivery.status,
            AlertDelivery.claimed_at == delivery.claimed_at,
        )
        .values(status="sending", claimed_by=by, claimed_at=at)
    )
    return claimed.rowcount == 1


def last_posted_breaches(session: Session, before_period: str) -> dict[str, list]:
    """Per channel, the breaches its latest digest before `before_period` told it about (delivered or quiet)."""
    told = (
        select(AlertDelivery.channel, func.max(AlertDelivery.period).label("period"))
        .where(AlertDelivery.period < before_period, AlertDelivery.status.in_(["sent", "quiet"]))
        .group_by(AlertDelivery.channel)
        .subquery()
    )
    rows = session.execute(
        select(AlertDelivery.channel, AlertDelivery.breaches).join(
            told, and_(told.c.channel == AlertDelivery.channel, told.c.period == AlertDelivery.period)
        )
    )
    return {channel: json.loads(breaches) for channel, breaches in rows}


def recent_deliveries(session: Session, channel: str | None, limit: int) -> list[AlertDelivery]:
    query = select(AlertDelivery).order_by(AlertDelivery.id.desc()).limit(limit)
    if channel is not None:
        query = query.where(AlertDelivery.channel == channel)
    return list(session.scalars(query))
