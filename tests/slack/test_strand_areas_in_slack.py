"""`/strand` for an area, end to end: signed slash commands and button presses dispatched to the Bolt app in
process, over a real database holding nested areas and occurrences in several strands at once. Every figure is
checked against a count made here, from the rows themselves."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import uuid
from datetime import date

import pytest
from conftest import all_text, local, settings_for, stocked_database, store
from slack_sdk.models.blocks import Block

from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.slack.standin import SlackStandIn, as_slack_sends
from bot.slack.testing import DispatchedApp
from bot.store.db import Database

SECRET = "a7e1d0c0ffee8888abcd99yyyzzz85a5"
OFFICER = "U0OFFICER3"
DIRECT = "D0OFFICER3"  # the stand-in's direct-message conversation with OFFICER
CHANNEL = "C0STANDIN"
AS_OF = "2024-06-30"

AREA_CATALOGUE = [
    CatalogueEntry("north", "North Sector", None, ("N",)),
    CatalogueEntry("north-1", "North Ward 1", "north", ("N01",)),
    CatalogueEntry("north-2", "North Ward 2", "north", ("N02",)),
    CatalogueEntry("south", "South Sector", None, ("S",)),
    CatalogueEntry("south-1", "South Ward 1", "south", ("S01",)),
    CatalogueEntry("south-2", "South Ward 2", "south", ("S02",)),
    CatalogueEntry("brooklyn-south", "Brooklyn South", None, ("BKS",)),
    CatalogueEntry("precinct-60", "60th Precinct", "brooklyn-south", ("60 Pct",)),
    CatalogueEntry("precinct-61", "61st Precinct", "brooklyn-south"),
    CatalogueEntry("harbour-docks", "Harbour & Docks"),
]
BELOW = {
    "north": {"north", "north-1", "north-2"},
    "south": {"south", "south-1", "south-2"},
    "brooklyn-south": {"brooklyn-south", "precinct-60", "precinct-61"},
}
HATE = {"hate-crime", "hate-race", "hate-religion"}  # the hate crime family, as far as these rows go


def rows(strands: str | tuple[str, ...], day: str, area: str | None, times: int) -> list[tuple]:
    return [(strands, local(day), (), area) if area else (strands, local(day))] * times


# As of 30 June 2024 (UK financial year from April): FYTD 1 Apr – 30 Jun 2024 against 1 Apr – 30 Jun 2023;
# rolling 12 months 1 Jul 2023 – 30 Jun 2024 against 1 Jul 2022 – 30 Jun 2023.
OCCURRENCES = (
    rows("hate-race", "2024-05-10", "north-1", 6)
    + rows(("hate-race", "hate-religion"), "2024-05-11", "north-1", 2)  # one hate crime each, in two motivations
    + rows("hate-crime", "2023-05-10", "north-1", 3)
    + rows(("domestic-abuse", "rape"), "2024-05-10", "north-1", 3)  # other strands, same ward
    + rows("hate-religion", "2024-01-10", "north-2", 4)
    + rows("hate-crime", "2023-05-12", "north-2", 1)
    + rows("hate-crime", "2024-06-10", "north", 2)
    + rows("hate-crime", "2023-05-10", "south-1", 12)
    + rows("hate-crime", "2024-05-10", "south-1", 1)
    + rows("hate-crime", "2023-02-10", "south-2", 2)
    + rows("hate-crime", "2024-05-10", "brooklyn-south", 3)
    + rows("hate-crime", "2024-02-10", "precinct-60", 20)
    + rows("hate-crime", "2022-09-10", "precinct-60", 5)
    + rows("hate-crime", "2024-05-10", "harbour-docks", 1)
    + rows("hate-crime", "2024-05-10", None, 7)  # no area: the force's only
    + rows("hate-crime", "2024-06-20", None, 4)
    + rows("hate-crime", "2019-05-10", None, 2)
)
WINDOWS = {
    "fytd": (("2024-04-01", "2024-06-30"), ("2023-04-01", "2023-06-30")),
    "rolling12": (("2023-07-01", "2024-06-30"), ("2022-07-01", "2023-06-30")),
}


def counted(area: str | None, window: tuple[str, str], family: set[str] = HATE, occurrences=OCCURRENCES) -> int:
    """Hate crimes (each once, however many motivations) in `area` and the areas below it (None: the force)."""
    start, end = (date.fromisoformat(day) for day in window)
    places = None if area is None else BELOW.get(area, {area})
    total = 0
    for occurrence in occurrences:
        strands = {occurrence[0]} if isinstance(occurrence[0], str) else set(occurrence[0])
        where = occurrence[3] if len(occurrence) > 3 else None
        if strands & family and (places is None or where in places) and start <= occurrence[1].date() <= end:
            total += 1
    return total


def z_score(area: str, occurrences=OCCURRENCES) -> float:
    """How many standard errors apart the area's two rolling 12 months are."""
    now, before = WINDOWS["rolling12"]
    current, previous = counted(area, now, occurrences=occurrences), counted(area, before, occurrences=occurrences)
    return (current - previous) / math.sqrt(current + previous) if current + previous else 0.0


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request, slack):
    """The app over a database holding AREA_CATALOGUE and OCCURRENCES, one per backend for the module."""

    def prepare(database: Database, url) -> None:
        update_catalogue(database, settings_for(url), AREA_CATALOGUE, AREAS)

    with stocked_database(request, request.param, OCCURRENCES, prepare) as url:
        running = DispatchedApp(url.render_as_string(hide_password=False), slack, SECRET)
        yield running
        running.stop()


