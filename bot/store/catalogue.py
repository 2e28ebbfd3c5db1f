"""The strand catalogue as stored: strands, their nesting and aliases."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.domain.catalogue import Catalogue, StrandDefinition, in_display_order, validate
from bot.store.models import Strand, StrandAlias


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


def strand_id_map(session: Session) -> dict[str, int]:
    return {slug: id_ for slug, id_ in session.execute(select(Strand.slug, Strand.id))}
