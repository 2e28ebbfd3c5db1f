"""The catalogue services, for strands and for areas alike: read one, and add or update entries from a
CSV, all or nothing. The rules (nesting, loose matching, the CSV form) are pure, in `bot.domain.catalogue`."""

from __future__ import annotations

from bot.domain.catalogue import AREAS, STRANDS, Catalogue, CatalogueEntry, CatalogueKind
from bot.settings import Settings
from bot.store.catalogue import CatalogueChange, load_catalogue, save_catalogue
from bot.store.counts import rebuild_daily_counts
from bot.store.db import Database


def catalogue_of(database: Database, kind: CatalogueKind = STRANDS) -> Catalogue:
    with database.session() as session:
        return load_catalogue(session, kind)


def strand_catalogue(database: Database) -> Catalogue:
    return catalogue_of(database, STRANDS)


def area_catalogue(database: Database) -> Catalogue:
    return catalogue_of(database, AREAS)


def update_catalogue(
    database: Database, settings: Settings, definitions: list[CatalogueEntry], kind: CatalogueKind = STRANDS
) -> CatalogueChange:
    """Add and update entries (see bot.store.catalogue.save_catalogue), all or nothing.

    A strand given another parent moves its occurrences' counts to the new parent: the daily counts,
    which roll strands up, are rebuilt in the same transaction. Areas roll up as they are read."""
    with database.session() as session:
        change = save_catalogue(session, definitions, kind)
        if kind is STRANDS and change.moved:
            rebuild_daily_counts(session, settings.timezone)
        return change
