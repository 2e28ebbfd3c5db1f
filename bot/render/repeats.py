"""Repeat-contact lists and their trend in words and tables: the command line's table, CSV and JSON, and the
phrases Slack's messages share with it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from tabulate import tabulate

from bot.domain.stats import share_text
from bot.render.text import ARROWS, amount_text, pct_text, signed
from bot.repeats.service import ListHarm, RepeatList, RepeatQuery, RepeatTrend

BAR_WIDTH = 20
ENTRY_HEADERS = ["#", "Reference", "Occurrences", "First", "Last", "Also in"]
HARM_ENTRY_HEADERS = ["#", "Reference", "Occurrences", "Harm", "Share", "First", "Last", "Also in"]


def rule_text(query: RepeatQuery) -> str:
    """'people with 3 or more occurrences (as victim)', and how the list is ranked and cut when asked:
    '…, the 20 with the most harm'."""
    who = "people" if query.by == "person" else "places"
    role = f" (as {query.role})" if query.role else ""
    return f"{who} with {query.min_occurrences} or more occurrences{role}{_ranking_text(query)}"


def _ranking_text(query: RepeatQuery) -> str:
    most = "harm" if query.rank == "harm" else "occurrences"
    if query.top is not None:
        return f", the {query.top:,} with the most {most}"
    return ", most harm first" if query.rank == "harm" else ""


def entry_headers(listed: RepeatList) -> list[str]:
    return HARM_ENTRY_HEADERS if listed.harm is not None else ENTRY_HEADERS


def title_text(query: RepeatQuery) -> str:
    """'Hate crime', or 'Hate crime — North Sector' for a list of one area."""
    return query.strand_name if query.area is None else f"{query.strand_name} — {query.area.name}"


def area_json(query: RepeatQuery) -> str | None:
    return None if query.area is None else query.area.slug


def count_text(query: RepeatQuery, count: int) -> str:
    noun = ("person" if count == 1 else "people") if query.by == "person" else ("place" if count == 1 else "places")
    return f"{count:,} {noun}"


def entry_rows(listed: RepeatList, other_strands_shown: int | None = None) -> list[list]:
    """A row per entry under `entry_headers`: with harm and its share of the strand's when ranked by harm."""
    rows = []
    for index, e in enumerate(listed.entries):
        harm = [] if listed.harm is None else [amount_text(e.harm or 0.0), entry_share_text(listed.harm, e.harm)]
        rows.append(
            [
                listed.first_rank + index,
                e.ref,
                e.occurrences,
                *harm,
                e.first.isoformat(),
                e.last.isoformat(),
                also_in(e.other_strands, other_strands_shown),
            ]
        )
    return rows


def entry_share_text(harm: ListHarm, amount: float | None) -> str:
    """One reference's part of the strand's harm, to a tenth of a percent: a whole percent would show most
    people on a force's list as 0%."""
    share = harm.share_of(amount or 0.0)
    if share is None:
        return ""
    percent = share * 100
    return "<0.1%" if 0 < percent < 0.05 else f"{percent:.1f}%"


def share_sentence(listed: RepeatList) -> str:
    """'These 20 account for 31% of domestic-abuse harm (1,234.5 of 3,981.0).' ('' unless ranked by harm)."""
    harm = listed.harm
    if harm is None or not listed.listed:
        return ""
    strand = listed.query.strand
    place = "" if listed.query.area is None else f" in {listed.query.area.name}"
    if harm.share is None:
        return f"No {strand} occurrence{place} in the period has a weight, so there is no harm to share."
    who = "This one accounts" if listed.listed == 1 else f"These {listed.listed:,} account"
    amounts = f"{amount_text(harm.listed)} of {amount_text(harm.strand)}"
    return f"{who} for {share_text(harm.share)} of {strand} harm{place} ({amounts})."


def weights_sentence(harm: ListHarm) -> str:
    """'Harm weighed with “ONS CSS 2016”. 3 of their occurrences have no weight: 8Q 2, no code 1.'"""
    text = f"Harm weighed with “{harm.weights.name}”."
    unweighted = harm.unweighted
    if unweighted.total:
        verb = "has" if unweighted.total == 1 else "have"
        text += f" {unweighted.total:,} of their occurrences {verb} no weight: {unweighted.codes_text()}."
    return text


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
    if listed.harm is not None:
        lines += [line for line in (share_sentence(listed), weights_sentence(listed.harm)) if line]
    if listed.entries:
        table = tabulate(entry_rows(listed), headers=entry_headers(listed), tablefmt="simple", disable_numparse=True)
        lines += ["", table]
    return "\n".join(lines)


def repeat_list_csv(listed: RepeatList) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    harm = listed.harm
    writer.writerow(["reference", "occurrences", *(["harm"] if harm else []), "first", "last", "other_strands"])
    for e in listed.entries:
        writer.writerow(
            [
                e.ref,
                e.occurrences,
                *([e.harm] if harm else []),
                e.first.isoformat(),
                e.last.isoformat(),
                ";".join(e.other_strands),
            ]
        )
    return out.getvalue()


def repeat_list_json(listed: RepeatList) -> str:
    """The list as JSON. `rank` and `top` say how it was ordered and cut (`top` null: everyone meeting the
    rule); ranked by harm, each entry has `harm` (a number) and the top level the weights' name, `share` (the
    fraction of the strand's harm the listed references account for, null when nothing in the strand has a
    weight), both harm sums, and their occurrences without a weight. Ranked by count, entries carry no harm."""
    query = listed.query
    harm = listed.harm
    entries = []
    for e in listed.entries:
        entry = {**asdict(e), "first": e.first.isoformat(), "last": e.last.isoformat()}
        entry["other_strands"] = list(e.other_strands)
        if harm is None:
            del entry["harm"]
        entries.append(entry)
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
            "rank": query.rank,
            "top": query.top,
            "count": listed.people,
            "listed": listed.listed,
            "mean_occurrences": listed.mean_occurrences,
            "previous_count": listed.change.previous,
            "change_pct": listed.change.pct,
            **({} if harm is None else _harm_json(harm)),
            "entries": entries,
        },
        ensure_ascii=False,
        indent=2,
    )


def _harm_json(harm: ListHarm) -> dict:
    return {
        "weights": harm.weights.name,
        "share": harm.share,
        "listed_harm": harm.listed,
        "strand_harm": harm.strand,
        "unweighted": harm.unweighted.total,
        "unweighted_codes": dict(harm.unweighted.by_code),
    }


def _in_area(query: RepeatQuery) -> str:
    return "" if query.area is None else f" in {query.area.name} ({query.area.slug})"
