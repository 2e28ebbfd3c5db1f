"""End to end: `/repeats … area=…` signed as Slack signs it and dispatched to the Bolt app in process."""

from __future__ import annotations

import json

import pytest
from conftest import Served, all_text, local, settings_for, stocked_database, store

from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.slack.testing import DispatchedApp
from bot.store.db import Database

SECRET = "9d2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f"
ADMIN, ANALYST, OFFICER = "U0ADMIN", "U0ANALYST", "U0OFFICER"
REASON = "Hate crime problem-solving, North"
PLACES = [
    CatalogueEntry("north", "North Sector", None, ("N",)),
    CatalogueEntry("north-1", "North Ward 1", "north", ("N01",)),
    CatalogueEntry("south", "South Sector", None, ("S",)),
]
# October 2024's hate crimes: two people twice in the North (one of them in its ward), one twice in the South,
# and one once in each (a repeat force-wide, in neither area).
OCTOBER = [
    ("hate-crime", local(f"2024-10-{day:02d}"), [("person", ref, "victim")], area)
    for day, (ref, area) in enumerate(
        [
            ("P-NORTH", "north"),
            ("P-NORTH", "north-1"),
            ("P-WARD", "north-1"),
            ("P-WARD", "north-1"),
            ("P-SOUTH", "south"),
            ("P-SOUTH", "south"),
            ("P-SPLIT", "north-1"),
            ("P-SPLIT", "south"),
        ],
        start=1,
    )
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    with stocked_database(request, request.param, []) as url:
        database = Database(url)
        update_catalogue(database, settings_for(url), PLACES, AREAS)
        store(database, OCTOBER)
        database.dispose()
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        status, answer = app.command(slack, f"role <@{ANALYST}|analyst> analyst", ADMIN, command="/strand-admin")
        assert status == 200 and "is now an analyst" in answer["text"], answer
        yield Served(app, url)
        app.stop()


def test_an_areas_list_shows_only_its_people_and_says_which_area(served, slack):
    typed = f'hate-crime 2024-10 area=north reason:"{REASON}"'
    status, answer = served.app.command(slack, typed, ANALYST, command="/repeats")
    assert status == 200 and answer["response_type"] == "ephemeral"
    shown = all_text(answer)
    assert "Repeat contact: Hate crime — North Sector" in shown
    assert "*2 people* on the list" in shown
    assert "P-NORTH" in shown and "P-WARD" in shown
    assert "P-SOUTH" not in shown and "P-SPLIT" not in shown
    row = served.audit()[-1]
    assert (row.actor, row.action, row.outcome, row.command, row.returned) == (
        ANALYST,
        "repeats.list",
        "shown",
        f"/repeats {typed}",
        2,
    )
    assert json.loads(row.parameters)["area"] == "north"


def test_the_force_wide_list_still_counts_everyone(served, slack):
    _, answer = served.app.command(slack, f'hate-crime 2024-10 reason:"{REASON}"', ANALYST, command="/repeats")
    assert "*4 people* on the list" in all_text(answer)
    assert json.loads(served.audit()[-1].parameters)["area"] is None


def test_an_unknown_area_gets_did_you_mean_and_shows_and_records_nothing(served, slack):
    before = len(served.audit())
    status, answer = served.app.command(
        slack, f'hate-crime 2024-10 area=sowth reason:"{REASON}"', ANALYST, command="/repeats"
    )
    assert status == 200
    assert answer["text"] == "No area is called “sowth”. Did you mean `south`?"
    assert "P-" not in all_text(answer)
    assert len(served.audit()) == before  # as for an unknown strand: nobody was shown


def test_an_officer_asking_for_an_area_is_refused_and_the_area_is_in_the_record(served, slack):
    typed = f'hate-crime 2024-10 area=north reason:"{REASON}"'
    _, answer = served.app.command(slack, typed, OFFICER, command="/repeats")
    assert "repeat-contact lists are for analysts, supervisors and admins" in answer["text"]
    row = served.audit()[-1]
    assert (row.actor, row.outcome, row.command) == (OFFICER, "refused", f"/repeats {typed}")


def test_the_help_shows_the_area_option(served, slack):
    _, answer = served.app.command(slack, "help", ANALYST, command="/repeats")
    assert "area=north" in all_text(answer)
