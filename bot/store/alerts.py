"""Weekly breach alerts' settings: thresholds, subscriptions and the schedule."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.models import AlertSchedule, AlertSubscription, BreachThreshold


def stored_thresholds(session: Session) -> dict[str, BreachThreshold]:
    return {row.scope: row for row in session.scalars(select(BreachThreshold))}


def store_threshold(session: Session, scope: str, row: BreachThreshold | None) -> None:
    """Set the threshold for `scope` (a strand slug or '*'), or remove it (None)."""
    session.execute(delete(BreachThreshold).where(BreachThreshold.scope == scope))
    if row is not None:
        session.add(row)


def subscriptions(session: Session) -> list[AlertSubscription]:
    return list(session.scalars(select(AlertSubscription).order_by(AlertSubscription.channel, AlertSubscription.scope)))


def add_subscriptions(session: Session, rows: list[AlertSubscription], by: str, at: datetime) -> None:
    for row in rows:
        row.added_by, row.added_at = by, at
    session.add_all(rows)


def remove_subscriptions(session: Session, channel: str, scopes: Iterable[str]) -> None:
    session.execute(
        delete(AlertSubscription).where(AlertSubscription.channel == channel, AlertSubscription.scope.in_(list(scopes)))
    )


def stored_schedule(session: Session) -> AlertSchedule | None:
    return session.get(AlertSchedule, 1)


def store_schedule(session: Session, row: AlertSchedule) -> None:
    session.merge(row)
