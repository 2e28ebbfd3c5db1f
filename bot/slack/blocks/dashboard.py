"""`/strand`'s answers in Block Kit: one strand, the whole dashboard (either for the force or for one area), the
areas ranked, the catalogues, a chart, help."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.alerts.records import CountingBreak
from bot.charts.kinds import CHART_KINDS
from bot.charts.request import ChartKind, ChartRequest
from bot.dashboard.service import EVERY_STRAND, StrandReport
from bot.domain.catalogue import AREAS, Catalogue, CatalogueEntry
from bot.domain.comparisons import COMPARISONS, WINDOWS, Expected, crossing_break
from bot.domain.periods import Window
from bot.domain.stats import AreaBreakdown, Comparison, Dashboard, HarmComparison, StrandStats, change_score
from bot.render.text import (
    ARROWS,
    RAG_LEGEND,
    amount_text,
    compact_table,
    crossing_text,
    harm_footer,
    measured,
    pct_text,
    short_date,
    signed,
)
from bot.slack.blocks.message import SECTION_TEXT_LIMIT, Message, as_blocks, code_sections, cut, notice_message
from bot.slack.buttons import CHART_ACTIONS, ActionId, ChartValue, StrandValue, encode
from bot.slack.markup import user_mention

if TYPE_CHECKING:
    from bot.charts.draw import Chart

CHART_BUTTON_TEXT: dict[ChartKind, str] = {name: kind.button for name, kind in CHART_KINDS.items()}
MAX_SELECT_OPTIONS = 100  # Slack's limit for a select menu
MAX_OPTION_VALUE = 150  # Slack's limit for a menu option's value
MAX_OPTION_TEXT = 75
HEADER_LIMIT = 150
RANKED_EACH_WAY = 10  # areas shown rising and falling, when there are too many to show them all
RANKED_BY = "rolling12"  # steadier than the financial year to date, which is volatile in its first weeks
NO_AREAS = (
    "No areas yet: they are added when an import carries an area column, or all at once by an administrator "
    "with `strandbot areas load FILE`."
)
RAG_EMOJI = {"red": ":red_circle:", "amber": ":large_orange_circle:", "green": ":large_green_circle:"}


def comparison_line(comparison: Comparison) -> str:
    """':red_circle: ↑ *412* vs 365 (+47, +13%)'; harm to one decimal place."""
    return (
        f"{RAG_EMOJI[comparison.rag]} {ARROWS[comparison.direction]} *{amount_text(comparison.current)}* "
        f"vs {amount_text(comparison.previous)} ({signed(comparison.change)}, {pct_text(comparison)})"
    )


def harm_line(weighed: HarmComparison) -> str:
    """'Harm: :red_circle: ↑ *1,234.5* vs 1,003.0 (+231.5, +23%) · per occurrence 10.6 vs 9.8'."""
    now, before = weighed.per_occurrence
    per = "" if now is None or before is None else f" · per occurrence {now:,.1f} vs {before:,.1f}"
    return f"Harm: {comparison_line(weighed.harm)}{per}"


def harm_note(dashboard: Dashboard) -> str:
    """Under any harm: the weights used, what they could not weigh, and why harm has no p-value."""
    return f"{harm_footer(dashboard)} No significance test: the exact test is for counts, not weighted sums."


def caveat(comparison: Comparison) -> str | None:
    """A warning when the change could well be chance: small numbers mislead."""
    if comparison.current + comparison.previous == 0 or comparison.significant:
        return None
    return f"_could be chance (exact test p = {comparison.p_value:.2f}): treat with care_"


def window_text(current: Window, previous: Window) -> str:
    return (
        f"{short_date(current.start)} – {short_date(current.end)} vs "
        f"{short_date(previous.start)} – {short_date(previous.end)}"
    )


def comparison_section(
    title: str,
    comparison: Comparison,
    current: Window,
    previous: Window,
    harm: HarmComparison | None = None,
    notes: tuple[str, ...] = (),
) -> SectionBlock:
    lines = [f"*{title}*", comparison_line(comparison)]
    if note := caveat(comparison):
        lines.append(note)
    if harm is not None:
        lines.append(harm_line(harm))
    lines += notes
    lines.append(f"_{window_text(current, previous)}_")
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))


def expected_line(expected: Expected) -> str:
    """'Expected from the 52 weeks before: 21.0 (control limits 9–36): usual for this strand'."""
    verdict = "*unusual* for this strand" if expected.outside else "usual for this strand"
    return (
        f"Expected from the 52 weeks before: {expected.expected:.1f} (control limits {expected.lower}–"
        f"{expected.upper}): {verdict} (p = {expected.p_value:.2g})"
    )


def break_line(change: CountingBreak) -> str:
    return f":warning: {crossing_text(change)}: the two counts were made under different rules"


def _notes(report: StrandReport, key: str) -> tuple[str, ...]:
    """What else a comparison's section says: its expected count (CompStat windows), the break it crosses."""
    strand, windows = report.strand, report.dashboard.windows
    notes = []
    if strand.expected and key in strand.expected:
        notes.append(expected_line(strand.expected[key]))
    # The note is about the two windows compared; an alert on the expected count checks its history too.
    compared = (windows.current(key), windows.previous(key))
    if (change := crossing_break(compared, report.breaks)) is not None:
        notes.append(break_line(change))
    return tuple(notes)


