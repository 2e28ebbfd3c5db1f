"""Plain-text and JSON renderings of the dashboard, for the command line and for Slack's monospace tables."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

from tabulate import tabulate

from bot.alerts.records import CountingBreak
from bot.domain.comparisons import COMPARISONS
from bot.domain.stats import (
    DEFAULT_THRESHOLD_PERCENT,
    AreaBreakdown,
    Comparison,
    Dashboard,
    StrandStats,
    share_text,
)

ARROWS = {"up": "↑", "down": "↓", "none": "●"}
RAG_LETTERS = {"red": "R", "amber": "A", "green": "G"}
RAG_LEGEND = (
    f"R red: up more than {DEFAULT_THRESHOLD_PERCENT}% · A amber: within {DEFAULT_THRESHOLD_PERCENT}% · "
    f"G green: down more than {DEFAULT_THRESHOLD_PERCENT}%"
)


def pct_text(comparison: Comparison) -> str:
    """'+13%', '-9%', '0%' or 'new' (a rise from nothing has no percentage)."""
    if comparison.pct is None:
        return "new"
    return f"{comparison.pct:+d}%" if comparison.pct else "0%"


def change_cell(comparison: Comparison) -> str:
    """Compact: arrow, percentage and RAG letter, e.g. '↑ +13% R'."""
    return f"{ARROWS[comparison.direction]} {pct_text(comparison)} {RAG_LETTERS[comparison.rag]}"


def indented_name(strand: StrandStats, use: str = "name") -> str:
    """Sub-strands marked under their parent (tabulate strips leading spaces, so not by spaces alone)."""
    label = getattr(strand, use)
    return label if strand.depth == 0 else "· " * (strand.depth - 1) + "↳ " + label


def signed(number: int | float) -> str:
    if isinstance(number, float):
        return f"{number:+,.1f}" if round(number, 1) else "0"
    return f"{number:+,d}" if number else "0"


def amount_text(number: int | float) -> str:
    """A count as it is; harm to one decimal place, thousands separated ('1,234.5')."""
    return f"{number:,.1f}" if isinstance(number, float) else f"{number:,d}"


def harm_footer(dashboard: Dashboard) -> str:
    """The line under every harm figure: the weights it used and what they could not weigh."""
    basis = dashboard.harm
    if basis is None:
        return ""
    unweighted = basis.unweighted.text()
    return f"Harm weighed with “{basis.weights.name}”." + (f" {unweighted}." if unweighted else "")


def measured(row: StrandStats, key: str, measure: str) -> Comparison:
    """Row `row`'s comparison `key` in the measure asked for: counts, or harm (a sum of weights)."""
    if measure == "harm" and row.harm is not None:
        return row.harm[key].harm
    return row.comparisons[key]


def short_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def crossing_text(change: CountingBreak) -> str:
    """'crosses the counting-rule change of 1 Jun 2023 (Home Office counting rules changed)': what a
    comparison whose two windows fall either side of `change` says, on `/strand` and in the digest."""
    return f"crosses the counting-rule change of {short_date(change.day)} ({change.note})"


def _labels(dashboard: Dashboard) -> dict[str, str]:
    return {"fy": dashboard.fy_label, "baseline": dashboard.baseline_label}


def _shows_current(key: str) -> bool:
    """Whether a table shows this comparison's current counts: not when an earlier comparison shares them."""
    keys = list(COMPARISONS)
    earlier = {COMPARISONS[k].current.name for k in keys[: keys.index(key)]}
    return COMPARISONS[key].current.name not in earlier


def dashboard_heading(dashboard: Dashboard, subject: str = "") -> str:
    """The line above a dashboard table: its date, its place (the whole force unless it names an area), and
    its financial years, e.g. 'Hate crime by area, as of 2024-06-30 (FY 2024/25; baseline FY 2019/20)'."""
    place = f" in {dashboard.area.name}" if dashboard.area else ""
    when = f"{subject}, as of" if subject else "As of"
    return f"{when} {dashboard.as_of}{place} (FY {dashboard.fy_label}; baseline FY {dashboard.baseline_label})"


def dashboard_table(dashboard: Dashboard, first_column: str = "Strand") -> str:
    """Every column of the force dashboard, one row per strand (sub-strands indented), or per area in a
    breakdown by area (`first_column` "Area"); harm in place of counts if the dashboard was weighed, with a
    line naming the weights."""
    measure = "harm" if dashboard.harm is not None else "count"
    labels = _labels(dashboard)
    headers = [first_column]
    for key, c in COMPARISONS.items():
        headers += [c.current.column.format(**labels)] if _shows_current(key) else []
        headers += [c.previous_column.format(**labels), "Change", "%"]
    headers.append(f"RAG ({'/'.join(c.rag for c in COMPARISONS.values())})")
    rows = []
    for s in dashboard.strands:
        row: list = [indented_name(s)]
        for key in COMPARISONS:
            c = measured(s, key, measure)
            row += [amount_text(c.current)] if _shows_current(key) else []
            row += [amount_text(c.previous), signed(c.change), pct_text(c)]
        row.append("/".join(RAG_LETTERS[measured(s, key, measure).rag] for key in COMPARISONS))
        rows.append(row)
    table = tabulate(
        rows,
        headers=headers,
        tablefmt="simple",
        disable_numparse=True,
        colalign=("left",) + ("right",) * (len(headers) - 1),
    )
    return table if measure == "count" else f"{table}\n\nHarm, not counts: {harm_footer(dashboard)}"


