"""Which channel hears about which strand, and where: subscribe, unsubscribe, list.

A subscription is a channel, a strand (or every strand) and a place: the whole force, or one area with the
areas within it. A channel may follow several places; its weekly digest has a part for each.

Every change is checked before anything is written, applied in one transaction together with its audit
row, and not recorded at all when it changes nothing. Who may make changes is checked by the caller
(`bot.admin.dispatch.perform`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.alerts.records import AlertSubscription
from bot.audit.log import Actor, record
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue, CatalogueEntry, named_area
from bot.errors import AmbiguousStrand, InvalidRequest, UnknownStrand
from bot.store.alerts import (
    add_subscriptions,
    remove_subscriptions,
    subscriptions,
)
from bot.store.catalogue import load_areas, load_catalogue
from bot.store.db import Database

EVERY_STRAND = ("all", "*", "every", "everything")


@dataclass(frozen=True)
class Channel:
    id: str
    name: str | None = None
    bot_is_member: bool = True

    @property
    def label(self) -> str:
        """How a plain-text message names it: `#safeguarding`, or its ID if Slack did not say."""
        return f"#{self.name}" if self.name else self.id


class ChannelDirectory(Protocol):
    """Slack's view of a channel: its name, and whether the bot is in it (it can only post where it is)."""

    def channel(self, channel_id: str) -> Channel: ...


@dataclass(frozen=True)
class SubscriptionChange:
    channel: Channel
    changed: tuple[str, ...]  # scopes added (subscribe) or removed (unsubscribe)
    unchanged: tuple[str, ...]  # already so
    now: tuple[str, ...]  # what the channel follows afterwards, in this area
    subscribing: bool
    area: CatalogueEntry | None = None  # None: the whole force


@dataclass(frozen=True)
class Following:
    """What a channel follows in one place: the whole force (`area` None) or one area and its sub-areas."""

    area: CatalogueEntry | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class SubscriptionList:
    channels: tuple[tuple[Channel, tuple[Following, ...]], ...]  # each channel's places: the force, then areas


def subscribe(
    database: Database,
    actor: Actor,
    command: str,
    channel: Channel,
    strands: str | None,
    directory: ChannelDirectory | None,
    area: str | None = None,
) -> SubscriptionChange:
    """Have `channel` hear about `strands` (names, or `all`) in `area` (a name, loosely; None: the whole force).
    The bot must be in the channel to post there."""
    with database.session() as session:
        scopes = checked_scopes(load_catalogue(session), strands, "subscribe")
        place, _ = named_area(load_areas(session), area)
    if directory is None:
        raise InvalidRequest("Subscribing needs Slack, to check strandbot is in the channel: use /strand-admin.")
    seen = directory.channel(channel.id)
    channel = Channel(channel.id, seen.name or channel.name, seen.bot_is_member)
    if not channel.bot_is_member:
        raise InvalidRequest(
            f"strandbot is not in {channel.label}, so it can't post there. Invite it first: in the channel, "
            "type `/invite @strandbot`; then subscribe again."
        )
    slug = "" if place is None else place.slug
    with database.session() as session:
        current = _channel_scopes(session, channel.id, slug)
        replaced = []
        if DEFAULT_SCOPE in current:
            added, unchanged = [], scopes
        elif scopes == [DEFAULT_SCOPE]:
            added, unchanged, replaced = scopes, [], current
            remove_subscriptions(session, channel.id, current, slug)  # "all" covers them
        else:
            added = [s for s in scopes if s not in current]
            unchanged = [s for s in scopes if s in current]
        now = datetime.now(UTC)
        rows = [AlertSubscription(channel=channel.id, scope=s, area=slug, channel_name=channel.name) for s in added]
        add_subscriptions(session, rows, actor.user, now)
        after = (
            [DEFAULT_SCOPE]
            if scopes == [DEFAULT_SCOPE] or DEFAULT_SCOPE in current
            else sorted(set(current) | set(added))
        )
        if added:
            change = {"channel": channel.id, "area": None if place is None else place.slug, "added": added}
            record(session, actor, "subscription.change", "changed", command, change | _removed(replaced))
    return SubscriptionChange(channel, tuple(added), tuple(unchanged), tuple(after), subscribing=True, area=place)


