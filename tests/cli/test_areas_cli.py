"""Areas at the command line: the area catalogue (`strandbot areas`) and the dashboard for an area or by area
(`strandbot stats --area`, `--by area`), checked against counts made here from the stored rows."""

import json
from datetime import date

import pytest
from conftest import local, store

from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry

# A sector with its own occurrences and two wards, one with a beat below it; another sector; a loose borough.
AREA_CSV = """slug,name,parent,aliases
north,North Sector,,N; Northern
north-1,North Ward 1,north,N01
north-1a,North Beat 1A,north-1,
north-2,North Ward 2,north,N02
south,South Sector,,S
south-1,South Ward 1,south,S01
riverside,Riverside,,
"""
AREA_DEFINITIONS = [
    CatalogueEntry("north", "North Sector", None, ("N", "Northern")),
    CatalogueEntry("north-1", "North Ward 1", "north", ("N01",)),
    CatalogueEntry("north-1a", "North Beat 1A", "north-1"),
    CatalogueEntry("north-2", "North Ward 2", "north", ("N02",)),
    CatalogueEntry("south", "South Sector", None, ("S",)),
    CatalogueEntry("south-1", "South Ward 1", "south", ("S01",)),
    CatalogueEntry("riverside", "Riverside"),
]
# Each area and those it counts (itself and everything below it), written out by hand.
AREA_FAMILIES = {
    "north": {"north", "north-1", "north-1a", "north-2"},
    "north-1": {"north-1", "north-1a"},
    "north-1a": {"north-1a"},
    "north-2": {"north-2"},
    "south": {"south", "south-1"},
    "south-1": {"south-1"},
    "riverside": {"riverside"},
}
STRAND_FAMILIES = {
    "hate-crime": {"hate-crime", "hate-race", "hate-religion", "hate-sexual-orientation", "hate-disability",
                   "hate-transgender"},
    "hate-race": {"hate-race"},
    "hate-religion": {"hate-religion"},
    "sexual-offences": {"sexual-offences", "rape", "other-sexual-offences"},
    "rape": {"rape"},
    "domestic-abuse": {"domestic-abuse"},
    "mental-health": {"mental-health"},
}  # fmt: skip

AS_OF = "2024-06-30"
# The dashboard's windows as of 30 June 2024 (FY from 1 April), first and last day, by hand.
WINDOWS = {
    "fytd": (("2024-04-01", "2024-06-30"), ("2023-04-01", "2023-06-30")),
    "baseline": (("2024-04-01", "2024-06-30"), ("2019-04-01", "2019-06-30")),
    "rolling12": (("2023-07-01", "2024-06-30"), ("2022-07-01", "2023-06-30")),
}

# Occurrences that overlap strands (a domestic rape; a hate crime motivated by race and religion) in every
# level of the area tree, in none, and outside every window.
ROWS = [
    (("rape", "domestic-abuse"), local("2024-05-01"), [], "north-1a"),
    (("rape", "domestic-abuse"), local("2024-05-02"), [], "north-1"),
    (("hate-race", "hate-religion"), local("2024-05-03"), [], "north-1a"),
    (("hate-race", "hate-religion"), local("2024-04-01", "00:30"), [], "north-2"),
    (("hate-race", "hate-crime"), local("2024-06-30", "23:59"), [], "north"),
    ("hate-religion", local("2023-05-10"), [], "north-2"),
    ("hate-race", local("2023-05-11"), [], "north-1"),
    ("hate-race", local("2023-09-11"), [], "south-1"),
    (("hate-race", "hate-disability", "domestic-abuse"), local("2023-12-24"), [], "south"),
    ("hate-crime", local("2019-05-01"), [], "north-1a"),
    ("hate-crime", local("2019-06-30"), [], "south-1"),
    (("mental-health", "domestic-abuse"), local("2022-08-01"), [], "north-2"),
    (("mental-health", "domestic-abuse"), local("2023-03-31", "23:00"), [], "north-2"),
    ("other-sexual-offences", local("2024-06-01"), [], "riverside"),
    (("rape", "other-sexual-offences"), local("2024-06-02"), [], "south-1"),
    ("hate-race", local("2024-05-20"), []),  # no area: the force counts it, no area does
    ("hate-race", local("2024-07-01"), [], "north-1"),  # after the as-of date
]