def compact_table(
    dashboard: Dashboard, strands: tuple[StrandStats, ...] | None = None, first_column: str = "Strand"
) -> list[str]:
    """A narrow table for Slack (fits a phone): counts (or, for a weighed dashboard, harm) and change cells.
    Returns lines, header first. `first_column` heads the names (`Area` for a breakdown by area)."""
    measure = "harm" if dashboard.harm is not None else "count"
    labels = _labels(dashboard)
    headers, colalign = [first_column], ["left"]
    for key, c in COMPARISONS.items():
        if _shows_current(key):
            headers.append(c.current.short.format(**labels))
            colalign.append("right")
        headers.append(c.change_column.format(**labels))
        colalign.append("left")
    rows = []
    for s in dashboard.strands if strands is None else strands:
        row: list = [indented_name(s, "slug")]
        for key in COMPARISONS:
            c = measured(s, key, measure)
            row += [amount_text(c.current)] if _shows_current(key) else []
            row.append(change_cell(c))
        rows.append(row)
    return tabulate(
        rows,
        headers=headers,
        tablefmt="simple",
        disable_numparse=True,
        colalign=tuple(colalign),
    ).splitlines()


def comparison_json(c: Comparison) -> dict:
    """`{"current", "previous", "change", "pct", "direction", "rag"}`: one comparison, as every JSON output gives it."""
    fields = asdict(c)
    return {k: fields[k] for k in ("current", "previous", "change", "pct", "direction", "rag")}


def _comparison_json(row: StrandStats, key: str, harm: bool) -> dict:
    """Counts, or with `harm` the harm sums, with harm per weighed occurrence then and now."""
    if not harm or row.harm is None:
        return comparison_json(row.comparisons[key])
    weighed = row.harm[key]
    now, before = weighed.per_occurrence
    return {**comparison_json(weighed.harm), "per_occurrence": {"current": now, "previous": before}}


def _rows_json(rows: tuple[StrandStats, ...], harm: bool) -> list[dict]:
    """Each row (a strand, or an area) as `{slug, name, parent, fytd, baseline, rolling12}`: one key for each
    comparison of `bot.domain.comparisons.COMPARISONS`."""
    return [
        {
            "slug": row.slug,
            "name": row.name,
            "parent": row.parent,
            **{key: _comparison_json(row, key, harm) for key in COMPARISONS},
        }
        for row in rows
    ]


def _measure_json(dashboard: Dashboard) -> dict:
    """With harm: `"measure": "harm"`, the weights' name, and the occurrences (in any window shown) they could
    not weigh, in all and by code."""
    if dashboard.harm is None:
        return {}
    unweighted = dashboard.harm.unweighted
    return {
        "measure": "harm",
        "weights": dashboard.harm.weights.name,
        "unweighted": unweighted.total,
        "unweighted_codes": dict(unweighted.by_code),
    }


def dashboard_json(dashboard: Dashboard) -> str:
    """`{"as_of": ..., "area": slug or null (the whole force), "strands": [{slug, name, parent, fytd, baseline,
    rolling12}, ...]}`; for harm, the harm sums in place of counts, and `_measure_json`'s keys."""
    return _dumps(
        {
            "as_of": dashboard.as_of.isoformat(),
            "area": dashboard.area.slug if dashboard.area else None,
            **_measure_json(dashboard),
            "strands": _rows_json(dashboard.strands, dashboard.harm is not None),
        }
    )


def area_breakdown_json(breakdown: AreaBreakdown) -> str:
    """`{"as_of": ..., "strand": slug, "areas": [{slug, name, parent, fytd, baseline, rolling12}, ...]}`: one
    strand (or "all": every strand together) in every area, catalogue order, each area counting its
    sub-areas; for harm, harm in place of counts, and `_measure_json`'s keys."""
    areas = breakdown.areas
    return _dumps(
        {
            "as_of": areas.as_of.isoformat(),
            "strand": breakdown.strand.slug,
            **_measure_json(areas),
            "areas": _rows_json(areas.strands, areas.harm is not None),
        }
    )


def _dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def imports_table(records: list) -> str:
    """The record of loads, newest first."""
    rows = [
        [
            r.id,
            f"{r.finished_at:%Y-%m-%d %H:%M}",
            r.imported_by,
            r.source,
            Path(r.file_name).name,
            f"{r.rows_read:,}",
            f"{r.inserted:,}",
            f"{r.updated:,}",
            f"{r.unchanged:,}",
            f"{r.rejected:,}",
        ]
        for r in records
    ]
    headers = ["#", "Finished (UTC)", "By", "Source", "File", "Rows", "Inserted", "Updated", "Unchanged", "Rejected"]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


