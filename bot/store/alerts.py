"""Weekly breach alerts' settings: thresholds, subscriptions and the schedule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.alerts.records import AlertSchedule, AlertSubscription, BreachThreshold
from bot.store import models
from bot.store.db import record_of, values_of


def stored_thresholds(session: Session) -> dict[str, BreachThreshold]:
    return {row.scope: record_of(BreachThreshold, row) for row in session.scalars(select(models.BreachThreshold))}


def store_threshold(session: Session, scope: str, row: BreachThreshold | None) -> None:
    """Set the threshold for `scope` (a strand slug or '*'), or remove it (None)."""
    session.execute(delete(models.BreachThreshold).where(models.BreachThreshold.scope == scope))
    if row is not None:
        session.add(models.BreachThreshold(**values_of(row)))


def subscriptions(session: Session) -> list[AlertSubscription]:
    subscription = models.AlertSubscription
    rows = session.scalars(select(subscription).order_by(subscription.channel, subscription.area, subscription.scope))
    return [record_of(AlertSubscription, row) for row in rows]


def add_subscriptions(session: Session, rows: list[AlertSubscription], by: str, at: datetime) -> None:
    session.add_all(models.AlertSubscription(**values_of(replace(row, added_by=by, added_at=at))) for row in rows)


def remove_subscriptions(session: Session, channel: str, scopes: Iterable[str], area: str = "") -> None:
    """Stop `channel` hearing about `scopes` in `area` ("" the whole force); its other areas are kept."""
    subscription = models.AlertSubscription
    session.execute(
        delete(subscription).where(
            subscription.channel == channel, subscription.area == area, subscription.scope.in_(list(scopes))
        )
    )


def stored_schedule(session: Session) -> AlertSchedule | None:
    row = session.get(models.AlertSchedule, 1)
    return None if row is None else record_of(AlertSchedule, row)


def store_schedule(session: Session, row: AlertSchedule) -> None:
    session.merge(models.AlertSchedule(**values_of(row)))
