"""The App Home tab in Block Kit: a person's own dashboard (the strands they follow, in their area, at a glance;
the last chart drawn for them), and for admins the weekly alerts. Built with slack_sdk's models, which
check Slack's limits; a Home view holds at most 100 blocks (bot.home.service.MAX_FOLLOWS keeps it so)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    ExternalDataSelectElement,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.home.service import Home
from bot.render.alerts import local_time, schedule_line
from bot.render.text import RAG_LEGEND, short_date
from bot.slack.blocks.admin import admin_message
from bot.slack.blocks.admin_forms import admin_form_buttons
from bot.slack.blocks.dashboard import HEADER_LIMIT, MAX_OPTION_TEXT, comparison_line, in_area
from bot.slack.blocks.message import Message
from bot.slack.buttons import ActionId
from bot.slack.markup import mrkdwn

# What a glance shows of each strand: the financial year to date, and the steadier rolling 12 months.
AT_A_GLANCE = {"fytd": "FYTD", "rolling12": "R12"}
WHOLE_FORCE = "*"  # the area menu's value for the whole force (area slugs are never "*")


def loading_home_view() -> dict:
    """Shown at once while the figures are worked out (published again when they are)."""
    blocks = [
        HeaderBlock(text="Your strands"),
        SectionBlock(text=MarkdownTextObject(text=":hourglass_flowing_sand: Working out your figures…")),
    ]
    return View(type="home", blocks=blocks).to_dict()


def error_home_view(message: Message) -> dict:
    """What went wrong working out the Home tab (the database is down, say), in place of the figures."""
    blocks = [HeaderBlock(text="Your strands"), *(Block.parse(block) for block in message.blocks)]
    return View(type="home", blocks=blocks).to_dict()


def home_view(home: Home, tz: ZoneInfo) -> dict:
    dashboard, area = home.dashboard, home.area
    blocks: list[Block] = [
        HeaderBlock(text=in_area("Your strands", area)[:HEADER_LIMIT]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"As of *{dashboard.as_of:%A} {short_date(dashboard.as_of)}* · FYTD = FY {dashboard.fy_label} "
                    f"to date against last year · R12 = rolling 12 months against the 12 before · {RAG_LEGEND}"
                )
            ]
        ),
    ]
    if not dashboard.strands:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="You follow no strands yet. Pick one below and its figures appear here, refreshed after "
                    "every import."
                )
            )
        )
    for strand in dashboard.strands:
        glance = " · ".join(f"{label} {comparison_line(strand.comparisons[key])}" for key, label in AT_A_GLANCE.items())
        blocks.append(
            SectionBlock(
                # A view is not a Message: its stored text is escaped here, by the one function that escapes.
                text=MarkdownTextObject(text=mrkdwn(f"*{strand.name}* `{strand.slug}`\n{glance}")),
                accessory=ButtonElement(text="Unfollow", action_id=ActionId.HOME_UNFOLLOW, value=strand.slug),
            )
        )
    blocks.append(ActionsBlock(elements=_menus(home)))
    blocks += _chart(home)
    if home.reads_lists:
        blocks += [
            DividerBlock(),
            SectionBlock(
                text=MarkdownTextObject(
                    text="*Repeat contact*: the people and places that keep coming back, shown only to you, with "
                    "your reason recorded."
                ),
                accessory=ButtonElement(text="Open a list…", action_id=ActionId.OPEN_REPEATS_FORM, value="open"),
            ),
        ]
    if home.admin is not None:
        blocks += _admin(home, tz)
    return View(type="home", blocks=blocks).to_dict()


def _menus(home: Home) -> list:
    area = home.area
    shown = Option(value=WHOLE_FORCE, text="Whole force") if area is None else _option(area.slug, area.name)
    return [
        ExternalDataSelectElement(placeholder="Follow a strand…", action_id=ActionId.HOME_FOLLOW, min_query_length=0),
        ExternalDataSelectElement(
            placeholder="Area…", action_id=ActionId.HOME_AREA, min_query_length=0, initial_option=shown
        ),
    ]


def _option(value: str, name: str) -> Option:
    return Option(value=value, text=name[:MAX_OPTION_TEXT])


def _chart(home: Home) -> list[Block]:
    """The last chart drawn for this Home (an image block showing the file Slack keeps), and a menu to draw one
    of a followed strand."""
    blocks: list[Block] = []
    chart = home.tab.chart
    if chart is not None:
        blocks += [
            DividerBlock(),
            ImageBlock(
                slack_file={"url": chart.url},
                alt_text=chart.alt_text[:2000] or chart.title[:2000],
                title=chart.title[:2000],
            ),
            ContextBlock(
                elements=[MarkdownTextObject(text="The chart is in your messages with strandbot too, to share.")]
            ),
        ]
    if home.dashboard.strands:
        options = [_option(s.slug, s.name) for s in home.dashboard.strands]
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text="*Trend chart*: monthly counts for 24 months, with a forecast."),
                accessory=StaticSelectElement(placeholder="Draw…", action_id=ActionId.HOME_CHART, options=options),
            )
        )
    return blocks


def _admin(home: Home, tz: ZoneInfo) -> list[Block]:
    assert home.admin is not None
    admin = home.admin
    lines = [schedule_line(admin.schedule, tz)]
    if (run := admin.last_run) is not None:
        lines.append(
            f"Last run: {local_time(run.started_at, tz)}, *{run.outcome}*: {run.sent} sent, {run.failed} failed, "
            f"{run.already} already delivered."
        )
    else:
        lines.append("No runs yet.")
    history = admin_message(admin.digests, tz)
    return [
        DividerBlock(),
        HeaderBlock(text="Weekly alerts (admins)"),
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
        *(Block.parse(block) for block in history.blocks),
        admin_form_buttons(),
    ]