def area_slug(area: CatalogueEntry | None) -> str | None:
    return None if area is None else area.slug


def in_area(name: str, area: CatalogueEntry | None) -> str:
    """`Hate crime`, or `Hate crime in North Sector`."""
    return name if area is None else f"{name} in {area.name}"


def measure_of(dashboard: Dashboard) -> str | None:
    """What a button re-opening this answer must ask for: "harm" if it showed harm."""
    return None if dashboard.harm is None else "harm"


def chart_buttons(
    slug: str, as_of: date, leave_out: ChartKind | None = None, area: str | None = None
) -> list[ButtonElement]:
    """A button for each chart of the strand (but `leave_out`), drawn for the same as-of date and area."""
    value = encode(StrandValue(slug, as_of, area))
    return [
        ButtonElement(text=CHART_BUTTON_TEXT[kind], action_id=CHART_ACTIONS[kind], value=value)
        for kind in CHART_KINDS
        if kind != leave_out
    ]


def strand_actions(slug: str, report: StrandReport, shareable: bool) -> ActionsBlock:
    """Share (on the private answer only) and the strand's charts, for the same area."""
    as_of, area = report.dashboard.as_of, area_slug(report.dashboard.area)
    share = encode(StrandValue(slug, as_of, area, measure_of(report.dashboard)))
    buttons = [ButtonElement(text="Share in channel", action_id=ActionId.SHARE_STRAND, value=share, style="primary")]
    return ActionsBlock(elements=(buttons if shareable else []) + chart_buttons(slug, as_of, area=area))