def expected(strand: str | None, area: str | None) -> dict[str, tuple[int, int]]:
    """(current, previous) per comparison: the rows in the strand's family (None: any strand) and the area's,
    counted once each."""

    def count(first: str, last: str) -> int:
        return sum(
            1
            for strands, when, _links, *place in ROWS
            if (strand is None or STRAND_FAMILIES[strand] & ({strands} if isinstance(strands, str) else set(strands)))
            and (area is None or (place and place[0] in AREA_FAMILIES[area]))
            and date.fromisoformat(first) <= when.date() <= date.fromisoformat(last)
        )

    return {key: (count(*current), count(*previous)) for key, (current, previous) in WINDOWS.items()}


def counted(row: dict) -> dict[str, tuple[int, int]]:
    return {key: (row[key]["current"], row[key]["previous"]) for key in WINDOWS}


@pytest.fixture
def areas(database, settings):
    update_catalogue(database, settings, AREA_DEFINITIONS, AREAS)


@pytest.fixture
def stocked(database, areas):
    store(database, ROWS)


def load(run, tmp_path, text: str, name: str = "areas.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run("areas", "load", str(path))


def json_of(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- The catalogue ---


def test_the_area_catalogue_round_trips_through_list_export_and_load(run, tmp_path):
    loaded = load(run, tmp_path, AREA_CSV)
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output == "Catalogue loaded: 7 added, 0 updated, 0 unchanged.\n"
    listed = run("areas", "list").output
    assert listed == AREA_CSV
    exported = run("areas", "export", str(tmp_path / "out.csv"))
    assert exported.output == f"Wrote 7 areas to {tmp_path / 'out.csv'}.\n"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == listed
    again = run("areas", "load", str(tmp_path / "out.csv"))
    assert again.output == "Catalogue loaded: 0 added, 0 updated, 7 unchanged.\n"


def test_the_area_catalogue_is_apart_from_the_strands(run, tmp_path):
    load(run, tmp_path, AREA_CSV)
    assert "north" not in run("strands", "list").output
    assert "hate-crime" not in run("areas", "list").output
    assert run("areas", "list").output.count("\n") == 8  # header and the 7 areas


def test_an_area_file_leaving_areas_out_keeps_them(run, tmp_path):
    load(run, tmp_path, AREA_CSV)
    result = load(run, tmp_path, "slug,name,parent,aliases\nsouth,Southern Sector,,S; Southern\n", "south.csv")
    assert result.output == (
        "Catalogue loaded: 0 added, 1 updated, 0 unchanged.\n"
        "Not in the file, kept as they were: north, north-1, north-1a, north-2, south-1, riverside.\n"
    )
    assert "south,Southern Sector,,S; Southern\n" in run("areas", "list").output


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("north,North Sector,north-2,N", "parents form a loop among north, north-1, north-1a, north-2 (line 3)"),
        ("north-3,North Ward 3,nowhere,N03", "line 3: area `north-3` has parent `nowhere`, which is not in the"),
        ("north-3,North Ward 3,north,N01", "the label “n01” would name north-1, north-3 (line 3)"),
    ],
    ids=["a loop", "an unknown parent", "a label naming two areas"],
)
def test_a_bad_area_file_is_refused_whole_naming_the_line(run, tmp_path, row, problem):
    load(run, tmp_path, AREA_CSV)
    before = run("areas", "list").output
    # A good new area on line 2, then the bad row on line 3: neither is written.
    result = load(run, tmp_path, f"slug,name,parent,aliases\neast,East Sector,,E\n{row}\n", "bad.csv")
    assert result.exit_code == 1
    assert "The area catalogue has problems:" in result.output
    assert problem in result.output
    assert "Traceback" not in result.output
    assert run("areas", "list").output == before


