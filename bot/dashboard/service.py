"""The dashboard service: what `/strand` and `strandbot stats` ask for, from the database to a Dashboard.

The daily counts it sums are kept by `bot.dashboard.daily_counts`; the catalogue by `bot.strands`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain import clock
from bot.domain.comparisons import dashboard_windows
from bot.domain.stats import Dashboard, compute_dashboard
from bot.settings import Settings
from bot.store.catalogue import load_catalogue
from bot.store.counts import window_counts
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


def full_dashboard(database: Database, settings: Settings, as_of: date | None = None) -> Dashboard:
    """Every strand in the catalogue, parents summing their sub-strands."""
    return _dashboard(database, settings, as_of, strand_text=None)


def strand_report(database: Database, settings: Settings, strand_text: str, as_of: date | None = None) -> StrandReport:
    """One strand, found loosely by name (raises UnknownStrand / AmbiguousStrand), with its sub-strands."""
    return StrandReport(_dashboard(database, settings, as_of, strand_text))


def _dashboard(database: Database, settings: Settings, as_of: date | None, strand_text: str | None) -> Dashboard:
    as_of = clock.checked_as_of(as_of, settings.timezone)
    windows = dashboard_windows(as_of, settings.fy_start_month, settings.baseline_fy)
    with database.session() as session:
        catalogue = load_catalogue(session)
        family = None if strand_text is None else catalogue.descendants(catalogue.resolve(strand_text).slug)
        counts = window_counts(session, windows.all(), settings.timezone, family)
    return compute_dashboard(counts, catalogue, windows, settings.fy_start_month, settings.baseline_fy, slugs=family)
