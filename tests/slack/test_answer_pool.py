"""The answer pool: requests are acknowledged at once however busy it is, and when its queue is full the person
asking is told to ask again rather than kept waiting. Signed commands dispatched to the Bolt app in process."""

from __future__ import annotations

import threading

from bot.slack.answer import BUSY, AnswerPool
from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp

SECRET = "9a9a9a9a8888abcd99yyyzzz85a5b0b0"
OFFICER = "U0OFFICER8"


def test_a_full_pool_acknowledges_and_says_to_ask_again(sqlite_url):
    with SlackStandIn() as slack:
        app = DispatchedApp(sqlite_url.render_as_string(hide_password=False), slack, SECRET)
        app.services.executor = AnswerPool(workers=1, waiting=1)
        release = threading.Event()
        try:
            busy = [app.services.executor.submit(release.wait) for _ in range(2)]  # the worker; the queue's one place
            status, acknowledged = app.acknowledge(slack, "help", OFFICER, response_url=slack.response_url("busy"))
            assert (status, acknowledged) == (200, "")
            told = slack.wait_for(lambda r: r.path == "/response/busy").body
            assert told["response_type"] == "ephemeral" and BUSY in told["text"]
            release.set()
            for future in busy:
                future.result(timeout=10)
            status, answer = app.command(slack, "help", OFFICER)  # room again: answered as usual
            assert status == 200 and "Strand statistics" in answer["text"]
        finally:
            release.set()
            app.stop()
