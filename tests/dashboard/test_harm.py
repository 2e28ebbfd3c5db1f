"""Harm: every harm figure the dashboard gives equals an independent sum over the stored occurrences (pandas
over the same rows, each occurrence once however many strands it is in), from the summaries and without them;
occurrences without a weight are counted, never dropped; the weights in use are always the newest set."""

import json
import random
from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import load_weights, local, store
from sqlalchemy import update

from bot.catalogues import update_catalogue
from bot.dashboard.service import area_breakdown, full_dashboard, strand_report
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.domain.comparisons import COMPARISONS
from bot.errors import NoHarmWeights
from bot.store.catalogue import load_catalogue
from bot.store.models import DailyCountsZone

AREA_CATALOGUE = [
    CatalogueEntry("east", "East Division"),
    CatalogueEntry("east-1", "East Sector 1", "east"),
    CatalogueEntry("east-2", "East Sector 2", "east"),
    CatalogueEntry("west", "West Division"),
]
AREA_FAMILIES = {"east": ["east", "east-1", "east-2"], "east-1": ["east-1"], "east-2": ["east-2"], "west": ["west"]}
PLACES = ["east", "east-1", "east-2", "west", None]
STRAND_SETS = [
    ("rape",),
    ("rape", "domestic-abuse"),
    ("other-sexual-offences", "rape"),
    ("hate-crime", "hate-race"),
    ("hate-race", "hate-religion"),
    ("domestic-abuse",),
    ("stalking-harassment", "domestic-abuse"),
]
# 8Q has no weight, and some occurrences have no code at all: both are reported, neither is weighed as 0.
CODES = ["8L", "8L", "105A", "19C", "8Q", None]
WEIGHTS = {"8L": 10.5, "105A": 2.25, "19C": 1234.6}
AS_OF = date(2024, 5, 31)


@pytest.fixture
def occurrences(database, settings):
    update_catalogue(database, settings, AREA_CATALOGUE, AREAS)
    rng = random.Random(17)
    rows = []
    for _ in range(500):
        day = date(2022, 5, 1) + timedelta(days=rng.randrange(760))
        when = local(day.isoformat(), f"{rng.randrange(24):02d}:15")
        rows.append((rng.choice(STRAND_SETS), when, (), rng.choice(PLACES), rng.choice(CODES)))
    store(database, rows)
    return pd.DataFrame(
        [
            (i, slug, when.date(), area, code)
            for i, (strands, when, _, area, code) in enumerate(rows)
            for slug in strands
        ],
        columns=["occurrence", "strand", "day", "area", "code"],
    )


def weights(database, name="Test weights 2024", values=WEIGHTS):
    load_weights(database, values, name)


def chosen(frame, catalogue, strand, places, window):
    """The distinct occurrences of `strand`'s family (None: any strand) in `places` (None: anywhere) on the
    window's days: one row each, with its code."""
    rows = frame[(frame.day >= window.start) & (frame.day <= window.end)]
    if strand is not None:
        rows = rows[rows.strand.isin(catalogue.descendants(strand))]
    if places is not None:
        rows = rows[rows.area.isin(places)]
    return rows.drop_duplicates("occurrence")


def harm_of(rows, values=WEIGHTS) -> float:
    return round(sum(values.get(code, 0.0) for code in rows.code if code in values), 6)


def check(row, dashboard, frame, catalogue, strand, places, values=WEIGHTS):
    """Every comparison of `row` (a StrandStats) against the independent sums."""
    windows = dashboard.windows
    for key in COMPARISONS:
        now = chosen(frame, catalogue, strand, places, windows.current(key))
        before = chosen(frame, catalogue, strand, places, windows.previous(key))
        weighed = row.harm[key]
        assert weighed.harm.current == pytest.approx(harm_of(now, values)), (strand, places, key)
        assert weighed.harm.previous == pytest.approx(harm_of(before, values)), (strand, places, key)
        assert weighed.harm.p_value is None  # no exact test for a weighted sum
        assert weighed.weighted_current == now.code.isin(list(values)).sum()
        assert row.comparisons[key].current == len(now)  # counts unchanged beside the harm


def unweighted(frame, catalogue, strand, places, dashboard, values=WEIGHTS) -> dict[str, int]:
    """Distinct occurrences in any window shown whose code has no weight, by code ("" for none)."""
    shown = pd.concat([chosen(frame, catalogue, strand, places, w) for w in dashboard.windows.all().values()])
    missing = shown.drop_duplicates("occurrence")
    missing = missing[~missing.code.isin(list(values))]
    return missing.code.fillna("").value_counts().to_dict()