def strand_message(report: StrandReport, shared_by: str | None = None) -> Message:
    """One strand at a glance (in an area, if the report is of one): three comparisons (with harm beside each
    count, if the report was weighed), the as-of date, sub-strands in a small table.

    `shared_by` (a Slack user ID) marks the copy posted to the channel, which has no share button."""
    dashboard, strand = report.dashboard, report.strand
    w = dashboard.windows
    area = dashboard.area
    where = "" if area is None else f" in `{area.slug}`"
    blocks = [
        HeaderBlock(text=in_area(strand.name, area)[:HEADER_LIMIT]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"`{strand.slug}`{where} · as of *{dashboard.as_of:%A} {short_date(dashboard.as_of)}* · "
                    f"FY {dashboard.fy_label} to date"
                )
            ]
        ),
        *(
            comparison_section(
                WINDOWS[key].title.format(fy=dashboard.fy_label, baseline=dashboard.baseline_label),
                strand.comparisons[key],
                w.current(key),
                w.previous(key),
                None if strand.harm is None else strand.harm[key],
                _notes(report, key),
            )
            for key in w.keys
        ),
    ]
    if report.sub_strands and w.keys == tuple(COMPARISONS):  # the CompStat view has no sub-strand table
        heading = "*Sub-strands*" if dashboard.harm is None else "*Sub-strands: harm*"
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=heading))]
        blocks += code_sections(compact_table(dashboard, report.sub_strands))
    footer = RAG_LEGEND if shared_by is None else f"Shared by {user_mention(shared_by)} · {RAG_LEGEND}"
    if dashboard.harm is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=harm_note(dashboard))]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    # Sharing re-opens the strand's dashboard: not offered under the CompStat view, which it would not reproduce.
    shareable = shared_by is None and w.keys == tuple(COMPARISONS)
    blocks.append(strand_actions(strand.slug, report, shareable=shareable))
    fytd = strand.comparisons["fytd"]
    harm = "" if strand.harm is None else f"; harm {amount_text(strand.harm['fytd'].harm.current)}"
    text = (
        f"{in_area(strand.name, area)} as of {dashboard.as_of.isoformat()}: {fytd.current:,} this financial year "
        f"to date, {pct_text(fytd)} on last year{harm}"
    )
    return Message(text=text, blocks=as_blocks(*blocks))


def strand_menu(placeholder: str, choices: list[tuple[str, StrandValue]]) -> ActionsBlock | None:
    """A menu that opens one strand (a name and the value it opens, each): the first 100, leaving out any whose
    value is too long for Slack (two slugs near their 64-character limit), so the message is never refused."""
    options = [
        Option(value=value, text=name[:MAX_OPTION_TEXT])
        for name, value in ((name, encode(v)) for name, v in choices)
        if len(value) <= MAX_OPTION_VALUE
    ][:MAX_SELECT_OPTIONS]
    if not options:
        return None
    return ActionsBlock(
        elements=[StaticSelectElement(placeholder=placeholder, action_id=ActionId.OPEN_STRAND, options=options)]
    )


def dashboard_message(dashboard: Dashboard) -> Message:
    """The whole dashboard as one table, for the force or for one area: counts, or harm if it was weighed."""
    area = dashboard.area
    kind = "Harm dashboard" if dashboard.harm is not None else "Vulnerability dashboard"
    title = kind if area is None else f"{kind}: {area.name}"
    where = "" if area is None else f"`{area.slug}` · "
    one = "`/strand hate-crime`" if area is None else f"`/strand hate-crime area={area.slug}`"
    harm = [] if dashboard.harm is None else [ContextBlock(elements=[MarkdownTextObject(text=harm_note(dashboard))])]
    blocks = [
        HeaderBlock(text=title[:HEADER_LIMIT]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"{where}As of *{dashboard.as_of:%A} {short_date(dashboard.as_of)}* · FYTD = FY "
                    f"{dashboard.fy_label} to date · LY = last year · R12 = rolling 12 months"
                )
            ]
        ),
        *code_sections(compact_table(dashboard)),
        *harm,
        ContextBlock(elements=[MarkdownTextObject(text=f"{RAG_LEGEND} · {one} for one strand")]),
        strand_menu(
            "One strand, with its charts…",
            [
                (s.name, StrandValue(s.slug, dashboard.as_of, area_slug(area), measure_of(dashboard)))
                for s in dashboard.strands
            ],
        ),
    ]
    return Message(text=f"{title} as of {dashboard.as_of.isoformat()}", blocks=as_blocks(*blocks))


