"""The chart buttons under `/strand` answers (Trend, Heat map, Forecast), "Share in channel" under a
chart, and the menus that open one strand (the dashboard's, and the ranking by area's, which opens the strand in
one area). Each answers the presser privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.charts.request import ChartKind, ChartRequest
from bot.dashboard.service import EVERY_STRAND, full_dashboard, strand_report
from bot.slack.answer import acknowledge_then, answer_privately, who_asked
from bot.slack.blocks.dashboard import dashboard_message, strand_message
from bot.slack.blocks.message import Message
from bot.slack.buttons import CHART_ACTIONS, ActionId, ChartValue, StrandValue, decode, pressed
from bot.slack.charts import deliver_chart, share_chart
from bot.slack.web import SlackWeb

if TYPE_CHECKING:
    from bot.slack.app import Services

EXPIRED = "That button has expired; ask again with `/strand`, e.g. `/strand hate-crime trend`."


def register(app: App, services: Services) -> None:
    for kind, action_id in CHART_ACTIONS.items():
        app.action(action_id)(_chart_button(services, kind))

    @app.action(ActionId.SHARE_CHART)
    def share(ack: Ack, respond: Respond, body: dict, client: WebClient) -> None:
        def shared() -> None:
            presser = who_asked(body, services.operator)
            wanted = decode(ChartValue, pressed(body), EXPIRED)
            request = ChartRequest(wanted.kind, wanted.strand, wanted.option, wanted.as_of, wanted.area)
            share_chart(services, SlackWeb(client), request, presser.user, presser.channel or "")
            respond(delete_original=True)  # the channel has it now; the private copy would only repeat it

        acknowledge_then(ack, respond, services.executor, shared)

    @app.action(ActionId.OPEN_STRAND)
    def open_strand(ack: Ack, respond: Respond, body: dict) -> None:
        answer_privately(ack, respond, services.executor, lambda: _strand(services, body), replace_original=False)


def _chart_button(services: Services, kind: ChartKind):
    def open_chart(ack: Ack, respond: Respond, body: dict, client: WebClient) -> None:
        presser = who_asked(body, services.operator)
        answer_privately(
            ack,
            respond,
            services.executor,
            lambda: deliver_chart(services, SlackWeb(client), _request(body, kind), presser.user, presser.channel),
            replace_original=False,
        )

    return open_chart


def _request(body: dict, kind: ChartKind) -> ChartRequest:
    """The chart a button asks for: its value names the strand, as-of date and area; its action ID, the kind."""
    wanted = decode(StrandValue, pressed(body), EXPIRED)
    return ChartRequest(kind, wanted.strand, None, wanted.as_of, wanted.area)


def _strand(services: Services, body: dict) -> Message:
    """The strand a menu opens (from `/strand all`, or an area of a ranking); from a ranking of every strand
    together, that area's whole dashboard."""
    wanted = decode(StrandValue, pressed(body), EXPIRED)
    settings, database, measure = services.settings, services.database, wanted.measure or "count"
    if wanted.strand == EVERY_STRAND:
        return dashboard_message(full_dashboard(database, settings, wanted.as_of, wanted.area, measure))
    return strand_message(strand_report(database, settings, wanted.strand, wanted.as_of, wanted.area, measure))