def test_loading_the_catalogue_names_and_places_the_areas_an_import_added(run, tmp_path):
    load(run, tmp_path, AREA_CSV)
    export = tmp_path / "export.csv"
    export.write_text(
        "occurrence_id,occurred_at,strand,area\nX1,2024-05-01,hate-race,Riverside\nX2,2024-05-02,hate-race,Ward 9\n",
        encoding="utf-8",
    )
    assert run("import", str(export)).exit_code == 0
    assert "ward-9,Ward 9,,\n" in run("areas", "list").output  # added top-level, named as written
    before = json_of(run("stats", "hate-race", "--area", "north", "--as-of", AS_OF, "--format", "json"))
    assert before["strands"][0]["fytd"]["current"] == 0
    result = load(run, tmp_path, "slug,name,parent,aliases\nward-9,North Ward 9,north,N09\n", "wards.csv")
    assert "0 added, 1 updated" in result.output
    assert "ward-9,North Ward 9,north,N09\n" in run("areas", "list").output
    moved = json_of(run("stats", "hate-race", "--area", "N09", "--as-of", AS_OF, "--format", "json"))
    assert moved["area"] == "ward-9"
    assert moved["strands"][0]["fytd"]["current"] == 1
    north = json_of(run("stats", "hate-race", "--area", "north", "--as-of", AS_OF, "--format", "json"))
    assert north["strands"][0]["fytd"]["current"] == 1  # the sector now counts its new ward


# --- The dashboard in an area ---


@pytest.mark.usefixtures("stocked")
@pytest.mark.parametrize("area", ["north", "north-1", "north-2", "south", "riverside"])
def test_stats_in_an_area_counts_its_occurrences_and_its_sub_areas(run, area):
    output = json_of(run("stats", "--area", area, "--as-of", AS_OF, "--format", "json"))
    assert output["area"] == area
    rows = {row["slug"]: row for row in output["strands"]}
    assert len(rows) == 28
    for strand in STRAND_FAMILIES:
        assert counted(rows[strand]) == expected(strand, area), strand


@pytest.mark.usefixtures("stocked")
def test_stats_for_one_strand_in_an_area_keeps_its_sub_strands(run):
    output = json_of(run("stats", "hate crime", "--area", "North Sector", "--as-of", AS_OF, "--format", "json"))
    assert output["area"] == "north"
    assert [row["slug"] for row in output["strands"]] == [
        "hate-crime",
        "hate-race",
        "hate-religion",
        "hate-sexual-orientation",
        "hate-disability",
        "hate-transgender",
    ]
    rows = {row["slug"]: row for row in output["strands"]}
    # Two occurrences carry race and religion both: one hate crime each, and one of each motivation.
    assert counted(rows["hate-crime"]) == expected("hate-crime", "north")
    assert counted(rows["hate-crime"])["fytd"] == (3, 2)
    assert counted(rows["hate-race"])["fytd"] == (3, 1)
    assert counted(rows["hate-religion"])["fytd"] == (2, 1)


