"""Repeat-contact lists for one area, and the strands each person was also seen in, from a real database.

Three places: North Sector with wards N1 and N2 inside it, and South Sector. A list for North counts the
occurrences recorded in North itself and in its wards, and nothing in the South."""

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
from conftest import LONDON, local, settings_for, store

from bot.admin.access import NotAllowed
from bot.admin.dispatch import perform
from bot.admin.request import AdminRequest
from bot.audit.log import Actor, review
from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.errors import InvalidRequest, UnknownArea
from bot.repeats.request import RepeatRequest
from bot.repeats.service import repeat_list, repeat_list_page, repeat_trend

ADMIN = Actor("U0ADMIN", team="T0FORCE", channel="C0ADMIN")
ANALYST = Actor("U0ANALYST", team="T0FORCE", channel="C0HATE")
OFFICER = Actor("U0OFFICER", team="T0FORCE", channel="C0HATE")
REASON = "Hate crime problem-solving, North"
PLACES = [
    CatalogueEntry("north", "North Sector", None, ("N",)),
    CatalogueEntry("north-1", "North Ward 1", "north", ("N01",)),
    CatalogueEntry("north-2", "North Ward 2", "north", ("N02",)),
    CatalogueEntry("south", "South Sector", None, ("S",)),
]
NORTH = {"north", "north-1", "north-2"}

# October 2024's hate crimes: (person, area) for each occurrence, one person each.
OCTOBER = [
    ("P-NORTH-WARDS", "north-1"),  # two wards of North: 2 in North, 1 in each ward
    ("P-NORTH-WARDS", "north-2"),
    ("P-NORTH-SECTOR", "north"),  # recorded against the sector itself, and one of its wards
    ("P-NORTH-SECTOR", "north-2"),
    ("P-SPLIT", "north-1"),  # one in the North, one in the South: a repeat only force-wide
    ("P-SPLIT", "south"),
    ("P-SOUTH", "south"),
    ("P-SOUTH", "south"),
    ("P-SOUTH", "south"),
    ("P-NOWHERE", None),  # no area recorded: force-wide only
    ("P-NOWHERE", None),
    ("P-WARD-ONE", "north-1"),
    ("P-WARD-ONE", "north-1"),
    ("P-WARD-ONE", "north-1"),
]


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, STRANDBOT_ADMINS="U0ADMIN")


@pytest.fixture
def analyst(database, settings) -> Actor:
    update_catalogue(database, settings, PLACES, AREAS)
    perform(
        database, settings, ADMIN, AdminRequest("/strand-admin role U0ANALYST analyst", "role", "U0ANALYST", "analyst")
    )
    store(
        database,
        [
            ("hate-crime", local(f"2024-10-{day:02d}"), [("person", ref, "victim")], area)
            for day, (ref, area) in enumerate(OCTOBER, start=1)
        ],
    )
    return ANALYST


def ask(database, settings, actor, area: str | None, **fields):
    typed = f"/repeats hate-crime 2024-10 area={area}"
    request = RepeatRequest(typed, "hate-crime", "2024-10", area=area, reason=REASON, **fields)
    return repeat_list(database, settings, request, actor)


def expected(places: set[str] | None) -> dict[str, int]:
    """Counted independently of the store: each person's occurrences in these places, kept at two or more."""
    counts = Counter(ref for ref, area in OCTOBER if places is None or area in places)
    return {ref: n for ref, n in counts.items() if n >= 2}


def refs(listed) -> dict[str, int]:
    return {e.ref: e.occurrences for e in listed.entries}


@pytest.mark.parametrize(
    ("typed", "places"),
    [("north", NORTH), ("North Sector", NORTH), ("N01", {"north-1"}), ("south", {"south"}), (None, None)],
)
def test_an_areas_list_counts_only_occurrences_in_it_and_its_sub_areas(database, settings, analyst, typed, places):
    listed = ask(database, settings, analyst, typed)
    assert refs(listed) == expected(places)
    assert (listed.people, listed.occurrences) == (len(expected(places)), sum(expected(places).values()))


def test_a_sectors_list_holds_a_person_seen_once_in_the_sector_and_once_in_its_ward(database, settings, analyst):
    assert refs(ask(database, settings, analyst, "north"))["P-NORTH-SECTOR"] == 2
    assert "P-NORTH-SECTOR" not in refs(ask(database, settings, analyst, "north-2"))  # one of the two is in N2


def test_the_audit_row_names_the_area_asked_about_and_every_area_counted(database, settings, analyst):
    listed = ask(database, settings, analyst, "N")
    row = review(database, settings)[-1]
    assert (row.action, row.outcome, row.command, row.returned) == (
        "repeats.list",
        "shown",
        "/repeats hate-crime 2024-10 area=N",
        listed.people,
    )
    parameters = json.loads(row.parameters)
    assert (parameters["area"], parameters["areas"]) == ("north", ["north", "north-1", "north-2"])


