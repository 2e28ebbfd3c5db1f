"""Occurrence counts per strand (or area) and window, and the daily summaries behind them."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import ColumnElement, Date, cast, delete, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session

from bot.domain.periods import Window
from bot.store.models import Area, DailyAreaCount, DailyCount, DailyCountsZone, Occurrence, OccurrenceStrand, Strand

log = logging.getLogger(__name__)


def strand_closure():
    """Each strand with itself and every strand above it: (strand_id, ancestor_id) pairs, a recursive CTE.
    Joining an occurrence's strands to it gives every strand that counts the occurrence."""
    strands = Strand.__table__
    closure = select(strands.c.id.label("strand_id"), strands.c.id.label("ancestor_id")).cte(
        "strand_closure", recursive=True
    )
    return closure.union_all(
        select(closure.c.strand_id, strands.c.parent_id)
        .join(strands, strands.c.id == closure.c.ancestor_id)
        .where(strands.c.parent_id.is_not(None))
    )


def ids_of(session: Session, model, slugs: Sequence[str]) -> list[int]:
    """The IDs of the strands or areas `slugs`. Looked up first, not joined: with the IDs as values the
    planner picks the narrowest index range of the summaries (5 ms, not 11, for a strand family in a
    division of 10 areas at 10 million occurrences)."""
    return list(session.scalars(select(model.id).where(model.slug.in_(slugs))))


def window_counts(
    session: Session,
    windows: Mapping[str, Window],
    tz: ZoneInfo,
    slugs: Sequence[str] | None = None,
    areas: Sequence[str] | None = None,
    by_area: bool = False,
) -> pd.DataFrame:
    """Distinct occurrences in each named window: one column per window, one row per strand (each counting
    its sub-strands, an occurrence once) or, `by_area`, per area (each its own occurrences, not its
    sub-areas', of the one strand in `slugs`). Only the strands `slugs` (default all); only occurrences
    in the areas `areas` (every one to count, sub-areas included; default: everywhere, and those with no
    area).

    Summed from the daily summaries when they hold the days of `tz`; counted from occurrences otherwise
    (slowly, but right), which is also how the summaries themselves count."""
    if by_area and (slugs is None or len(slugs) != 1):
        # Summing strands together would count an occurrence in two of them twice.
        raise ValueError("window_counts by area counts one strand at a time")
    placed = areas is not None or by_area  # the occurrences' areas matter
    if daily_counts_zone(session) == tz.key:
        table = DailyAreaCount if placed else DailyCount
        amount = func.sum(table.occurrences)
        strand_id, area_id = table.strand_id, getattr(table, "area_id", None)

        def counted(window: Window):
            return select().select_from(table).where(table.day >= window.start, table.day <= window.end)
    else:
        log.warning("daily_counts is not for %s; counting occurrences directly (run `strandbot db upgrade`)", tz.key)
        closure = strand_closure()
        amount = func.count(func.distinct(OccurrenceStrand.occurrence_id))
        strand_id, area_id = closure.c.ancestor_id, Occurrence.area_id

        def counted(window: Window):
            start, end = window.utc_bounds(tz)
            query = (
                select().select_from(OccurrenceStrand).join(closure, closure.c.strand_id == OccurrenceStrand.strand_id)
            )
            if placed:
                query = query.join(Occurrence, Occurrence.id == OccurrenceStrand.occurrence_id)
            return query.where(OccurrenceStrand.occurred_at >= start, OccurrenceStrand.occurred_at < end)

    key, named = (area_id, Area) if by_area else (strand_id, Strand)
    strand_ids = None if slugs is None else ids_of(session, Strand, slugs)
    area_ids = None if areas is None else ids_of(session, Area, areas)
    parts = []
    for name, window in windows.items():
        query = counted(window).add_columns(literal(name).label("window"), key.label("key"), amount.label("n"))
        if slugs is not None:
            query = query.where(strand_id.in_(strand_ids))
        if areas is not None:
            query = query.where(area_id.in_(area_ids))
        if by_area:
            query = query.where(area_id.is_not(None))
        parts.append(query.group_by(key))
    union = union_all(*parts).subquery()
    rows = session.execute(select(union.c.window, named.slug, union.c.n).join(named, named.id == union.c.key)).all()
    frame = pd.DataFrame(rows, columns=["window", "slug", "n"])
    pivoted = frame.pivot_table(index="slug", columns="window", values="n", aggfunc="sum", fill_value=0)
    return pivoted.reindex(columns=list(windows), fill_value=0).astype("int64")


