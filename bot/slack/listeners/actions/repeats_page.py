"""The "Next page" and "Previous page" buttons under a repeat-contact list: the same list, another page,
still only for the person who asked (the private message is replaced), and recorded again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond

from bot.repeats.service import repeat_list_page
from bot.slack.answer import answer_privately, who_asked
from bot.slack.blocks.message import Message
from bot.slack.blocks.repeats import PAGE_ACTION_IDS, PAGE_SIZE, repeat_list_message
from bot.slack.buttons import PageValue, decode, pressed

if TYPE_CHECKING:
    from bot.slack.app import Services

EXPIRED = "That button has expired; ask for the list again with `/repeats`."


def register(app: App, services: Services) -> None:
    for action_id in PAGE_ACTION_IDS.values():

        @app.action(action_id)
        def turn_page(ack: Ack, respond: Respond, body: dict) -> None:
            answer_privately(ack, respond, services.executor, lambda: page(services, body), replace_original=True)


def page(services: Services, body: dict) -> Message:
    wanted = decode(PageValue, pressed(body), EXPIRED)
    actor = who_asked(body, services.operator)
    listed = repeat_list_page(services.database, services.settings, wanted.list, wanted.page, actor, PAGE_SIZE)
    return repeat_list_message(listed)
