"""Keeping the daily counts summary the dashboard sums: built for the force's time zone, rebuilt on request.
Every import, demo load and purge keeps it current in its own transaction (bot/store/counts.py)."""

from __future__ import annotations

from bot.settings import Settings
from bot.store.counts import daily_counts_zone, rebuild_daily_counts
from bot.store.db import Database


def daily_counts_ready(database: Database, settings: Settings) -> bool:
    """Whether the daily counts summary holds the force's days (else the dashboard counts the slow way)."""
    with database.session() as session:
        return daily_counts_zone(session) == settings.timezone.key


def ensure_daily_counts(database: Database, settings: Settings, recount: bool = False) -> bool:
    """Build the daily counts summary for the force's time zone unless it already is (or `recount`: build it
    anyway, after occurrences were changed outside strandbot); True if it was built."""
    if not recount and daily_counts_ready(database, settings):
        return False
    with database.session() as session:
        rebuild_daily_counts(session, settings.timezone)
    return True
