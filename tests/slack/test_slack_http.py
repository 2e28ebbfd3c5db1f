"""End to end: `strandbot serve` as a real process, signed requests over HTTP exactly as Slack sends them,
and a local stand-in for Slack's Web API and response URLs."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from conftest import all_text, local, stocked_database
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.slack.standin import SlackStandIn, signed_command
from bot.slack.testing import ServedApp

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OFFICER = "U0OFFICER1"

# Hate crime as of 30 June 2024: FYTD 11 vs 10 (+10%, amber), baseline 2019/20 5 (+120%, red),
# rolling 12 months 14 vs 10 (+40%, red).
HATE_CRIMES = (
    [("hate-crime", local("2024-05-15"))] * 11
    + [("hate-crime", local("2023-05-15"))] * 10
    + [("hate-crime", local("2019-05-15"))] * 5
    + [("hate-crime", local("2024-01-10"))] * 3
)


def Server(database_url, slack: SlackStandIn) -> ServedApp:  # noqa: N802 - reads as a constructor
    return ServedApp(database_url.render_as_string(hide_password=False), slack, SECRET, workers=1, threads=4)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request, slack):
    """One server per backend for the module, over a database holding HATE_CRIMES."""
    with stocked_database(request, request.param, HATE_CRIMES) as url:
        running = Server(url, slack)
        yield running
        running.stop()


def test_strand_hate_crime_answers_the_requester_with_the_dashboard_numbers(server, slack):
    status, answer = server.command(slack, "hate-crime 2024-06-30", OFFICER)
    assert status == 200
    assert answer["response_type"] == "ephemeral"
    text = all_text(answer)
    assert "Hate crime" in text
    assert ":large_orange_circle: ↑ *11* vs 10 (+1, +10%)" in text  # FYTD vs last year: amber at exactly 10%
    assert ":red_circle: ↑ *11* vs 5 (+6, +120%)" in text  # vs baseline 2019/20
    assert ":red_circle: ↑ *14* vs 10 (+4, +40%)" in text  # rolling 12 months
    assert "as of *Sunday 30 Jun 2024*" in text
    assert any(b["type"] == "actions" and b["elements"][0]["action_id"] == "share_strand" for b in answer["blocks"])
    assert not [r for r in slack.received if r.api_method == "chat.postMessage"]  # nothing posted to the channel


def test_the_share_button_posts_the_same_figures_in_the_channel(server, slack):
    _, answer = server.command(slack, "hate crime 2024-06-30", OFFICER)
    button = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"][0]
    name = f"share-{uuid.uuid4().hex[:8]}"  # the stand-in outlives each backend's run of this module
    status, _ = server.press(slack, button, OFFICER, slack.response_url(name))
    assert status == 200
    shared = slack.wait_for(lambda r: r.path == f"/response/{name}" and r.body.get("response_type") == "in_channel")
    assert ":large_orange_circle: ↑ *11* vs 10 (+1, +10%)" in all_text(shared.body)
    assert f"Shared by <@{OFFICER}>" in all_text(shared.body)
    assert "share_strand" not in all_text(shared.body)  # the channel copy has no share button
    slack.wait_for(lambda r: r.path == f"/response/{name}" and r.body.get("delete_original") is True)


def test_a_bad_signature_is_refused(server, slack):
    body, headers = signed_command("not-the-secret", "/strand", "hate-crime", OFFICER, slack.response_url())
    status, _ = server.post(body, headers)
    assert status == 401


def test_a_request_older_than_five_minutes_is_refused(server, slack):
    status, _ = server.command(slack, "hate-crime", OFFICER, timestamp=int(time.time()) - 6 * 60)
    assert status == 401


def test_an_unknown_strand_suggests_the_closest(server, slack):
    status, answer = server.command(slack, "hate crme", OFFICER)
    assert status == 200
    assert "No strand is called “hate crme”. Did you mean `hate-crime`" in answer["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Vulnerability dashboard"),
        ("help", "`/strand hate-crime`"),
        ("x" * 5000, "5,000 characters"),
        ("🔥🚓", "No strand is called"),
        ("'; DROP TABLE occurrences; --", "No strand is called"),
        ("hate-crime 2024-02-30", "not a real date"),
    ],
)
def test_bad_input_gets_a_short_helpful_reply(server, slack, text, expected):
    status, answer = server.command(slack, text, OFFICER)
    assert status == 200
    assert expected in all_text(answer)
    assert "Traceback" not in all_text(answer)
    status, answer = server.command(slack, "hate-crime 2024-06-30", OFFICER)  # and nothing was lost
    assert "*11* vs 10" in all_text(answer)


def test_healthz_reports_the_database(server):
    with urllib.request.urlopen(server.url + "/healthz") as response:
        assert json.loads(response.read()) == {"status": "ok", "database": "ok"}


def test_a_database_that_is_down_gets_a_clear_reply_and_is_logged(slack):
    server = Server(make_url("postgresql+psycopg://postgres@127.0.0.1:9/none"), slack)  # nothing listens on 9
    try:
        status, answer = server.command(slack, "hate-crime", OFFICER)
        assert status == 200
        assert "can't be reached right now" in answer["text"]
        assert "Traceback" not in all_text(answer)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server.url + "/healthz")
        assert caught.value.code == 503
    finally:
        log = server.log()
    assert "database ping failed" in log
    assert "database error" in log and "Traceback" in log  # the administrators get the detail


@pytest.mark.postgres
def test_a_slow_answer_is_acknowledged_at_once_and_delivered_once_to_the_response_url(postgres_url, slack):
    server = Server(postgres_url, slack)
    locker = create_engine(postgres_url)
    try:
        with locker.connect() as connection:
            # A long migration or bulk load holding the table: the answer must wait, Slack must not.
            connection.execute(
                text("LOCK TABLE occurrences, occurrence_strands, daily_counts IN ACCESS EXCLUSIVE MODE")
            )
            started = time.monotonic()
            status, acknowledged = server.acknowledge(
                slack, "hate-crime", OFFICER, response_url=slack.response_url("slow")
            )
            assert time.monotonic() - started < 1
            assert status == 200 and acknowledged == ""  # nothing shown that the answer could not replace
            connection.rollback()  # release the lock
        delivered = slack.wait_for(lambda r: r.path == "/response/slow", timeout=10)
        assert delivered.body["response_type"] == "ephemeral"
        assert "Hate crime" in all_text(delivered.body)
        time.sleep(0.2)
        assert len([r for r in slack.received if r.path == "/response/slow"]) == 1  # one private message, no note
    finally:
        locker.dispose()
        server.stop()
