"""What every Slack message is made of: the message itself, mrkdwn sections, monospace tables, short notices.

Built with slack_sdk's block models, which enforce Slack's size limits."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.slack.markup import escape

# Slack allows 3,000 characters in a section's text (leave room for the code fences) and 50 blocks.
SECTION_TEXT_LIMIT = 2900
MAX_TABLE_SECTIONS = 40
MAX_TABLE_LINE = 300


@dataclass(frozen=True)
class Message:
    """What Slack shows: blocks, and the plain text used in notifications and by screen readers."""

    text: str
    blocks: list[dict]


def as_blocks(*blocks: Block | None) -> list[dict]:
    return [block.to_dict() for block in blocks if block is not None]


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