AUDIT_COLUMNS = [
    "id",
    "at",
    "via",
    "actor",
    "operator",
    "team",
    "channel",
    "action",
    "outcome",
    "returned",
    "reason",
    "command",
]


def audit_table(entries: list, tz) -> str:
    """The audit log for a reader at a terminal: local times, long text cut short (CSV has it whole)."""
    rows = [
        [*_who_and_when(e, tz), e.action, e.outcome, "" if e.returned is None else e.returned, _cut(e.reason, 40),
         _cut(e.command, 60)]
        for e in entries
    ]  # fmt: skip
    headers = ["#", f"When ({tz.key})", "Who", "Action", "Outcome", "Returned", "Reason", "Command"]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def audit_csv(entries: list) -> str:
    """Every column of every row, times in UTC (ISO 8601), for a data-protection officer's spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*AUDIT_COLUMNS, "parameters"])
    for e in entries:
        writer.writerow([*(e.at.isoformat() if c == "at" else getattr(e, c) for c in AUDIT_COLUMNS), e.parameters])
    return out.getvalue()


def purge_plan_text(plan, tz) -> str:
    """Exactly what a purge would remove, for the person about to confirm it."""
    scope, removed, stored = plan.scope, plan.removed, plan.scope.stored

    def share(part: int, whole: int) -> str:
        return share_text(part / whole) if whole else "0%"

    span = ""
    if scope.first is not None:
        span = f", occurred {scope.first.astimezone(tz):%d %b %Y} – {scope.last.astimezone(tz):%d %b %Y}"
    kinds = ", ".join(f"{n:,} {kind}" for kind, n in scope.links_by_kind) or "none"
    lines = [f"A purge before {plan.before.isoformat()} (local midnight, {tz.key}) would remove:"]
    if plan.whole_occurrences:
        lines.append(
            f"  {removed.occurrences:,} of {stored.occurrences:,} stored occurrences "
            f"({share(removed.occurrences, stored.occurrences)}){span}"
        )
        lines += [f"    {name}: {n:,}" for name, n in scope.occurrences_by_strand]
        lines.append(
            f"  and their {removed.links:,} of {stored.links:,} stored person and location links "
            f"({share(removed.links, stored.links)}): {kinds}"
        )
    else:
        lines.append(
            f"  {removed.links:,} of {stored.links:,} stored person and location links "
            f"({share(removed.links, stored.links)}): {kinds}{span.replace('occurred', 'on occurrences of')}"
        )
        lines.append("  The occurrences themselves are kept (add --occurrences to remove them too).")
    return "\n".join(lines)


def disclosures_table(found: list, tz) -> str:
    """Every time a reference was shown: who, when, via what, where, why and the command."""
    rows = [
        [*_who_and_when(d.entry, tz), d.entry.via, d.entry.channel or "", d.kind, _cut(d.entry.reason, 40),
         _cut(d.entry.command, 50)]
        for d in found
    ]  # fmt: skip
    headers = ["#", f"When ({tz.key})", "Who", "Via", "Channel", "As", "Reason", "Command"]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def disclosures_csv(found: list) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["audit_id", "at", "actor", "operator", "via", "team", "channel", "kind", "ref", "action",
                     "reason", "command"])  # fmt: skip
    for d in found:
        e = d.entry
        writer.writerow(
            [e.id, e.at.isoformat(), e.actor, e.operator, e.via, e.team, e.channel, d.kind, d.ref, e.action,
             e.reason, e.command]
        )  # fmt: skip
    return out.getvalue()


def activity_table(lines: list) -> str:
    """A data-protection officer's periodic review: one line per user, the flagged first among equals."""
    rows = [
        [
            line.activity.user,
            line.activity.lists,
            line.activity.pages,
            line.activity.references,
            "" if line.peers_median is None else f"{line.peers_median:g}",
            line.activity.refusals,
            _cut("; ".join(line.activity.reasons), 50),
            "REVIEW" if line.flagged else "",
        ]
        for line in lines
    ]
    headers = ["User", "Lists", "Pages", "People/places seen", "Peers' median", "Refused", "Reasons", "Flag"]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def activity_csv(lines: list) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user", "lists", "pages", "references", "peers_median", "refusals", "reasons", "flagged"])
    for line in lines:
        a = line.activity
        median = "" if line.peers_median is None else f"{line.peers_median:g}"
        writer.writerow(
            [a.user, a.lists, a.pages, a.references, median, a.refusals, " | ".join(a.reasons), line.flagged]
        )
    return out.getvalue()


def _who_and_when(entry, tz) -> list:
    """An audit row's number, local time, and who (with the operator who played them, if any)."""
    who = entry.actor if entry.operator is None else f"{entry.actor} (played by {entry.operator})"
    return [entry.id, f"{entry.at.astimezone(tz):%Y-%m-%d %H:%M}", who]


def _cut(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"
