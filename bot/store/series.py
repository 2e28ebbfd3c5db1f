"""Series for charts and forecasts: one strand family's counts, summed in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from bot.domain.periods import Window
from bot.store.counts import daily_counts_zone, family_ids, local_day_column, on_local_days
from bot.store.models import DailyCount, Occurrence


def daily_totals(session: Session, days: Window, tz: ZoneInfo, slugs: Sequence[str]) -> pd.Series:
    """Occurrences of the strands `slugs` together on each local day of `days` that had any, by date.

    From the daily counts summary when it holds `tz`'s days, else counted from occurrences the same way."""
    if daily_counts_zone(session) == tz.key:
        day, amount = DailyCount.day, func.sum(DailyCount.occurrences)
        query = select(day, amount).where(
            DailyCount.day >= days.start, DailyCount.day <= days.end, DailyCount.strand_id.in_(family_ids(slugs))
        )
    else:
        day = local_day_column(session, tz)
        query = on_local_days(select(day, func.count()), day, days, tz)
        query = query.where(Occurrence.strand_id.in_(family_ids(slugs)))
    rows = session.execute(query.group_by(day)).all()
    return pd.Series({row[0]: int(row[1]) for row in rows}, dtype="int64")


def first_occurrence_day(session: Session, tz: ZoneInfo) -> date | None:
    """The local date of the earliest occurrence held (of any strand): where the data begins."""
    earliest = session.scalar(select(func.min(Occurrence.occurred_at)))
    return None if earliest is None else earliest.astimezone(tz).date()


def hour_of_week_counts(session: Session, days: Window, tz: ZoneInfo, slugs: Sequence[str]) -> pd.Series:
    """Occurrences of the strands `slugs` in `days` by local hour of the week: 0 is Monday 00:00-00:59,
    167 Sunday 23:00-23:59. Hours without any are left out."""
    if session.connection().dialect.name == "postgresql":
        local = func.timezone(tz.key, Occurrence.occurred_at)
        hour = (func.extract("isodow", local) - 1) * 24 + func.extract("hour", local)
    else:
        hour = func.local_hour_of_week(Occurrence.occurred_at, tz.key, type_=Integer)  # registered by bot.store.db
    start, end = days.utc_bounds(tz)
    query = (
        select(hour, func.count())
        .where(
            Occurrence.occurred_at >= start,
            Occurrence.occurred_at < end,
            Occurrence.strand_id.in_(family_ids(slugs)),
        )
        .group_by(hour)
    )
    return pd.Series({int(row[0]): int(row[1]) for row in session.execute(query)}, dtype="int64")
