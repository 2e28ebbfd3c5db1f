"""`strandbot repeats STRAND --area AREA` against a real database: the list, its JSON and its audit row."""

import csv
import io
import json

from conftest import local, store

from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry

PLACES = [
    CatalogueEntry("north", "North Sector", None, ("N",)),
    CatalogueEntry("north-1", "North Ward 1", "north", ("N01",)),
    CatalogueEntry("south", "South Sector", None, ("S",)),
]
REASON = "Hate crime problem-solving, North"


def stocked(database, settings) -> None:
    update_catalogue(database, settings, PLACES, AREAS)
    rows = [("P-NORTH", "north-1"), ("P-NORTH", "north"), ("P-SOUTH", "south"), ("P-SOUTH", "south")]
    store(
        database,
        [
            ("hate-crime", local(f"2024-10-{day:02d}"), [("person", ref, "victim")], area)
            for day, (ref, area) in enumerate(rows, start=1)
        ],
    )


def test_an_areas_list_in_json_names_the_area_and_holds_only_its_people(run, database, settings):
    stocked(database, settings)
    result = run("repeats", "hate-crime", "--month", "2024-10", "--area", "N", "--reason", REASON, "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert (listed["area"], listed["count"], [e["ref"] for e in listed["entries"]]) == ("north", 1, ["P-NORTH"])


def test_an_areas_table_says_which_area_and_the_audit_log_records_the_option(run, database, settings):
    stocked(database, settings)
    result = run("repeats", "hate-crime", "--month", "2024-10", "--area", "south", "--reason", REASON)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Hate crime (hate-crime) in South Sector (south), October 2024:")
    assert "P-SOUTH" in result.output and "P-NORTH" not in result.output
    [row] = list(csv.DictReader(io.StringIO(run("audit", "--format", "csv").output)))
    assert "--area south" in row["command"]


def test_an_unknown_area_is_refused_with_did_you_mean_and_nothing_recorded(run, database, settings):
    stocked(database, settings)
    result = run("repeats", "hate-crime", "--month", "2024-10", "--area", "sowth", "--reason", REASON)
    assert result.exit_code == 1
    assert "No area is called “sowth”. Did you mean `south`?" in result.output
    assert "P-" not in result.output
    assert run("audit").output.strip() == "No audit rows match."
