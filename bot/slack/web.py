"""Calling Slack's Web API from outside a request: posting digests, finding them again, and asking about channels.

The weekly job hands over a Digest; `render` turns it into the message Slack takes, which the job keeps in its
ledger and hands back to `post` (then, and on any retry) exactly as first built.

Retries are slack_sdk's own handlers: connection errors and 500/503 answers with exponential backoff,
and 429 after waiting as long as Slack's Retry-After header says. Except for a post: once a post may have
reached Slack, sending it again could post it twice. So a post is retried here only when Slack cannot have
acted on it (a 429, a refused connection); otherwise the caller gets DeliveryUnknown, and looks in the
channel (`find_posted`) before posting again.
"""

from __future__ import annotations

import socket
from datetime import datetime
from http.client import HTTPException
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
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.alerts.digest import Digest
from bot.alerts.subscriptions import Channel
from bot.errors import DeliveryFailed, DeliveryUnknown, InvalidRequest
from bot.settings import Settings
from bot.slack.blocks.alerts import digest_message
from bot.slack.markup import mrkdwn

if TYPE_CHECKING:
    from bot.charts.draw import Chart

# Three tries for a server error (0.5 s, then 1 s apart, with jitter); four for rate limiting.
SERVER_ERROR_RETRIES = 2
RATE_LIMIT_RETRIES = 3
# Calls that, sent twice, act twice: never repeated once they may have reached Slack.
NOT_REPEATABLE = frozenset({"chat.postMessage"})
# Reading a channel's history to find a post: pages of Slack's recommended size, and a bound on the pages.
HISTORY_PAGE = 200
HISTORY_PAGES = 20
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
        timeout=settings.slack_timeout,  # type: ignore[arg-type]  # urllib takes fractions of a second
        retry_handlers=[
            ConnectionErrorRetry(max_retry_count=SERVER_ERROR_RETRIES),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetry(
                max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=BackoffRetryIntervalCalculator(0.5)
            ),
        ],
    )


def never_sent(error: BaseException | None) -> bool:
    """Whether a call that failed cannot have reached Slack: the connection was refused, or the name did not
    resolve. Anything else (a reset, a timeout, a connection closed without an answer) may have."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


def _repeatable(request: HttpRequest) -> bool:
    return request.url.rsplit("/", 1)[-1] not in NOT_REPEATABLE


class ConnectionErrorRetry(ConnectionErrorRetryHandler):
    """slack_sdk's retry of connection errors, except of a post that may have reached Slack."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not _repeatable(request) and not never_sent(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class ServerErrorRetry(ServerErrorRetryHandler):
    """slack_sdk's retry of HTTP 500 and 503, except of a post: Slack may have taken it before failing."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return _repeatable(request) and super()._can_retry(state=state, request=request, response=response, error=error)


class SlackWeb:
    """Posts messages and looks up channels with one Web API client."""

    def __init__(self, client: WebClient):
        self.client = client

    @staticmethod
    def render(digest: Digest) -> dict:
        """The digest as the message Slack takes: its text (for notifications) and its blocks. JSON, to be kept."""
        message = digest_message(digest)
        return {"text": message.text, "blocks": message.blocks}

    def post(self, channel: str, message: dict, metadata: dict | None = None) -> str:
        """Post `message` (as `render` built it) into `channel`, carrying `metadata` (Slack's message metadata:
        `event_type` and `event_payload`) if given; Slack's timestamp of the message. DeliveryFailed saying why if
        Slack did not take it, DeliveryUnknown if it may have."""
        response = self._call(
            self.client.chat_postMessage,
            channel=channel,
            text=message["text"],
            blocks=message["blocks"],
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    def find_posted(self, channel: str, since: datetime, event_type: str, payload: dict) -> str | None:
        """The timestamp of the newest message in `channel` since `since` whose metadata is of `event_type` with
        every item of `payload` in its payload; None if there is none. DeliveryFailed if the history can't be read.

        Reads conversations.history (channels:history, groups:history) newest first, a page at a time."""
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = self._call(
                self.client.conversations_history,
                channel=channel,
                oldest=f"{since.timestamp():.6f}",
                include_all_metadata=True,
                limit=HISTORY_PAGE,
                cursor=cursor,
            )
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                found = metadata.get("event_payload") or {}
                if metadata.get("event_type") == event_type and all(found.get(k) == v for k, v in payload.items()):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        raise DeliveryFailed(
            f"more than {HISTORY_PAGE * HISTORY_PAGES} messages in {channel} since {since}: too many to look through"
        )

    def direct_conversation(self, user: str) -> str:
        """The ID of strandbot's direct-message conversation with `user` (opened if need be)."""
        return str(self._call(self.client.conversations_open, users=user)["channel"]["id"])

    def upload(self, channel: str, chart: Chart, comment: str) -> str:
        """Upload `chart` into `channel` with `comment` (plain text, escaped here; files_upload_v2); the file's
        permalink."""
        response = self._call(
            self.client.files_upload_v2,
            channel=channel,
            file=chart.png,
            filename=chart.filename,
            title=chart.title,
            alt_txt=chart.alt_text,
            initial_comment=mrkdwn(comment),
        )
        return str(response["file"].get("permalink", ""))

    @staticmethod
    def _call(method, **arguments):
        """Call a Web API method; DeliveryFailed in a user's words if Slack refuses or can't be reached, and
        DeliveryUnknown if the call may have reached Slack but no clear answer came back."""
        try:
            return method(**arguments)
        except SlackApiError as error:
            if error.response.status_code >= 500:
                raise DeliveryUnknown(_explained(error)) from None
            code = error.response.get("error") if isinstance(error.response.data, dict) else None
            raise DeliveryFailed(_explained(error), retryable=code not in PERMANENT) from None
        except SlackRequestError as error:
            raise DeliveryFailed(f"could not reach Slack ({error})") from None
        except (OSError, HTTPException) as error:
            if never_sent(error):
                raise DeliveryFailed(f"could not reach Slack ({error})") from None
            raise DeliveryUnknown(f"no answer from Slack ({error or type(error).__name__})") from None

    def channel(self, channel_id: str) -> Channel:
        """The channel's name and whether strandbot is in it (InvalidRequest if Slack won't say). Slack says
        `is_member` of a channel; a direct-message conversation (`is_im`) has strandbot in it by definition."""
        try:
            info = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            raise InvalidRequest(f"Slack could not tell me about {channel_id}: {_explained(error)}.") from None
        except (URLError, OSError) as error:
            raise InvalidRequest(f"Slack could not be reached to check {channel_id} ({error}); try again.") from None
        return Channel(channel_id, info.get("name"), bool(info.get("is_member") or info.get("is_im")))


def _explained(error: SlackApiError) -> str:
    response = error.response
    code = response.get("error") if isinstance(response.data, dict) else None
    if code in EXPLAINED:
        return f"{code}: {EXPLAINED[code]}"
    if response.status_code != 200:  # a server error's body is not Slack's JSON, whatever slack_sdk makes of it
        return f"Slack answered HTTP {response.status_code}"
    return code or "Slack refused the message"