def answered(server: DispatchedApp, slack: SlackStandIn, text: str) -> dict:
    """The answer to `/strand text` typed by OFFICER, sent escaped as Slack sends it."""
    status, answer = server.command(slack, as_slack_sends(text), OFFICER)
    assert status == 200
    return answer


def reply_to(slack: SlackStandIn, name: str, **wanted) -> dict:
    found = slack.wait_for(
        lambda r: r.path == f"/response/{name}" and all(r.body.get(k) == v for k, v in wanted.items()), timeout=60
    )
    return found.body


def header(answer: dict) -> str:
    return next(b["text"]["text"] for b in answer["blocks"] if b["type"] == "header")


def elements(answer: dict) -> dict[str, dict]:
    return {e["action_id"]: e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]}


def tables(answer: dict) -> list[list[list[str]]]:
    """Each monospace table in the answer, as rows of cells (header and rule left out)."""
    found = []
    for block in answer["blocks"]:
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        if text.startswith("```"):
            lines = text.strip("`").splitlines()[2:]
            found.append([re.split(r"\s{2,}", line.strip()) for line in lines])
    return found


def comparison(current: int, previous: int) -> str:
    """How `/strand` writes a comparison's counts and change: '*14* vs 4 (+10, '."""
    change = current - previous
    return f"*{current}* vs {previous} ({change:+d}, " if change else f"*{current}* vs {previous} (0, "


def test_a_strand_in_an_area_counts_that_area_and_those_within_it(server, slack):
    answer = answered(server, slack, f"hate-crime area=north {AS_OF}")
    assert header(answer) == "Hate crime in North Sector"
    fytd = WINDOWS["fytd"]
    north = {key: (counted("north", now), counted("north", before)) for key, (now, before) in WINDOWS.items()}
    assert north == {"fytd": (10, 4), "rolling12": (14, 4)}  # by hand: 6 + 2 + 2 and 3 + 1; 10 + 4 and 4
    text = all_text(answer)
    assert comparison(*north["fytd"]) in text and comparison(*north["rolling12"]) in text
    assert comparison(counted(None, fytd[0]), counted(None, fytd[1])) not in text  # not the force's
    assert answer["text"].startswith("Hate crime in North Sector as of 2024-06-30: 10 this financial year")
    # The sub-strands, in the area: two race-and-religion crimes count in each motivation.
    motivations = {row[0]: row[1] for row in tables(answer)[0]}
    assert motivations["↳ hate-race"] == str(counted("north", fytd[0], {"hate-race"})) == "8"
    assert motivations["↳ hate-religion"] == str(counted("north", fytd[0], {"hate-religion"})) == "2"


