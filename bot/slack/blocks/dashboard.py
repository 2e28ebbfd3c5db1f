"""`/strand`'s answers in Block Kit: one strand, the whole dashboard, the catalogue, a chart, help."""

from __future__ import annotations

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

from bot.charts.kinds import CHART_KINDS
from bot.charts.request import ChartKind, ChartRequest
from bot.dashboard.service import StrandReport
from bot.domain.catalogue import Catalogue
from bot.domain.comparisons import COMPARISONS
from bot.domain.periods import Window
from bot.domain.stats import Comparison, Dashboard
from bot.render.text import ARROWS, RAG_LEGEND, compact_table, pct_text, short_date, signed
from bot.slack.blocks.message import SECTION_TEXT_LIMIT, Message, as_blocks, code_sections
from bot.slack.buttons import CHART_ACTIONS, ActionId, ChartValue, StrandValue, encode
from bot.slack.markup import escape, user_mention

if TYPE_CHECKING:
    from bot.charts.draw import Chart

CHART_BUTTON_TEXT: dict[ChartKind, str] = {name: kind.button for name, kind in CHART_KINDS.items()}
MAX_SELECT_OPTIONS = 100  # Slack's limit for a select menu
RAG_EMOJI = {"red": ":red_circle:", "amber": ":large_orange_circle:", "green": ":large_green_circle:"}


def comparison_line(comparison: Comparison) -> str:
    """':red_circle: ↑ *412* vs 365 (+47, +13%)'."""
    return (
        f"{RAG_EMOJI[comparison.rag]} {ARROWS[comparison.direction]} *{comparison.current:,}* "
        f"vs {comparison.previous:,} ({signed(comparison.change)}, {pct_text(comparison)})"
    )


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


def comparison_section(title: str, comparison: Comparison, current: Window, previous: Window) -> SectionBlock:
    lines = [f"*{title}*", comparison_line(comparison)]
    if note := caveat(comparison):
        lines.append(note)
    lines.append(f"_{window_text(current, previous)}_")
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))


def chart_buttons(slug: str, as_of: date, leave_out: ChartKind | None = None) -> list[ButtonElement]:
    """A button for each chart of the strand (but `leave_out`), drawn for the same as-of date."""
    value = encode(StrandValue(slug, as_of))
    return [
        ButtonElement(text=CHART_BUTTON_TEXT[kind], action_id=CHART_ACTIONS[kind], value=value)
        for kind in CHART_KINDS
        if kind != leave_out
    ]


def strand_actions(slug: str, report: StrandReport, shareable: bool) -> ActionsBlock:
    """Share (on the private answer only) and the strand's charts."""
    as_of = report.dashboard.as_of
    share = encode(StrandValue(slug, as_of))
    buttons = [ButtonElement(text="Share in channel", action_id=ActionId.SHARE_STRAND, value=share, style="primary")]
    return ActionsBlock(elements=(buttons if shareable else []) + chart_buttons(slug, as_of))


def strand_message(report: StrandReport, shared_by: str | None = None) -> Message:
    """One strand at a glance: three comparisons, the as-of date, sub-strands in a small table.

    `shared_by` (a Slack user ID) marks the copy posted to the channel, which has no share button."""
    dashboard, strand = report.dashboard, report.strand
    w = dashboard.windows
    blocks = [
        HeaderBlock(text=strand.name[:150]),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"`{strand.slug}` · as of *{dashboard.as_of:%A} {short_date(dashboard.as_of)}* · "
                    f"FY {dashboard.fy_label} to date"
                )
            ]
        ),
        *(
            comparison_section(
                c.title.format(fy=dashboard.fy_label, baseline=dashboard.baseline_label),
                strand.comparisons[key],
                w.current(key),
                w.previous(key),
            )
            for key, c in COMPARISONS.items()
        ),
    ]
    if report.sub_strands:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*Sub-strands*"))]
        blocks += code_sections(compact_table(dashboard, report.sub_strands))
    footer = RAG_LEGEND if shared_by is None else f"Shared by {user_mention(shared_by)} · {RAG_LEGEND}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    blocks.append(strand_actions(strand.slug, report, shareable=shared_by is None))
    fytd = strand.comparisons["fytd"]
    text = (
        f"{strand.name} as of {dashboard.as_of.isoformat()}: {fytd.current:,} this financial year to date, "
        f"{pct_text(fytd)} on last year"
    )
    return Message(text=text, blocks=as_blocks(*blocks))


