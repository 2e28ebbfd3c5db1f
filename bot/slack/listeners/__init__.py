"""Every listener, one module per command or action, each with a `register(app, services)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners.actions import share
from bot.slack.listeners.commands import strand

if TYPE_CHECKING:
    from bot.slack.app import Services


def register_listeners(app: App, services: Services) -> None:
    strand.register(app, services)
    share.register(app, services)
