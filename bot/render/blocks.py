"""Block Kit messages, built with slack_sdk's block models (which enforce Slack's size limits)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
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
from bot.charts.service import ChartKind, ChartRequest
from bot.dashboard.service import StrandReport
from bot.domain.catalogue import Catalogue
from bot.domain.comparisons import COMPARISONS
from bot.domain.periods import Window
from bot.domain.stats import Comparison, Dashboard
from bot.render.text import ARROWS, RAG_LEGEND, compact_table, pct_text, short_date, signed

if TYPE_CHECKING:
    from bot.charts.draw import Chart

SHARE_ACTION_ID = "share_strand"
SHARE_CHART_ACTION_ID = "share_chart"
OPEN_STRAND_ACTION_ID = "open_strand"
CHART_ACTION_IDS: dict[ChartKind, str] = {kind: f"chart_{kind}" for kind in CHART_KINDS}
CHART_BUTTON_TEXT: dict[ChartKind, str] = {name: kind.button for name, kind in CHART_KINDS.items()}
MAX_SELECT_OPTIONS = 100  # Slack's limit for a select menu
RAG_EMOJI = {"red": ":red_circle:", "amber": ":large_orange_circle:", "green": ":large_green_circle:"}
# Slack allows 3,000 characters in a section's text (leave room for the code fences) and 50 blocks.
SECTION_TEXT_LIMIT = 2900
MAX_TABLE_SECTIONS = 40
MAX_TABLE_LINE = 300


@dataclass(frozen=True)
class Message:
    """What Slack shows: blocks, and the plain text used in notifications and by screen readers."""

    text: str
    blocks: list[dict]


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: without it a typed `<!channel>` would notify everyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_blocks(*blocks: Block | None) -> list[dict]:
    return [block.to_dict() for block in blocks if block is not None]


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


def code_sections(lines: list[str]) -> list[SectionBlock]:
    """A monospace table as one or more sections, split between rows to stay within Slack's limits.

    Over-long rows are cut; a table too big for one message ends with a line saying how many rows are left out."""
    sections: list[list[str]] = []
    chunk: list[str] = []
    for shown, line in enumerate(lines):
        line = escape(line if len(line) <= MAX_TABLE_LINE else line[: MAX_TABLE_LINE - 1] + "…")
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > SECTION_TEXT_LIMIT:
            sections.append(chunk)
            chunk = []
            if len(sections) == MAX_TABLE_SECTIONS - 1:
                chunk = [f"… and {len(lines) - shown} more rows, too many for one Slack message"]
                break
        chunk.append(line)
    sections.append(chunk)
    return [SectionBlock(text=MarkdownTextObject(text="```" + "\n".join(c) + "```")) for c in sections]


def chart_buttons(slug: str, as_of: date, leave_out: ChartKind | None = None) -> list[ButtonElement]:
    """A button for each chart of the strand (but `leave_out`), drawn for the same as-of date."""
    value = json.dumps({"strand": slug, "as_of": as_of.isoformat()})
    return [
        ButtonElement(text=CHART_BUTTON_TEXT[kind], action_id=CHART_ACTION_IDS[kind], value=value)
        for kind in CHART_KINDS
        if kind != leave_out
    ]


def strand_actions(slug: str, report: StrandReport, shareable: bool) -> ActionsBlock:
    """Share (on the private answer only) and the strand's charts."""
    as_of = report.dashboard.as_of
    share = json.dumps({"strand": slug, "as_of": as_of.isoformat()})
    buttons = [ButtonElement(text="Share in channel", action_id=SHARE_ACTION_ID, value=share, style="primary")]
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
    footer = RAG_LEGEND if shared_by is None else f"Shared by <@{shared_by}> · {RAG_LEGEND}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    blocks.append(strand_actions(strand.slug, report, shareable=shared_by is None))
    text = (
        f"{strand.name} as of {dashboard.as_of.isoformat()}: {strand.fytd.current:,} "
        "this financial year to date, "
        f"{pct_text(strand.fytd)} on last year"
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
                    action_id=OPEN_STRAND_ACTION_ID,
                    options=[
                        Option(
                            value=json.dumps({"strand": s.slug, "as_of": dashboard.as_of.isoformat()}), text=s.name[:75]
                        )
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
    share = json.dumps(
        {"kind": request.kind, "strand": request.strand, "option": request.option, "as_of": request.as_of.isoformat()}
    )
    buttons = [ButtonElement(text="Share in channel", action_id=SHARE_CHART_ACTION_ID, value=share, style="primary")]
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


def mrkdwn_message(mrkdwn: str) -> Message:
    """A reply that mentions people or channels: their IDs are checked when parsed, so it is not escaped
    (escaped, a mention would not link)."""
    mrkdwn = mrkdwn[:SECTION_TEXT_LIMIT]
    return Message(text=mrkdwn, blocks=as_blocks(SectionBlock(text=MarkdownTextObject(text=mrkdwn))))


def notice_message(text: str) -> Message:
    """A short reply: help, an error, a confirmation."""
    text = escape(text)
    if len(text) > SECTION_TEXT_LIMIT:
        text = text[: SECTION_TEXT_LIMIT - 1] + "…"
    return Message(text=text, blocks=as_blocks(SectionBlock(text=MarkdownTextObject(text=text))))


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


TERMINAL_EMOJI = {RAG_EMOJI["red"]: "🔴", RAG_EMOJI["amber"]: "🟠", RAG_EMOJI["green"]: "🟢"}


def message_as_text(payload: dict) -> str:
    """What Slack would show for a message payload (blocks, or else text), as plain text for a terminal."""
    lines: list[str] = []
    for block in payload.get("blocks") or [{"type": "section", "text": {"text": payload.get("text", "")}}]:
        kind = block["type"]
        if kind == "header":
            lines += [block["text"]["text"], "=" * len(block["text"]["text"])]
        elif kind == "section":
            lines.append(_plain(block.get("text", {}).get("text", "")))
            lines += [_plain(f["text"]) for f in block.get("fields", [])]
        elif kind == "context":
            lines.append(" ".join(_plain(e.get("text", "")) for e in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block["elements"] if e["type"] == "button"))
    return "\n".join(lines)


def _plain(mrkdwn: str) -> str:
    for code, emoji in TERMINAL_EMOJI.items():
        mrkdwn = mrkdwn.replace(code, emoji)
    mrkdwn = mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    mrkdwn = mrkdwn.replace("```", "\n")
    for mark in ("*", "_"):  # bold, italic: the text between may not hold the mark itself
        m = re.escape(mark)
        mrkdwn = re.sub(rf"(?<![\w*_]){m}([^{m}\s](?:[^{m}]*[^{m}\s])?){m}(?![\w*_])", r"\1", mrkdwn)
    return mrkdwn
