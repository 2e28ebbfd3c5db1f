"""Purges: links (and, if asked, whole occurrences) older than the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session

from bot.imports.records import PurgeRecord
from bot.store import models
from bot.store.counts import lock_daily_counts, recount_days
from bot.store.db import values_of
from bot.store.models import Occurrence, OccurrenceLink, OccurrenceStrand, Strand


@dataclass(frozen=True)
class PurgeCounts:
    occurrences: int
    links: int


@dataclass(frozen=True)
class PurgeScope:
    """What a purge before an instant would remove, against everything stored, in enough detail to check."""

    removed: PurgeCounts
    stored: PurgeCounts
    first: datetime | None  # earliest and latest occurrence touched (UTC)
    last: datetime | None
    links_by_kind: tuple[tuple[str, int], ...]  # ("location", 12), ("person", 40)
    # Strand name, occurrences (whole-occurrence purges): an occurrence in two strands is under each.
    occurrences_by_strand: tuple[tuple[str, int], ...]


def purge_scope(session: Session, before: datetime, whole_occurrences: bool) -> PurgeScope:
    """What a purge of everything that occurred before `before` (UTC) would remove."""
    old = select(Occurrence.id).where(Occurrence.occurred_at < before)
    by_kind = session.execute(
        select(OccurrenceLink.kind, func.count())
        .where(OccurrenceLink.occurrence_id.in_(old))
        .group_by(OccurrenceLink.kind)
        .order_by(OccurrenceLink.kind)
    ).all()
    touched = (
        select(func.count(), func.min(Occurrence.occurred_at), func.max(Occurrence.occurred_at))
        .where(Occurrence.occurred_at < before)
        .where(Occurrence.id.in_(select(OccurrenceLink.occurrence_id)) if not whole_occurrences else true())
    )
    occurrences, first, last = session.execute(touched).one()
    by_strand = []
    if whole_occurrences:
        by_strand = session.execute(
            select(Strand.name, func.count())
            .join(OccurrenceStrand, OccurrenceStrand.strand_id == Strand.id)
            .where(OccurrenceStrand.occurred_at < before)
            .group_by(Strand.name, Strand.position)
            .order_by(Strand.position)
        ).all()
    stored = PurgeCounts(
        session.scalar(select(func.count()).select_from(Occurrence)) or 0,
        session.scalar(select(func.count()).select_from(OccurrenceLink)) or 0,
    )
    links = sum(n for _, n in by_kind)
    return PurgeScope(
        PurgeCounts(occurrences if whole_occurrences else 0, links),
        stored,
        first,
        last,
        tuple((kind, n) for kind, n in by_kind),
        tuple((name, n) for name, n in by_strand),
    )


def purge(session: Session, before: datetime, whole_occurrences: bool, tz: ZoneInfo) -> PurgeCounts:
    """Remove links (and, if asked, occurrences) from before `before` (UTC); what was removed."""
    old = select(Occurrence.id).where(Occurrence.occurred_at < before)
    # Core tables, not ORM entities: an ORM delete would fetch every deleted row into memory.
    links = session.execute(
        delete(OccurrenceLink.__table__).where(OccurrenceLink.__table__.c.occurrence_id.in_(old))
    ).rowcount
    occurrences = 0
    if whole_occurrences:
        lock_daily_counts(session)
        earliest = session.scalar(select(func.min(Occurrence.occurred_at)))
        occurrences = session.execute(
            delete(Occurrence.__table__).where(Occurrence.__table__.c.occurred_at < before)
        ).rowcount
        if earliest is not None and earliest < before:
            recount_days(session, tz, earliest, before - timedelta(microseconds=1))
    return PurgeCounts(occurrences, links)


def record_purge(session: Session, record: PurgeRecord) -> None:
    session.add(models.PurgeRecord(**values_of(record)))
