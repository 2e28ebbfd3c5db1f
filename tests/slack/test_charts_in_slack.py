"""Charts end to end: signed slash commands and button presses dispatched to the Bolt app in process, and
the Slack stand-in receiving files_upload_v2's three calls over HTTP with a PNG that decodes."""

from __future__ import annotations

import io
import json
import uuid

import numpy as np
import pytest
from conftest import all_text, local, stocked_database
from PIL import Image

from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp

SECRET = "c0ffee4b10e8888abcd99yyyzzz85a5"
OFFICER = "U0OFFICER2"
DIRECT = "D0OFFICER2"  # the stand-in's direct-message conversation with OFFICER
CHANNEL = "C0STANDIN"  # where signed commands and presses come from
AS_OF = "2026-10-31"

# Four years of hate crime with a summer peak, at evening hours.
rng = np.random.default_rng(7)
HATE_CRIMES = [
    ("hate-crime", local(f"{year}-{month:02d}-{day:02d}", f"{18 + day % 4}:15"))
    for year in range(2022, 2027)
    for month in range(1, 13)
    if (year, month) <= (2026, 10)
    for day in range(1, 1 + int(rng.poisson(20 + 6 * np.sin((month - 4) * np.pi / 6))) % 28 + 1)
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request, slack):
    with stocked_database(request, request.param, HATE_CRIMES) as url:
        running = DispatchedApp(url.render_as_string(hide_password=False), slack, SECRET)
        yield running
        running.stop()


def answered(server: DispatchedApp, slack: SlackStandIn, text: str) -> dict:
    """The answer to `/strand text` typed by OFFICER."""
    status, answer = server.command(slack, text, OFFICER)
    assert status == 200
    return answer


def png(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def test_a_trend_is_uploaded_to_the_requesters_direct_messages_as_a_png(server, slack):
    before = len(slack.uploads())  # the stand-in serves both backends' runs
    answer = answered(server, slack, f"hate crime trend 36m {AS_OF}")
    upload = slack.wait_for_upload(f"hate-crime-trend-36m-{AS_OF}.png", since=before)
    image = png(upload.content)
    assert image.format == "PNG" and image.size[0] >= 1000
    asked = next(c.body for c in slack.calls("files.getUploadURLExternal") if c.body["filename"] == upload.filename)
    assert int(asked["length"]) == len(upload.content)
    assert upload.alt_text.startswith("Line chart. Hate crime: occurrences a month, Nov 2023 – Oct 2026.")
    assert upload.channel == DIRECT  # private to the requester, not the channel
    assert upload.comment.startswith("*Hate crime: occurrences a month, Nov 2023 – Oct 2026*\n• Oct 2026: ")
    done = next(c.body for c in slack.calls("files.completeUploadExternal") if upload.file_id in c.body["files"])
    assert json.loads(done["files"])[0]["title"] == "Hate crime: occurrences a month, Nov 2023 – Oct 2026"
    # The private answer in the channel: what the chart shows, where it is, and the buttons.
    assert answer["response_type"] == "ephemeral"
    text = all_text(answer)
    assert "Oct 2026: " in text and "Forecast (" in text
    assert "Image sent to your direct messages with strandbot" in text
    actions = [e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["share_chart", "chart_heatmap", "chart_forecast"]


def test_every_strand_answer_has_buttons_that_open_its_charts(server, slack):
    answer = answered(server, slack, f"hate-crime {AS_OF}")
    buttons = {e["action_id"]: e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert list(buttons) == ["share_strand", "chart_trend", "chart_heatmap", "chart_forecast"]
    name, before = uuid.uuid4().hex[:8], len(slack.uploads())
    status, _ = server.press(slack, buttons["chart_heatmap"], OFFICER, slack.response_url(name))
    assert status == 200
    upload = slack.wait_for_upload(f"hate-crime-heatmap-12m-{AS_OF}.png", since=before)
    assert png(upload.content).format == "PNG"
    assert upload.channel == DIRECT
    reply = slack.wait_for(lambda r: r.path == f"/response/{name}", timeout=30).body
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "Busiest hours: " in all_text(reply)


def test_sharing_a_chart_uploads_it_into_the_channel_for_everyone(server, slack):
    before = len(slack.uploads())
    answer = answered(server, slack, f"hate crime forecast years=1 {AS_OF}")
    assert slack.wait_for_upload(f"hate-crime-forecast-1y-{AS_OF}.png", since=before).channel == DIRECT
    assert "★ best in back-test" in all_text(answer)
    share = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert share["action_id"] == "share_chart"
    before = len(slack.uploads())
    name = uuid.uuid4().hex[:8]
    server.press(slack, share, OFFICER, slack.response_url(name))
    slack.wait_for(lambda r: r.path == f"/response/{name}" and r.body.get("delete_original") is True, timeout=30)
    shared = slack.uploads()[before:]
    assert [upload.channel for upload in shared] == [CHANNEL]
    assert shared[0].comment.startswith(f"Shared by <@{OFFICER}>: *Hate crime: forecast")
    assert png(shared[0].content).format == "PNG"


def test_sharing_where_strandbot_is_not_a_member_says_how_to_fix_it_and_uploads_nothing(server, slack):
    answer = answered(server, slack, f"hate crime heatmap {AS_OF}")
    share = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    uploads_asked = len(slack.calls("files.getUploadURLExternal"))
    slack.channels_without_bot.add(CHANNEL)
    try:
        name = uuid.uuid4().hex[:8]
        server.press(slack, share, OFFICER, slack.response_url(name))
        reply = slack.wait_for(lambda r: r.path == f"/response/{name}", timeout=30).body
    finally:
        slack.channels_without_bot.discard(CHANNEL)
    assert reply["response_type"] == "ephemeral"
    assert "could not be shared here" in reply["text"] and "/invite @strandbot" in reply["text"]
    assert len(slack.calls("files.getUploadURLExternal")) == uploads_asked  # no file left behind, shared nowhere


def test_the_dashboard_menu_opens_a_strand_with_its_chart_buttons(server, slack):
    answer = answered(server, slack, f"all {AS_OF}")
    menu = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert menu["type"] == "static_select"
    hate = next(i for i, o in enumerate(menu["options"]) if o["text"]["text"] == "Hate crime")
    name = uuid.uuid4().hex[:8]
    server.choose(slack, menu, hate, OFFICER, slack.response_url(name))
    reply = slack.wait_for(lambda r: r.path == f"/response/{name}", timeout=30).body
    assert "as of *Saturday 31 Oct 2026*" in all_text(reply)
    assert "chart_trend" in all_text(reply)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trend", "Charts are drawn for one strand at a time"),
        ("hate crime trend 2w", "is not a span for a trend"),
        ("hate crime forecast years=12", "give `years=N` with N from 1 to 5"),
        ("hat crme heatmap", "No strand is called “hat crme”"),
    ],
)
def test_a_bad_chart_request_gets_a_short_helpful_reply_and_nothing_is_uploaded(server, slack, text, expected):
    before = len(slack.calls("files.getUploadURLExternal"))
    answer = answered(server, slack, text)
    assert expected in answer["text"]
    assert len(slack.calls("files.getUploadURLExternal")) == before
