"""Slack's markup, read and written in one place: mentions in what people type, and mrkdwn's escaping.

What people type after a slash command reaches us with Slack's markup in it: `<@U012AB3CD|alex>` for a person
picked from the list, `<#C012AB3CD|safeguarding>` for a channel. `plain_command` turns those into plain IDs
before the parser sees the text, so the parser knows nothing of Slack's markup.
"""

from __future__ import annotations

import re
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


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: without it a typed `<!channel>` would notify everyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(mrkdwn: str) -> str:
    """The text `escape` was given."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user_mention(user: str) -> str:
    """A person's mention in mrkdwn (Slack shows their name, linked). IDs are checked when parsed, so a mention
    is not escaped (escaped, it would not link)."""
    return f"<@{user}>"


def channel_mention(channel: str) -> str:
    """A channel's mention in mrkdwn (Slack shows its name, linked)."""
    return f"<#{channel}>"
