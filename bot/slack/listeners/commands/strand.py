"""`/strand`: one strand's statistics or charts, the whole dashboard, in the force or one area; the areas
ranked; the catalogues; or help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.catalogues import area_catalogue, strand_catalogue
from bot.dashboard.service import area_breakdown, full_dashboard, strand_report
from bot.domain.comparisons import COMPSTAT
from bot.slack.answer import answer_privately, who_asked
from bot.slack.blocks.dashboard import (
    HELP_TEXT,
    area_ranking_message,
    catalogue_message,
    dashboard_message,
    strand_message,
)
from bot.slack.blocks.message import Message, notice_message
from bot.slack.charts import deliver_chart
from bot.slack.commands import parse_strand_command
from bot.slack.web import SlackWeb

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    @app.command("/strand")
    def strand_command(ack: Ack, respond: Respond, command: dict, client: WebClient) -> None:
        answer_privately(ack, respond, services.executor, lambda: answer(services, command, SlackWeb(client)))


def answer(services: Services, command: dict, web: SlackWeb) -> Message:
    settings, database = services.settings, services.database
    request = parse_strand_command(command.get("text", ""), lambda: strand_catalogue(database))
    if request.action == "help":
        return notice_message(HELP_TEXT)
    if request.action == "list":
        return catalogue_message(strand_catalogue(database))
    if request.action == "areas":
        return catalogue_message(area_catalogue(database))
    if request.action == "all":
        return dashboard_message(full_dashboard(database, settings, request.as_of, request.area, request.measure))
    if request.action == "chart":
        assert request.chart is not None
        asker = who_asked(command, services.operator)
        return deliver_chart(services, web, request.chart, asker.user, asker.channel)
    assert request.strand is not None
    if request.action == "week":
        return strand_message(
            strand_report(database, settings, request.strand, request.as_of, request.area, comparisons=COMPSTAT)
        )
    if request.action == "by-area":
        return area_ranking_message(
            area_breakdown(database, settings, request.strand, request.as_of, request.area, request.measure)
        )
    return strand_message(
        strand_report(database, settings, request.strand, request.as_of, request.area, request.measure)
    )
