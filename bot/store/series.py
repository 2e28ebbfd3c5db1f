"""Series for charts and forecasts: one strand's counts (its sub-strands' too, each occurrence once), in
one area or everywhere, summed in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from bot.domain.periods import Window
from bot.store.counts import daily_counts_zone, ids_of, local_day_column, on_local_days, strand_closure
from bot.store.models import Area, DailyAreaCount, DailyCount, Occurrence, OccurrenceStrand, Strand


def daily_totals(
    session: Session, days: Window, tz: ZoneInfo, strand: str, areas: Sequence[str] | None = None
) -> pd.Series:
    """Occurrences of `strand` (sub-strands included, each occurrence once) on each local day of `days` that
    had any, by date; only in `areas` (every area to count, sub-areas included) if given.

    From the daily summaries when they hold `tz`'s days, else counted from occurrences the same way."""
    if daily_counts_zone(session) == tz.key:
        table = DailyCount if areas is None else DailyAreaCount
        day, amount = table.day, func.sum(table.occurrences)
        query = select(day, amount).where(
            table.day >= days.start, table.day <= days.end, table.strand_id.in_(ids_of(session, Strand, [strand]))
        )
        if areas is not None:
            query = query.where(table.area_id.in_(ids_of(session, Area, areas)))
    else:
        day = local_day_column(session, tz, OccurrenceStrand.occurred_at)
        counted = select(day, func.count(func.distinct(OccurrenceStrand.occurrence_id)))
        query = _in_family(session, on_local_days(counted, OccurrenceStrand.occurred_at, day, days, tz), strand, areas)
    rows = session.execute(query.group_by(day)).all()
    return pd.Series({row[0]: int(row[1]) for row in rows}, dtype="int64")


def first_occurrence_day(session: Session, tz: ZoneInfo) -> date | None:
    """The local date of the earliest occurrence held (of any strand): where the data begins."""
    earliest = session.scalar(select(func.min(Occurrence.occurred_at)))
    return None if earliest is None else earliest.astimezone(tz).date()


def hour_of_week_counts(
    session: Session, days: Window, tz: ZoneInfo, strand: str, areas: Sequence[str] | None = None
) -> pd.Series:
    """Occurrences of `strand` (sub-strands included, each once) in `days` by local hour of the week: 0 is
    Monday 00:00-00:59, 167 Sunday 23:00-23:59. Hours without any are left out."""
    instant = OccurrenceStrand.occurred_at
    if session.connection().dialect.name == "postgresql":
        local = func.timezone(tz.key, instant)
        hour = (func.extract("isodow", local) - 1) * 24 + func.extract("hour", local)
    else:
        hour = func.local_hour_of_week(instant, tz.key, type_=Integer)  # registered by bot.store.db
    start, end = days.utc_bounds(tz)
    query = _in_family(
        session,
        select(hour, func.count(func.distinct(OccurrenceStrand.occurrence_id))).where(instant >= start, instant < end),
        strand,
        areas,
    )
    return pd.Series({int(row[0]): int(row[1]) for row in session.execute(query.group_by(hour))}, dtype="int64")


def _in_family(session: Session, query, strand: str, areas: Sequence[str] | None):
    """`query` over occurrence strands limited to `strand` and those below it, and to `areas` if given."""
    closure = strand_closure()
    family = select(closure.c.strand_id).join(Strand, Strand.id == closure.c.ancestor_id).where(Strand.slug == strand)
    query = query.where(OccurrenceStrand.strand_id.in_(family))
    if areas is not None:
        placed = select(Occurrence.id).where(Occurrence.area_id.in_(ids_of(session, Area, areas)))
        query = query.where(OccurrenceStrand.occurrence_id.in_(placed))
    return query