def area_ranking_message(breakdown: AreaBreakdown) -> Message:
    """One strand's areas (or every strand's together) ranked as a CompStat meeting reads them: by the size and
    significance of the change in the rolling 12 months, biggest rises first; or, weighed, by harm in the
    rolling 12 months, highest first (the high-harm areas). With the force's figures (and `within`'s, if only
    the areas within one are ranked). Too many to show, and the ends of the ranking are shown."""
    strand, areas, within = breakdown.strand, breakdown.areas, breakdown.within
    as_of = areas.as_of
    ranked = breakdown.ranked(RANKED_BY)
    totals = [dataclasses.replace(breakdown.force, slug="whole force", depth=0)]
    if within is not None:
        totals.append(dataclasses.replace(areas.strand(within.slug), depth=0))
    scope = "" if within is None else f" within {within.name}"
    order = (
        "ranked by harm in the rolling 12 months, highest first"
        if areas.harm is not None
        else "ranked by the change in the rolling 12 months, allowing for chance (40 against 20 outranks 4 against 1)"
    )
    blocks: list = [
        HeaderBlock(text=f"{strand.name}{' harm' if areas.harm else ''} by area{scope}"[:HEADER_LIMIT]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"`{strand.slug}` · as of *{as_of:%A} {short_date(as_of)}* · each area counts the areas "
                    f"within it · {order}"
                )
            ]
        ),
        *code_sections(compact_table(areas, tuple(totals), first_column="Area")),
    ]
    shown = ranked
    if areas.harm is not None:
        shown = ranked[: 2 * RANKED_EACH_WAY]
        blocks += _ranked_table(areas, "Highest harm first", shown)
    elif len(ranked) <= 2 * RANKED_EACH_WAY:
        blocks += _ranked_table(areas, "Biggest rises first", ranked)
    else:
        scores = {row.slug: change_score(row.comparisons[RANKED_BY]) for row in ranked}
        rises = [row for row in ranked if scores[row.slug] > 0][:RANKED_EACH_WAY]
        falling = sorted((row for row in ranked if scores[row.slug] < 0), key=lambda row: (scores[row.slug], row.slug))
        falls = falling[:RANKED_EACH_WAY]
        shown = rises + falls
        blocks += _ranked_table(areas, "Biggest rises", rises) + _ranked_table(areas, "Biggest falls", falls)
    if not ranked:
        notes = [NO_AREAS if within is None else f"No areas within {within.name}."]
    else:
        left_out = len(ranked) - len(shown)
        smaller = "with less harm" if areas.harm is not None else "with smaller changes or none"
        notes = [f"{left_out} more area{'s' * (left_out != 1)}, {smaller}, not shown"] if left_out else []
        notes += [f"`/strand {strand.slug} area={ranked[0].slug}` for one area", RAG_LEGEND]
    if areas.harm is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=harm_note(areas))]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(notes))]))
    blocks.append(
        strand_menu(
            "One area, with its charts…" if strand.slug != EVERY_STRAND else "One area's dashboard…",
            [(row.name, StrandValue(strand.slug, as_of, row.slug, measure_of(areas))) for row in shown],
        )
    )
    return Message(
        text=f"{strand.name} by area{scope} as of {as_of.isoformat()}{_leader(breakdown, ranked)}",
        blocks=as_blocks(*blocks),
    )


def _leader(breakdown: AreaBreakdown, ranked: list[StrandStats]) -> str:
    """The ranking's headline for notifications: the highest harm, or the biggest rise ("" if none)."""
    if not ranked:
        return ""
    top = measured(ranked[0], RANKED_BY, "harm" if breakdown.areas.harm is not None else "count")
    if breakdown.areas.harm is not None:
        return f"; highest harm {ranked[0].name} ({amount_text(top.current)} in the rolling 12 months)"
    return f"; biggest rise {ranked[0].name} ({_change_words(top)})" if change_score(top) > 0 else ""


def _ranked_table(areas: Dashboard, heading: str, rows: list[StrandStats]) -> list[SectionBlock]:
    """`rows` under `heading`, in the order given (none: nothing)."""
    if not rows:
        return []
    flat = tuple(dataclasses.replace(row, depth=0) for row in rows)  # a ranking, not a tree: no indents
    title = SectionBlock(text=MarkdownTextObject(text=f"*{heading}*"))
    return [title, *code_sections(compact_table(areas, flat, first_column="Area"))]


