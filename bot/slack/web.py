"""Calling Slack's Web API from outside a request: posting digests, and asking about channels.

Retries are slack_sdk's own handlers: connection errors and 500/503 answers with exponential backoff,
and 429 after waiting as long as Slack's Retry-After header says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

from bot.alerts.configure import Channel
from bot.errors import DeliveryFailed, InvalidRequest
from bot.render.blocks import Message
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.render.charts import Chart

# Three tries for a server error (0.5 s, then 1 s apart, with jitter); four for rate limiting.
SERVER_ERROR_RETRIES = 2
RATE_LIMIT_RETRIES = 3
EXPLAINED = {
    "not_in_channel": "strandbot is not in the channel; invite it there with `/invite @strandbot`",
    "channel_not_found": "the channel does not exist, or is private and strandbot is not in it",
    "is_archived": "the channel is archived",
    "ratelimited": "Slack was still rate-limiting after waiting as asked",
    "invalid_auth": "Slack refused SLACK_BOT_TOKEN",
    "token_revoked": "SLACK_BOT_TOKEN has been revoked",
    "missing_scope": "the app lacks a permission; reinstall it from slack-manifest.yml",
}


# Answers that trying again won't change: the ledger marks these undeliverable rather than retrying all day.
PERMANENT = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "token_revoked", "missing_scope",
     "invalid_blocks", "msg_too_long"}
)  # fmt: skip


def retrying_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=30,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(
                max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=BackoffRetryIntervalCalculator(0.5)
            ),
        ],
    )


class SlackWeb:
    """Posts messages and looks up channels with one Web API client."""

    def __init__(self, client: WebClient):
        self.client = client

    def post(self, channel: str, message: Message) -> str:
        """Post into `channel`; Slack's timestamp of the message, or DeliveryFailed saying why not."""
        response = self._call(
            self.client.chat_postMessage,
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    def direct_conversation(self, user: str) -> str:
        """The ID of strandbot's direct-message conversation with `user` (opened if need be)."""
        return str(self._call(self.client.conversations_open, users=user)["channel"]["id"])

    def upload(self, channel: str, chart: Chart, comment: str) -> str:
        """Upload `chart` into `channel` with `comment` (files_upload_v2); the file's permalink."""
        response = self._call(
            self.client.files_upload_v2,
            channel=channel,
            file=chart.png,
            filename=chart.filename,
            title=chart.title,
            alt_txt=chart.alt_text,
            initial_comment=comment,
        )
        return str(response["file"].get("permalink", ""))

    @staticmethod
    def _call(method, **arguments):
        """Call a Web API method; DeliveryFailed in a user's words if Slack refuses or can't be reached."""
        try:
            return method(**arguments)
        except SlackApiError as error:
            code = error.response.get("error") if isinstance(error.response.data, dict) else None
            raise DeliveryFailed(_explained(error), retryable=code not in PERMANENT) from None
        except (SlackRequestError, URLError, OSError) as error:
            raise DeliveryFailed(f"could not reach Slack ({error})") from None

    def channel(self, channel_id: str) -> Channel:
        """The channel's name and whether strandbot is in it (InvalidRequest if Slack won't say)."""
        try:
            info = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            raise InvalidRequest(f"Slack could not tell me about {channel_id}: {_explained(error)}.") from None
        except (URLError, OSError) as error:
            raise InvalidRequest(f"Slack could not be reached to check {channel_id} ({error}); try again.") from None
        return Channel(channel_id, info.get("name"), bool(info.get("is_member")))


def _explained(error: SlackApiError) -> str:
    response = error.response
    code = response.get("error") if isinstance(response.data, dict) else None
    if code in EXPLAINED:
        return f"{code}: {EXPLAINED[code]}"
    if response.status_code != 200:  # a server error's body is not Slack's JSON, whatever slack_sdk makes of it
        return f"Slack answered HTTP {response.status_code}"
    return code or "Slack refused the message"
