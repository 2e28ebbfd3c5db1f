"""Type-ahead: the options of strand and area menus (external data sources), loaded as the person types.

Slack sends what has been typed (`value`) and shows at most 100 options, so the catalogue is filtered here
(bot.domain.typeahead) and a catalogue of any size works."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk.models.blocks import Option

from bot.catalogues import area_catalogue, strand_catalogue
from bot.domain.typeahead import typed_matches
from bot.slack.blocks.dashboard import MAX_OPTION_TEXT, MAX_SELECT_OPTIONS
from bot.slack.blocks.home import WHOLE_FORCE
from bot.slack.buttons import ActionId

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    database = services.database

    def strands(ack: Ack, body: dict) -> None:
        found = typed_matches(strand_catalogue(database), body.get("value") or "", MAX_SELECT_OPTIONS)
        ack(options=[_option(entry.slug, entry.name) for entry in found])

    def areas(ack: Ack, body: dict) -> None:
        # The Home tab's menu may go back to the whole force; a form's area is simply left empty for it.
        first = [_option(WHOLE_FORCE, "Whole force")] if body.get("action_id") == ActionId.HOME_AREA else []
        found = typed_matches(area_catalogue(database), body.get("value") or "", MAX_SELECT_OPTIONS - len(first))
        ack(options=first + [_option(entry.slug, entry.name) for entry in found])

    for action_id in (ActionId.STRAND_CHOICE, ActionId.HOME_FOLLOW):
        app.options(action_id)(strands)
    for action_id in (ActionId.AREA_CHOICE, ActionId.HOME_AREA):
        app.options(action_id)(areas)


def _option(value: str, name: str) -> dict:
    return Option(value=value, text=name[:MAX_OPTION_TEXT]).to_dict()
