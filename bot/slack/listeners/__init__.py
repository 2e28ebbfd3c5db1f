"""Every listener, one module per command or action, each with a `register(app, services)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners import options, shortcuts
from bot.slack.listeners.actions import charts, home, repeats_page, share
from bot.slack.listeners.commands import repeats, strand, strand_admin
from bot.slack.listeners.events import home as home_events
from bot.slack.listeners.views import admin as admin_forms
from bot.slack.listeners.views import repeats as repeats_form

if TYPE_CHECKING:
    from bot.slack.app import Services


def register_listeners(app: App, services: Services) -> None:
    strand.register(app, services)
    repeats.register(app, services)
    strand_admin.register(app, services)
    share.register(app, services)
    repeats_page.register(app, services)
    charts.register(app, services)
    home_events.register(app, services)
    home.register(app, services)
    options.register(app, services)
    repeats_form.register(app, services)
    shortcuts.register(app, services)
    admin_forms.register(app, services)
