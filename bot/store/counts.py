"""Occurrence counts per strand and window, and the daily counts summary behind them."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import ColumnElement, Date, cast, delete, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session

from bot.domain.periods import Window
from bot.store.models import DailyCount, DailyCountsZone, Occurrence, Strand

log = logging.getLogger(__name__)


def family_ids(slugs: Sequence[str]):
    """The IDs of the strands `slugs`, as a subquery."""
    return select(Strand.id).where(Strand.slug.in_(slugs))


def window_counts(
    session: Session, windows: Mapping[str, Window], tz: ZoneInfo, slugs: Sequence[str] | None = None
) -> pd.DataFrame:
    """Occurrences per strand (own, not rolled up) in each named window: slug index, one column per window.

    Summed from `daily_counts` when it holds the days of `tz`; counted from `occurrences` otherwise (slowly,
    but right), which is also how the summary itself counts."""
    if daily_counts_zone(session) == tz.key:
        strand_id, amount = DailyCount.strand_id, func.sum(DailyCount.occurrences)

        def within(window: Window) -> list[ColumnElement[bool]]:
            return [DailyCount.day >= window.start, DailyCount.day <= window.end]
    else:
        log.warning("daily_counts is not for %s; counting occurrences directly (run `strandbot db upgrade`)", tz.key)
        strand_id, amount = Occurrence.strand_id, func.count()

        def within(window: Window) -> list[ColumnElement[bool]]:
            start, end = window.utc_bounds(tz)
            return [Occurrence.occurred_at >= start, Occurrence.occurred_at < end]

    parts = []
    for name, window in windows.items():
        query = select(literal(name).label("window"), strand_id, amount.label("n")).where(*within(window))
        if slugs is not None:
            query = query.where(strand_id.in_(family_ids(slugs)))
        parts.append(query.group_by(strand_id))
    counted = union_all(*parts).subquery()
    rows = session.execute(
        select(counted.c.window, Strand.slug, counted.c.n).join(Strand, Strand.id == counted.c.strand_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["window", "slug", "n"])
    table = frame.pivot_table(index="slug", columns="window", values="n", aggfunc="sum", fill_value=0)
    return table.reindex(columns=list(windows), fill_value=0).astype("int64")


# --- The daily counts summary: changed in the same transaction as the occurrences it counts. ---


def lock_daily_counts(session: Session) -> str:
    """Take the daily counts' lock, held to the end of the transaction, and return the time zone whose
    days they hold ("" if never built).

    Every writer of occurrences takes it before reading them, so writers (imports, purges, rebuilds) go
    one at a time and each recounts what the one before it committed."""
    return session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1).with_for_update()) or ""


def recount_days(session: Session, tz: ZoneInfo, first: datetime, last: datetime) -> None:
    """Bring `daily_counts` up to date for every strand on each local day from `first`'s to `last`'s.

    A summary for another time zone (or none) is rebuilt whole."""
    if lock_daily_counts(session) != tz.key:
        rebuild_daily_counts(session, tz)
        return
    days = Window(first.astimezone(tz).date(), last.astimezone(tz).date())
    session.execute(delete(DailyCount.__table__).where(DailyCount.day >= days.start, DailyCount.day <= days.end))
    _count_days(session, tz, days)


def rebuild_daily_counts(session: Session, tz: ZoneInfo) -> None:
    """Count every day again, for `tz`'s days."""
    lock_daily_counts(session)
    session.execute(delete(DailyCount.__table__))
    _count_days(session, tz, None)
    if session.connection().dialect.name == "postgresql":
        session.execute(text("ANALYZE daily_counts"))  # its statistics would otherwise describe the old rows
    session.merge(DailyCountsZone(id=1, time_zone=tz.key, rebuilt_at=datetime.now(UTC)))


def daily_counts_zone(session: Session) -> str:
    """The time zone whose days the summary holds ("" if never built)."""
    return session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1)) or ""


def local_day_column(session: Session, tz: ZoneInfo) -> ColumnElement:
    """An occurrence's local date in the database's own time zone rules (the summary's days are these)."""
    if session.connection().dialect.name == "postgresql":
        return cast(func.timezone(tz.key, Occurrence.occurred_at), Date)
    return func.local_date(Occurrence.occurred_at, tz.key, type_=Date)  # registered by bot.store.db


def on_local_days(query, local_day: ColumnElement, days: Window, tz: ZoneInfo):
    """`query` limited to occurrences on `days`, by the database's local day.

    Python's and the database's time zone rules may be releases apart: look a day either side of the
    window's UTC bounds (so the index narrows the scan) and let the database's local day decide."""
    start, end = days.utc_bounds(tz)
    return query.where(
        Occurrence.occurred_at >= start - timedelta(days=1),
        Occurrence.occurred_at < end + timedelta(days=1),
        local_day >= days.start,
        local_day <= days.end,
    )


def _count_days(session: Session, tz: ZoneInfo, days: Window | None) -> None:
    local_day = local_day_column(session, tz)
    counted = select(Occurrence.strand_id, local_day, func.count()).group_by(Occurrence.strand_id, local_day)
    if days is not None:
        counted = on_local_days(counted, local_day, days, tz)
    session.execute(insert(DailyCount).from_select(["strand_id", "day", "occurrences"], counted))