def test_a_force_wide_list_is_recorded_as_for_no_area(database, settings, analyst):
    ask(database, settings, analyst, None)
    parameters = json.loads(review(database, settings)[-1].parameters)
    assert (parameters["area"], parameters["areas"]) == (None, None)


def test_every_page_of_an_areas_list_counts_the_same_places(database, settings, analyst):
    typed = "/repeats hate-crime 2024-10 area=north"
    first = repeat_list(
        database, settings, RepeatRequest(typed, "hate-crime", "2024-10", area="north", reason=REASON), analyst, 1
    )
    pages = [first] + [
        repeat_list_page(database, settings, first.list_id, page, analyst, 1) for page in range(2, first.pages + 1)
    ]
    assert {e.ref: e.occurrences for page in pages for e in page.entries} == expected(NORTH)
    assert {page.query.area.name for page in pages} == {"North Sector"}
    assert {json.loads(row.parameters)["area"] for row in review(database, settings)[-len(pages) :]} == {"north"}


def test_an_areas_trend_counts_only_its_people(database, settings, analyst):
    last = datetime.now(LONDON).date().replace(day=1) - timedelta(days=1)  # the last complete month
    days = [last.replace(day=d).isoformat() for d in (1, 2, 3)]
    store(
        database,
        [("hate-crime", local(day), [("person", "P-SOUTH", "victim")], "south") for day in days]
        + [("hate-crime", local(day), [("person", "P-NORTH", "victim")], "north-1") for day in days[:2]],
        source="recent",
    )
    request = RepeatRequest("/repeats hate-crime trend area=south", "hate-crime", area="south", trend=True)
    trend = repeat_trend(database, settings, request, analyst)
    assert (trend.months[-1].people, trend.months[-1].occurrences) == (1, 3)  # P-SOUTH only
    assert trend.query.area.slug == "south"
    assert json.loads(review(database, settings)[-1].parameters)["area"] == "south"


def test_an_unknown_area_gets_did_you_mean_and_nothing_is_shown_or_recorded(database, settings, analyst):
    before = len(review(database, settings))
    with pytest.raises(UnknownArea) as caught:
        ask(database, settings, analyst, "sowth")
    assert str(caught.value) == "No area is called “sowth”. Did you mean `south`?"
    assert len(review(database, settings)) == before  # as for an unknown strand: nobody was shown


def test_an_empty_area_is_refused_with_an_example(database, settings, analyst):
    with pytest.raises(InvalidRequest, match=r"Which area\? Give its name or code, e.g. `area=north`"):
        ask(database, settings, analyst, "")


def test_an_officer_naming_an_area_is_refused_and_the_refusal_recorded(database, settings, analyst):
    with pytest.raises(NotAllowed):
        ask(database, settings, OFFICER, "nowhere-at-all")
    row = review(database, settings)[-1]
    assert (row.actor, row.action, row.outcome, row.command) == (
        OFFICER.user,
        "repeats.list",
        "refused",
        "/repeats hate-crime 2024-10 area=nowhere-at-all",
    )


# "Also in": the strands each person's own occurrences carry, beyond the list's.


def test_a_domestic_rape_shows_domestic_abuse_on_the_rape_list(database, settings):
    perform(
        database, settings, ADMIN, AdminRequest("/strand-admin role U0ANALYST analyst", "role", "U0ANALYST", "analyst")
    )
    store(
        database,
        [
            (("rape", "domestic-abuse"), local("2024-10-03"), [("person", "P-DOMESTIC", "victim")]),
            (("rape", "domestic-abuse"), local("2024-10-17"), [("person", "P-DOMESTIC", "victim")]),
            ("rape", local("2024-10-05"), [("person", "P-RAPE-ONLY", "victim")]),
            ("rape", local("2024-10-19"), [("person", "P-RAPE-ONLY", "victim")]),
            # Another person on the same day, with domestic abuse: it must not leak onto P-RAPE-ONLY.
            ("domestic-abuse", local("2024-10-05"), [("person", "P-OTHER", "victim")]),
        ],
    )
    request = RepeatRequest("/repeats rape 2024-10", "rape", "2024-10", min_occurrences="2", reason=REASON)
    listed = repeat_list(database, settings, request, ANALYST)
    assert {e.ref: e.other_strands for e in listed.entries} == {
        "P-DOMESTIC": ("domestic-abuse",),
        "P-RAPE-ONLY": (),
    }
    assert {e.ref: e.occurrences for e in listed.entries} == {"P-DOMESTIC": 2, "P-RAPE-ONLY": 2}
