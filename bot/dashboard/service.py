"""The dashboard service: what `/strand` and `strandbot stats` ask for, from the database to a Dashboard,
for the whole force, one area, or every area.

The daily counts it sums are kept by `bot.dashboard.daily_counts`; the catalogues by `bot.catalogues`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain import clock
from bot.domain.catalogue import Catalogue, named_area
from bot.domain.comparisons import DashboardWindows, dashboard_windows
from bot.domain.stats import AreaBreakdown, Dashboard, compute_dashboard, rolled_up
from bot.settings import Settings
from bot.store.catalogue import load_areas, load_catalogue
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


def full_dashboard(
    database: Database, settings: Settings, as_of: date | None = None, area_text: str | None = None
) -> Dashboard:
    """Every strand in the catalogue, each counting its sub-strands; in one area (found loosely by name,
    raises UnknownArea / AmbiguousArea) and its sub-areas if `area_text` is given."""
    return _dashboard(database, settings, as_of, None, area_text)


def strand_report(
    database: Database,
    settings: Settings,
    strand_text: str,
    as_of: date | None = None,
    area_text: str | None = None,
) -> StrandReport:
    """One strand, found loosely by name (raises UnknownStrand / AmbiguousStrand), with its sub-strands;
    in one area if `area_text` is given."""
    return StrandReport(_dashboard(database, settings, as_of, strand_text, area_text))


def area_breakdown(
    database: Database,
    settings: Settings,
    strand_text: str,
    as_of: date | None = None,
    within_text: str | None = None,
) -> AreaBreakdown:
    """One strand's figures in every area of the catalogue (each counting its sub-areas), or only in one area
    (found loosely by name) and those below it; and the force's."""
    windows = _windows(settings, as_of)
    with database.session() as session:
        catalogue = load_catalogue(session)
        strand = catalogue.resolve(strand_text)
        areas = load_areas(session)
        within, places = named_area(areas, within_text)
        by_area = window_counts(session, windows.all(), settings.timezone, [strand.slug], by_area=True)
        force = window_counts(session, windows.all(), settings.timezone, [strand.slug])
    area_rows = _compute(rolled_up(by_area, areas), areas, windows, settings, slugs=places)
    force_row = _compute(force, catalogue, windows, settings, slugs=[strand.slug]).strands[0]
    return AreaBreakdown(strand, force_row, area_rows, within)


def _dashboard(
    database: Database, settings: Settings, as_of: date | None, strand_text: str | None, area_text: str | None
) -> Dashboard:
    windows = _windows(settings, as_of)
    with database.session() as session:
        catalogue = load_catalogue(session)
        family = None if strand_text is None else catalogue.descendants(catalogue.resolve(strand_text).slug)
        area, places = named_area(load_areas(session), area_text)
        counts = window_counts(session, windows.all(), settings.timezone, family, places)
    return _compute(counts, catalogue, windows, settings, family, area)


def _windows(settings: Settings, as_of: date | None) -> DashboardWindows:
    return dashboard_windows(
        clock.checked_as_of(as_of, settings.timezone), settings.fy_start_month, settings.baseline_fy
    )


def _compute(counts, catalogue: Catalogue, windows: DashboardWindows, settings: Settings, slugs=None, area=None):
    return compute_dashboard(
        counts, catalogue, windows, settings.fy_start_month, settings.baseline_fy, slugs=slugs, area=area
    )
