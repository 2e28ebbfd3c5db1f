"""Publishing App Home tabs (views.publish): on opening, after each change a person makes on it, and after
an import for everyone whose tab is showing older figures.

An import marks every published tab stale (bot/imports/load.py, in the import's transaction); the
scheduler's tick in `strandbot serve` publishes the stale ones again (`refresh_stale_homes`), so the import
needs no Slack token and a tab nobody has open costs nothing until its owner opens it again."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.home.service import home, homes_to_refresh, published
from bot.settings import Settings
from bot.slack.answer import error_message
from bot.slack.blocks.home import error_home_view, home_view, loading_home_view
from bot.store.db import Database

log = logging.getLogger(__name__)


def publish_home(database: Database, settings: Settings, client: WebClient, user: str) -> None:
    """Work out `user`'s Home tab and publish it (replacing whatever it showed), then note it is fresh; if it
    can't be worked out, publish what went wrong instead, in the person's words."""
    try:
        view = home_view(home(database, settings, user), settings.timezone)
    except Exception as error:
        client.views_publish(user_id=user, view=error_home_view(error_message(error)))
        return
    client.views_publish(user_id=user, view=view)
    published(database, user)


def publish_loading_then_home(database: Database, settings: Settings, client: WebClient, user: str) -> None:
    """A first visit shows a loading state at once; the dashboard replaces it when worked out."""
    client.views_publish(user_id=user, view=loading_home_view())
    publish_home(database, settings, client, user)


def refresh_stale_homes(database: Database, settings: Settings, client: WebClient) -> int:
    """Publish again every Home tab an import has made stale; how many were published."""
    done = 0
    for user in homes_to_refresh(database):
        try:
            publish_home(database, settings, client, user)
            done += 1
        except SlackApiError as error:  # one person's tab (left the workspace, say) must not stop the others
            log.warning("could not refresh the Home tab of %s: %s", user, error.response.get("error"))
            published(database, user)
    return done
