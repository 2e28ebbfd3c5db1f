"""Repeat-contact lists and their trend: Block Kit for Slack (private, paged), and table, CSV or JSON for the CLI."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from tabulate import tabulate

from bot.render.blocks import Message, as_blocks, code_sections, escape
from bot.render.text import ARROWS, pct_text, signed
from bot.repeats.service import RepeatList, RepeatQuery, RepeatTrend

PAGE_ACTION_IDS = {"Previous page": "repeats_previous_page", "Next page": "repeats_next_page"}
PAGE_SIZE = 25  # rows per Slack message: one monospace section, readable on a phone
BAR_WIDTH = 20
OTHER_STRANDS_IN_SLACK = 3
ENTRY_HEADERS = ["#", "Reference", "Occurrences", "First", "Last", "Also in"]

REPEATS_HELP = (
    "*Repeat contact* — the people and places that keep coming back. For analysts, supervisors and admins; "
    "shown only to you, with your reason recorded.\n"
    '• `/repeats mental-health reason:"MARAC prep 14 Nov"` — the strand\'s own rule and period\n'
    '• `/repeats hate-crime 12m role=victim reason:"…"` — repeat victims in the last 12 months\n'
    '• `/repeats domestic abuse 2024-10 min=3 by=location reason:"…"` — places, in October 2024\n'
    "• `/repeats mental-health trend` — people on the list each month for the last 24 months\n"
    "Periods: `2024-10`, `oct`, `last-month`, `this-month`, `30d`, `12m` (a window may end on a date: "
    "`12m 2025-03-31`). Options: `min=N`, `by=person|location`, `role=victim|offender|subject|witness|other|any`."
)


def rule_text(query: RepeatQuery) -> str:
    """'people with 3 or more occurrences (as victim)'."""
    who = "people" if query.by == "person" else "places"
    role = f" (as {query.role})" if query.role else ""
    return f"{who} with {query.min_occurrences} or more occurrences{role}"


def count_text(query: RepeatQuery, count: int) -> str:
    noun = ("person" if count == 1 else "people") if query.by == "person" else ("place" if count == 1 else "places")
    return f"{count:,} {noun}"


def entry_rows(listed: RepeatList, other_strands_shown: int | None = None) -> list[list]:
    return [
        [
            listed.first_rank + index,
            e.ref,
            e.occurrences,
            e.first.isoformat(),
            e.last.isoformat(),
            also_in(e.other_strands, other_strands_shown),
        ]
        for index, e in enumerate(listed.entries)
    ]


def also_in(slugs: tuple[str, ...], shown: int | None) -> str:
    """'mental-health, suicides +3 more': a place linked to everything would otherwise fill a phone's screen."""
    if shown is None or len(slugs) <= shown:
        return ", ".join(slugs)
    return ", ".join(slugs[:shown]) + f" +{len(slugs) - shown} more"


def change_text(listed: RepeatList) -> str:
    change = listed.change
    return (
        f"{ARROWS[change.direction]} {signed(change.change)} ({pct_text(change)}) against "
        f"{listed.query.period.previous_label} ({change.previous:,})"
    )


def repeat_list_message(listed: RepeatList) -> Message:
    """One page of a list, for the person who asked only: no share button, a button for the next page."""
    query = listed.query
    summary = f"*{count_text(query, listed.people)}* on the list"
    if listed.mean_occurrences is not None:
        summary += f", *{listed.mean_occurrences:.1f}* occurrences each on average"
    blocks = [
        HeaderBlock(text=f"Repeat contact: {query.strand_name}"[:150]),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=f"`{query.strand}` · *{escape(query.period.label)}* · {rule_text(query)}")
            ]
        ),
        SectionBlock(text=MarkdownTextObject(text=f"{summary}\n{change_text(listed)}")),
    ]
    if listed.entries:
        rows = entry_rows(listed, OTHER_STRANDS_IN_SLACK)
        blocks += code_sections(
            tabulate(rows, headers=ENTRY_HEADERS, tablefmt="simple", disable_numparse=True).splitlines()
        )
    footer = "Only you can see this. This access is recorded in the audit log with your reason."
    if listed.pages > 1:
        footer = f"Page {listed.page} of {listed.pages} · {footer}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    buttons = [
        ButtonElement(
            text=label,
            action_id=PAGE_ACTION_IDS[label],
            value=json.dumps({"list": listed.list_id, "page": page}),
        )
        for label, page in (("Previous page", listed.page - 1), ("Next page", listed.page + 1))
        if 1 <= page <= listed.pages
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    text = f"Repeat contact, {query.strand_name}, {query.period.label}: {count_text(query, listed.people)} on the list"
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
        HeaderBlock(text=f"Repeat contact trend: {query.strand_name}"[:150]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"`{query.strand}` · {rule_text(query)} in a calendar month · the last {len(trend.months)} "
                    "complete months"
                )
            ]
        ),
        SectionBlock(text=MarkdownTextObject(text=typical)),
        *code_sections(trend_table(trend, bars=True).splitlines()),
        ContextBlock(elements=[MarkdownTextObject(text="Counts only, no references. Recorded in the audit log.")]),
    ]
    text = f"Repeat contact trend, {query.strand_name}: typically {low} to {high} a month"
    return Message(text=text, blocks=as_blocks(*blocks))


