"""The dashboard service: what `/strand` and `strandbot stats` ask for, from the database to a Dashboard,
for the whole force, one area, or every area.

The daily counts it sums are kept by `bot.dashboard.daily_counts`; the catalogues by `bot.catalogues`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.alerts.records import CountingBreak
from bot.domain import clock
from bot.domain.catalogue import Catalogue, CatalogueEntry, named_area
from bot.domain.comparisons import COMPARISONS, DashboardWindows, dashboard_windows
from bot.domain.harm import Unweighted, Weighed, weigh
from bot.domain.measures import Measure
from bot.domain.stats import AreaBreakdown, Dashboard, HarmBasis, compute_dashboard, rolled_up
from bot.errors import NoHarmWeights
from bot.settings import Settings
from bot.store.alerts import counting_breaks
from bot.store.catalogue import load_areas, load_catalogue
from bot.store.counts import (
    EVERY_STRAND,
    code_counts_on_any_day,
    counts_by_window,
    window_code_counts,
    window_counts,
)
from bot.store.db import Database
from bot.store.harm import current_weights

# Every strand together, as a breakdown by area names it: each occurrence once, whatever its strands.
ALL_STRANDS = CatalogueEntry(EVERY_STRAND, "All strands", None)


@dataclass(frozen=True)
class StrandReport:
    """One strand's figures and its sub-strands' (`dashboard.strands[0]` is the strand asked for), and the
    counting-rule breaks that apply to it (its own and those of the strands above it)."""

    dashboard: Dashboard
    breaks: tuple[CountingBreak, ...] = ()

    @property
    def strand(self):
        return self.dashboard.strands[0]

    @property
    def sub_strands(self):
        return self.dashboard.strands[1:]


def full_dashboard(
    database: Database,
    settings: Settings,
    as_of: date | None = None,
    area_text: str | None = None,
    measure: Measure = "count",
    comparisons: tuple[str, ...] = tuple(COMPARISONS),
) -> Dashboard:
    """Every strand in the catalogue, each counting its sub-strands; in one area (found loosely by name,
    raises UnknownArea / AmbiguousArea) and its sub-areas if `area_text` is given. With `measure` "harm", each
    row's harm too (raises NoHarmWeights if no weights are loaded). `comparisons`: the keys of
    `bot.domain.comparisons.WINDOWS` to work out (default: the dashboard's)."""
    return _dashboard(database, settings, as_of, None, area_text, measure, comparisons)


def strand_report(
    database: Database,
    settings: Settings,
    strand_text: str,
    as_of: date | None = None,
    area_text: str | None = None,
    measure: Measure = "count",
    comparisons: tuple[str, ...] = tuple(COMPARISONS),
) -> StrandReport:
    """One strand, found loosely by name (raises UnknownStrand / AmbiguousStrand), with its sub-strands;
    in one area if `area_text` is given; its harm too with `measure` "harm"; the comparisons `comparisons`."""
    dashboard = _dashboard(database, settings, as_of, strand_text, area_text, measure, comparisons)
    with database.session() as session:
        above = load_catalogue(session).ancestry(dashboard.strands[0].slug)
        breaks = tuple(counting_breaks(session, above))
    return StrandReport(dashboard, breaks)


def area_breakdown(
    database: Database,
    settings: Settings,
    strand_text: str,
    as_of: date | None = None,
    within_text: str | None = None,
    measure: Measure = "count",
) -> AreaBreakdown:
    """One strand's figures (or, for "all", every strand's together, each occurrence once) in every area of
    the catalogue (each counting its sub-areas), or only in one area (found loosely by name) and those below
    it; and the force's. With `measure` "harm", harm too, and the areas ranked by it."""
    windows = _windows(settings, as_of)
    with database.session() as session:
        catalogue = load_catalogue(session)
        together = strand_text.strip().lower() == EVERY_STRAND
        strand = ALL_STRANDS if together else catalogue.resolve(strand_text)
        areas = load_areas(session)
        within, places = named_area(areas, within_text)
        slugs = None if together else [strand.slug]
        force_rows = Catalogue((strand,)) if together else catalogue
        per_area = _Measured(session, settings, windows, measure, slugs, by_area=True, together=together)
        force = _Measured(session, settings, windows, measure, slugs, together=together)
        basis = None if measure == "count" else force.basis(session, None if together else strand.slug)
    counts, harm = per_area.figures(basis, areas)
    area_rows = _compute(counts, areas, windows, settings, slugs=places, harm=harm)
    counts, harm = force.figures(basis)
    force_row = _compute(counts, force_rows, windows, settings, [strand.slug], harm=harm).strands[0]
    return AreaBreakdown(strand, force_row, area_rows, within)


def _dashboard(
    database: Database,
    settings: Settings,
    as_of: date | None,
    strand_text: str | None,
    area_text: str | None,
    measure: Measure,
    comparisons: tuple[str, ...] = tuple(COMPARISONS),
) -> Dashboard:
    windows = _windows(settings, as_of, comparisons)
    with database.session() as session:
        catalogue = load_catalogue(session)
        strand = None if strand_text is None else catalogue.resolve(strand_text).slug
        family = None if strand is None else catalogue.descendants(strand)
        area, places = named_area(load_areas(session), area_text)
        counted = _Measured(session, settings, windows, measure, family, places)
        basis = None if measure == "count" else counted.basis(session, strand)
    counts, harm = counted.figures(basis)
    return _compute(counts, catalogue, windows, settings, family, area, harm)


class _Measured:
    """Counts in each window of a dashboard and, for harm, the same by offence code weighed with the weights
    in use: one query either way (by code only when harm needs it)."""

    def __init__(
        self, session, settings: Settings, windows: DashboardWindows, measure: Measure, slugs, areas=None, **how
    ):
        self.settings, self.windows, self.areas = settings, windows, areas
        self.weights = None
        if measure == "harm":
            self.weights = current_weights(session)
            if self.weights is None:
                raise NoHarmWeights()
        names = list(windows.all())
        self.weighed = None
        if self.weights is None:
            self.counts = window_counts(session, windows.all(), settings.timezone, slugs, areas, **how)
        else:
            by_code = window_code_counts(session, windows.all(), settings.timezone, slugs, areas, **how)
            self.counts = counts_by_window(by_code, names)
            self.weighed = weigh(by_code, self.weights, names)

    def basis(self, session, strand: str | None) -> HarmBasis:
        """What the harm rests on: the weights, and the occurrences of `strand` (None: any) in any window
        shown that they could not weigh."""
        assert self.weights is not None
        counts = code_counts_on_any_day(session, self.windows.all(), self.settings.timezone, strand, self.areas)
        return HarmBasis(self.weights, Unweighted.of(counts, self.weights))

    def figures(self, basis: HarmBasis | None, areas: Catalogue | None = None):
        """The counts, and the harm with its basis (None for counts alone), to compute a dashboard from; each
        area counting its sub-areas if `areas` is the catalogue the rows are areas of."""
        counts, weighed = self.counts, self.weighed
        if areas is not None:
            counts = rolled_up(counts, areas)
            if weighed is not None:
                weighed = Weighed(rolled_up(weighed.harm, areas), rolled_up(weighed.weighted, areas))
        return counts, None if weighed is None or basis is None else (weighed, basis)


def _windows(settings: Settings, as_of: date | None, keys: tuple[str, ...] = tuple(COMPARISONS)) -> DashboardWindows:
    return dashboard_windows(
        clock.checked_as_of(as_of, settings.timezone), settings.fy_start_month, settings.baseline_fy, keys
    )


def _compute(
    counts, catalogue: Catalogue, windows: DashboardWindows, settings: Settings, slugs=None, area=None, harm=None
):
    return compute_dashboard(
        counts, catalogue, windows, settings.fy_start_month, settings.baseline_fy, slugs=slugs, area=area, harm=harm
    )
