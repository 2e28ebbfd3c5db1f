"""Keeping personal data no longer than the force's rules allow, and the record of what was loaded."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.db import Database
from bot.models import ImportRecord, PurgeRecord
from bot.periods import local_midnight_utc
from bot.repository import PurgeCounts, purge, purge_counts, recent_imports
from bot.settings import Settings


def planned_purge(database: Database, settings: Settings, before: date, whole_occurrences: bool) -> PurgeCounts:
    """What `run_purge` would remove: everything that occurred before local midnight starting `before`."""
    with database.session() as session:
        return purge_counts(session, local_midnight_utc(before, settings.timezone), whole_occurrences)


def run_purge(database: Database, settings: Settings, before: date, whole_occurrences: bool, by: str) -> PurgeCounts:
    """Remove person and location links (and, if asked, whole occurrences) from before `before`, and record it."""
    with database.session() as session:
        done = purge(session, local_midnight_utc(before, settings.timezone), whole_occurrences, settings.timezone)
        session.add(
            PurgeRecord(
                purged_by=by[:100],
                purged_at=datetime.now(UTC),
                before=before,
                whole_occurrences=whole_occurrences,
                occurrences_removed=done.occurrences,
                links_removed=done.links,
            )
        )
    return done


def recent_loads(database: Database, limit: int) -> list[ImportRecord]:
    with database.session() as session:
        return recent_imports(session, limit)