def trend_table(trend: RepeatTrend, bars: bool = False) -> str:
    most = max((m.people for m in trend.months), default=0) or 1
    rows = []
    for month in trend.months:
        mean = "" if month.mean_occurrences is None else f"{month.mean_occurrences:.1f}"
        row = [f"{month.month:%b %Y}", month.people, mean]
        if bars:
            row.append("█" * round(BAR_WIDTH * month.people / most))
        rows.append(row)
    headers = ["Month", count_text(trend.query, 2).split()[1].capitalize(), "Mean occurrences"]
    headers += ["On the list"] if bars else []
    return tabulate(
        rows,
        headers=headers,
        tablefmt="simple",
        disable_numparse=True,
        colalign=("left", "right", "right", "left")[: len(headers)],
    )


def trend_csv(trend: RepeatTrend) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "count", "occurrences", "mean_occurrences"])
    for m in trend.months:
        mean = "" if m.mean_occurrences is None else f"{m.mean_occurrences:.2f}"
        writer.writerow([f"{m.month:%Y-%m}", m.people, m.occurrences, mean])
    return out.getvalue()


def trend_json(trend: RepeatTrend) -> str:
    low, high = trend.typical_range()
    return json.dumps(
        {
            "strand": trend.query.strand,
            "rule": {"min": trend.query.min_occurrences, "by": trend.query.by, "role": trend.query.role},
            "typical_range_last_12_months": [low, high],
            "months": [
                {"month": f"{m.month:%Y-%m}", "count": m.people, "occurrences": m.occurrences} for m in trend.months
            ],
        },
        indent=2,
    )


def repeat_list_table(listed: RepeatList) -> str:
    """The command line's view: a summary line, then every reference."""
    query = listed.query
    mean = "" if listed.mean_occurrences is None else f", {listed.mean_occurrences:.1f} occurrences each on average"
    lines = [
        f"{query.strand_name} ({query.strand}), {query.period.label}: {rule_text(query)}.",
        f"{count_text(query, listed.people)} on the list{mean}; {change_text(listed)}.",
    ]
    if listed.entries:
        lines += ["", tabulate(entry_rows(listed), headers=ENTRY_HEADERS, tablefmt="simple", disable_numparse=True)]
    return "\n".join(lines)


def repeat_list_csv(listed: RepeatList) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["reference", "occurrences", "first", "last", "other_strands"])
    for e in listed.entries:
        writer.writerow([e.ref, e.occurrences, e.first.isoformat(), e.last.isoformat(), ";".join(e.other_strands)])
    return out.getvalue()


def repeat_list_json(listed: RepeatList) -> str:
    query = listed.query
    return json.dumps(
        {
            "strand": query.strand,
            "period": {
                "label": query.period.label,
                "start": query.period.window.start.isoformat(),
                "end": query.period.window.end.isoformat(),
            },
            "rule": {"min": query.min_occurrences, "by": query.by, "role": query.role},
            "count": listed.people,
            "mean_occurrences": listed.mean_occurrences,
            "previous_count": listed.change.previous,
            "change_pct": listed.change.pct,
            "entries": [
                {
                    **asdict(e),
                    "first": e.first.isoformat(),
                    "last": e.last.isoformat(),
                    "other_strands": list(e.other_strands),
                }
                for e in listed.entries
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
