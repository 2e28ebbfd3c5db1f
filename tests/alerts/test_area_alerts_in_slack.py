"""End to end: channels subscribed to an area's weekly digest with signed `/strand-admin … area=…` requests
dispatched to the Bolt app in process; the job runs from the command line and the local Slack stand-in
records every post.

As of Sunday 16 November 2025 every comparison is June against June. Hate crime: North Sector (recorded in
the sector itself or its Ward 1) 30 against 10, +200%; South Sector 30 against 30, flat; the whole force
60 against 40, +50%. At baseline (2019/20) each is level."""

from __future__ import annotations

import json

import pytest
from conftest import all_text, fresh_channel, local, settings_for, stocked_database
from sqlalchemy import select

from bot.audit.log import review
from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp
from bot.store.db import Database
from bot.store.models import AlertDelivery

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ADMIN = "U0ADMIN"
PLACES = [
    CatalogueEntry("north", "North Sector", None, ("N",)),
    CatalogueEntry("north-1", "North Ward 1", "north", ("N01",)),
    CatalogueEntry("south", "South Sector", None, ("S",)),
]
NORTH = {"north", "north-1"}


def hate_crimes(day: str, count: int, area: str) -> list[tuple]:
    return [("hate-crime", local(day, f"{10 + n % 10}:00"), [], area) for n in range(count)]


ROWS = (
    hate_crimes("2025-06-01", 30, "north-1")
    + hate_crimes("2025-06-01", 30, "south")
    + hate_crimes("2024-06-01", 10, "north")
    + hate_crimes("2024-06-01", 30, "south")
    + hate_crimes("2019-06-01", 30, "north-1")
    + hate_crimes("2019-06-01", 30, "south")
)


def june(year: int, places: set[str] | None = None) -> int:
    """Hate crimes in June of `year` in `places` (None: anywhere), counted from the rows, not the store."""
    return sum(1 for _, at, _, area in ROWS if at.year == year and (places is None or area in places))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    def prepare(database: Database, url) -> None:
        update_catalogue(database, settings_for(url), PLACES, AREAS)

    with stocked_database(request, request.param, ROWS, prepare) as url:
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        yield app, url
        app.stop()


def admin(served, slack: SlackStandIn, text: str) -> str:
    app, _ = served
    status, answer = app.command(slack, text, ADMIN, command="/strand-admin")
    assert status == 200, answer
    return answer["text"] if "text" in answer else all_text(answer)


