"""The strand catalogue service: read it, and add or update strands from a CSV, all or nothing. The rules
(nesting, loose matching, the CSV form) are pure, in `bot.domain.catalogue`."""

from __future__ import annotations

from bot.domain.catalogue import Catalogue, StrandDefinition
from bot.store.catalogue import CatalogueChange, load_catalogue, save_catalogue
from bot.store.db import Database


def strand_catalogue(database: Database) -> Catalogue:
    with database.session() as session:
        return load_catalogue(session)


def update_catalogue(database: Database, definitions: list[StrandDefinition]) -> CatalogueChange:
    """Add and update strands (see bot.store.catalogue.save_catalogue), all or nothing."""
    with database.session() as session:
        return save_catalogue(session, definitions)
