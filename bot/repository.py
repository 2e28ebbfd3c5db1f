"""Data access: every query strandbot runs. Aggregates in the database; returns counts, not rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session, selectinload

from bot.catalogue import Catalogue, StrandDefinition, in_display_order, validate
from bot.models import Occurrence, OccurrenceLink, Strand, StrandAlias
from bot.periods import DashboardWindows

# Rows per INSERT: large enough to be fast, small enough for SQLite's 32,766 bound-parameter limit.
INSERT_BATCH_ROWS = 4000


def load_catalogue(session: Session) -> Catalogue:
    strands = session.scalars(select(Strand).options(selectinload(Strand.aliases)).order_by(Strand.position)).all()
    slug_of = {s.id: s.slug for s in strands}
    return Catalogue(
        in_display_order(
            StrandDefinition(s.slug, s.name, slug_of.get(s.parent_id), tuple(a.alias for a in s.aliases))
            for s in strands
        )
    )


@dataclass(frozen=True)
class CatalogueChange:
    added: list[str]
    updated: list[str]
    kept: list[str]  # in the database but not in the file: left as they are, since occurrences point at them


def save_catalogue(session: Session, definitions: list[StrandDefinition]) -> CatalogueChange:
    """Add and update strands from `definitions`; strands the file leaves out are kept, never deleted.

    A file listing every strand sets the display order; a partial file keeps existing strands where they
    are and puts new ones last among their siblings. The merged catalogue is validated before any write."""
    existing = load_catalogue(session)
    incoming = {d.slug for d in definitions}
    validate(definitions + [s for s in existing if s.slug not in incoming])
    rows = {s.slug: s for s in session.scalars(select(Strand)).all()}
    reorder = incoming >= rows.keys()
    next_position = max((s.position for s in rows.values()), default=0) + 10
    added, updated = [], []
    for index, definition in enumerate(definitions, start=1):
        strand = rows.get(definition.slug)
        if strand is None:
            strand = rows[definition.slug] = Strand(slug=definition.slug, position=next_position)
            next_position += 10
            session.add(strand)
            added.append(definition.slug)
        elif existing.get(definition.slug) != definition or (reorder and strand.position != index * 10):
            updated.append(definition.slug)
        if reorder:
            strand.position = index * 10
        strand.name = definition.name
        # Keep alias rows that stay, so re-adding one never trips the (strand, alias) unique key.
        current = {a.alias: a for a in strand.aliases}
        strand.aliases = [current.get(a) or StrandAlias(alias=a) for a in dict.fromkeys(definition.aliases)]
    session.flush()
    for definition in definitions:
        parent = rows[definition.parent] if definition.parent else None
        rows[definition.slug].parent_id = parent.id if parent else None
    kept = [s.slug for s in existing if s.slug not in incoming]
    return CatalogueChange(added, updated, kept)


def window_counts(
    session: Session, windows: DashboardWindows, tz: ZoneInfo, slugs: Sequence[str] | None = None
) -> pd.DataFrame:
    """Occurrences per strand (own, not rolled up) in each dashboard window: slug index, window columns."""
    strand_ids = None
    if slugs is not None:
        strand_ids = select(Strand.id).where(Strand.slug.in_(slugs)).scalar_subquery()
    parts = []
    for name, window in windows.all().items():
        start, end = window.utc_bounds(tz)
        query = (
            select(literal(name).label("window"), Occurrence.strand_id, func.count().label("n"))
            .where(Occurrence.occurred_at >= start, Occurrence.occurred_at < end)
            .group_by(Occurrence.strand_id)
        )
        if strand_ids is not None:
            query = query.where(Occurrence.strand_id.in_(strand_ids))
        parts.append(query)
    counted = union_all(*parts).subquery()
    rows = session.execute(
        select(counted.c.window, Strand.slug, counted.c.n).join(Strand, Strand.id == counted.c.strand_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["window", "slug", "n"])
    table = frame.pivot_table(index="slug", columns="window", values="n", aggfunc="sum", fill_value=0)
    return table.reindex(columns=list(windows.all()), fill_value=0).astype("int64")


@dataclass(frozen=True)
class NewOccurrence:
    source: str
    source_id: str
    occurred_at: datetime  # aware
    strand: str  # slug
    category: str | None = None
    links: tuple[tuple[str, str, str], ...] = ()  # (kind, ref, role)


def replace_source(session: Session, source: str, occurrences: Iterable[NewOccurrence]) -> int:
    """Replace all of `source`'s occurrences with `occurrences` (links cascade); returns how many were stored."""
    strand_ids = {slug: id_ for slug, id_ in session.execute(select(Strand.slug, Strand.id))}
    session.execute(delete(Occurrence).where(Occurrence.source == source))
    stored = 0
    batch: list[NewOccurrence] = []
    for occurrence in occurrences:
        batch.append(occurrence)
        if len(batch) == INSERT_BATCH_ROWS:
            stored += _insert_batch(session, batch, strand_ids)
            batch = []
    if batch:
        stored += _insert_batch(session, batch, strand_ids)
    return stored


def _insert_batch(session: Session, batch: list[NewOccurrence], strand_ids: dict[str, int]) -> int:
    ids = session.scalars(
        insert(Occurrence).returning(Occurrence.id, sort_by_parameter_order=True),
        [
            {
                "source": o.source,
                "source_id": o.source_id,
                "occurred_at": o.occurred_at,
                "strand_id": strand_ids[o.strand],
                "category": o.category,
            }
            for o in batch
        ],
    ).all()
    links = [
        {"occurrence_id": occurrence_id, "kind": kind, "ref": ref, "role": role}
        for occurrence_id, o in zip(ids, batch, strict=True)
        for kind, ref, role in dict.fromkeys(o.links)
    ]
    for start in range(0, len(links), INSERT_BATCH_ROWS):
        session.execute(insert(OccurrenceLink), links[start : start + INSERT_BATCH_ROWS])
    return len(batch)


def other_sources_count(session: Session, source: str) -> int:
    """How many occurrences came from any source but `source`."""
    return session.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.source != source)) or 0
