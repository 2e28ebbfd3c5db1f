"""Subscriptions for an area: each (strands, area) pair is its own subscription, checked before it is saved."""

import pytest
from conftest import Directory, settings_for

from bot.admin.dispatch import perform
from bot.alerts.subscriptions import Following
from bot.audit.log import Actor, review
from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.errors import AmbiguousArea, InvalidRequest, UnknownArea
from bot.slack.commands import parse_admin_command

ADMIN = Actor("U0ADMIN", team="T0FORCE", channel="C0ADMIN")
NORTH = CatalogueEntry("north", "North Sector", None, ("N",))
SOUTH = CatalogueEntry("south", "South Sector", None, ("S",))


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, STRANDBOT_ADMINS="U0ADMIN")


@pytest.fixture
def areas(database, settings):
    update_catalogue(database, settings, [NORTH, SOUTH], AREAS)


def admin(database, settings, text: str):
    return perform(database, settings, ADMIN, parse_admin_command(text), Directory())


def followed(database, settings, channel: str = "C0TEAM") -> tuple[Following, ...]:
    listed = admin(database, settings, "subscriptions")
    return next(following for c, following in listed.channels if c.id == channel)


def test_a_channel_follows_the_force_and_areas_side_by_side(database, settings, areas):
    admin(database, settings, "subscribe <#C0TEAM|team> all")
    admin(database, settings, "subscribe <#C0TEAM|team> hate-crime area=south")
    admin(database, settings, "subscribe <#C0TEAM|team> hate-crime, DA area=N")
    assert followed(database, settings) == (
        Following(None, ("*",)),
        Following(NORTH, ("domestic-abuse", "hate-crime")),
        Following(SOUTH, ("hate-crime",)),
    )


def test_all_in_an_area_replaces_that_areas_strands_only(database, settings, areas):
    admin(database, settings, "subscribe <#C0TEAM|team> hate-crime")
    admin(database, settings, "subscribe <#C0TEAM|team> hate-crime area=north")
    change = admin(database, settings, "subscribe <#C0TEAM|team> all area=north")
    assert (change.changed, change.now, change.area) == (("*",), ("*",), NORTH)
    assert followed(database, settings) == (Following(None, ("hate-crime",)), Following(NORTH, ("*",)))


def test_the_same_strand_in_the_same_area_twice_changes_and_records_nothing(database, settings, areas):
    admin(database, settings, "subscribe <#C0TEAM|team> hate-crime area=north")
    before = len(review(database, settings))
    again = admin(database, settings, "subscribe <#C0TEAM|team> hate crime area=North Sector")
    assert (again.changed, again.unchanged) == ((), ("hate-crime",))
    assert len(review(database, settings)) == before


def test_unsubscribing_one_area_leaves_the_force_and_the_other_areas(database, settings, areas):
    for area in ("", " area=north", " area=south"):
        admin(database, settings, f"subscribe <#C0TEAM|team> hate-crime{area}")
    change = admin(database, settings, "unsubscribe <#C0TEAM|team> hate-crime area=south")
    assert (change.changed, change.now, change.area) == (("hate-crime",), (), SOUTH)
    assert followed(database, settings) == (Following(None, ("hate-crime",)), Following(NORTH, ("hate-crime",)))


@pytest.mark.parametrize(
    ("typed", "error", "message"),
    [
        ("subscribe <#C0TEAM|team> all area=nowhere", UnknownArea, "No area is called “nowhere”."),
        ("subscribe <#C0TEAM|team> all area=suoth", UnknownArea, "Did you mean `south`?"),
        (
            "subscribe <#C0TEAM|team> all area=",
            InvalidRequest,
            r"Which area\? Give its name or code, e.g. `area=north`",
        ),
        ("subscribe <#C0TEAM|team> all area=north area=south", InvalidRequest, "One area at a time"),
        ("subscribe <#C0TEAM|team> area=north", InvalidRequest, "Which strands?"),
        ("unsubscribe <#C0TEAM|team> all area=sowth", UnknownArea, "Did you mean `south`?"),
    ],
)
def test_a_wrong_area_is_refused_with_what_would_do_and_nothing_saved(database, settings, areas, typed, error, message):
    with pytest.raises(error, match=message):
        admin(database, settings, typed)
    assert admin(database, settings, "subscriptions").channels == ()
    assert all(row.outcome != "changed" for row in review(database, settings))


def test_an_area_named_by_the_start_of_two_names_asks_which(database, settings):
    update_catalogue(
        database,
        settings,
        [CatalogueEntry("north-east", "North East"), CatalogueEntry("north-west", "North West")],
        AREAS,
    )
    with pytest.raises(AmbiguousArea, match="`north-east` or `north-west`"):
        admin(database, settings, "subscribe <#C0TEAM|team> all area=north")
