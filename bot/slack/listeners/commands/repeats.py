"""`/repeats`: a strand's repeat-contact list, or its trend, for analysts, supervisors and admins only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.repeats.service import repeat_list, repeat_trend
from bot.slack.answer import answer_privately, who_asked
from bot.slack.blocks.message import Message, notice_message
from bot.slack.blocks.repeats import PAGE_SIZE, REPEATS_HELP, repeat_list_message, repeat_trend_message
from bot.slack.commands import parse_repeats_command
from bot.slack.listeners.views.repeats import open_form

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    @app.command("/repeats")
    def repeats_command(ack: Ack, respond: Respond, command: dict, client: WebClient) -> None:
        if not command.get("text", "").strip():  # nothing typed: the form
            open_form(services, ack, client, command)
            return
        answer_privately(ack, respond, services.executor, lambda: answer(services, command))


def answer(services: Services, command: dict) -> Message:
    request = parse_repeats_command(command.get("text", ""))
    if request is None:
        return notice_message(REPEATS_HELP)
    actor = who_asked(command, services.operator)
    if request.trend:
        return repeat_trend_message(repeat_trend(services.database, services.settings, request, actor))
    return repeat_list_message(repeat_list(services.database, services.settings, request, actor, PAGE_SIZE))
