"""The delivery ledger and job runs: what elects one process among several, and what was posted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.alerts.records import AlertDelivery, JobRun
from bot.store.db import record_of
from bot.store.models import AlertDelivery as DeliveryRow
from bot.store.models import JobRun as RunRow


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
    run_id = _insert_new(session, RunRow, run, returning=RunRow.id)
    if run_id is not None or run["scheduled_for"] is None:
        return run_id
    taken = session.execute(
        update(RunRow)
        .where(
            RunRow.job == run["job"],
            RunRow.scheduled_for == run["scheduled_for"],
            or_(RunRow.outcome == "failed", and_(RunRow.outcome == "running", RunRow.started_at < abandoned_before)),
        )
        .values(host=run["host"], started_at=run["started_at"], outcome="running")
        .returning(RunRow.id)
    )
    return taken.scalar()


def finish_job_run(session: Session, run_id: int, **outcome) -> None:
    session.execute(update(RunRow).where(RunRow.id == run_id).values(**outcome))


def recent_job_runs(session: Session, job: str, limit: int) -> list[JobRun]:
    rows = session.scalars(select(RunRow).where(RunRow.job == job).order_by(RunRow.id.desc()).limit(limit))
    return [record_of(JobRun, row) for row in rows]


def has_job_runs(session: Session, job: str) -> bool:
    return session.scalar(select(RunRow.id).where(RunRow.job == job).limit(1)) is not None


def claim_delivery(session: Session, delivery: dict) -> int | None:
    """Write a ledger row before posting: its id, or None if the channel already has one for the period."""
    return _insert_new(session, DeliveryRow, delivery, returning=DeliveryRow.id)


def update_delivery(session: Session, delivery_id: int, **values) -> None:
    session.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(**values))


def retryable_deliveries(
    session: Session, created_after: datetime, failed_before: datetime, stale_before: datetime
) -> list[AlertDelivery]:
    """Posts that failed, or may have arrived (unknown), before `failed_before`, and posts whose sender vanished
    mid-send (claimed before `stale_before`), created since `created_after`."""
    rows = session.scalars(
        select(DeliveryRow)
        .where(
            DeliveryRow.created_at >= created_after,
            or_(
                and_(DeliveryRow.status.in_(["failed", "unknown"]), DeliveryRow.claimed_at < failed_before),
                and_(DeliveryRow.status == "sending", DeliveryRow.claimed_at < stale_before),
            ),
        )
        .order_by(DeliveryRow.id)
    )
    return [record_of(AlertDelivery, row) for row in rows]


def claim_retry(session: Session, delivery: AlertDelivery, by: str, at: datetime) -> bool:
    """Take a failed, unknown or stale delivery to retry, unless another process took it first since it was read."""
    claimed = session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.id == delivery.id,
            DeliveryRow.status == delivery.status,
            DeliveryRow.claimed_at == delivery.claimed_at,
        )
        .values(status="sending", claimed_by=by, claimed_at=at)
    )
    return claimed.rowcount == 1


def last_posted_breaches(session: Session, before_period: str) -> dict[str, tuple[str, str]]:
    """Per channel, its latest digest's period before `before_period` (delivered or quiet), and the JSON text of
    the breaches that stood then."""
    told = (
        select(DeliveryRow.channel, func.max(DeliveryRow.period).label("period"))
        .where(DeliveryRow.period < before_period, DeliveryRow.status.in_(["sent", "quiet"]))
        .group_by(DeliveryRow.channel)
        .subquery()
    )
    rows = session.execute(
        select(DeliveryRow.channel, DeliveryRow.period, DeliveryRow.breaches).join(
            told, and_(told.c.channel == DeliveryRow.channel, told.c.period == DeliveryRow.period)
        )
    )
    return {channel: (period, breaches) for channel, period, breaches in rows}


def recent_deliveries(session: Session, channel: str | None, limit: int) -> list[AlertDelivery]:
    query = select(DeliveryRow).order_by(DeliveryRow.id.desc()).limit(limit)
    if channel is not None:
        query = query.where(DeliveryRow.channel == channel)
    return [record_of(AlertDelivery, row) for row in session.scalars(query)]
