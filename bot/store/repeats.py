"""Repeat contact: people and places linked to several occurrences of a strand within a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Float, Numeric, and_, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from bot.domain.harm import HARM_DECIMALS, NO_CODE
from bot.store.counts import ids_of
from bot.store.db import INSERT_BATCH_ROWS
from bot.store.models import Area, HarmWeight, Occurrence, OccurrenceLink, OccurrenceStrand, Strand

CURRENT, PREVIOUS = "current", "previous"  # the two periods a harm ranking reads together


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
    harm: float | None = None  # the weights' sum over its occurrences, when ranked by harm


@dataclass(frozen=True)
class HarmRanking:
    """The references meeting the rule that contributed the most harm, and how many meet it in all."""

    rows: list[RepeatRow]  # the first `top` (all, without one), most harm first
    references: int  # every reference meeting the rule
    occurrences: int  # their distinct occurrences, each reference's counted for it
    codes: dict[str, int]  # the listed references' distinct occurrences by offence code ("" for none)
    previous_references: int  # how many met the rule in the period before


def _links_in_scope(session: Session, scope: RepeatScope, *columns):
    """`columns` from the links of the scope's kind (and role) to occurrences of its strands in its period
    (and areas): one row per link and strand, so an occurrence in two of the strands, or linking a reference
    in two roles, gives two."""
    occurrence, at = OccurrenceStrand.occurrence_id, OccurrenceStrand.occurred_at
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
    )
    if scope.role is not None:
        query = query.where(OccurrenceLink.role == scope.role)
    if scope.areas is not None:
        query = query.where(
            occurrence.in_(select(Occurrence.id).where(Occurrence.area_id.in_(ids_of(session, Area, scope.areas))))
        )
    return query


def _per_ref(session: Session, scope: RepeatScope, label: str | None = None):
    """One row per reference meeting the rule: ref, its distinct occurrences, first and last (UTC).

    Counted by distinct occurrence, so one occurrence linking a person twice (two roles), or in two of the
    strands, counts once."""
    occurrence, at = OccurrenceStrand.occurrence_id, OccurrenceStrand.occurred_at
    n = func.count(func.distinct(occurrence))
    columns = [OccurrenceLink.ref, n.label("n"), func.min(at), func.max(at)]
    if label is not None:
        columns.insert(0, literal(label).label("period"))
    return _links_in_scope(session, scope, *columns).group_by(OccurrenceLink.ref).having(n >= scope.min_occurrences)


def repeat_rows(session: Session, scope: RepeatScope) -> list[RepeatRow]:
    """Everyone (or everywhere) meeting the rule, most occurrences first, then most recent."""
    counted = _per_ref(session, scope).subquery()
    ref, n, first, last = counted.c
    rows = session.execute(select(ref, n, first, last).order_by(n.desc(), last.desc(), ref)).all()
    return [RepeatRow(*row) for row in rows]


def harm_ranking(
    session: Session, scope: RepeatScope, previous: RepeatScope, weight_set: int, top: int | None
) -> HarmRanking:
    """The references meeting the rule, most harm first: each one's harm is the sum, over its distinct
    occurrences, of the weight that set `weight_set` gives the occurrence's offence code (an occurrence without
    a weight adds nothing). Ties go to more occurrences, then to the reference, so the order never depends
    on the plan. Only the first `top` are returned (all without one); the totals are of everyone meeting the
    rule. With them, the listed references' distinct occurrences by offence code, and how many references met
    the rule in `previous` (the same scope over the period before).

    One statement, set-based, reading the links once for both periods (reading them is most of the time):
    each link in either period is paired with its occurrence once (the occurrence's code read from the
    strand index, beside its time) and weighed by joining `harm_weights`; the current period's pairs are
    summed per reference, ranked and cut, and counted again by code for the references that made the cut."""
    weighed = _weighed_pairs(session, scope, previous, weight_set)
    current = weighed.c.period == CURRENT
    n = func.count()
    # Rounded as every harm figure is, so float noise in the last digits cannot split a tie.
    harm = func.round(cast(func.coalesce(func.sum(weighed.c.weight), 0), Numeric), HARM_DECIMALS, type_=Float)
    order = (harm.desc(), n.desc(), weighed.c.ref)
    ranked = (
        select(
            weighed.c.ref,
            n.label("n"),
            func.min(weighed.c.occurred_at).label("first"),
            func.max(weighed.c.occurred_at).label("last"),
            harm.label("harm"),
            func.row_number().over(order_by=order).label("position"),
            func.count().over().label("references"),
            func.sum(n).over().label("occurrences"),
        )
        .where(current)
        .group_by(weighed.c.ref)
        .having(n >= scope.min_occurrences)
        .order_by(*order)
        .limit(top)
        .cte("ranked")
    )
    # Three kinds of row in one result, told apart by `part`; each fills `n` and leaves what it lacks empty.
    empty = [null().label(column.name) for column in ranked.c[2:]]
    listed = select(literal("listed").label("part"), ranked, null().label("offence_code"))
    by_code = (
        select(
            literal("code"),
            null(),
            func.count(func.distinct(weighed.c.occurrence_id)),
            *empty,
            weighed.c.offence_code,
        )
        .where(current, weighed.c.ref.in_(select(ranked.c.ref)))
        .group_by(weighed.c.offence_code)
    )
    met_before = (
        select(weighed.c.ref)
        .where(weighed.c.period == PREVIOUS)
        .group_by(weighed.c.ref)
        .having(func.count() >= previous.min_occurrences)
        .subquery()
    )
    before = select(literal("previous"), null(), func.count(), *empty, null()).select_from(met_before)
    found = session.execute(union_all(listed, by_code, before).order_by("position")).all()
    ranks = [r for r in found if r.part == "listed"]
    rows = [RepeatRow(r.ref, r.n, r.first, r.last, r.harm) for r in ranks]
    codes = {r.offence_code or NO_CODE: r.n for r in found if r.part == "code"}
    references, occurrences = (ranks[0].references, int(ranks[0].occurrences)) if ranks else (0, 0)
    return HarmRanking(rows, references, occurrences, codes, next(r.n for r in found if r.part == "previous"))


def _weighed_pairs(session: Session, scope: RepeatScope, previous: RepeatScope, weight_set: int):
    """Each (reference, occurrence) pair in `scope`'s period or `previous`'s once, with the occurrence's time,
    code and weight (none without one), and which of the two periods it is in."""
    strand = OccurrenceStrand
    at = strand.occurred_at
    in_current = and_(at >= scope.start, at < scope.end)
    span = replace(scope, start=min(scope.start, previous.start), end=max(scope.end, previous.end))
    period = case((in_current, literal(CURRENT)), else_=literal(PREVIOUS)).label("period")
    pairs = _links_in_scope(session, span, OccurrenceLink.ref, strand.occurrence_id, at, strand.offence_code, period)
    if previous.end < scope.start:  # a month so far against the same days of the month before: skip the gap
        pairs = pairs.where(or_(in_current, at < previous.end))
    pairs = pairs.distinct().subquery("pairs")
    return (
        select(pairs, HarmWeight.weight)
        .outerjoin(HarmWeight, and_(HarmWeight.set_id == weight_set, HarmWeight.offence_code == pairs.c.offence_code))
        .cte("weighed")
    )


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