def _change_words(comparison: Comparison) -> str:
    return f"{signed(comparison.change)}, {pct_text(comparison)} on the rolling 12 months"


def chart_message(chart: Chart, request: ChartRequest, where: str, shareable: bool) -> Message:
    """The private answer to a chart request (its strand and area slugs, its as-of date set): what the chart
    shows in words, where the image is (`where`, mrkdwn), and buttons to share it and open the other charts."""
    assert request.as_of is not None
    summary = "\n".join(f"• {line}" for line in chart.summary)
    share = encode(ChartValue(request.kind, request.strand, request.option, request.as_of, request.area))
    buttons = [ButtonElement(text="Share in channel", action_id=ActionId.SHARE_CHART, value=share, style="primary")]
    others = chart_buttons(request.strand, request.as_of, request.kind, request.area)
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=cut(f"*{chart.title}*\n{summary}", SECTION_TEXT_LIMIT))),
        ContextBlock(elements=[MarkdownTextObject(text=where)]),
        ActionsBlock(elements=(buttons if shareable else []) + others),
    ]
    return Message(text=f"{chart.title}: {chart.summary[0]}", blocks=as_blocks(*blocks))


def catalogue_message(catalogue: Catalogue) -> Message:
    """Every strand (or area), indented under its parent, with the other names it answers to."""
    noun = catalogue.kind.noun
    if not catalogue:
        return notice_message(NO_AREAS if catalogue.kind is AREAS else f"No {noun}s yet.")
    lines = [
        "  " * catalogue.depth(s.slug) + f"{s.slug}  {s.name}" + (f"  ({'; '.join(s.aliases)})" if s.aliases else "")
        for s in catalogue
    ]
    how = "type any name or alias shown"
    if catalogue.kind is AREAS:
        first = next(iter(catalogue)).slug
        how += f", as `/strand hate-crime area={first}` or `/strand hate-crime in {first}`"
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*{len(catalogue)} {noun}s* — {how}")),
        *code_sections(lines),
    ]
    return Message(text=f"{len(catalogue)} {noun}s", blocks=as_blocks(*blocks))


HELP_TEXT = (
    "*Strand statistics* — financial year to date against last year and the baseline year, and the rolling "
    "12 months, with direction and red/amber/green.\n"
    "• `/strand hate-crime` — one strand and its sub-strands\n"
    "• `/strand domestic abuse 2025-03-31` — as of a date (default: yesterday)\n"
    "• `/strand` or `/strand all` — the whole dashboard\n"
    "• `/strand hate-crime in brooklyn south` or `/strand hate-crime area=north` — in one area and the areas "
    "within it; `/strand all area=north` for its whole dashboard\n"
    "• `/strand hate-crime by=area` — every area ranked, biggest rises first; `/strand all by=area` for every "
    "strand together\n"
    "• `/strand hate-crime week` — CompStat's view: the last 7 days, the last 28 days and the year to date, each "
    "against last year, and whether the week and the 28 days are unusual for the strand\n"
    "• `/strand hate-crime harm` — harm beside the counts (each occurrence weighed by its offence); "
    "`/strand all harm`; `/strand all by=area harm` ranks the high-harm areas\n"
    "• `/strand hate-crime trend` — monthly counts as a chart (`24m`, `36m` or `5y`), with a forecast\n"
    "• `/strand sexual offences heatmap` — by day of week and hour (`12m`, `90d` or a month)\n"
    "• `/strand domestic abuse forecast years=3` — three methods, back-tested, with 95% ranges\n"
    "• `/strand hate-crime trend area=north` — any chart for one area\n"
    "• `/strand list` — every strand and the names it answers to\n"
    "• `/strand areas` — every area and the names it answers to\n"
    "• `/strand help` — this message\n"
    "Names match loosely: `DA`, `msht`, `Hate Crime` and `modern slavery & human trafficking` all work; "
    "so do area names and codes. Options go anywhere: `/strand hate-crime 2024-06-30 area=north`."
)
