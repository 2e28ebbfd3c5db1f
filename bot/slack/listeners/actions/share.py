"""The "Share in channel" button under a `/strand` answer: posts the same figures for everyone to see."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond

from bot.dashboard.service import strand_report
from bot.errors import InvalidRequest
from bot.render.blocks import SHARE_ACTION_ID, Message, strand_message
from bot.slack.answer import error_message

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    @app.action(SHARE_ACTION_ID)
    def share_strand(ack: Ack, respond: Respond, body: dict) -> None:
        ack()
        user = body.get("user", {}).get("id")
        try:
            message = shared(services, body["actions"][0].get("value", ""), user)
        except Exception as error:
            failure = error_message(error)
            respond(response_type="ephemeral", replace_original=False, text=failure.text, blocks=failure.blocks)
            return
        # Post for everyone, then remove the private copy the button sat under.
        respond(response_type="in_channel", replace_original=False, text=message.text, blocks=message.blocks)
        respond(delete_original=True)


def shared(services: Services, value: str, user: str | None) -> Message:
    try:
        request = json.loads(value)
        strand, as_of = str(request["strand"]), date.fromisoformat(request["as_of"])
    except (ValueError, KeyError, TypeError):
        raise InvalidRequest("That button has expired; run `/strand` again and share the new answer.") from None
    # Recomputed for the same as-of date, so the channel sees exactly what was previewed.
    return strand_message(strand_report(services.database, services.settings, strand, as_of), shared_by=user)
