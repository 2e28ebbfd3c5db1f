"""Which channel hears about which strand: subscribe, unsubscribe, list.

Every change is checked before anything is written, applied in one transaction together with its audit
row, and not recorded at all when it changes nothing. Who may make changes is checked by the caller
(`bot.admin.dispatch.perform`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.alerts.records import AlertSubscription
from bot.audit.log import Actor, record
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue
from bot.errors import AmbiguousStrand, InvalidRequest, UnknownStrand
from bot.store.alerts import (
    add_subscriptions,
    remove_subscriptions,
    subscriptions,
)
from bot.store.catalogue import load_catalogue
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
    now: tuple[str, ...]  # what the channel follows afterwards
    subscribing: bool


@dataclass(frozen=True)
class SubscriptionList:
    channels: tuple[tuple[Channel, tuple[str, ...]], ...]


def subscribe(
    database: Database,
    actor: Actor,
    command: str,
    channel: Channel,
    strands: str | None,
    directory: ChannelDirectory | None,
) -> SubscriptionChange:
    """Have `channel` hear about `strands` (names, or `all`). The bot must be in the channel to post there."""
    with database.session() as session:
        scopes = checked_scopes(load_catalogue(session), strands, "subscribe")
    if directory is None:
        raise InvalidRequest("Subscribing needs Slack, to check strandbot is in the channel: use /strand-admin.")
    seen = directory.channel(channel.id)
    channel = Channel(channel.id, seen.name or channel.name, seen.bot_is_member)
    if not channel.bot_is_member:
        raise InvalidRequest(
            f"strandbot is not in {channel.label}, so it can't post there. Invite it first: in the channel, "
            "type `/invite @strandbot`; then subscribe again."
        )
    with database.session() as session:
        current = _channel_scopes(session, channel.id)
        replaced = []
        if DEFAULT_SCOPE in current:
            added, unchanged = [], scopes
        elif scopes == [DEFAULT_SCOPE]:
            added, unchanged, replaced = scopes, [], current
            remove_subscriptions(session, channel.id, current)  # "all" covers them
        else:
            added = [s for s in scopes if s not in current]
            unchanged = [s for s in scopes if s in current]
        now = datetime.now(UTC)
        rows = [AlertSubscription(channel=channel.id, scope=s, channel_name=channel.name) for s in added]
        add_subscriptions(session, rows, actor.user, now)
        after = (
            [DEFAULT_SCOPE]
            if scopes == [DEFAULT_SCOPE] or DEFAULT_SCOPE in current
            else sorted(set(current) | set(added))
        )
        if added:
            change = {"channel": channel.id, "added": added} | ({"removed": replaced} if replaced else {})
            record(session, actor, "subscription.change", "changed", command, change)
    return SubscriptionChange(channel, tuple(added), tuple(unchanged), tuple(after), subscribing=True)


def unsubscribe(
    database: Database, actor: Actor, command: str, channel: Channel, strands: str | None
) -> SubscriptionChange:
    with database.session() as session:
        scopes = checked_scopes(load_catalogue(session), strands, "unsubscribe")
        current = _channel_scopes(session, channel.id)
        if not current:
            raise InvalidRequest(
                f"{channel.label} is not subscribed to anything; `/strand-admin subscriptions` lists who is."
            )
        if scopes == [DEFAULT_SCOPE]:
            removed, unchanged = current, []
        elif DEFAULT_SCOPE in current:
            raise InvalidRequest(
                f"{channel.label} hears about every strand. To narrow it, `unsubscribe {channel.label} all`, "
                "then subscribe it to the strands it wants."
            )
        else:
            removed = [s for s in scopes if s in current]
            unchanged = [s for s in scopes if s not in current]
            if not removed:
                raise InvalidRequest(
                    f"{channel.label} is not subscribed to {', '.join(f'`{s}`' for s in unchanged)}; "
                    f"it follows {', '.join(f'`{s}`' for s in current)}."
                )
        remove_subscriptions(session, channel.id, removed)
        record(session, actor, "subscription.change", "changed", command, {"channel": channel.id, "removed": removed})
    after = tuple(s for s in current if s not in removed)
    return SubscriptionChange(channel, tuple(removed), tuple(unchanged), after, subscribing=False)


def subscription_list(database: Database) -> SubscriptionList:
    with database.session() as session:
        rows = subscriptions(session)
    channels: dict[str, tuple[Channel, list[str]]] = {}
    for row in rows:
        channels.setdefault(row.channel, (Channel(row.channel, row.channel_name), []))[1].append(row.scope)
    return SubscriptionList(tuple((channel, tuple(scopes)) for channel, scopes in channels.values()))


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


def _channel_scopes(session, channel: str) -> list[str]:
    return [row.scope for row in subscriptions(session) if row.channel == channel]
