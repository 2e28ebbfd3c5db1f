"""`strandbot demo` and harm: crimes carry offence codes, the illustrative weights are loaded and labelled so,
and the harm `stats` shows after it is each window's sum of its occurrences' weights, summed here in SQL."""

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from conftest import LONDON
from sqlalchemy import func, select

from bot.harm.weights_file import read_weights_csv, write_weights_csv
from bot.imports.demo import DEMO_WEIGHTS_NAME, demo_weights
from bot.store.models import HarmWeight, HarmWeightSet, Occurrence, OccurrenceStrand, Strand

SHIPPED = Path(__file__).resolve().parents[2] / "examples" / "harm" / "illustrative-weights.csv"
AS_OF = "2020-05-31"
HATE_CRIME = (
    "hate-crime",
    "hate-race",
    "hate-religion",
    "hate-sexual-orientation",
    "hate-disability",
    "hate-transgender",
)
# The dashboard's windows as of 31 May 2020 (FY from 1 April), first and last day, by hand.
WINDOWS = {
    "fytd": (("2020-04-01", "2020-05-31"), ("2019-04-01", "2019-05-31")),
    "baseline": (("2020-04-01", "2020-05-31"), ("2019-04-01", "2019-05-31")),
    "rolling12": (("2019-06-01", "2020-05-31"), ("2018-06-01", "2019-05-31")),
}


def in_strands(slugs: tuple[str, ...]):
    return Occurrence.id.in_(
        select(OccurrenceStrand.occurrence_id)
        .join(Strand, Strand.id == OccurrenceStrand.strand_id)
        .where(Strand.slug.in_(slugs))
    )


def between(first: str, last: str):
    """Occurrences on local days `first` to `last`, inclusive."""
    start = datetime.combine(date.fromisoformat(first), time(), LONDON)
    end = datetime.combine(date.fromisoformat(last) + timedelta(days=1), time(), LONDON)
    return (Occurrence.occurred_at >= start) & (Occurrence.occurred_at < end)


def harm_in_sql(database, slugs: tuple[str, ...], first: str, last: str) -> float:
    newest = select(func.max(HarmWeightSet.id)).scalar_subquery()
    query = (
        select(func.coalesce(func.sum(HarmWeight.weight), 0.0))
        .select_from(Occurrence)
        .join(HarmWeight, (HarmWeight.offence_code == Occurrence.offence_code) & (HarmWeight.set_id == newest))
        .where(in_strands(slugs), between(first, last))
    )
    with database.session() as session:
        return session.scalar(query)


def test_the_shipped_illustrative_weights_are_the_demos_and_say_they_are_illustrative():
    assert SHIPPED.read_text(encoding="utf-8") == write_weights_csv(demo_weights())
    weights = read_weights_csv(SHIPPED.read_text(encoding="utf-8"), SHIPPED.name)
    assert all(w.description.endswith("illustrative only, not from any published index") for w in weights)


def test_the_demo_gives_its_crimes_offence_codes_and_loads_weights_for_every_one(run, database):
    result = run("demo", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert f"Loaded 23 weights as “{DEMO_WEIGHTS_NAME}” (set 1); it is now the set in use." in result.output
    with database.session() as session:
        codes = set(
            session.scalars(select(Occurrence.offence_code).distinct().where(Occurrence.offence_code.is_not(None)))
        )
        uncoded_hate = session.scalar(
            select(func.count()).where(in_strands(HATE_CRIME), Occurrence.offence_code.is_(None))
        )
        hate_codes = set(session.scalars(select(Occurrence.offence_code).distinct().where(in_strands(HATE_CRIME))))
        coded_welfare = session.scalar(
            select(func.count()).where(
                Occurrence.category == "Concern for welfare", Occurrence.offence_code.is_not(None)
            )
        )
    assert codes == {w.offence_code for w in read_weights_csv(SHIPPED.read_text(encoding="utf-8"), "shipped")}
    assert uncoded_hate == 0 and {"9A", "9B", "8L", "8M", "105A", "105B"} <= hate_codes
    assert coded_welfare == 0  # non-crime incidents carry no code, and so no weight

    again = run("demo", "--as-of", AS_OF)
    assert f"“{DEMO_WEIGHTS_NAME}” (set 1) is already the set in use" in again.output


def test_harm_after_the_demo_is_each_windows_sum_of_its_occurrences_weights(run, database):
    run("demo", "--as-of", AS_OF)
    stats = json.loads(run("stats", "hate-crime", "--measure", "harm", "--format", "json", "--as-of", AS_OF).output)
    assert (stats["measure"], stats["weights"], stats["unweighted"]) == ("harm", DEMO_WEIGHTS_NAME, 0)
    hate = next(s for s in stats["strands"] if s["slug"] == "hate-crime")
    for key, (current, previous) in WINDOWS.items():
        assert hate[key]["current"] == pytest.approx(harm_in_sql(database, HATE_CRIME, *current)), key
        assert hate[key]["previous"] == pytest.approx(harm_in_sql(database, HATE_CRIME, *previous)), key
    assert hate["rolling12"]["current"] > 0


def test_the_demo_keeps_a_set_the_force_loaded_in_use(run, tmp_path):
    ons = tmp_path / "ons.csv"
    ons.write_text("offence_code,weight\n8L,2\n", encoding="utf-8")
    run("harm", "load", str(ons), "--name", "ONS CSS 2016")
    result = run("demo", "--as-of", AS_OF)
    assert "Kept the harm weights in use, “ONS CSS 2016” (set 1); the demo's illustrative weights were not loaded." in (
        result.output
    )
    assert json.loads(run("harm", "show", "--format", "json").output)["set"]["name"] == "ONS CSS 2016"
