"""Weekly breach alerts' settings: thresholds, subscriptions and the schedule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.alerts.records import AlertSchedule, AlertSubscription, BreachThreshold, CountingBreak
from bot.store import models
from bot.store.counts import strand_closure
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


def first_day_of_strand(session: Session, slug: str, tz: ZoneInfo) -> date | None:
    """The local date of the earliest occurrence of `slug` or any strand below it; None if it has none."""
    closure = strand_closure()
    family = (
        select(closure.c.strand_id)
        .join(models.Strand, models.Strand.id == closure.c.ancestor_id)
        .where(models.Strand.slug == slug)
    )
    earliest = session.scalar(
        select(func.min(models.OccurrenceStrand.occurred_at)).where(models.OccurrenceStrand.strand_id.in_(family))
    )
    return None if earliest is None else earliest.astimezone(tz).date()


def counting_breaks(session: Session, strands: Iterable[str] | None = None) -> list[CountingBreak]:
    """The counting-rule breaks on record (of `strands` only, if given), by strand and day."""
    query = select(models.CountingBreak).order_by(models.CountingBreak.strand, models.CountingBreak.day)
    if strands is not None:
        query = query.where(models.CountingBreak.strand.in_(list(strands)))
    return [record_of(CountingBreak, row) for row in session.scalars(query)]


def add_counting_break(session: Session, row: CountingBreak) -> bool:
    """Record a break; False (nothing stored) if the strand already has one on that day."""
    values = {k: v for k, v in values_of(row).items() if k != "id"}
    try:
        with session.begin_nested():
            session.add(models.CountingBreak(**values))
    except IntegrityError:
        return False
    return True


def remove_counting_break(session: Session, strand: str, day: date) -> bool:
    removed = session.execute(
        delete(models.CountingBreak).where(models.CountingBreak.strand == strand, models.CountingBreak.day == day)
    )
    return removed.rowcount == 1
