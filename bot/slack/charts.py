"""Charts in Slack: drawn off the request thread, uploaded (files_upload_v2) into the requester's direct
messages with strandbot, and into a channel only when they press "Share in channel".

Slack files can't be shown privately inside a channel: a file uploaded there is seen by everyone, and an
ephemeral message can't carry one. So the image goes to the direct messages, and the private answer in
the channel says what it shows and links to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.charts.cache import cached_chart
from bot.charts.draw import Chart
from bot.charts.request import ChartRequest
from bot.errors import DeliveryFailed
from bot.slack.blocks.dashboard import chart_message
from bot.slack.blocks.message import Message
from bot.slack.markup import link, user_mention
from bot.slack.web import EXPLAINED, SlackWeb

if TYPE_CHECKING:
    from bot.slack.app import Services


def draw(services: Services, request: ChartRequest) -> tuple[Chart, ChartRequest]:
    """The chart, and the request as drawn: the strand's and the area's slugs and the as-of date filled in."""
    return cached_chart(services.database, services.settings, request)


def deliver_chart(services: Services, web: SlackWeb, request: ChartRequest, user: str, channel: str | None) -> Message:
    """Draw the chart, send it to `user`'s direct messages, and answer (privately, in `channel`) with its
    summary, a link to it, and buttons."""
    chart, drawn = draw(services, request)
    try:
        direct = web.direct_conversation(user)
        permalink = web.upload(direct, chart, comment=_comment(chart))
    except DeliveryFailed as why:
        raise DeliveryFailed(f"The chart was drawn but Slack would not take it ({why}).") from None
    if channel == direct:
        return chart_message(chart, drawn, "The image is above.", shareable=False)
    where = f"Image sent to your direct messages with strandbot: {link(permalink, chart.filename)}"
    return chart_message(chart, drawn, where, shareable=True)


def share_chart(services: Services, web: SlackWeb, request: ChartRequest, user: str, channel: str) -> None:
    """Draw the chart again (for the same as-of date) and upload it into `channel` for everyone; first making
    sure strandbot is in `channel`, since Slack takes a file's bytes before it refuses to share it there, and
    would keep the file, shared nowhere."""
    if not web.channel(channel).bot_is_member:
        raise DeliveryFailed(f"The chart could not be shared here ({EXPLAINED['not_in_channel']}).")
    chart, _ = draw(services, request)
    try:
        web.upload(channel, chart, comment=f"Shared by {user_mention(user)}: {_comment(chart)}")
    except DeliveryFailed as why:
        raise DeliveryFailed(f"The chart could not be shared here ({why}).") from None


def _comment(chart: Chart) -> str:
    return f"*{chart.title}*\n" + "\n".join(f"• {line}" for line in chart.summary)
