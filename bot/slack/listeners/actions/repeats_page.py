"""The "Next page" and "Previous page" buttons under a repeat-contact list: the same list, another page,
still only for the person who asked (the private message is replaced), and recorded again."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond

from bot.errors import InvalidRequest
from bot.render.blocks import Message
from bot.render.repeats import PAGE_ACTION_IDS, PAGE_SIZE, repeat_list_message
from bot.repeats.service import repeat_list_page
from bot.slack.answer import action_actor, message_or_error

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    for action_id in PAGE_ACTION_IDS.values():

        @app.action(action_id)
        def turn_page(ack: Ack, respond: Respond, body: dict) -> None:
            ack()
            message = message_or_error(lambda: page(services, body))
            respond(response_type="ephemeral", replace_original=True, text=message.text, blocks=message.blocks)


def page(services: Services, body: dict) -> Message:
    try:
        wanted = json.loads(body["actions"][0].get("value", ""))
        list_id, number = int(wanted["list"]), int(wanted["page"])
    except (ValueError, KeyError, TypeError, IndexError):
        raise InvalidRequest("That button has expired; ask for the list again with `/repeats`.") from None
    actor = action_actor(body, services.operator)
    listed = repeat_list_page(services.database, services.settings, list_id, number, actor, PAGE_SIZE)
    return repeat_list_message(listed)
