"""The dashboard service: what `/strand` and `strandbot stats` ask for, from the database to a Dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain import clock
from bot.domain.catalogue import Catalogue, StrandDefinition
from bot.domain.comparisons import dashboard_windows
from bot.domain.stats import Dashboard, compute_dashboard
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.catalogue import CatalogueChange, load_catalogue, save_catalogue
from bot.store.counts import daily_counts_zone, rebuild_daily_counts, window_counts
from bot.store.db import Database


@dataclass(frozen=True)
class StrandReport:
    """One strand's figures and its sub-strands' (`dashboard.strands[0]` is the strand asked for)."""

    dashboard: Dashboard

    @property
    def strand(self):
        return self.dashboard.strands[0]

    @property
    def sub_strands(self):
        return self.dashboard.strands[1:]


def checked_as_of(settings: Settings, as_of: date | None) -> date:
    if as_of is None:
        return clock.yesterday(settings.timezone)  # today is not over yet
    today = clock.today(settings.timezone)
    if as_of > today:
        raise InvalidRequest(
            f"{as_of:%d %B %Y} is in the future; give a date up to today ({today.isoformat()}), "
            "or leave it out for yesterday."
        )
    if as_of.year < 1990:
        raise InvalidRequest(f"{as_of.isoformat()} is before any data strandbot could hold; check the year.")
    return as_of


def full_dashboard(database: Database, settings: Settings, as_of: date | None = None) -> Dashboard:
    """Every strand in the catalogue, parents summing their sub-strands."""
    return _dashboard(database, settings, as_of, strand_text=None)


def strand_report(database: Database, settings: Settings, strand_text: str, as_of: date | None = None) -> StrandReport:
    """One strand, found loosely by name (raises UnknownStrand / AmbiguousStrand), with its sub-strands."""
    return StrandReport(_dashboard(database, settings, as_of, strand_text))


def _dashboard(database: Database, settings: Settings, as_of: date | None, strand_text: str | None) -> Dashboard:
    as_of = checked_as_of(settings, as_of)
    windows = dashboard_windows(as_of, settings.fy_start_month, settings.baseline_fy)
    with database.session() as session:
        catalogue = load_catalogue(session)
        family = None if strand_text is None else catalogue.descendants(catalogue.resolve(strand_text).slug)
        counts = window_counts(session, windows.all(), settings.timezone, family)
    return compute_dashboard(counts, catalogue, windows, settings.fy_start_month, settings.baseline_fy, slugs=family)


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


def strand_catalogue(database: Database) -> Catalogue:
    with database.session() as session:
        return load_catalogue(session)


def update_catalogue(database: Database, definitions: list[StrandDefinition]) -> CatalogueChange:
    """Add and update strands (see bot.store.catalogue.save_catalogue), all or nothing."""
    with database.session() as session:
        return save_catalogue(session, definitions)
