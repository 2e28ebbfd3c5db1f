"""Repeat-contact lists and their trend in Block Kit: private, and paged with buttons."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from tabulate import tabulate

from bot.render.repeats import (
    change_text,
    count_text,
    entry_headers,
    entry_rows,
    rule_text,
    share_sentence,
    title_text,
    trend_table,
    weights_sentence,
)
from bot.repeats.service import RepeatList, RepeatQuery, RepeatTrend
from bot.slack.blocks.message import Message, as_blocks, code_sections
from bot.slack.buttons import ActionId, PageValue, encode

PAGE_ACTION_IDS = {"Previous page": ActionId.REPEATS_PREVIOUS_PAGE, "Next page": ActionId.REPEATS_NEXT_PAGE}
PAGE_SIZE = 25  # rows per Slack message: one monospace section, readable on a phone
OTHER_STRANDS_IN_SLACK = 3

REPEATS_HELP = (
    "*Repeat contact* — the people and places that keep coming back. For analysts, supervisors and admins; "
    "shown only to you, with your reason recorded.\n"
    "• `/repeats` — a form to fill in, with the list shown and paged in it\n"
    '• `/repeats mental-health reason:"MARAC prep 14 Nov"` — the strand\'s own rule and period\n'
    '• `/repeats hate-crime 12m role=victim reason:"…"` — repeat victims in the last 12 months\n'
    '• `/repeats domestic abuse 2024-10 min=3 by=location reason:"…"` — places, in October 2024\n'
    '• `/repeats hate-crime area=north reason:"…"` — only occurrences in an area (and the areas within it)\n'
    '• `/repeats domestic-abuse 12m role=offender rank=harm top=20 reason:"…"` — the 20 who contributed the most '
    "harm, and their share of the strand's\n"
    "• `/repeats mental-health trend` — people on the list each month for the last 24 months\n"
    "Periods: `2024-10`, `oct`, `last-month`, `this-month`, `30d`, `12m` (a window may end on a date: "
    "`12m 2025-03-31`). Options: `min=N`, `by=person|location`, `role=victim|offender|subject|witness|other|any`, "
    "`area=north`, `rank=count|harm`, `top=N`."
)


def slugs_text(query: RepeatQuery) -> str:
    """'`hate-crime`', or '`hate-crime` in `north`': what to type to ask again."""
    return f"`{query.strand}`" + ("" if query.area is None else f" in `{query.area.slug}`")


def repeat_list_message(listed: RepeatList) -> Message:
    """One page of a list, for the person who asked only: no share button, a button for the next page."""
    query = listed.query
    summary = f"*{count_text(query, listed.people)}* on the list"
    if listed.mean_occurrences is not None:
        summary += f", *{listed.mean_occurrences:.1f}* occurrences each on average"
    summary += f"\n{change_text(listed)}"
    if share := share_sentence(listed):
        summary += f"\n{share}"
    blocks = [
        HeaderBlock(text=f"Repeat contact: {title_text(query)}"[:150]),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"{slugs_text(query)} · *{query.period.label}* · {rule_text(query)}")]
        ),
        SectionBlock(text=MarkdownTextObject(text=summary)),
    ]
    if listed.harm is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=weights_sentence(listed.harm))]))
    if listed.entries:
        rows = entry_rows(listed, OTHER_STRANDS_IN_SLACK)
        blocks += code_sections(
            tabulate(rows, headers=entry_headers(listed), tablefmt="simple", disable_numparse=True).splitlines()
        )
    footer = "Only you can see this. This access is recorded in the audit log with your reason."
    if listed.pages > 1:
        footer = f"Page {listed.page} of {listed.pages} · {footer}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    buttons = [
        ButtonElement(
            text=label,
            action_id=PAGE_ACTION_IDS[label],
            value=encode(PageValue(listed.list_id, page)),
        )
        for label, page in (("Previous page", listed.page - 1), ("Next page", listed.page + 1))
        if 1 <= page <= listed.pages
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    text = f"Repeat contact, {title_text(query)}, {query.period.label}: {count_text(query, listed.people)} on the list"
    return Message(text=text, blocks=as_blocks(*blocks))


def repeat_trend_message(trend: RepeatTrend) -> Message:
    query = trend.query
    low, high = trend.typical_range()
    mean = trend.mean_occurrences()
    typical = (
        f"Typically *{low}* to *{high}* a month over the last 12 months"
        if low != high
        else (f"Typically *{low}* a month over the last 12 months")
    )
    if mean is not None:
        typical += f", *{mean:.1f}* occurrences each on average"
    blocks = [
        HeaderBlock(text=f"Repeat contact trend: {title_text(query)}"[:150]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"{slugs_text(query)} · {rule_text(query)} in a calendar month · the last {len(trend.months)} "
                    "complete months"
                )
            ]
        ),
        SectionBlock(text=MarkdownTextObject(text=typical)),
        *code_sections(trend_table(trend, bars=True).splitlines()),
        ContextBlock(elements=[MarkdownTextObject(text="Counts only, no references. Recorded in the audit log.")]),
    ]
    text = f"Repeat contact trend, {title_text(query)}: typically {low} to {high} a month"
    return Message(text=text, blocks=as_blocks(*blocks))
