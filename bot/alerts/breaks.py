"""Counting-rule breaks: the days a strand began to be counted differently (the Home Office changed the rules for
domestic abuse in June 2023, cutting recorded numbers by about 7%). A comparison whose windows fall on both sides
of one compares counts made under different rules: `/strand` and the digest say so, alerts on it are marked (or
held, if the threshold says `breaks=hold`), trend charts draw it, and forecasts fit only the months after it.

A break applies to its strand and every strand within it. Every change is checked before anything is written and
recorded in the audit log in the same transaction. Who may make changes is checked by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.alerts.records import CountingBreak
from bot.audit.log import Actor, record
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, checked_scope
from bot.domain.periods import iso_date
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.alerts import add_counting_break, counting_breaks, first_day_of_strand, remove_counting_break
from bot.store.catalogue import load_catalogue
from bot.store.db import Database

NOTE_LIMIT = 200
EXAMPLE = 'break domestic-abuse 2023-06-01 "Home Office counting rules changed (about -7%)"'


@dataclass(frozen=True)
class BreakChange:
    change: CountingBreak
    added: bool  # False: removed


@dataclass(frozen=True)
class BreakList:
    breaks: tuple[CountingBreak, ...]


def add_break(
    database: Database,
    settings: Settings,
    actor: Actor,
    command: str,
    strand: str | None,
    day_text: str | None,
    note: str | None,
) -> BreakChange:
    """Record that `strand` is counted differently from `day_text` on, with what changed (`note`)."""
    note = (note or "").strip().strip("\"'“”‘’").strip()
    if not day_text:
        raise InvalidRequest(f"Give the strand, the first day counted the new way, and what changed: `{EXAMPLE}`.")
    day = iso_date(day_text)
    if not note:
        raise InvalidRequest(f"Say what changed, in quotes, so everyone reading a comparison knows: `{EXAMPLE}`.")
    if len(note) > NOTE_LIMIT:
        raise InvalidRequest(f"That note is {len(note)} characters; keep it to {NOTE_LIMIT}.")
    today = clock.today(settings.timezone)
    if day > today:
        raise InvalidRequest(f"{day:%-d %b %Y} is in the future; record a break once its first day has come.")
    with database.session() as session:
        slug = _strand(session, strand, EXAMPLE)
        first = first_day_of_strand(session, slug, settings.timezone)
        if first is None:
            raise InvalidRequest(f"`{slug}` has no data yet, so there is nothing for a break to divide.")
        if day <= first:
            raise InvalidRequest(
                f"{day:%-d %b %Y} is not after the data begins ({first:%-d %b %Y} for `{slug}`): a break divides "
                "the data held, so its day comes after the first."
            )
        change = CountingBreak(slug, day, note, actor.user, datetime.now(UTC))
        if not add_counting_break(session, change):
            [there] = [b for b in counting_breaks(session, [slug]) if b.day == day]
            raise InvalidRequest(
                f"`{slug}` already has a break on {day:%-d %b %Y} (“{there.note}”). One a day: "
                f"`break remove {slug} {day}` first to change it."
            )
        _record(session, actor, command, "added", change)
    return BreakChange(change, added=True)


def remove_break(
    database: Database, actor: Actor, command: str, strand: str | None, day_text: str | None
) -> BreakChange:
    if not day_text:
        raise InvalidRequest("Give the strand and the day: `break remove domestic-abuse 2023-06-01`.")
    day = iso_date(day_text)
    with database.session() as session:
        slug = _strand(session, strand, "break remove domestic-abuse 2023-06-01")
        found = [b for b in counting_breaks(session, [slug]) if b.day == day]
        if not found or not remove_counting_break(session, slug, day):
            raise InvalidRequest(f"`{slug}` has no break on {day:%-d %b %Y}; `break list` shows those recorded.")
        _record(session, actor, command, "removed", found[0])
    return BreakChange(found[0], added=False)


def break_list(database: Database) -> BreakList:
    with database.session() as session:
        return BreakList(tuple(counting_breaks(session)))


def _strand(session, text: str | None, example: str) -> str:
    slug = checked_scope(load_catalogue(session), text, example)
    if slug == DEFAULT_SCOPE:
        raise InvalidRequest(f"A break is one strand's (and those within it): e.g. `{example}`.")
    return slug


def _record(session, actor: Actor, command: str, what: str, change: CountingBreak) -> None:
    record(
        session, actor, "break.change", "changed", command,
        {what: {"strand": change.strand, "day": change.day.isoformat(), "note": change.note}},
    )  # fmt: skip
