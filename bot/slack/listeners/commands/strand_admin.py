"""`/strand-admin`: roles, repeat-contact rules and the weekly alerts, for admins only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.admin.dispatch import perform
from bot.slack.answer import answer_privately, who_asked
from bot.slack.blocks.admin import admin_message
from bot.slack.blocks.message import Message
from bot.slack.commands import parse_admin_command
from bot.slack.listeners.views.admin import open_chooser
from bot.slack.web import SlackWeb

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    @app.command("/strand-admin")
    def strand_admin_command(ack: Ack, respond: Respond, command: dict, client: WebClient) -> None:
        if not command.get("text", "").strip():  # nothing typed: the forms
            open_chooser(services, ack, client, command)
            return
        answer_privately(ack, respond, services.executor, lambda: answer(services, command, client))


def answer(services: Services, command: dict, client: WebClient) -> Message:
    request = parse_admin_command(command.get("text", ""))
    actor = who_asked(command, services.operator)
    result = perform(services.database, services.settings, actor, request, SlackWeb(client))
    return admin_message(result, services.settings.timezone)
