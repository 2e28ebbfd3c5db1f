"""Admin lists longer than one Slack section are shown whole, split between lines, never cut inside a mention or
a code span: signed `/strand-admin` requests dispatched to the Bolt app in process."""

from __future__ import annotations

import pytest
from conftest import fresh_channel, stocked_database
from slack_sdk.models.blocks import Block

from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp

SECRET = "11112222333344445555666677778888"
ADMIN = "U0ADMIN9"
# Enough strands that 22 channels following them run past one section's 3,000 characters.
STRANDS = "hate-crime, domestic-abuse, mental-health, stalking-harassment, modern-slavery, child-protection"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request, slack):
    with stocked_database(request, request.param, []) as url:
        running = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        yield running
        running.stop()


def admin(app: DispatchedApp, slack: SlackStandIn, text: str) -> dict:
    status, answer = app.command(slack, text, ADMIN, command="/strand-admin")
    assert status == 200, answer
    return answer


def sections(answer: dict) -> list[str]:
    for block in answer["blocks"]:
        Block.parse(block).validate_json()  # within Slack's limits: 3,000 characters a section
    assert len(answer["blocks"]) <= 50
    return [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]


def test_twenty_two_subscribed_channels_are_all_listed_with_whole_code_spans(app, slack):
    channels = [fresh_channel() for _ in range(22)]
    for channel in channels:
        admin(app, slack, f"subscribe <#{channel}|team> {STRANDS}")
    shown = sections(admin(app, slack, "subscriptions"))
    assert len(shown) > 1  # too long for one section: split, not cut
    for text in shown:
        assert text.count("`") % 2 == 0, text  # no code span cut in half
        assert "…" not in text
    listed = "\n".join(shown)
    assert all(listed.count(f"<#{channel}>") == 1 for channel in channels)
    assert all(line.count("`") == 12 for line in listed.splitlines() if line.startswith("• "))


def test_every_role_holder_is_listed_however_many(app, slack):
    users = [f"U0ANALYST{n:03d}" for n in range(45)]
    for user in users:
        admin(app, slack, f"role <@{user}|someone> analyst")
    listed = "\n".join(sections(admin(app, slack, "roles")))
    assert all(f"<@{user}> — analyst" in listed for user in users)
