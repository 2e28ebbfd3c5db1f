"""What people type after a slash command, as Slack sends it: markup turned into plain IDs, then parsed."""

from __future__ import annotations

from collections.abc import Callable

from bot import commands
from bot.admin.request import AdminRequest
from bot.domain.catalogue import Catalogue
from bot.repeats.request import RepeatRequest
from bot.slack.markup import plain_command, unescape


def parse_strand_command(text: str | None, strands: Callable[[], Catalogue]) -> commands.StrandCommand:
    """`/strand`'s text as Slack sends it, parsed (`Bed &amp; Breakfast` is the ward `Bed & Breakfast`; a
    strand called `deaths in custody` is that strand, not deaths in an area). `strands` gives the catalogue,
    read only if the text has an `in` to weigh (so `/strand help` needs no database)."""
    return commands.parse_strand_command(plain_command(text).text, lambda name: strands().exactly(name) is not None)


def parse_repeats_command(text: str | None) -> RepeatRequest | None:
    """`/repeats`'s text as Slack sends it, parsed; None asks for help."""
    return commands.parse_repeats_command(plain_command(text).text)


def parse_admin_command(text: str | None) -> AdminRequest:
    """`/strand-admin`'s text as Slack sends it (`role <@U012AB3CD|alex> analyst`), parsed; the audit log keeps it
    as typed (Slack's mentions kept, its escaping undone)."""
    plain = plain_command(text)
    return commands.parse_admin_command(plain.text, plain.channel_names, typed=unescape(text or ""))
