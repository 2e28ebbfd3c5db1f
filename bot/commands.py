"""Parsing what people type after `/strand` into a typed request. Pure: no Slack, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.errors import InvalidRequest

# Longer than any strand name plus a date; anything beyond is a paste gone wrong.
MAX_COMMAND_LENGTH = 200
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
OTHER_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


@dataclass(frozen=True)
class StrandCommand:
    action: Literal["help", "all", "list", "strand"]
    strand: str | None = None
    as_of: date | None = None


def parse_strand_command(text: str | None) -> StrandCommand:
    """`hate-crime`, `domestic abuse 2025-03-31`, `DA as of 2025-03-31`, `all`, `list`, `help` or nothing."""
    text = (text or "").strip()
    if len(text) > MAX_COMMAND_LENGTH:
        raise InvalidRequest(
            f"That is {len(text):,} characters; a strand name is a few words. "
            "Try `/strand hate-crime`, or `/strand help` for examples."
        )
    words = text.split()
    as_of = None
    if words and OTHER_DATE.match(words[-1]):
        raise InvalidRequest(
            f"Write the date as YYYY-MM-DD (e.g. 2025-06-30 for 30 June), so day and month can't be mixed up; "
            f"“{words[-1]}” is ambiguous."
        )
    if words and ISO_DATE.match(words[-1]):
        as_of = _date(words.pop())
        if [w.lower() for w in words[-2:]] == ["as", "of"]:
            del words[-2:]
    rest = " ".join(words)
    keyword = rest.lower()
    if keyword in ("help", "?", "-h", "--help"):
        return StrandCommand("help")
    if keyword == "list":
        return StrandCommand("list")
    if keyword in ("", "all"):
        return StrandCommand("all", as_of=as_of)
    return StrandCommand("strand", strand=rest, as_of=as_of)


def _date(text: str) -> date:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise InvalidRequest(f"{text} is not a real date; write it as YYYY-MM-DD, e.g. 2025-03-31.") from None
