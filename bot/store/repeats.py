"""Repeat contact: people and places linked to several occurrences of a strand within a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from bot.store.counts import ids_of
from bot.store.db import INSERT_BATCH_ROWS
from bot.store.models import Area, Occurrence, OccurrenceLink, OccurrenceStrand, Strand


@dataclass(frozen=True)
class RepeatScope:
    """Which links count: occurrences of these strands between two instants (in these areas, if given),
    links of one kind (and role)."""

    slugs: tuple[str, ...]
    start: datetime
    end: datetime
    kind: str  # person | location
    role: str | None  # None: any role
    min_occurrences: int
    areas: tuple[str, ...] | None = None  # every area to count, sub-areas included; None: everywhere


@dataclass(frozen=True)
class RepeatRow:
    ref: str
    occurrences: int
    first: datetime
    last: datetime


def _per_ref(session: Session, scope: RepeatScope, label: str | None = None):
    """One row per reference meeting the rule: ref, its distinct occurrences, first and last (UTC).

    Counted by distinct occurrence, so one occurrence linking a person twice (two roles), or in two of the
    strands, counts once."""
    occurrence, at = OccurrenceStrand.occurrence_id, OccurrenceStrand.occurred_at
    n = func.count(func.distinct(occurrence))
    columns = [OccurrenceLink.ref, n.label("n"), func.min(at), func.max(at)]
    if label is not None:
        columns.insert(0, literal(label).label("period"))
    query = (
        select(*columns)
        .select_from(OccurrenceStrand)
        .join(OccurrenceLink, OccurrenceLink.occurrence_id == occurrence)
        .where(
            OccurrenceStrand.strand_id.in_(ids_of(session, Strand, scope.slugs)),
            at >= scope.start,
            at < scope.end,
            OccurrenceLink.kind == scope.kind,
        )
        .group_by(OccurrenceLink.ref)
        .having(n >= scope.min_occurrences)
    )
    if scope.role is not None:
        query = query.where(OccurrenceLink.role == scope.role)
    if scope.areas is not None:
        query = query.where(
            occurrence.in_(select(Occurrence.id).where(Occurrence.area_id.in_(ids_of(session, Area, scope.areas))))
        )
    return query


def repeat_rows(session: Session, scope: RepeatScope) -> list[RepeatRow]:
    """Everyone (or everywhere) meeting the rule, most occurrences first, then most recent."""
    counted = _per_ref(session, scope).subquery()
    ref, n, first, last = counted.c
    rows = session.execute(select(ref, n, first, last).order_by(n.desc(), last.desc(), ref)).all()
    return [RepeatRow(*row) for row in rows]


def repeat_totals(session: Session, scopes: dict[str, RepeatScope]) -> dict[str, tuple[int, int]]:
    """For each named scope: how many references meet the rule, and their occurrences between them."""
    parts = [_per_ref(session, scope, label) for label, scope in scopes.items()]
    counted = union_all(*parts).subquery()
    rows = session.execute(
        select(counted.c.period, func.count(), func.sum(counted.c.n)).group_by(counted.c.period)
    ).all()
    found = {label: (people, int(total or 0)) for label, people, total in rows}
    return {label: found.get(label, (0, 0)) for label in scopes}


def other_strands(session: Session, refs: Sequence[str], scope: RepeatScope) -> dict[str, list[str]]:
    """The strands outside `scope.slugs` each reference appears in (any role, anywhere) within the scope's
    period: the occurrences' own strands, so a domestic rape on a rape list shows domestic abuse."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(refs), INSERT_BATCH_ROWS):
        batch = refs[start : start + INSERT_BATCH_ROWS]
        rows = session.execute(
            select(OccurrenceLink.ref, Strand.slug)
            .join(OccurrenceStrand, OccurrenceStrand.occurrence_id == OccurrenceLink.occurrence_id)
            .join(Strand, Strand.id == OccurrenceStrand.strand_id)
            .where(
                OccurrenceLink.kind == scope.kind,
                OccurrenceLink.ref.in_(batch),
                OccurrenceStrand.occurred_at >= scope.start,
                OccurrenceStrand.occurred_at < scope.end,
                Strand.slug.not_in(scope.slugs),
            )
            .group_by(OccurrenceLink.ref, Strand.slug, Strand.position)
            .order_by(OccurrenceLink.ref, Strand.position)
        ).all()
        for ref, slug in rows:
            found.setdefault(ref, []).append(slug)
    return found
