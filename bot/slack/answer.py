"""Answering Slack on time, and turning every error into a short message: the one error handler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from slack_bolt import Ack, Respond

from bot.audit.log import Actor
from bot.errors import StrandbotError
from bot.slack.blocks.message import Message, notice_message

log = logging.getLogger(__name__)

# Slack wants an acknowledgement within 3 s. Answers ready sooner go straight back in the HTTP
# response; slower ones are acknowledged with a holding note and delivered to the response URL.
ANSWER_IN_ACK_SECONDS = 2.0
HOLDING_NOTE = ":hourglass_flowing_sand: Working on it…"
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on our side and it has been logged. "
    "Please try again in a minute, or see `/strand help`."
)


def error_message(error: Exception) -> Message:
    """What the user sees for an error: a user error's own words; anything else is logged, then apologised for."""
    if isinstance(error, StrandbotError):
        log.info("user error: %s", error)
        return notice_message(str(error))
    log.error("failed to answer", exc_info=error)
    return notice_message(SOMETHING_WENT_WRONG)


def message_or_error(produce: Callable[[], Message]) -> Message:
    try:
        return produce()
    except Exception as error:
        return error_message(error)


def private_reply(message: Message | None = None, text: str | None = None, **options) -> dict:
    """The arguments of an `ack` or `respond` that only the person who asked will see: `message`, or just
    `text`; `options` such as `replace_original`."""
    if message is None:
        return {"response_type": "ephemeral", **options, "text": text}
    return {"response_type": "ephemeral", **options, "text": message.text, "blocks": message.blocks}


def answer_privately(ack: Ack, respond: Respond, executor: ThreadPoolExecutor, produce: Callable[[], Message]) -> None:
    """Acknowledge with the answer, shown only to the person who asked; or in two steps if it is slow."""
    future = executor.submit(message_or_error, produce)
    try:
        message = future.result(timeout=ANSWER_IN_ACK_SECONDS)
    except FutureTimeout:
        ack(**private_reply(text=HOLDING_NOTE))
        message = future.result()
        respond(**private_reply(message, replace_original=True))
        return
    ack(**private_reply(message))


def who_asked(body: dict, operator: str | None) -> Actor:
    """Who typed a slash command, pressed a button or submitted a view, from Slack's payload (for roles and
    the audit log): a command's payload names them in `user_id`, `team_id` and `channel_id`; an interaction's in
    `user`, `team` and `channel` objects.

    `operator` is the operating-system user when `strandbot ask` plays the part of Slack."""
    via = "slack" if operator is None else "ask"
    if "user_id" in body:  # a slash command
        return Actor(body["user_id"], via, body.get("team_id"), body.get("channel_id"), operator)
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    return Actor(user.get("id", ""), via, team, (body.get("channel") or {}).get("id"), operator)
