"""`/strand`: one strand's statistics, the whole dashboard, the catalogue, or help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond

from bot.commands import parse_strand_command
from bot.dashboard import full_dashboard, strand_catalogue, strand_report
from bot.render.blocks import (
    HELP_TEXT,
    Message,
    catalogue_message,
    dashboard_message,
    notice_message,
    strand_message,
)
from bot.slack.answer import answer_privately

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    @app.command("/strand")
    def strand_command(ack: Ack, respond: Respond, command: dict) -> None:
        answer_privately(ack, respond, services.executor, lambda: answer(services, command.get("text", "")))


def answer(services: Services, text: str) -> Message:
    request = parse_strand_command(text)
    settings, database = services.settings, services.database
    if request.action == "help":
        return notice_message(HELP_TEXT)
    if request.action == "list":
        return catalogue_message(strand_catalogue(database))
    if request.action == "all":
        return dashboard_message(full_dashboard(database, settings, request.as_of))
    return strand_message(strand_report(database, settings, request.strand, request.as_of))
