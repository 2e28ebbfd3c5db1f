"""Every listener, one module per command or action, each with a `register(app, services)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners.actions import charts, repeats_page, share
from bot.slack.listeners.commands import repeats, strand, strand_admin

if TYPE_CHECKING:
    from bot.slack.app import Services


def register_listeners(app: App, services: Services) -> None:
    strand.register(app, services)
    repeats.register(app, services)
    strand_admin.register(app, services)
    share.register(app, services)
    repeats_page.register(app, services)
    charts.register(app, services)
