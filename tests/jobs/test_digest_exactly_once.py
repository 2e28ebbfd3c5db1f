"""A digest Slack took is in the channel once, however its answer was lost: the connection dropped, a 500, no
answer in time, or the sender killed before it wrote `sent`. The next try finds it in the channel's history by
its metadata instead of posting it again; a digest Slack did not take is still posted, and none is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import LONDON, Directory, local, schedule_due, settings_for, store
from slack_sdk import WebClient
from sqlalchemy import select

from bot.alerts.subscriptions import Channel, subscribe
from bot.audit.log import Actor
from bot.settings import Settings
from bot.slack.standin import SlackStandIn
from bot.slack.testing import AfterAccepting
from bot.slack.web import SlackWeb, retrying_client
from bot.store.db import Database
from bot.store.models import AlertDelivery
from jobs.scheduler import tick
from jobs.weekly_breaches import DIGEST_EVENT, HISTORY_MARGIN, SENDING_LEASE

CLIENT_TIMEOUT = "0.5"  # seconds: the stand-in holds a post for longer


@dataclass(frozen=True)
class Subscribed:
    channel: str
    settings: Settings
    poster: SlackWeb
    now: datetime  # a minute after the weekly run was due


@pytest.fixture
def subscribed(database, slack) -> Subscribed:
    """A channel of its own (the stand-in is shared) hearing about hate crime, and a weekly run due a minute ago."""
    today = datetime.now(LONDON).date()
    store(database, [("hate-crime", local((today - timedelta(days=3)).isoformat())) for _ in range(30)])
    channel = "C" + uuid.uuid4().hex[:10].upper()
    subscribe(database, Actor("U0ADMIN"), "/strand-admin subscribe", Channel(channel), "hate-crime", Directory())
    due = (datetime.now(LONDON) - timedelta(minutes=1)).replace(second=0, microsecond=0)
    schedule_due(database, due)
    settings = settings_for(
        database.url,
        SLACK_BOT_TOKEN="xoxb-stand-in",
        SLACK_API_URL=slack.api_url,
        STRANDBOT_SLACK_TIMEOUT=CLIENT_TIMEOUT,
    )
    return Subscribed(
        channel, settings, SlackWeb(retrying_client(settings)), due.astimezone(UTC) + timedelta(minutes=1)
    )


def ledger(database: Database, channel: str) -> list[AlertDelivery]:
    with database.session() as session:
        return list(session.scalars(select(AlertDelivery).where(AlertDelivery.channel == channel)))


def assert_one_digest_recorded_as_sent(database: Database, slack: SlackStandIn, channel: str) -> None:
    [digest] = slack.posted(channel)
    [row] = ledger(database, channel)
    assert (row.status, row.slack_ts) == ("sent", digest["ts"])
    payload = {"channel": channel, "period": row.period, "delivery": row.id}
    assert digest["metadata"] == {"event_type": DIGEST_EVENT, "event_payload": payload}


@pytest.mark.parametrize("how", list(AfterAccepting), ids=lambda how: how.name.lower())
def test_a_digest_slack_took_without_saying_so_is_found_in_the_channel_not_posted_again(
    database, slack, subscribed, how
):
    s = subscribed
    slack.fail_after_accepting("chat.postMessage", how, channel=s.channel)
    first = tick(database, s.settings, s.poster, now=s.now)
    later = tick(database, s.settings, s.poster, now=s.now + timedelta(minutes=1))
    assert len(slack.posted(s.channel)) == 1
    assert len(slack.calls("chat.postMessage", s.channel)) == 1  # never posted again blindly, by us or by slack_sdk
    assert [d.status for d in first.run.deliveries] == ["unknown"]
    assert [d.status for d in later.retried.deliveries] == ["sent"]  # found in the channel
    assert_one_digest_recorded_as_sent(database, slack, s.channel)
    [looked] = slack.calls("conversations.history", s.channel)
    [row] = ledger(database, s.channel)
    assert looked.body["include_all_metadata"] == "1"
    assert Decimal(looked.body["oldest"]) == Decimal(f"{(row.created_at - HISTORY_MARGIN).timestamp():.6f}")


def test_a_sender_killed_between_slacks_answer_and_sent_is_found_in_the_channel_not_posted_again(
    database, slack, subscribed
):
    s = subscribed
    environment = {
        **os.environ,
        "DATABASE_URL": database.url.render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": "xoxb-stand-in",
        "SLACK_API_URL": slack.api_url,
    }
    sender = subprocess.Popen(
        [sys.executable, "-m", "bot.slack.testing", "sender", "--halt-after-post", "1"],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, sender.kill)  # a sender that never halts fails the test rather than hanging it
    watchdog.start()
    try:
        sender.stdin.write(f"tick {s.now.isoformat()}\n")
        sender.stdin.flush()
        assert sender.stdout.readline() == "ready\n"
        assert sender.stdout.readline() == f"halted {s.channel}\n"  # Slack has answered; the ledger does not know yet
        os.kill(sender.pid, signal.SIGKILL)
    finally:
        sender.wait(timeout=10)
        watchdog.cancel()
    assert sender.returncode == -signal.SIGKILL
    assert [row.status for row in ledger(database, s.channel)] == ["sending"]

    within_lease = tick(database, s.settings, s.poster, now=s.now + timedelta(minutes=1))
    after_lease = tick(database, s.settings, s.poster, now=s.now + SENDING_LEASE + timedelta(minutes=1))
    assert len(slack.posted(s.channel)) == 1
    assert len(slack.calls("chat.postMessage", s.channel)) == 1
    assert within_lease.retried is None  # the sender might still be at work
    assert [d.status for d in after_lease.retried.deliveries] == ["sent"]  # found in the channel
    assert_one_digest_recorded_as_sent(database, slack, s.channel)


def test_a_digest_slack_did_not_take_is_looked_for_then_posted(database, slack, subscribed):
    s = subscribed
    slack.fail_next("chat.postMessage", 500, channel=s.channel)  # failed before posting: nothing in the channel
    first = tick(database, s.settings, s.poster, now=s.now)
    later = tick(database, s.settings, s.poster, now=s.now + timedelta(minutes=1))
    assert len(slack.posted(s.channel)) == 1
    assert [d.status for d in first.run.deliveries] == ["unknown"]
    assert [d.status for d in later.retried.deliveries] == ["sent"]  # not found in the channel, so posted
    assert len(slack.calls("chat.postMessage", s.channel)) == 2
    assert_one_digest_recorded_as_sent(database, slack, s.channel)


def test_a_digest_whose_channel_cannot_be_read_stays_unknown_until_it_can(database, slack, subscribed):
    s = subscribed
    slack.fail_after_accepting("chat.postMessage", AfterAccepting.DROP, channel=s.channel)
    slack.fail_next("conversations.history", 200, channel=s.channel, error="missing_scope")  # not reinstalled yet
    tick(database, s.settings, s.poster, now=s.now)
    unread = tick(database, s.settings, s.poster, now=s.now + timedelta(minutes=1))
    assert [d.status for d in unread.retried.deliveries] == ["unknown"]
    [row] = ledger(database, s.channel)
    assert row.error.startswith("could not look in the channel for an earlier try: missing_scope")
    assert len(slack.calls("chat.postMessage", s.channel)) == 1

    read = tick(database, s.settings, s.poster, now=s.now + timedelta(minutes=2))
    assert [d.status for d in read.retried.deliveries] == ["sent"]
    assert_one_digest_recorded_as_sent(database, slack, s.channel)


def test_the_stand_in_answers_conversations_history_as_slack_documents_it(slack):
    client = WebClient(token="xoxb-stand-in", base_url=slack.api_url)
    channel = "C" + uuid.uuid4().hex[:10].upper()
    sent = [
        client.chat_postMessage(
            channel=channel, text=f"message {n}", metadata={"event_type": "tested", "event_payload": {"n": n}}
        )["ts"]
        for n in range(5)
    ]
    everything = client.conversations_history(channel=channel)
    assert [m["ts"] for m in everything["messages"]] == sent[::-1]  # newest first
    assert (everything["ok"], everything["has_more"]) == (True, False)
    assert all("metadata" not in m for m in everything["messages"])  # only when asked for

    between = client.conversations_history(channel=channel, oldest=sent[0], latest=sent[4], include_all_metadata=True)
    assert [m["metadata"]["event_payload"]["n"] for m in between["messages"]] == [3, 2, 1]  # ends excluded
    inclusive = client.conversations_history(channel=channel, oldest=sent[3], latest=sent[4], inclusive=True)
    assert [m["ts"] for m in inclusive["messages"]] == [sent[4], sent[3]]

    first = client.conversations_history(channel=channel, limit=2)
    assert ([m["ts"] for m in first["messages"]], first["has_more"]) == ([sent[4], sent[3]], True)
    rest = client.conversations_history(channel=channel, limit=2, cursor=first["response_metadata"]["next_cursor"])
    assert [m["ts"] for m in rest["messages"]] == [sent[2], sent[1]]
