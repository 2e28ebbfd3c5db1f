"""The "Share in channel" button under a `/strand` answer: posts the same figures for everyone to see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond

from bot.dashboard.service import strand_report
from bot.slack.answer import acknowledge_then, who_asked
from bot.slack.blocks.dashboard import strand_message
from bot.slack.blocks.message import Message
from bot.slack.buttons import ActionId, StrandValue, decode, pressed

if TYPE_CHECKING:
    from bot.slack.app import Services

EXPIRED = "That button has expired; run `/strand` again and share the new answer."


def register(app: App, services: Services) -> None:
    @app.action(ActionId.SHARE_STRAND)
    def share_strand(ack: Ack, respond: Respond, body: dict) -> None:
        def share() -> None:
            user = who_asked(body, services.operator).user or None
            message = shared(services, pressed(body), user)
            # Post for everyone, then remove the private copy the button sat under.
            respond(response_type="in_channel", replace_original=False, text=message.text, blocks=message.blocks)
            respond(delete_original=True)

        acknowledge_then(ack, respond, services.executor, share)


def shared(services: Services, value: str | None, user: str | None) -> Message:
    wanted = decode(StrandValue, value, EXPIRED)
    # Recomputed for the same as-of date, so the channel sees exactly what was previewed.
    report = strand_report(
        services.database, services.settings, wanted.strand, wanted.as_of, wanted.area, wanted.measure or "count"
    )
    return strand_message(report, shared_by=user)
