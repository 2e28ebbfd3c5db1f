"""Overlapping strands and nested areas: every count the dashboard can ask for equals an independent count
of the stored occurrences (pandas over the same rows), from the summaries and without them."""

import random
from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import LONDON, local, store
from sqlalchemy import update

from bot.catalogues import update_catalogue
from bot.dashboard.service import area_breakdown, full_dashboard, strand_report
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.domain.periods import Window
from bot.store.catalogue import load_catalogue
from bot.store.counts import rebuild_daily_counts, window_counts
from bot.store.models import DailyCountsZone
from bot.store.series import daily_totals, hour_of_week_counts

AREA_CATALOGUE = [
    CatalogueEntry("east", "East Division"),
    CatalogueEntry("east-1", "East Sector 1", "east"),
    CatalogueEntry("east-1-a", "Ward A", "east-1"),
    CatalogueEntry("east-1-b", "Ward B", "east-1"),
    CatalogueEntry("east-2", "East Sector 2", "east"),
    CatalogueEntry("west", "West Division", None, ("W",)),
]
PLACES = ["east", "east-1", "east-1-a", "east-1-b", "east-2", "west", None]  # some on a parent, some nowhere
# Strand sets as flags make them: overlaps within a family and across families.
STRAND_SETS = [
    ("rape",),
    ("rape", "domestic-abuse"),
    ("other-sexual-offences", "rape"),
    ("hate-crime",),
    ("hate-crime", "hate-race"),
    ("hate-race", "hate-religion"),
    ("hate-crime", "hate-race", "hate-religion", "hate-disability"),
    ("domestic-abuse",),
    ("sexual-offences",),
    ("stalking-harassment", "domestic-abuse"),
]
# Whole months (read from the monthly summaries), part months (from the daily ones), and both in one window.
WINDOWS = {
    "spring": Window(date(2024, 3, 1), date(2024, 5, 31)),
    "year": Window(date(2023, 6, 1), date(2024, 5, 31)),
    "odd": Window(date(2023, 8, 17), date(2024, 2, 9)),
    "week": Window(date(2024, 1, 8), date(2024, 1, 14)),
}


@pytest.fixture
def occurrences(database, settings):
    update_catalogue(database, settings, AREA_CATALOGUE, AREAS)
    rng = random.Random(16)
    rows = []
    for _ in range(400):
        day = date(2023, 5, 1) + timedelta(days=rng.randrange(420))
        rows.append(
            (rng.choice(STRAND_SETS), local(day.isoformat(), f"{rng.randrange(24):02d}:30"), (), rng.choice(PLACES))
        )
    store(database, rows)
    frame = pd.DataFrame(
        [
            (i, slug, when.date(), when.weekday() * 24 + when.hour, area)
            for i, (strands, when, _, area) in enumerate(rows)
            for slug in strands
        ],
        columns=["occurrence", "strand", "day", "hour", "area"],
    )
    return frame


def independent(frame: pd.DataFrame, catalogue, strand: str, areas: list[str] | None, window: Window) -> int:
    """Distinct occurrences in `strand` or below it, in `areas` (if given), on the window's days."""
    family = catalogue.descendants(strand)
    rows = frame[frame.strand.isin(family) & (frame.day >= window.start) & (frame.day <= window.end)]
    if areas is not None:
        rows = rows[rows.area.isin(areas)]
    return rows.occurrence.nunique()


AREA_FAMILIES = {
    "east": ["east", "east-1", "east-1-a", "east-1-b", "east-2"],
    "east-1": ["east-1", "east-1-a", "east-1-b"],
    "west": ["west"],
}