@pytest.mark.parametrize("summary", [True, False], ids=["summary", "counted"])
def test_harm_of_every_strand_and_area_is_the_sum_of_its_occurrences_weights(database, settings, occurrences, summary):
    weights(database)
    if not summary:
        with database.session() as session:
            session.execute(update(DailyCountsZone).values(time_zone=""))
    with database.session() as session:
        catalogue = load_catalogue(session)
    force = full_dashboard(database, settings, AS_OF, measure="harm")
    for strand in ("sexual-offences", "rape", "hate-crime", "domestic-abuse"):
        check(force.strand(strand), force, occurrences, catalogue, strand, None)
    assert force.harm.weights.name == "Test weights 2024"
    assert dict(force.harm.unweighted.by_code) == unweighted(occurrences, catalogue, None, None, force)

    for area, places in AREA_FAMILIES.items():
        report = strand_report(database, settings, "sexual offences", AS_OF, area, measure="harm")
        check(report.strand, report.dashboard, occurrences, catalogue, "sexual-offences", places)
        expected = unweighted(occurrences, catalogue, "sexual-offences", places, report.dashboard)
        assert dict(report.dashboard.harm.unweighted.by_code) == expected

    breakdown = area_breakdown(database, settings, "domestic abuse", AS_OF, measure="harm")
    for row in breakdown.areas.strands:
        check(row, breakdown.areas, occurrences, catalogue, "domestic-abuse", AREA_FAMILIES[row.slug])
    check(breakdown.force, breakdown.areas, occurrences, catalogue, "domestic-abuse", None)
    harm = [row.harm["rolling12"].harm.current for row in breakdown.ranked()]
    assert harm == sorted(harm, reverse=True)  # the high-harm areas first


def test_every_strand_together_by_area_weighs_each_occurrence_once(database, settings, occurrences):
    weights(database)
    with database.session() as session:
        catalogue = load_catalogue(session)
    together = area_breakdown(database, settings, "all", AS_OF, measure="harm")
    for row in together.areas.strands:
        check(row, together.areas, occurrences, catalogue, None, AREA_FAMILIES[row.slug])
    check(together.force, together.areas, occurrences, catalogue, None, None)
    by_strand = sum(
        r.harm["rolling12"].harm.current
        for r in full_dashboard(database, settings, AS_OF, measure="harm").strands
        if r.parent is None
    )
    assert together.force.harm["rolling12"].harm.current < by_strand  # a domestic rape is weighed once, not twice


def test_the_newest_weights_are_used_and_named_without_any_rebuild(database, settings, occurrences):
    weights(database)
    first = strand_report(database, settings, "rape", AS_OF, measure="harm").strand.harm["rolling12"].harm.current
    heavier = {**WEIGHTS, "8Q": 50.0}
    weights(database, "Heavier 2025", heavier)
    report = strand_report(database, settings, "rape", AS_OF, measure="harm")
    assert report.dashboard.harm.weights.name == "Heavier 2025"
    with database.session() as session:
        catalogue = load_catalogue(session)
    check(report.strand, report.dashboard, occurrences, catalogue, "rape", None, heavier)
    assert report.strand.harm["rolling12"].harm.current > first
    assert [code for code, _ in report.dashboard.harm.unweighted.by_code] == [""]  # only those with no code left


def test_harm_without_weights_says_how_to_load_them(database, settings, occurrences, run):
    with pytest.raises(NoHarmWeights):
        strand_report(database, settings, "rape", AS_OF, measure="harm")
    result = run("stats", "rape", "--measure", "harm")
    assert result.exit_code != 0
    assert "No harm weights are loaded yet" in result.output and "strandbot harm load" in result.output
    assert "Traceback" not in result.output


def test_stats_json_for_harm_is_the_counts_json_with_harm_in_it(database, settings, occurrences, run):
    weights(database)
    as_of = AS_OF.isoformat()
    counts = json.loads(run("stats", "rape", "--as-of", as_of, "--format", "json").output)
    harm = json.loads(run("stats", "rape", "--as-of", as_of, "--measure", "harm", "--format", "json").output)
    assert harm["measure"] == "harm" and harm["weights"] == "Test weights 2024"
    assert harm["unweighted"] == sum(harm["unweighted_codes"].values()) > 0
    assert harm["as_of"] == counts["as_of"] and harm["area"] is None
    row = harm["strands"][0]
    assert set(row) == set(counts["strands"][0])
    for key in COMPARISONS:
        figures = row[key]
        assert isinstance(figures["current"], float)
        assert figures["change"] == pytest.approx(figures["current"] - figures["previous"])
        if figures["previous"]:
            exact = 100 * (figures["current"] - figures["previous"]) / figures["previous"]
            assert abs(figures["pct"] - exact) <= 0.5  # whole percent, by the counts' rounding rule
    table = run("stats", "rape", "--as-of", as_of, "--measure", "harm").output
    assert "Harm weighed with “Test weights 2024”" in table and "without a weight" in table
