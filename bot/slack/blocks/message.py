"""What every Slack message is made of: the message itself, mrkdwn sections, monospace tables, short notices.

Builders write plain text (with `user_mention`, `channel_mention` and `link` for markup meant as markup); it is
escaped for Slack once, here: a message's `text` when the Message is made, and every mrkdwn text object when
blocks become Slack's JSON (`as_blocks`). Built with slack_sdk's block models, within Slack's limits as counted
on the escaped text; nothing is cut inside a mention, a link or a code span, and what doesn't fit is counted."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.slack.markup import mrkdwn, mrkdwn_length, unbroken_spans

# Slack allows 3,000 characters in a section's text and 50 blocks in a message.
SECTION_TEXT_LIMIT = 3000
MAX_MESSAGE_BLOCKS = 50
MAX_TABLE_SECTIONS = 40
MAX_TABLE_LINE = 300
CODE_FENCE = "```"


@dataclass(frozen=True)
class Message:
    """What Slack shows: blocks (as `as_blocks` made them), and the plain text used in notifications and by screen
    readers, given as plain text and escaped here."""

    text: str
    blocks: list[dict]

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", mrkdwn(self.text))


def as_blocks(*blocks: Block | None) -> list[dict]:
    """Blocks as Slack's JSON, every mrkdwn text in them escaped (`mrkdwn`); None is left out."""
    return [_escaped(block.to_dict()) for block in blocks if block is not None]


def _escaped(node):
    if isinstance(node, list):
        return [_escaped(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
        return {**node, "text": mrkdwn(node["text"])}
    return {key: _escaped(value) for key, value in node.items()}


def length(text: str) -> int:
    """What Slack's limits count: the escaped text's length; or the text's as written, if longer (a mention's mark
    is longer than the mention, and slack_sdk checks the limits on the text as written, before `as_blocks`
    escapes it)."""
    return max(len(text), mrkdwn_length(text))


def cut(text: str, limit: int) -> str:
    """`text`, if it fits in `limit` escaped characters; otherwise as much as fits followed by "…", at a space if
    one is near, and never inside a mention, a link or a code span."""
    if length(text) <= limit:
        return text
    spans = unbroken_spans(text)

    def inside(at: int) -> int | None:
        return next((start for start, stop in spans if start < at < stop), None)

    at = min(len(text), limit)
    while at > 0:
        if (over := length(text[:at]) + len("…") - limit) > 0:
            at -= max(1, over // 5)  # escaping makes a character at most five
        elif (start := inside(at)) is not None:
            at = start
        else:
            break
    space = text.rfind(" ", 0, at)
    if space > at - 40 and inside(space) is None:
        at = space
    return text[:at].rstrip() + "…"


def fitted(lines: list[str], limit: int = SECTION_TEXT_LIMIT, joiner: str = "\n") -> list[str]:
    """`lines` joined into as few texts as hold them within `limit` escaped characters each, split only between
    lines (a line too long for one on its own is `cut`)."""
    chunks: list[str] = []
    for line in lines:
        line = cut(line, limit)
        if chunks and length(chunks[-1] + joiner + line) <= limit:
            chunks[-1] += joiner + line
        else:
            chunks.append(line)
    return chunks


def mrkdwn_sections(lines: list[str], most: int = MAX_MESSAGE_BLOCKS - 1) -> list[SectionBlock]:
    """Lines of mrkdwn as sections, at most `most` of them: a list too long for that ends with a line saying how
    many lines are left out, never with a line cut short."""
    chunks = fitted(lines)
    if len(chunks) > most:
        chunks = chunks[: most - 1]
        shown = sum(chunk.count("\n") + 1 for chunk in chunks)
        chunks.append(f"… and {len(lines) - shown} more, too many for one Slack message")
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunks]


def code_sections(lines: list[str]) -> list[SectionBlock]:
    """A monospace table as one or more sections, split between rows to stay within Slack's limits.

    Over-long rows are cut; a table too big for one message ends with a line saying how many rows are left out."""
    rows = [line if len(line) <= MAX_TABLE_LINE else line[: MAX_TABLE_LINE - 1] + "…" for line in lines]
    chunks = fitted(rows, SECTION_TEXT_LIMIT - 2 * len(CODE_FENCE))
    if len(chunks) > MAX_TABLE_SECTIONS:
        chunks = chunks[: MAX_TABLE_SECTIONS - 1]
        shown = sum(chunk.count("\n") + 1 for chunk in chunks)
        chunks.append(f"… and {len(rows) - shown} more rows, too many for one Slack message")
    return [SectionBlock(text=MarkdownTextObject(text=CODE_FENCE + chunk + CODE_FENCE)) for chunk in chunks]


def notice_message(text: str) -> Message:
    """A reply in mrkdwn (help, an error, a confirmation, a list), in as many sections as it needs, split between
    lines."""
    return Message(text=text, blocks=as_blocks(*mrkdwn_sections(text.split("\n"))))
