"""`/strand-admin`: roles and repeat-contact rules, for admins only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond

from bot.admin import perform
from bot.commands import parse_admin_command
from bot.render.admin import admin_message
from bot.render.blocks import Message
from bot.slack.answer import answer_privately, command_actor

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    @app.command("/strand-admin")
    def strand_admin_command(ack: Ack, respond: Respond, command: dict) -> None:
        answer_privately(ack, respond, services.executor, lambda: answer(services, command))


def answer(services: Services, command: dict) -> Message:
    request = parse_admin_command(command.get("text", ""))
    actor = command_actor(command, services.operator)
    return admin_message(perform(services.database, services.settings, actor, request))