@pytest.mark.parametrize(
    ("typed", "name", "area"),
    [
        (f"hate crime in north sector as of {AS_OF}", "Hate crime in North Sector", "north"),
        (f"hate-crime {AS_OF} area=N01", "Hate crime in North Ward 1", "north-1"),
        (f"Hate Crime in 60 pct {AS_OF}", "Hate crime in 60th Precinct", "precinct-60"),
        (f"hate crime in Harbour & Docks {AS_OF}", "Hate crime in Harbour & Docks", "harbour-docks"),
    ],
)
def test_an_area_is_found_loosely_however_it_is_written(server, slack, typed, name, area):
    answer = answered(server, slack, typed)
    assert header(answer) == name  # a header is plain text; the notification's text is mrkdwn, so escaped
    assert answer["text"].startswith(f"{as_slack_sends(name)} as of 2024-06-30: ")
    now, before = WINDOWS["rolling12"]
    assert comparison(counted(area, now), counted(area, before)) in all_text(answer)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hate-crime area=nrth", "No area is called “nrth”. Did you mean `north`"),
        ("hate crime in atlantis", "No area is called “atlantis”. `/strand areas` shows every area."),
        ("all area=sooth", "No area is called “sooth”. Did you mean `south`"),
        ("hate-crime by=area in nrth", "No area is called “nrth”. Did you mean `north`"),
        ("hate-crime trend in nrth", "No area is called “nrth”. Did you mean `north`"),
        ("hat crme in north", "No strand is called “hat crme”"),
        ("hate-crime in", "Which area?"),
    ],
)
def test_an_unknown_area_gets_a_short_did_you_mean(server, slack, typed, expected):
    before = len(slack.calls("files.getUploadURLExternal"))
    answer = answered(server, slack, typed)
    assert answer["text"].startswith(expected)
    assert [b["type"] for b in answer["blocks"]] == ["section"]
    assert len(slack.calls("files.getUploadURLExternal")) == before


def test_the_whole_dashboard_for_an_area_and_its_menu_keep_the_area(server, slack):
    answer = answered(server, slack, f"all area=north {AS_OF}")
    assert header(answer) == "Vulnerability dashboard: North Sector"
    hate = next(row for row in tables(answer)[0] if row[0] == "hate-crime")
    assert (hate[1], hate[4]) == (
        str(counted("north", WINDOWS["fytd"][0])),
        str(counted("north", WINDOWS["rolling12"][0])),
    )
    abuse = next(row for row in tables(answer)[0] if row[0] == "domestic-abuse")
    assert abuse[1] == "3"
    menu = elements(answer)["open_strand"]
    option = next(i for i, o in enumerate(menu["options"]) if o["text"]["text"] == "Hate crime")
    name = uuid.uuid4().hex[:8]
    server.choose(slack, menu, option, OFFICER, slack.response_url(name))
    reply = reply_to(slack, name)
    assert header(reply) == "Hate crime in North Sector"
    assert comparison(10, 4) in all_text(reply)


def test_areas_are_ranked_by_their_change_biggest_rise_first_with_the_force_total(server, slack):
    answer = answered(server, slack, f"hate-crime by=area {AS_OF}")
    assert header(answer) == "Hate crime by area"
    totals, ranked = tables(answer)
    now, before = WINDOWS["rolling12"]
    force = totals[0]
    assert force[0] == "whole force"
    assert (force[1], force[4]) == (str(counted(None, WINDOWS["fytd"][0])), str(counted(None, now)))
    expected = sorted((entry.slug for entry in AREA_CATALOGUE), key=lambda slug: (-z_score(slug), slug))
    assert [row[0] for row in ranked] == expected
    # By hand: Brooklyn South 23 against 5 leads; its precinct's 20 against 5 next; South's 1 against 14 last.
    assert expected[:3] == ["brooklyn-south", "precinct-60", "north"] and expected[-1] == "south"
    for row in ranked:
        assert (row[1], row[4]) == (str(counted(row[0], WINDOWS["fytd"][0])), str(counted(row[0], now)))
    assert ranked[0][5] == "↑ +360% R" and ranked[-1][5] == "↓ -93% G"
    assert "biggest rise Brooklyn South (+18, +360% on the rolling 12 months)" in answer["text"]
    # The menu opens the strand in any area shown.
    menu = elements(answer)["open_strand"]
    name = uuid.uuid4().hex[:8]
    server.choose(slack, menu, 0, OFFICER, slack.response_url(name))
    assert header(reply_to(slack, name)) == "Hate crime in Brooklyn South"