def unsubscribe(
    database: Database, actor: Actor, command: str, channel: Channel, strands: str | None, area: str | None = None
) -> SubscriptionChange:
    """Stop `channel` hearing about `strands` in `area` (None: the whole force); what it follows elsewhere stays."""
    with database.session() as session:
        scopes = checked_scopes(load_catalogue(session), strands, "unsubscribe")
        areas = load_areas(session)
        place, _ = named_area(areas, area)
        slug = "" if place is None else place.slug
        current = _channel_scopes(session, channel.id, slug)
        if not current:
            raise InvalidRequest(_follows_nothing_here(channel, place, subscriptions(session), areas))
        where = "" if place is None else f" in {place.name}"
        if scopes == [DEFAULT_SCOPE]:
            removed, unchanged = current, []
        elif DEFAULT_SCOPE in current:
            option = "" if place is None else f" area={place.slug}"
            raise InvalidRequest(
                f"{channel.label} hears about every strand{where}. To narrow it, "
                f"`unsubscribe {channel.label} all{option}`, then subscribe it to the strands it wants."
            )
        else:
            removed = [s for s in scopes if s in current]
            unchanged = [s for s in scopes if s not in current]
            if not removed:
                raise InvalidRequest(
                    f"{channel.label} is not subscribed to {', '.join(f'`{s}`' for s in unchanged)}{where}; "
                    f"it follows {', '.join(f'`{s}`' for s in current)}{where or ' across the whole force'}."
                )
        remove_subscriptions(session, channel.id, removed, slug)
        change = {"channel": channel.id, "area": None if place is None else place.slug, "removed": removed}
        record(session, actor, "subscription.change", "changed", command, change)
    after = tuple(s for s in current if s not in removed)
    return SubscriptionChange(channel, tuple(removed), tuple(unchanged), after, subscribing=False, area=place)


def subscription_list(database: Database) -> SubscriptionList:
    with database.session() as session:
        rows = subscriptions(session)
        areas = load_areas(session)
    channels: dict[str, tuple[Channel, dict[str, list[str]]]] = {}
    for row in rows:
        channel = channels.setdefault(row.channel, (Channel(row.channel, row.channel_name), {}))
        channel[1].setdefault(row.area, []).append(row.scope)
    return SubscriptionList(
        tuple(
            (
                channel,
                tuple(Following(_area(areas, slug), tuple(places[slug])) for slug in places_in_order(places, areas)),
            )
            for channel, places in channels.values()
        )
    )


def _removed(replaced: list[str]) -> dict:
    return {"removed": replaced} if replaced else {}


def places_in_order(slugs: Iterable[str], areas: Catalogue) -> list[str]:
    """Places in the order a channel's are shown: the whole force (""), then areas in catalogue order."""
    order = {"": -1} | {a.slug: n for n, a in enumerate(areas)}
    return sorted(set(slugs), key=lambda slug: (order.get(slug, len(order)), slug))


def _area(areas: Catalogue, slug: str) -> CatalogueEntry | None:
    if not slug:
        return None
    try:
        return areas.get(slug)
    except KeyError:  # areas are never deleted; a slug with no entry is shown as it is
        return CatalogueEntry(slug, slug)


def _follows_nothing_here(channel: Channel, place: CatalogueEntry | None, rows, areas: Catalogue) -> str:
    followed = {row.area for row in rows if row.channel == channel.id}
    if not followed:
        return f"{channel.label} is not subscribed to anything; `/strand-admin subscriptions` lists who is."
    where = "across the whole force" if place is None else f"in {place.name}"
    names = [
        "the whole force" if not slug else f"{_area(areas, slug).name} (`area={slug}`)"
        for slug in places_in_order(followed, areas)
    ]
    return f"{channel.label} follows nothing {where}; it follows strands in {', '.join(names)}."


def checked_scopes(catalogue: Catalogue, text: str | None, verb: str) -> list[str]:
    """Strand names separated by commas (or spaces, when each is one word), or `all`: slugs, or ['*']."""
    text = (text or "").strip()
    if not text:
        raise InvalidRequest(f"Which strands? e.g. `{verb} #safeguarding hate-crime, domestic abuse`, or `all`.")
    if text.lower() in EVERY_STRAND:
        return [DEFAULT_SCOPE]
    if re.search(r"[,;]", text):
        names = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
    else:
        try:
            return [catalogue.resolve(text).slug]
        except (UnknownStrand, AmbiguousStrand):
            if len(text.split()) == 1:
                raise
            names = text.split()  # several one-word names: `hate-crime DA msht`
    if not names:
        raise InvalidRequest(f"Which strands? e.g. `{verb} #safeguarding hate-crime, domestic abuse`, or `all`.")
    return list(dict.fromkeys(catalogue.resolve(name).slug for name in names))


def _channel_scopes(session, channel: str, area: str) -> list[str]:
    return [row.scope for row in subscriptions(session) if row.channel == channel and row.area == area]
