"""`/strand … harm` end to end: signed slash commands and button presses dispatched to the Bolt app in process,
over a real database holding occurrences with offence codes and a loaded weight set. Figures are checked
against sums made here from the rows themselves; every answer is valid Block Kit."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import all_text, load_weights, local, settings_for, stocked_database
from slack_sdk.models.blocks import Block

from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.slack.standin import SlackStandIn, as_slack_sends
from bot.slack.testing import DispatchedApp
from bot.store.db import Database

SECRET = "b7e1d0c0ffee8888abcd99yyyzzz85a5"
OFFICER = "U0OFFICERH"
AS_OF = "2024-06-30"
WEIGHTS = {"8L": 10.5, "105A": 2.0, "19C": 500.0}
WEIGHTS_NAME = "Test <weights> & co"  # stored text with mrkdwn's special characters: escaped where shown
AREAS_ = [CatalogueEntry("north", "North Sector"), CatalogueEntry("south", "South Sector")]


def rows(strands, day: str, area: str, code: str | None, times: int) -> list[tuple]:
    return [(strands, local(day), (), area, code)] * times


# FYTD 1 Apr – 30 Jun 2024 against 1 Apr – 30 Jun 2023 (UK financial year).
OCCURRENCES = (
    rows("hate-race", "2024-05-10", "north", "8L", 4)  # 42.0 this year
    + rows(("hate-race", "hate-religion"), "2024-05-11", "north", "105A", 2)  # 4.0, each once in hate crime
    + rows("hate-crime", "2024-06-01", "south", "8Q", 3)  # no weight: counted, reported, not weighed
    + rows("hate-crime", "2023-05-10", "north", "8L", 2)  # 21.0 last year
    + rows("hate-crime", "2023-05-10", "south", "105A", 1)  # 2.0 last year
    + rows(("domestic-abuse", "rape"), "2024-05-10", "south", "19C", 2)  # 1,000.0 this year, in the south
    + rows("domestic-abuse", "2023-05-10", "north", "8L", 1)  # 10.5 last year
)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request, slack):
    def prepare(database: Database, url) -> None:
        update_catalogue(database, settings_for(url), AREAS_, AREAS)
        load_weights(database, WEIGHTS, WEIGHTS_NAME)

    with stocked_database(request, request.param, OCCURRENCES, prepare) as url:
        running = DispatchedApp(url.render_as_string(hide_password=False), slack, SECRET)
        yield running
        running.stop()


def answered(server: DispatchedApp, slack: SlackStandIn, text: str) -> dict:
    status, answer = server.command(slack, as_slack_sends(text), OFFICER)
    assert status == 200
    assert len(answer["blocks"]) <= 50
    for block in answer["blocks"]:
        Block.parse(block).validate_json()
    return answer


def elements(answer: dict) -> dict[str, dict]:
    return {e["action_id"]: e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_a_strand_shows_harm_beside_its_counts(server, slack):
    answer = answered(server, slack, f"hate-crime {AS_OF} harm")
    text = all_text(answer)
    # Counts: 4 + 2 + 3 = 9 this year against 3; harm 42.0 + 4.0 against 21.0 + 2.0 (8Q is not weighed).
    assert "*9* vs 3 (+6, +200%)" in text
    assert "Harm: :red_circle: ↑ *46.0* vs 23.0 (+23.0, +100%) · per occurrence 7.7 vs 7.7" in text
    assert "Harm weighed with “Test &lt;weights&gt; &amp; co”." in text  # stored text, escaped once
    assert "3 occurrences without a weight: 8Q 3" in text
    assert "No significance test" in text
    assert answer["text"].endswith("; harm 46.0")
    share = json.loads(elements(answer)["share_strand"]["value"])
    assert share["measure"] == "harm"  # the shared copy shows harm too


def test_shared_harm_stays_harm(server, slack):
    answer = answered(server, slack, f"hate-crime {AS_OF} harm")
    name = uuid.uuid4().hex[:8]
    server.press(slack, elements(answer)["share_strand"], OFFICER, slack.response_url(name))
    posted = slack.wait_for(lambda r: r.path == f"/response/{name}" and r.body.get("response_type") == "in_channel")
    assert "Harm: :red_circle: ↑ *46.0* vs 23.0" in all_text(posted.body)


def test_every_strand_by_area_ranks_the_high_harm_areas_first(server, slack):
    answer = answered(server, slack, f"all by=area harm {AS_OF}")
    text = all_text(answer)
    assert answer["blocks"][0]["text"]["text"] == "All strands harm by area"
    ranked = text[text.index("Highest harm first") :]
    # South: 1,000.0 (a domestic rape, weighed once) + nothing for 8Q; North: 46.0 in the rolling 12 months.
    assert ranked.index("south") < ranked.index("north")
    assert "1,000.0" in ranked and "46.0" in ranked
    assert "highest harm South Sector (1,000.0 in the rolling 12 months)" in answer["text"]


def test_the_dashboard_in_harm_names_its_weights(server, slack):
    answer = answered(server, slack, f"all harm {AS_OF}")
    assert answer["blocks"][0]["text"]["text"] == "Harm dashboard"
    assert "Harm weighed with" in all_text(answer)
    menu = elements(answer)["open_strand"]
    assert json.loads(menu["options"][0]["value"])["measure"] == "harm"


def test_a_chart_with_harm_is_explained(server, slack):
    assert "not with charts" in all_text(answered(server, slack, "hate-crime trend harm"))


def test_an_area_chosen_from_every_strands_ranking_opens_its_whole_dashboard(server, slack):
    answer = answered(server, slack, f"all by=area harm {AS_OF}")
    name = uuid.uuid4().hex[:8]
    server.choose(slack, elements(answer)["open_strand"], 0, OFFICER, slack.response_url(name))
    opened = slack.wait_for(lambda r: r.path == f"/response/{name}").body
    assert opened["blocks"][0]["text"]["text"] == "Harm dashboard: South Sector"