# --- The daily counts summary: changed in the same transaction as the occurrences it counts. ---


def lock_daily_counts(session: Session) -> str:
    """Take the daily counts' lock, held to the end of the transaction, and return the time zone whose
    days they hold ("" if never built).

    Every writer of occurrences takes it before reading them, so writers (imports, purges, rebuilds) go
    one at a time and each recounts what the one before it committed."""
    return session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1).with_for_update()) or ""


def recount_days(session: Session, tz: ZoneInfo, first: datetime, last: datetime) -> None:
    """Bring the daily summaries up to date for every strand on each local day from `first`'s to `last`'s.

    A summary for another time zone (or none) is rebuilt whole."""
    if lock_daily_counts(session) != tz.key:
        rebuild_daily_counts(session, tz)
        return
    days = Window(first.astimezone(tz).date(), last.astimezone(tz).date())
    for table in (DailyCount.__table__, DailyAreaCount.__table__):
        session.execute(delete(table).where(table.c.day >= days.start, table.c.day <= days.end))
    _count_days(session, tz, days)


def rebuild_daily_counts(session: Session, tz: ZoneInfo) -> None:
    """Count every day again, for `tz`'s days."""
    lock_daily_counts(session)
    session.execute(delete(DailyCount.__table__))
    session.execute(delete(DailyAreaCount.__table__))
    _count_days(session, tz, None)
    if session.connection().dialect.name == "postgresql":
        # Their statistics would otherwise describe the old rows.
        session.execute(text("ANALYZE daily_counts"))
        session.execute(text("ANALYZE daily_area_counts"))
    session.merge(DailyCountsZone(id=1, time_zone=tz.key, rebuilt_at=datetime.now(UTC)))


def daily_counts_zone(session: Session) -> str:
    """The time zone whose days the summaries hold ("" if never built)."""
    return session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1)) or ""


def local_day_column(session: Session, tz: ZoneInfo, instant: ColumnElement) -> ColumnElement:
    """The local date of `instant` (a stored UTC time column) in the database's own time zone rules (the
    summaries' days are these)."""
    if session.connection().dialect.name == "postgresql":
        return cast(func.timezone(tz.key, instant), Date)
    return func.local_date(instant, tz.key, type_=Date)  # registered by bot.store.db


def on_local_days(query, instant: ColumnElement, local_day: ColumnElement, days: Window, tz: ZoneInfo):
    """`query` limited to rows whose `instant` falls on `days`, by the database's local day.

    Python's and the database's time zone rules may be releases apart: look a day either side of the
    window's UTC bounds (so the index narrows the scan) and let the database's local day decide."""
    start, end = days.utc_bounds(tz)
    return query.where(
        instant >= start - timedelta(days=1),
        instant < end + timedelta(days=1),
        local_day >= days.start,
        local_day <= days.end,
    )


def _count_days(session: Session, tz: ZoneInfo, days: Window | None) -> None:
    """Fill both summaries for `days` (None: all): each strand counts the distinct occurrences in it or
    any strand below it."""
    closure = strand_closure()
    instant = OccurrenceStrand.occurred_at
    local_day = local_day_column(session, tz, instant).label("day")
    counts = select(closure.c.ancestor_id.label("strand_id"), OccurrenceStrand.occurrence_id, local_day).join(
        closure, closure.c.strand_id == OccurrenceStrand.strand_id
    )
    if days is not None:
        counts = on_local_days(counts, instant, local_day, days, tz)
    # An occurrence in two sub-strands reaches their parent twice: count each (strand, occurrence, day) once.
    pairs = counts.distinct().subquery()
    session.execute(
        insert(DailyCount).from_select(
            ["strand_id", "day", "occurrences"],
            select(pairs.c.strand_id, pairs.c.day, func.count()).group_by(pairs.c.strand_id, pairs.c.day),
        )
    )
    placed = (
        counts.add_columns(Occurrence.area_id)
        .join(Occurrence, Occurrence.id == OccurrenceStrand.occurrence_id)
        .where(Occurrence.area_id.is_not(None))
        .distinct()
        .subquery()
    )
    session.execute(
        insert(DailyAreaCount).from_select(
            ["strand_id", "area_id", "day", "occurrences"],
            select(placed.c.strand_id, placed.c.area_id, placed.c.day, func.count()).group_by(
                placed.c.strand_id, placed.c.area_id, placed.c.day
            ),
        )
    )
