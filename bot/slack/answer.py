"""Answering Slack on time, and turning every error into a short message: the one error handler.

Every request is acknowledged at once, with nothing to show: the answer is worked out on the answer pool (a few
threads of their own, never the threads that acknowledge Slack) and sent through the response URL, where it
appears as the one private reply. Nothing waits for an answer inside an acknowledgement, so a burst of slow
questions (charts, say) can't keep another request from being acknowledged within Slack's 3 seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from slack_bolt import Ack, Respond

from bot.audit.log import Actor
from bot.errors import StrandbotError
from bot.slack.blocks.message import Message, notice_message

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on our side and it has been logged. "
    "Please try again in a minute, or see `/strand help`."
)
BUSY = "strandbot is working on many questions at once and can't take this one now; please ask again in a minute."


class Busy(StrandbotError):
    """The answer pool's queue is full."""


class AnswerPool(ThreadPoolExecutor):
    """Where answers are worked out: `workers` threads, and at most `waiting` answers queued for them; `submit`
    refuses more (Busy) rather than keep people waiting longer than a response URL lives."""

    def __init__(self, workers: int, waiting: int):
        super().__init__(max_workers=workers, thread_name_prefix="strandbot-answer")
        self._places = threading.BoundedSemaphore(workers + waiting)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if not self._places.acquire(blocking=False):
            raise Busy(BUSY)

        def run():
            try:
                return fn(*args, **kwargs)
            finally:
                self._places.release()  # before the future is done, so whoever waits on it finds the place free

        try:
            return super().submit(run)
        except BaseException:
            self._places.release()
            raise


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


def private_reply(message: Message, **options) -> dict:
    """The arguments of a `respond` that only the person who asked will see; `options` such as
    `replace_original`."""
    return {"response_type": "ephemeral", **options, "text": message.text, "blocks": message.blocks}


def acknowledge_then(ack: Ack, respond: Respond, pool: ThreadPoolExecutor, work: Callable[[], None]) -> None:
    """Acknowledge at once, then do `work` (which answers through `respond`) on the answer pool. If `work` fails,
    or the pool is full, the person who asked is told privately, in a new message."""

    def worked() -> None:
        try:
            work()
        except Exception as error:
            _send(respond, private_reply(error_message(error), replace_original=False))

    ack()
    try:
        pool.submit(worked)
    except Busy as busy:
        _send(respond, private_reply(error_message(busy), replace_original=False))


def answer_privately(
    ack: Ack, respond: Respond, pool: ThreadPoolExecutor, produce: Callable[[], Message], **options
) -> None:
    """Acknowledge at once; then, off the request thread, the answer `produce` makes (or its error), shown only
    to the person who asked; `options` such as `replace_original`."""
    acknowledge_then(ack, respond, pool, lambda: _send(respond, private_reply(message_or_error(produce), **options)))


def _send(respond: Respond, reply: dict) -> None:
    """Send through the response URL; a failure is logged, as there is nobody left to tell."""
    try:
        respond(**reply)
    except Exception:
        log.exception("could not answer through the response URL")


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