def test_areas_within_one_area_are_ranked_with_its_total(server, slack):
    answer = answered(server, slack, f"hate crime by=area in brooklyn south {AS_OF}")
    assert header(answer) == "Hate crime by area within Brooklyn South"
    totals, ranked = tables(answer)
    assert [row[0] for row in totals] == ["whole force", "brooklyn-south"]
    assert totals[1][4] == str(counted("brooklyn-south", WINDOWS["rolling12"][0])) == "23"
    assert [row[0] for row in ranked] == ["precinct-60", "precinct-61"]


def test_strand_areas_lists_the_catalogue_nested_with_its_other_names(server, slack):
    answer = answered(server, slack, "areas")
    text = all_text(answer)
    assert "*10 areas*" in text and "`/strand hate-crime area=north`" in text
    assert "north  North Sector  (N)\\n  north-1  North Ward 1  (N01)" in text
    assert "harbour-docks  Harbour &amp; Docks" in text  # escaped as mrkdwn, shown as typed


def test_a_chart_of_an_area_counts_only_it_and_its_buttons_keep_the_area(server, slack):
    before = len(slack.uploads())
    answer = answered(server, slack, f"hate-crime trend area=north {AS_OF}")
    upload = slack.wait_for_upload(f"hate-crime-north-trend-24m-{AS_OF}.png", since=before)
    assert upload.channel == DIRECT
    # June 2024: 2 in North Sector (the force had 6).
    assert upload.comment.startswith(
        "*Hate crime in North Sector: occurrences a month, Jul 2022 – Jun 2024*\n• Jun 2024: 2 "
    )
    buttons = elements(answer)
    assert list(buttons) == ["share_chart", "chart_heatmap", "chart_forecast"]
    # The heat map button draws the same area: its 12 months are North Sector's rolling 12 months.
    name, before = uuid.uuid4().hex[:8], len(slack.uploads())
    server.press(slack, buttons["chart_heatmap"], OFFICER, slack.response_url(name))
    slack.wait_for_upload(f"hate-crime-north-heatmap-12m-{AS_OF}.png", since=before)
    reply = reply_to(slack, name)
    north = counted("north", WINDOWS["rolling12"][0])
    assert f"{north} occurrences in 12 months to 30 Jun 2024" in all_text(reply)
    assert json.loads(elements(reply)["chart_trend"]["value"])["area"] == "north"
    # Shared in the channel: the same area.
    name, before = uuid.uuid4().hex[:8], len(slack.uploads())
    server.press(slack, buttons["share_chart"], OFFICER, slack.response_url(name))
    reply_to(slack, name, delete_original=True)
    shared = [u for u in slack.uploads()[before:] if u.channel == CHANNEL]
    assert [u.filename for u in shared] == [f"hate-crime-north-trend-24m-{AS_OF}.png"]
    assert shared[0].comment.startswith(f"Shared by <@{OFFICER}>: *Hate crime in North Sector: ")


def test_a_strand_answer_in_an_area_shares_and_charts_that_area(server, slack):
    answer = answered(server, slack, f"hate crime in N02 {AS_OF}")
    buttons = elements(answer)
    name, before = uuid.uuid4().hex[:8], len(slack.uploads())
    server.press(slack, buttons["chart_trend"], OFFICER, slack.response_url(name))
    upload = slack.wait_for_upload(f"hate-crime-north-2-trend-24m-{AS_OF}.png", since=before)
    ward = {"now": counted("north-2", WINDOWS["rolling12"][0]), "before": counted("north-2", WINDOWS["rolling12"][1])}
    assert f"Last 12 complete months: {ward['now']} (+300% on {ward['before']} the 12 before)" in upload.comment
    assert "Highest Jan 2024 (4)" in upload.comment
    name = uuid.uuid4().hex[:8]
    server.press(slack, buttons["share_strand"], OFFICER, slack.response_url(name))
    posted = reply_to(slack, name, response_type="in_channel")
    assert header(posted) == "Hate crime in North Ward 2"
    assert comparison(ward["now"], ward["before"]) in all_text(posted)
    assert f"Shared by <@{OFFICER}>" in all_text(posted)


def test_help_shows_the_area_forms(server, slack):
    text = all_text(answered(server, slack, "help"))
    for form in ("in brooklyn south", "area=north", "by=area", "/strand areas", "trend area=north"):
        assert form in text


