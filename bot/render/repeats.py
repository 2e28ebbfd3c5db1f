"""Repeat-contact lists and their trend in words and tables: the command line's table, CSV and JSON, and the
phrases Slack's messages share with it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from tabulate import tabulate

from bot.render.text import ARROWS, pct_text, signed
from bot.repeats.service import RepeatList, RepeatQuery, RepeatTrend

BAR_WIDTH = 20
ENTRY_HEADERS = ["#", "Reference", "Occurrences", "First", "Last", "Also in"]


def rule_text(query: RepeatQuery) -> str:
    """'people with 3 or more occurrences (as victim)'."""
    who = "people" if query.by == "person" else "places"
    role = f" (as {query.role})" if query.role else ""
    return f"{who} with {query.min_occurrences} or more occurrences{role}"


def title_text(query: RepeatQuery) -> str:
    """'Hate crime', or 'Hate crime — North Sector' for a list of one area."""
    return query.strand_name if query.area is None else f"{query.strand_name} — {query.area.name}"


def area_json(query: RepeatQuery) -> str | None:
    return None if query.area is None else query.area.slug


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
            "area": area_json(trend.query),
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
        f"{query.strand_name} ({query.strand}){_in_area(query)}, {query.period.label}: {rule_text(query)}.",
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
            "area": area_json(query),
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


def _in_area(query: RepeatQuery) -> str:
    return "" if query.area is None else f" in {query.area.name} ({query.area.slug})"
