"""What people do on their Home tab: follow and unfollow strands, choose the area, draw a chart, and open the
repeat-contact form. Each change is stored, then the tab published again; an error goes to the person's
direct messages with strandbot (a Home tab has no response URL to answer through)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.charts.request import ChartRequest
from bot.home.records import HomeChart
from bot.home.service import choose_area, follow, home_area, keep_chart, unfollow
from bot.slack.answer import error_message, who_asked
from bot.slack.blocks.home import WHOLE_FORCE
from bot.slack.buttons import ActionId, pressed
from bot.slack.charts import draw
from bot.slack.home import publish_home
from bot.slack.web import SlackWeb

if TYPE_CHECKING:
    from bot.slack.app import Services

TREND = "trend"


def register(app: App, services: Services) -> None:
    database = services.database

    def on_home(action_id: str, change: Callable[[str, str, WebClient], None]) -> None:
        @app.action(action_id)
        def changed(ack: Ack, body: dict, client: WebClient) -> None:
            ack()
            user = who_asked(body, services.operator).user
            try:
                change(user, pressed(body) or "", client)
            except Exception as error:
                tell(client, user, error)
            publish_home(database, services.settings, client, user)

    on_home(ActionId.HOME_FOLLOW, lambda user, slug, client: follow(database, user, slug))
    on_home(ActionId.HOME_UNFOLLOW, lambda user, slug, client: unfollow(database, user, slug))
    on_home(
        ActionId.HOME_AREA,
        lambda user, slug, client: choose_area(database, user, None if slug == WHOLE_FORCE else slug),
    )
    on_home(ActionId.HOME_CHART, lambda user, slug, client: chart(services, client, user, slug))


def chart(services: Services, client: WebClient, user: str, strand: str) -> None:
    """Draw the strand's trend (in the Home tab's area), upload it to the person's direct messages, and keep
    Slack's permalink of the file for the Home tab's image block."""
    chart, drawn = draw(services, ChartRequest(TREND, strand, area=home_area(services.database, user)))
    web = SlackWeb(client)
    url = web.upload(web.direct_conversation(user), chart, comment=f"*{chart.title}*")
    keep_chart(services.database, user, HomeChart(drawn.strand, chart.title, chart.alt_text, url))


def tell(client: WebClient, user: str, error: Exception) -> None:
    """Say what went wrong in the person's direct messages with strandbot."""
    message = error_message(error)
    web = SlackWeb(client)
    client.chat_postMessage(channel=web.direct_conversation(user), text=message.text, blocks=message.blocks)
