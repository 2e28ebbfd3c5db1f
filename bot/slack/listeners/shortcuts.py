"""The "Strand statistics" shortcuts, global and on a message (slash commands don't work in threads): a form
to pick a strand (and an area), answered inside the modal with `/strand`'s own answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.dashboard.service import strand_report
from bot.slack.blocks.dashboard import strand_message
from bot.slack.blocks.modals import (
    STATISTICS_TITLE,
    Field,
    ViewId,
    answer_view,
    field_errors,
    loading_view,
    statistics_form,
)
from bot.slack.listeners.views import submitted, update_with

if TYPE_CHECKING:
    from bot.slack.app import Services

GLOBAL_SHORTCUT = "strand_statistics"
MESSAGE_SHORTCUT = "strand_statistics_message"


def register(app: App, services: Services) -> None:
    for callback_id in (GLOBAL_SHORTCUT, MESSAGE_SHORTCUT):

        @app.shortcut(callback_id)
        def open_statistics(ack: Ack, shortcut: dict, client: WebClient) -> None:
            ack()
            client.views_open(trigger_id=shortcut["trigger_id"], view=statistics_form())

    @app.view(ViewId.STATISTICS_FORM)
    def show(ack: Ack, view: dict, client: WebClient) -> None:
        values = submitted(view)
        strand, area = values.get(Field.STRAND), values.get(Field.AREA)
        if strand is None:
            ack(**field_errors(Field.STRAND, "Choose a strand: type part of its name."))
            return
        ack(response_action="update", view=loading_view(STATISTICS_TITLE))
        settings, database = services.settings, services.database
        update_with(
            client,
            view["id"],
            STATISTICS_TITLE,
            lambda: answer_view(
                STATISTICS_TITLE, strand_message(strand_report(database, settings, strand, None, area))
            ),
        )
