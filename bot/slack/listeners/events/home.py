"""`app_home_opened`: publish the person's own dashboard on their Home tab (views.publish).

Bolt acknowledges an event before its listener runs, so the work here never delays the acknowledgement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.home import publish_home, publish_loading_then_home

if TYPE_CHECKING:
    from bot.slack.app import Services


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab") != "home":  # the Messages tab fires it too
            return
        if event.get("view") is None:  # never published: show something at once
            publish_loading_then_home(services.database, services.settings, client, event["user"])
        else:
            publish_home(services.database, services.settings, client, event["user"])
