"""Slack's markup, read and written in one place: mentions in what people type, and mrkdwn's escaping.

What people type after a slash command reaches us with Slack's markup in it: `<@U012AB3CD|alex>` for a person
picked from the list, `<#C012AB3CD|safeguarding>` for a channel. `plain_command` turns those into plain IDs
before the parser sees the text, so the parser knows nothing of Slack's markup.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

# A whole word only, as Slack sends a mention: the name after `|` is Slack's, and has no spaces.
MENTION = re.compile(r"(?<!\S)<(?P<sigil>[@#])(?P<id>[A-Z0-9]+)(?:\|(?P<name>[^>\s]*))?>(?!\S)")
MENTION_PREFIXES = {"@": ("U", "W"), "#": ("C", "G")}  # people (and enterprise people); channels (and private)


@dataclass(frozen=True)
class PlainCommand:
    """What was typed, with each mention of a person or channel replaced by its ID; and the channel names
    Slack sent beside their IDs (`<#C012AB3CD|safeguarding>`), by ID."""

    text: str
    channel_names: dict[str, str] = field(default_factory=dict)


def plain_command(text: str | None) -> PlainCommand:
    """A slash command's text as the person typed it: `role <@U012AB3CD|alex> analyst` as `role U012AB3CD analyst`;
    `subscribe <#C012AB3CD|safeguarding> all` as `subscribe C012AB3CD all`, remembering that C012AB3CD is
    #safeguarding; and `Bed &amp; Breakfast` (Slack escapes `&`, `<` and `>`) as `Bed & Breakfast`.

    The one place command text is unescaped: after the mentions, so a typed `<` can never become one."""
    names: dict[str, str] = {}

    def plain(found: re.Match) -> str:
        sigil, mentioned, name = found.group("sigil"), found.group("id"), found.group("name")
        if not mentioned.startswith(MENTION_PREFIXES[sigil]) or len(mentioned) < 2:
            return found.group(0)
        if sigil == "#" and name:
            names[mentioned] = name
        return mentioned

    return PlainCommand(unescape(MENTION.sub(plain, text or "")), names)


# Markup strandbot writes on purpose (a mention, a link) is marked where it is written, and made real only by
# `mrkdwn`, after everything else has been escaped: so text from anywhere (a catalogue name, a reason, an error
# quoting what was typed) can never become a mention or a link. The mark is new in each process, so stored text
# can't carry it.
_MARK = f"\x02{secrets.token_hex(8)}\x02"
_END = "\x03"
_MARKED = re.compile(
    re.escape(_MARK) + r"(?P<markup>@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|https://[^\s|\x02\x03]+\|[^\x02\x03]*)" + _END
)
_CONTROL = re.compile(r"[\x02\x03]")


def mrkdwn(text: str) -> str:
    """`text` as Slack's mrkdwn: `&`, `<` and `>` escaped, as Slack's formatting rules ask, so a stored
    `<!channel>` shows as written and notifies nobody; only the mentions and links written with `user_mention`,
    `channel_mention` and `link` become markup. The one place text is escaped for Slack: builders write plain
    text, and `Message` and `as_blocks` (bot/slack/blocks/message.py) pass it through here, once."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub("", _MARKED.sub(lambda found: f"<{found.group('markup')}>", escaped))


def mrkdwn_length(text: str) -> int:
    """How long `text` is once escaped: what Slack's limits count."""
    return len(mrkdwn(text))


def unescape(mrkdwn_text: str) -> str:
    """Text as it was before Slack escaped it (Slack escapes `&`, `<` and `>` in what people type)."""
    return mrkdwn_text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user_mention(user: str) -> str:
    """A person's mention (Slack shows their name, linked), for text that `mrkdwn` will escape."""
    return f"{_MARK}@{user}{_END}"


def channel_mention(channel: str) -> str:
    """A channel's mention (Slack shows its name, linked), for text that `mrkdwn` will escape."""
    return f"{_MARK}#{channel}{_END}"


def link(url: str, label: str) -> str:
    """A link to an https `url` showing `label`, for text that `mrkdwn` will escape."""
    return f"{_MARK}{url}|{label}{_END}"


def unbroken_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` may not be cut: each mention or link, and each `code span` (start, end)."""
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(_MARK) + r"[^\x03]*" + _END, text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"`[^`\n]*`", text)]
    return spans