@pytest.fixture
def run_job(tmp_path, monkeypatch, served, slack):
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": served[1].render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": "xoxb-stand-in",
        "SLACK_API_URL": slack.api_url,
    }

    def run(as_of: str):
        result = CliRunner().invoke(
            main, ["jobs", "run", "weekly-breaches", "--as-of", as_of], env=env, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return result

    return run


def audit(served) -> list:
    database = Database(served[1])
    try:
        return review(database, settings_for(served[1]))
    finally:
        database.dispose()


def ledger(served, channel: str) -> list[AlertDelivery]:
    database = Database(served[1])
    try:
        with database.session() as session:
            return list(session.scalars(select(AlertDelivery).where(AlertDelivery.channel == channel)))
    finally:
        database.dispose()


def test_an_areas_digest_carries_the_areas_figures_and_names_it(served, slack, run_job):
    channel = fresh_channel()
    reply = admin(served, slack, f"subscribe <#{channel}|north-team> hate-crime area=north")
    assert reply == (
        f"<#{channel}> now also hears about `hate-crime` in North Sector. It follows `hate-crime` in North Sector. "
        "Recorded in the audit log."
    )
    run_job("2025-11-16")
    [digest] = slack.calls("chat.postMessage", channel)
    text = digest.body["text"]
    now, before = june(2025, NORTH), june(2024, NORTH)
    assert (now, before) == (30, 10)
    assert text.startswith(
        ":rotating_light: *Weekly threshold alerts* for data to Sunday 16 November 2025: 2 new breaches in North "
        "Sector\n"
        "*North Sector*: 2 new breaches in 1 of the 6 strands this channel follows there\n"
        "*Hate crime — North Sector*\n"
        f":red_circle: ↑ *New* · FYTD 2025/26 vs last year: *{now}* vs {before} (+200%), past ±10% · significant"
    )
    assert f"*{june(2025)}*" not in text  # not the force's 60


def test_a_channel_following_the_force_and_two_areas_gets_one_message_with_a_part_for_each(served, slack, run_job):
    channel = fresh_channel()
    admin(served, slack, f"subscribe <#{channel}|compstat> hate-crime")
    admin(served, slack, f"subscribe <#{channel}|compstat> hate-crime area=south")
    admin(served, slack, f"subscribe <#{channel}|compstat> all area=N")  # by its code
    run_job("2025-11-16")
    [digest] = slack.calls("chat.postMessage", channel)
    lines = digest.body["text"].splitlines()
    assert lines[0] == (
        ":rotating_light: *Weekly threshold alerts* for data to Sunday 16 November 2025: "
        "2 new breaches in the whole force, North Sector and South Sector"
    )
    parts = [line for line in lines if line.startswith("*") and "strands this channel follows there" in line]
    assert parts == [
        "*The whole force*: no new breaches in the 6 strands this channel follows there",
        "*North Sector*: 2 new breaches in 1 of the 28 strands this channel follows there",
        "*South Sector*: no new breaches in the 6 strands this channel follows there",
    ]
    # The force's 60 against 40 (+50%) could be chance (p = 0.057): held back, and said so in its part.
    force = lines.index("*The whole force*: no new breaches in the 6 strands this channel follows there")
    assert lines[force + 1] == "_2 changes past threshold held back: 2 could be chance._"
    north = lines.index("*Hate crime — North Sector*")
    assert f"*{june(2025, NORTH)}* vs {june(2024, NORTH)} (+200%)" in lines[north + 1]
    assert "Hate crime — South Sector" not in digest.body["text"]  # 30 against 30: nothing to say

    run_job("2025-11-16")  # again: already delivered
    assert len(slack.calls("chat.postMessage", channel)) == 1
    [row] = ledger(served, channel)
    assert row.status == "sent"
    standing = [(b["strand"], b["comparison"], b["area"], b["since"]) for b in json.loads(row.breaches)["standing"]]
    assert sorted(standing) == [
        ("hate-crime", "fytd", "north", "2025-11-16"),
        ("hate-crime", "rolling12", "north", "2025-11-16"),
    ]


def test_an_area_back_within_threshold_is_named_as_resolved_the_next_week(served, slack, run_job):
    channel = fresh_channel()
    admin(served, slack, f"subscribe <#{channel}|north-team> hate-crime area=north")
    admin(served, slack, "threshold hate-crime 15% window=rolling12")
    try:
        run_job("2025-11-09")
        admin(served, slack, "threshold hate-crime direction=down")  # the North's +200% is no longer a breach
        run_job("2025-11-16")  # back within for one run: not yet resolved
        run_job("2025-11-23")
        after = slack.calls("chat.postMessage", channel)[-1].body["text"]
        assert after == (
            ":white_check_mark: *Weekly threshold alerts* for data to Sunday 23 November 2025: no new breaches in "
            "North Sector\n"
            "*North Sector*: no new breaches in the 6 strands this channel follows there\n"
            ":white_check_mark: Back within threshold since the last digest: Hate crime — North Sector "
            "(Rolling 12 months vs the 12 before)"
        )
    finally:
        admin(served, slack, "threshold reset hate-crime")


def test_an_unknown_area_gets_did_you_mean_and_nothing_is_saved(served, slack):
    channel = fresh_channel()
    reply = admin(served, slack, f"subscribe <#{channel}|north-team> all area=nroth")
    assert reply == "No area is called “nroth”. Did you mean `north` or `north-1`?"
    assert channel not in admin(served, slack, "subscriptions")
    assert not [r for r in audit(served) if r.action == "subscription.change" and channel in r.command]


def test_unsubscribing_from_one_area_leaves_the_others(served, slack, run_job):
    channel = fresh_channel()
    admin(served, slack, f"subscribe <#{channel}|two-areas> all area=north")
    admin(served, slack, f"subscribe <#{channel}|two-areas> hate-crime area=south")
    assert f"<#{channel}> — every strand in North Sector (`north`); `hate-crime` in South Sector (`south`)" in admin(
        served, slack, "subscriptions"
    )
    reply = admin(served, slack, f"unsubscribe <#{channel}> all area=north")
    assert reply.startswith(f"<#{channel}> no longer hears about every strand in North Sector.")
    assert f"<#{channel}> — `hate-crime` in South Sector (`south`)" in admin(served, slack, "subscriptions")
    row = [r for r in audit(served) if r.action == "subscription.change"][-1]
    assert json.loads(row.parameters) == {"channel": channel, "area": "north", "removed": ["*"]}
    run_job("2025-11-02")
    assert slack.calls("chat.postMessage", channel) == []  # South's 30 against 30: a quiet week stays quiet
    [row] = ledger(served, channel)
    assert row.status == "quiet"
    assert "North Sector" not in row.message and "South Sector" in row.message


def test_unsubscribing_where_a_channel_follows_nothing_says_where_it_does(served, slack):
    channel = fresh_channel()
    admin(served, slack, f"subscribe <#{channel}|south-team> hate-crime area=south")
    reply = admin(served, slack, f"unsubscribe <#{channel}> hate-crime")
    assert (
        reply == f"{channel} follows nothing across the whole force; it follows strands in South Sector (`area=south`)."
    )
    assert f"<#{channel}> — `hate-crime` in South Sector" in admin(served, slack, "subscriptions")


def test_the_subscription_is_recorded_with_its_area(served, slack):
    channel = fresh_channel()
    admin(served, slack, f"subscribe <#{channel}|north-team> hate-crime, DA area=north-1")
    row = audit(served)[-1]
    assert (row.action, row.outcome, row.command) == (
        "subscription.change",
        "changed",
        f"/strand-admin subscribe <#{channel}|north-team> hate-crime, DA area=north-1",
    )
    assert json.loads(row.parameters) == {
        "channel": channel,
        "area": "north-1",
        "added": ["hate-crime", "domestic-abuse"],
    }
