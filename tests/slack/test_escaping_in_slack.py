"""Stored text reaches Slack escaped: a catalogue name holding `<!channel>` notifies nobody, wherever it is shown
(an answer, the dashboard, a ranking, a chart, a shared answer, the weekly digest, admin lists), in the blocks and
in the notification text alike. Signed requests dispatched to the Bolt app in process; the digest from the job."""

from __future__ import annotations

import re
import uuid

import pytest
from click.testing import CliRunner
from conftest import all_text, fresh_channel, local, settings_for, stocked_database
from slack_sdk.models.blocks import Block

from bot.catalogues import update_catalogue
from bot.cli import main
from bot.domain.catalogue import AREAS, STRANDS, CatalogueEntry
from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp
from bot.store.db import Database

SECRET = "0e5c4pe0e5c4pe8888abcd99yyyzzz85"
ADMIN, OFFICER = "U0ADMIN7", "U0OFFICER7"
STRAND_NAME = "Test <!channel> & >65"
AREA_NAME = "Lower <Town> & Docks"
ESCAPED_STRAND = "Test &lt;!channel&gt; &amp; &gt;65"
ESCAPED_AREA = "Lower &lt;Town&gt; &amp; Docks"
AS_OF = "2025-11-16"

# 40 against 10 in June of each year, in the area: a breach of every comparison but the baseline.
ROWS = [("test-strand", local("2025-06-01"), (), "lower-town")] * 40 + [
    ("test-strand", local("2024-06-01"), (), "lower-town")
] * 10


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    def prepare(database: Database, url) -> None:
        settings = settings_for(url)
        update_catalogue(database, settings, [CatalogueEntry("test-strand", STRAND_NAME)], STRANDS)
        update_catalogue(database, settings, [CatalogueEntry("lower-town", AREA_NAME)], AREAS)

    with stocked_database(request, request.param, ROWS, prepare) as url:
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        yield app, url
        app.stop()


def mrkdwn_texts(payload) -> list[str]:
    """Every text Slack reads as mrkdwn in a message: its `text`, and each mrkdwn text object in its blocks."""
    found = []
    if isinstance(payload, dict):
        if isinstance(payload.get("text"), str) and payload.get("type", "mrkdwn") == "mrkdwn":
            found.append(payload["text"])
        for key, value in payload.items():
            if key != "text" or not isinstance(value, str):
                found += mrkdwn_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            found += mrkdwn_texts(item)
    return found


def assert_escaped(payload: dict, *shown: str) -> None:
    """No raw `<!channel>` (or any `<` but a mention or link of ours) in any mrkdwn; each of `shown` in it."""
    texts = mrkdwn_texts(payload)
    for text in texts:
        assert "<!channel>" not in text
        assert not re.search(r"<(?![@#][A-Z0-9]+>|https://)", text), text
    for wanted in shown:
        assert any(wanted in text for text in texts), (wanted, texts)
    for block in payload.get("blocks", []):
        Block.parse(block).validate_json()


def command(served, slack: SlackStandIn, text: str, user: str = OFFICER, name: str = "/strand") -> dict:
    app, _ = served
    status, answer = app.command(slack, text, user, command=name)
    assert status == 200, answer
    return answer


def test_a_strand_answer_escapes_the_strands_and_the_areas_names(served, slack):
    answer = command(served, slack, f"test-strand area=lower-town {AS_OF}")
    assert_escaped(answer, ESCAPED_STRAND, ESCAPED_AREA)
    assert answer["text"].startswith(f"{ESCAPED_STRAND} in {ESCAPED_AREA} as of")  # the notification's text
    assert STRAND_NAME in all_text(answer)  # the header is plain text, which Slack shows as it is


def test_the_dashboard_and_the_ranking_by_area_escape_the_names(served, slack):
    dashboard = command(served, slack, f"all area=lower-town {AS_OF}")
    assert_escaped(dashboard, ESCAPED_AREA)
    ranking = command(served, slack, f"test-strand by=area {AS_OF}")
    assert_escaped(ranking, ESCAPED_STRAND)


def test_a_shared_answer_escapes_the_name(served, slack):
    app, _ = served
    answer = command(served, slack, f"test-strand {AS_OF}")
    share = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    name = f"share-{uuid.uuid4().hex[:8]}"
    app.press(slack, share, OFFICER, slack.response_url(name))
    shared = slack.wait_for(lambda r: r.path == f"/response/{name}" and r.body.get("response_type") == "in_channel")
    assert_escaped(shared.body, ESCAPED_STRAND)
    assert f"Shared by <@{OFFICER}>" in all_text(shared.body)  # our own mention still links


def test_a_chart_escapes_the_name_in_its_answer_and_its_upload(served, slack):
    answer = command(served, slack, f"test-strand trend {AS_OF}")
    assert_escaped(answer, ESCAPED_STRAND)
    assert re.search(r"<https://[^|>]+\|test-strand-trend-24m-2025-11-16\.png>", all_text(answer))  # the link works
    upload = slack.wait_for_upload(f"test-strand-trend-24m-{AS_OF}.png")
    assert "<!channel>" not in upload.comment and ESCAPED_STRAND in upload.comment


def test_the_weekly_digest_and_admin_lists_escape_the_names(served, slack, tmp_path, monkeypatch):
    _, url = served
    channel = fresh_channel()
    reply = command(served, slack, f"subscribe <#{channel}|team> test-strand area=lower-town", ADMIN, "/strand-admin")
    assert_escaped(reply, ESCAPED_AREA)
    assert f"<#{channel}>" in reply["text"]  # the channel's mention still links
    assert_escaped(command(served, slack, "subscriptions", ADMIN, "/strand-admin"), ESCAPED_AREA)
    assert_escaped(command(served, slack, "backtest test-strand 15%", ADMIN, "/strand-admin"), ESCAPED_STRAND)

    monkeypatch.chdir(tmp_path)
    environment = {
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": "xoxb-stand-in",
        "SLACK_API_URL": slack.api_url,
    }
    ran = CliRunner().invoke(main, ["jobs", "run", "weekly-breaches", "--as-of", AS_OF], env=environment)
    assert ran.exit_code == 0, ran.output
    [digest] = slack.calls("chat.postMessage", channel)
    assert_escaped(digest.body, ESCAPED_STRAND, ESCAPED_AREA)
    assert ESCAPED_STRAND in digest.body["text"]
