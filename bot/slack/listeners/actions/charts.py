"""The chart buttons under `/strand` answers (Trend, Heat map, Forecast), "Share in channel" under a
chart, and the dashboard's menu that opens one strand. Each answers the presser privately."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.charts.kinds import CHART_KINDS
from bot.charts.service import ChartKind, ChartRequest
from bot.dashboard.service import strand_report
from bot.errors import InvalidRequest
from bot.render.blocks import (
    CHART_ACTION_IDS,
    OPEN_STRAND_ACTION_ID,
    SHARE_CHART_ACTION_ID,
    Message,
    strand_message,
)
from bot.slack.answer import action_actor, error_message, message_or_error
from bot.slack.charts import deliver_chart, share_chart
from bot.slack.web import SlackWeb

if TYPE_CHECKING:
    from bot.slack.app import Services

EXPIRED = "That button has expired; ask again with `/strand`, e.g. `/strand hate-crime trend`."


def register(app: App, services: Services) -> None:
    for kind in CHART_KINDS:
        app.action(CHART_ACTION_IDS[kind])(_chart_button(services, kind))

    @app.action(SHARE_CHART_ACTION_ID)
    def share(ack: Ack, respond: Respond, body: dict, client: WebClient) -> None:
        ack()
        presser = action_actor(body, services.operator)
        try:
            share_chart(services, SlackWeb(client), _request(body, None), presser.user, presser.channel or "")
        except Exception as error:
            failure = error_message(error)
            respond(response_type="ephemeral", replace_original=False, text=failure.text, blocks=failure.blocks)
            return
        respond(delete_original=True)  # the channel has it now; the private copy would only repeat it

    @app.action(OPEN_STRAND_ACTION_ID)
    def open_strand(ack: Ack, respond: Respond, body: dict) -> None:
        ack()
        message = message_or_error(lambda: _strand(services, body))
        respond(response_type="ephemeral", replace_original=False, text=message.text, blocks=message.blocks)


def _chart_button(services: Services, kind: ChartKind):
    def open_chart(ack: Ack, respond: Respond, body: dict, client: WebClient) -> None:
        ack()
        presser = action_actor(body, services.operator)
        message = message_or_error(
            lambda: deliver_chart(services, SlackWeb(client), _request(body, kind), presser.user, presser.channel)
        )
        respond(response_type="ephemeral", replace_original=False, text=message.text, blocks=message.blocks)

    return open_chart


def _request(body: dict, kind: str | None) -> ChartRequest:
    """The chart a button asks for: its value names the strand and as-of date (and, to share, the chart)."""
    try:
        action = body["actions"][0]
        wanted = json.loads(action.get("value", ""))
        kind = kind or wanted["kind"]
        if kind not in CHART_KINDS:
            raise ValueError(kind)
        return ChartRequest(kind, str(wanted["strand"]), wanted.get("option"), date.fromisoformat(wanted["as_of"]))
    except (ValueError, KeyError, TypeError, IndexError):
        raise InvalidRequest(EXPIRED) from None


def _strand(services: Services, body: dict) -> Message:
    try:
        wanted = json.loads(body["actions"][0]["selected_option"]["value"])
        strand, as_of = str(wanted["strand"]), date.fromisoformat(wanted["as_of"])
    except (ValueError, KeyError, TypeError, IndexError):
        raise InvalidRequest(EXPIRED) from None
    return strand_message(strand_report(services.database, services.settings, strand, as_of))