@pytest.mark.usefixtures("stocked")
def test_the_table_says_which_area_it_is_for(run):
    result = run("stats", "rape", "--area", "N01", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("As of 2024-06-30 in North Ward 1 (FY 2024/25; baseline FY 2019/20)\n")
    whole = run("stats", "rape", "--as-of", AS_OF)
    assert whole.output.startswith("As of 2024-06-30 (FY 2024/25; baseline FY 2019/20)\n")


@pytest.mark.usefixtures("stocked")
def test_without_an_area_the_json_says_area_null_and_counts_the_whole_force(run):
    output = json_of(run("stats", "hate-crime", "--as-of", AS_OF, "--format", "json"))
    assert list(output) == ["as_of", "area", "strands"]
    assert output["area"] is None
    assert counted(output["strands"][0]) == expected("hate-crime", None)  # the occurrence with no area too


@pytest.mark.usefixtures("areas")
def test_an_unknown_area_gets_did_you_mean_and_exit_1(run):
    result = run("stats", "hate-crime", "--area", "Nrth Sector")
    assert result.exit_code == 1
    assert result.output == "strandbot: No area is called “Nrth Sector”. Did you mean `north`?\n"
    assert run("stats", "--area", "nowhere-at-all", "--format", "json").exit_code == 1


# --- One strand, area by area ---


@pytest.mark.usefixtures("stocked")
def test_by_area_gives_every_area_with_parents_summing_their_own_and_their_children(run):
    output = json_of(run("stats", "hate crime", "--by", "area", "--as-of", AS_OF, "--format", "json"))
    assert list(output) == ["as_of", "strand", "areas"]
    assert (output["as_of"], output["strand"]) == (AS_OF, "hate-crime")
    assert [row["slug"] for row in output["areas"]] == [d.slug for d in AREA_DEFINITIONS]
    rows = {row["slug"]: row for row in output["areas"]}
    assert list(rows["north-1"]) == ["slug", "name", "parent", "fytd", "baseline", "rolling12"]
    assert (rows["north-1"]["name"], rows["north-1"]["parent"]) == ("North Ward 1", "north")
    for area in AREA_FAMILIES:
        assert counted(rows[area]) == expected("hate-crime", area), area
    # A parent is its own occurrences plus its children's: north's own is the one on 30 June 2024.
    own_north = {"fytd": (1, 0), "baseline": (1, 0), "rolling12": (1, 0)}
    for key in WINDOWS:
        for side, own in zip(("current", "previous"), own_north[key], strict=True):
            children = rows["north-1"][key][side] + rows["north-2"][key][side]
            assert rows["north"][key][side] == children + own, (key, side)
    assert rows["north"]["fytd"] == {
        "current": 3,
        "previous": 2,
        "change": 1,
        "pct": 50,
        "direction": "up",
        "rag": "red",
    }


@pytest.mark.usefixtures("stocked")
def test_by_area_json_compares_as_stats_json_does(run):
    by_area = json_of(run("stats", "rape", "--by", "area", "--as-of", AS_OF, "--format", "json"))
    in_ward = json_of(run("stats", "rape", "--area", "north-1", "--as-of", AS_OF, "--format", "json"))
    row = next(r for r in by_area["areas"] if r["slug"] == "north-1")
    strand_row = in_ward["strands"][0]
    assert {k: row[k] for k in WINDOWS} == {k: strand_row[k] for k in WINDOWS}


@pytest.mark.usefixtures("stocked")
@pytest.mark.parametrize("strand", [["all"], []])
def test_by_area_for_every_strand_together_counts_each_occurrence_once(run, strand):
    by_area = json_of(run("stats", *strand, "--by", "area", "--as-of", AS_OF, "--format", "json"))
    assert by_area["strand"] == "all"
    assert {row["slug"]: counted(row) for row in by_area["areas"]} == {
        area: expected(None, area) for area in AREA_FAMILIES
    }


@pytest.mark.usefixtures("stocked")
def test_by_area_table_indents_sub_areas_under_their_parent(run):
    result = run("stats", "DA", "--by", "area", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Domestic abuse by area, as of 2024-06-30 (FY 2024/25; baseline FY 2019/20)"
    assert lines[2].startswith("Area ")
    names = [line.split("  ")[0] for line in lines[4:]]
    assert names == [
        "North Sector",
        "↳ North Ward 1",
        "· ↳ North Beat 1A",
        "↳ North Ward 2",
        "South Sector",
        "↳ South Ward 1",
        "Riverside",
    ]


@pytest.mark.usefixtures("stocked")
def test_by_area_within_an_area_shows_it_and_the_areas_below_it(run):
    result = run("stats", "DA", "--by", "area", "--area", "north", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Domestic abuse by area within North Sector, as of 2024-06-30")
    names = [line.split("  ")[0] for line in lines[4:]]
    assert names == ["North Sector", "↳ North Ward 1", "· ↳ North Beat 1A", "↳ North Ward 2"]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["stats", "hate-crime", "--by", "ward"], "'ward' is not 'area'"),
    ],
)
def test_by_area_used_wrongly_is_a_usage_error(run, args, problem):
    result = run(*args)
    assert result.exit_code == 2
    assert problem in result.output
    assert "stats [OPTIONS] [STRAND]" in result.output  # click's usage line, not a traceback


def test_by_area_without_any_areas_says_how_to_add_them(run):
    result = run("stats", "hate-crime", "--by", "area")
    assert result.exit_code == 0
    assert "There are no areas yet" in result.output and "strandbot areas load" in result.output
    assert json_of(run("stats", "hate-crime", "--by", "area", "--format", "json"))["areas"] == []