@pytest.mark.parametrize("summary", [True, False], ids=["summary", "counted"])
def test_every_strand_in_every_area_counts_each_occurrence_once(database, settings, occurrences, summary):
    if not summary:
        with database.session() as session:
            session.execute(update(DailyCountsZone).values(time_zone=""))
    with database.session() as session:
        catalogue = load_catalogue(session)
        everywhere = window_counts(session, WINDOWS, LONDON)
        by_area = window_counts(session, WINDOWS, LONDON, ["hate-crime"], by_area=True)
        in_area = {a: window_counts(session, WINDOWS, LONDON, areas=places) for a, places in AREA_FAMILIES.items()}
    for strand in ("sexual-offences", "rape", "hate-crime", "hate-race", "domestic-abuse"):
        for name, window in WINDOWS.items():
            assert everywhere.at[strand, name] == independent(occurrences, catalogue, strand, None, window)
            for area, places in AREA_FAMILIES.items():
                expected = independent(occurrences, catalogue, strand, places, window)
                assert in_area[area].get(name, {}).get(strand, 0) == expected, (strand, area, name)
    # By area: each area's own occurrences (not its sub-areas'), the strand with its sub-strands.
    for name, window in WINDOWS.items():
        for area in ("east", "east-1", "east-1-a", "east-2", "west"):
            expected = independent(occurrences, catalogue, "hate-crime", [area], window)
            assert by_area[name].get(area, 0) == expected, (area, name)
    own = everywhere.reindex(catalogue.descendants("hate-crime"), fill_value=0)["year"]
    assert everywhere.at["hate-crime", "year"] < own.sum()  # overlapping motivations are not double counted


def test_the_services_answer_for_an_area_and_for_every_area(database, settings, occurrences):
    with database.session() as session:
        catalogue = load_catalogue(session)
    as_of = date(2024, 5, 31)
    east = strand_report(database, settings, "hate crime", as_of, area_text="East Division")
    assert east.dashboard.area.slug == "east"
    rolling = east.strand.comparisons["rolling12"]
    assert rolling.current == independent(
        occurrences, catalogue, "hate-crime", AREA_FAMILIES["east"], Window(date(2023, 6, 1), as_of)
    )
    whole = full_dashboard(database, settings, as_of, area_text="w")  # an alias
    assert whole.area.slug == "west"
    assert whole.strand("rape").comparisons["rolling12"].current == independent(
        occurrences, catalogue, "rape", ["west"], Window(date(2023, 6, 1), as_of)
    )
    breakdown = area_breakdown(database, settings, "sexual offences", as_of)
    rows = {row.slug: row.comparisons["rolling12"].current for row in breakdown.areas.strands}
    year = Window(date(2023, 6, 1), as_of)
    for area, places in AREA_FAMILIES.items():
        assert rows[area] == independent(occurrences, catalogue, "sexual-offences", places, year)
    assert breakdown.force.comparisons["rolling12"].current == independent(
        occurrences, catalogue, "sexual-offences", None, year
    )
    changes = [r.comparisons["rolling12"] for r in breakdown.ranked()]
    scores = [c.change / max(1, c.current + c.previous) ** 0.5 for c in changes]
    assert scores == sorted(scores, reverse=True)  # biggest rises (in standard errors) first


def test_chart_series_count_an_area_and_each_occurrence_once(database, settings, occurrences):
    with database.session() as session:
        catalogue = load_catalogue(session)
        days = daily_totals(session, WINDOWS["year"], LONDON, "hate-crime", AREA_FAMILIES["east-1"])
        hours = hour_of_week_counts(session, WINDOWS["year"], LONDON, "hate-crime")
        rebuild_daily_counts(session, LONDON)
    assert int(days.sum()) == independent(
        occurrences, catalogue, "hate-crime", AREA_FAMILIES["east-1"], WINDOWS["year"]
    )
    family = catalogue.descendants("hate-crime")
    in_year = occurrences[
        occurrences.strand.isin(family)
        & (occurrences.day >= WINDOWS["year"].start)
        & (occurrences.day <= WINDOWS["year"].end)
    ]
    expected_hours = in_year.drop_duplicates("occurrence").groupby("hour").size()
    assert hours.sort_index().to_dict() == expected_hours.to_dict()