def dashboard_message(dashboard: Dashboard) -> Message:
    """The whole dashboard as one table."""
    blocks = [
        HeaderBlock(text="Vulnerability dashboard"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"As of *{dashboard.as_of:%A} {short_date(dashboard.as_of)}* · FYTD = FY "
                    f"{dashboard.fy_label} to date · LY = last year · R12 = rolling 12 months"
                )
            ]
        ),
        *code_sections(compact_table(dashboard)),
        ContextBlock(elements=[MarkdownTextObject(text=f"{RAG_LEGEND} · `/strand hate-crime` for one strand")]),
        ActionsBlock(
            elements=[
                StaticSelectElement(
                    placeholder="One strand, with its charts…",
                    action_id=ActionId.OPEN_STRAND,
                    options=[
                        Option(value=encode(StrandValue(s.slug, dashboard.as_of)), text=s.name[:75])
                        for s in dashboard.strands[:MAX_SELECT_OPTIONS]
                    ],
                )
            ]
        ),
    ]
    return Message(text=f"Vulnerability dashboard as of {dashboard.as_of.isoformat()}", blocks=as_blocks(*blocks))


def chart_message(chart: Chart, request: ChartRequest, where: str, shareable: bool) -> Message:
    """The private answer to a chart request (its strand a slug, its as-of date set): what the chart shows
    in words, where the image is (`where`, mrkdwn), and buttons to share it and open the other charts."""
    assert request.as_of is not None
    summary = "\n".join(f"• {escape(line)}" for line in chart.summary)
    share = encode(ChartValue(request.kind, request.strand, request.option, request.as_of))
    buttons = [ButtonElement(text="Share in channel", action_id=ActionId.SHARE_CHART, value=share, style="primary")]
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*{escape(chart.title)}*\n{summary}"[:SECTION_TEXT_LIMIT])),
        ContextBlock(elements=[MarkdownTextObject(text=where)]),
        ActionsBlock(
            elements=(buttons if shareable else []) + chart_buttons(request.strand, request.as_of, request.kind)
        ),
    ]
    return Message(text=f"{chart.title}: {chart.summary[0]}", blocks=as_blocks(*blocks))


def catalogue_message(catalogue: Catalogue) -> Message:
    """Every strand, indented under its parent, with the other names it answers to."""
    lines = [
        "  " * catalogue.depth(s.slug) + f"{s.slug}  {s.name}" + (f"  ({'; '.join(s.aliases)})" if s.aliases else "")
        for s in catalogue
    ]
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*{len(catalogue)} strands* — type any name or alias shown")),
        *code_sections(lines),
    ]
    return Message(text=f"{len(catalogue)} strands", blocks=as_blocks(*blocks))


HELP_TEXT = (
    "*Strand statistics* — financial year to date against last year and the baseline year, and the rolling "
    "12 months, with direction and red/amber/green.\n"
    "• `/strand hate-crime` — one strand and its sub-strands\n"
    "• `/strand domestic abuse 2025-03-31` — as of a date (default: yesterday)\n"
    "• `/strand` or `/strand all` — the whole dashboard\n"
    "• `/strand hate-crime trend` — monthly counts as a chart (`24m`, `36m` or `5y`), with a forecast\n"
    "• `/strand sexual offences heatmap` — by day of week and hour (`12m`, `90d` or a month)\n"
    "• `/strand domestic abuse forecast years=3` — three methods, back-tested, with 95% ranges\n"
    "• `/strand list` — every strand and the names it answers to\n"
    "• `/strand help` — this message\n"
    "Names match loosely: `DA`, `msht`, `Hate Crime` and `modern slavery & human trafficking` all work."
)
