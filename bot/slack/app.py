"""Building the Bolt app: one client pointed at SLACK_API_URL, the listeners, and the error handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.error import URLError

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.slack.answer import AnswerPool
from bot.slack.listeners import register_listeners
from bot.store.db import Database

log = logging.getLogger(__name__)

# Answers worked out at once in each process. Charts are CPU-bound and Python runs one thread's Python at a time,
# so more threads would not draw faster; they would only slow the threads that acknowledge Slack.
ANSWER_WORKERS = 2
# Answers that may wait for a worker; past this, people are told to ask again rather than kept waiting.
ANSWER_QUEUE = 64


@dataclass
class Services:
    """What listeners need, passed in rather than looked up: settings, the database, a worker pool."""

    settings: Settings
    database: Database
    # Answers are worked out here, never on the threads that acknowledge Slack (see bot/slack/answer.py).
    executor: AnswerPool = field(default_factory=lambda: AnswerPool(ANSWER_WORKERS, ANSWER_QUEUE))
    # The operating-system user when `strandbot ask` plays Slack: recorded beside the Slack user it plays.
    operator: str | None = None


def check_slack_connection(settings: Settings) -> None:
    """Fail early and clearly if Slack can't be reached or refuses the token (before workers start)."""
    try:
        WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10).auth_test()
    except SlackApiError as error:
        raise InvalidRequest(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error', 'unknown error')}); copy the Bot User "
            "OAuth Token again from the app's OAuth & Permissions page."
        ) from None
    except (URLError, OSError) as error:
        raise InvalidRequest(
            f"Can't reach Slack's Web API at {settings.slack_api_url} ({error}); check the network, a proxy, "
            "or SLACK_API_URL."
        ) from None


def create_app(services: Services) -> App:
    settings = services.settings
    settings.require_slack()
    app = App(
        client=WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url),
        signing_secret=settings.slack_signing_secret,
        # Socket Mode has no HTTP requests to sign; Slack authenticates the socket with the app token.
        request_verification_enabled=not settings.socket_mode,
        logger=logging.getLogger("strandbot.slack"),
    )
    register_listeners(app, services)

    @app.error
    def unexpected_error(error: Exception, body: dict) -> None:
        # Listeners turn every error into a reply themselves; reaching here is a bug, so log it whole.
        log.error("unhandled error for %s", body.get("command") or body.get("type"), exc_info=error)

    return app
