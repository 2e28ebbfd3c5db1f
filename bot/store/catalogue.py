"""The strand and area catalogues as stored: entries, their nesting and aliases."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from bot.domain.catalogue import AREAS, STRANDS, Catalogue, CatalogueEntry, CatalogueKind, in_display_order, validate
from bot.store.models import Area, AreaAlias, Strand, StrandAlias

# Each kind's tables: the entry and its alias rows.
_TABLES = {STRANDS: (Strand, StrandAlias), AREAS: (Area, AreaAlias)}


def load_catalogue(session: Session, kind: CatalogueKind = STRANDS) -> Catalogue:
    model, _ = _TABLES[kind]
    rows = session.scalars(select(model).options(selectinload(model.aliases)).order_by(model.position)).all()
    slug_of = {r.id: r.slug for r in rows}
    return Catalogue(
        in_display_order(
            CatalogueEntry(r.slug, r.name, slug_of.get(r.parent_id), tuple(a.alias for a in r.aliases)) for r in rows
        ),
        kind,
    )


def load_areas(session: Session) -> Catalogue:
    return load_catalogue(session, AREAS)


@dataclass(frozen=True)
class CatalogueChange:
    added: list[str]
    updated: list[str]
    kept: list[str]  # in the database but not in the file: left as they are, since occurrences point at them
    moved: list[str]  # given a different parent: counts that roll up through them must be recounted


def save_catalogue(
    session: Session, definitions: list[CatalogueEntry], kind: CatalogueKind = STRANDS
) -> CatalogueChange:
    """Add and update entries from `definitions`; entries the file leaves out are kept, never deleted.

    A file listing every entry sets the display order; a partial file keeps existing entries where they
    are and puts new ones last among their siblings. The merged catalogue is validated before any write."""
    model, alias_model = _TABLES[kind]
    existing = load_catalogue(session, kind)
    incoming = {d.slug for d in definitions}
    validate(definitions + [s for s in existing if s.slug not in incoming], kind)
    rows = {r.slug: r for r in session.scalars(select(model)).all()}
    reorder = incoming >= rows.keys()
    next_position = max((r.position for r in rows.values()), default=0) + 10
    added, updated = [], []
    for index, definition in enumerate(definitions, start=1):
        row = rows.get(definition.slug)
        if row is None:
            row = rows[definition.slug] = model(slug=definition.slug, position=next_position)
            next_position += 10
            session.add(row)
            added.append(definition.slug)
        elif existing.get(definition.slug) != definition or (reorder and row.position != index * 10):
            updated.append(definition.slug)
        if reorder:
            row.position = index * 10
        row.name = definition.name
        # Keep alias rows that stay, so re-adding one never trips the (entry, alias) unique key.
        current = {a.alias: a for a in row.aliases}
        row.aliases = [current.get(a) or alias_model(alias=a) for a in dict.fromkeys(definition.aliases)]
    session.flush()
    moved = [d.slug for d in definitions if d.slug not in added and existing.get(d.slug).parent != d.parent]
    for definition in definitions:
        parent = rows[definition.parent] if definition.parent else None
        rows[definition.slug].parent_id = parent.id if parent else None
    kept = [s.slug for s in existing if s.slug not in incoming]
    return CatalogueChange(added, updated, kept, moved)


def add_areas(session: Session, entries: list[CatalogueEntry]) -> dict[str, int]:
    """Add top-level areas met in an import; their IDs by slug. An import running at the same time may add
    the same area first: then it is that one's (the slug is the area's identity)."""
    position = (session.scalar(select(func.max(Area.position))) or 0) + 10
    dialect_insert = postgresql_insert if session.connection().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        dialect_insert(Area).on_conflict_do_nothing(index_elements=["slug"]),
        [{"slug": e.slug, "name": e.name, "position": position + 10 * n} for n, e in enumerate(entries)],
    )
    wanted = [e.slug for e in entries]
    return dict(session.execute(select(Area.slug, Area.id).where(Area.slug.in_(wanted))).all())


def strand_id_map(session: Session) -> dict[str, int]:
    return {slug: id_ for slug, id_ in session.execute(select(Strand.slug, Strand.id))}


def area_id_map(session: Session) -> dict[str, int]:
    return {slug: id_ for slug, id_ in session.execute(select(Area.slug, Area.id))}