# A force with 165 areas: 15 divisions of 10 wards.
DIVISIONS = [CatalogueEntry(f"division-{d:02d}", f"Division {d}") for d in range(15)]
WARDS = [CatalogueEntry(f"ward-{w:03d}", f"Ward {w}", f"division-{w // 10:02d}") for w in range(150)]
# Ward w has w % 7 hate crimes this year and (w * 3) % 11 last year: rises, falls and no change.
MANY = [
    occurrence
    for w in range(150)
    for occurrence in rows("hate-crime", "2024-05-10", f"ward-{w:03d}", w % 7)
    + rows("hate-crime", "2023-05-10", f"ward-{w:03d}", (w * 3) % 11)
]


def valid_block_kit(answer: dict) -> None:
    """Slack's limits, as slack_sdk's models check them: 50 blocks, each block's own limits."""
    assert len(answer["blocks"]) <= 50
    for block in answer["blocks"]:
        Block.parse(block).validate_json()
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


@pytest.fixture
def big_force(database_url, slack):
    database = Database(database_url)
    update_catalogue(database, settings_for(database_url), DIVISIONS + WARDS, AREAS)
    store(database, MANY)
    database.dispose()
    running = DispatchedApp(database_url.render_as_string(hide_password=False), slack, SECRET)
    yield running
    running.stop()


def test_165_areas_ranked_show_the_biggest_rises_and_falls_within_slacks_limits(big_force, slack):
    answer = answered(big_force, slack, f"hate-crime by=area {AS_OF}")
    valid_block_kit(answer)
    _, rises, falls = tables(answer)
    for division in DIVISIONS:
        BELOW[division.slug] = {division.slug} | {w.slug for w in WARDS if w.parent == division.slug}
    scores = {area.slug: z_score(area.slug, MANY) for area in DIVISIONS + WARDS}
    expected_rises = sorted((a for a in scores if scores[a] > 0), key=lambda a: (-scores[a], a))[:10]
    expected_falls = sorted((a for a in scores if scores[a] < 0), key=lambda a: (scores[a], a))[:10]
    assert [row[0] for row in rises] == expected_rises
    assert [row[0] for row in falls] == expected_falls
    assert (rises[0][0], falls[0][0]) == ("ward-055", "ward-007")  # by hand: 6 against 0; 0 against 10
    assert "145 more areas, with smaller changes or none, not shown" in all_text(answer)
    assert len(elements(answer)["open_strand"]["options"]) == 20


def test_165_areas_listed_fit_in_one_message(big_force, slack):
    answer = answered(big_force, slack, "areas")
    valid_block_kit(answer)
    assert "*165 areas*" in all_text(answer)


def test_an_area_with_nothing_below_it_has_nothing_to_rank_and_says_so(server, slack):
    answer = answered(server, slack, f"hate-crime by=area in N01 {AS_OF}")
    assert [row[0] for row in tables(answer)[0]] == ["whole force", "north-1"]
    assert len(tables(answer)) == 1
    assert "No areas within North Ward 1." in all_text(answer)


@pytest.fixture
def no_areas(database_url, slack):
    running = DispatchedApp(database_url.render_as_string(hide_password=False), slack, SECRET)
    yield running
    running.stop()


def test_a_force_without_areas_is_told_how_they_come(no_areas, slack):
    for typed in ("areas", f"hate-crime by=area {AS_OF}"):
        assert "No areas yet: they are added when an import carries an area column" in all_text(
            answered(no_areas, slack, typed)
        )
    assert all_text(answered(no_areas, slack, "hate-crime in north")).count("No area is called “north”.") == 2


def test_areas_with_no_change_beyond_the_first_twenty_are_counted_not_shown(database_url, slack):
    database = Database(database_url)
    wards = [dataclasses.replace(ward, parent=None) for ward in WARDS[:25]]
    update_catalogue(database, settings_for(database_url), wards, AREAS)
    database.dispose()
    running = DispatchedApp(database_url.render_as_string(hide_password=False), slack, SECRET)
    try:
        answer = answered(running, slack, f"hate-crime by=area {AS_OF}")
    finally:
        running.stop()
    valid_block_kit(answer)
    assert len(tables(answer)) == 1  # the totals only: nothing rose or fell
    assert "25 more areas, with smaller changes or none, not shown" in all_text(answer)
