"""What admins set for the weekly alerts: thresholds, which channel hears about which strand, and when.

Every change is checked before anything is written, applied in one transaction together with its audit
row, and not recorded at all when it changes nothing. Who may make changes is checked by the caller
(`bot.admin.dispatch.perform`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.alerts.records import AlertDelivery, AlertSchedule, AlertSubscription, BreachThreshold, JobRun
from bot.alerts.schedule import SHIPPED_SCHEDULE, WeeklySchedule, checked_schedule
from bot.alerts.thresholds import (
    DIRECTIONS,
    PARTS,
    SIGNIFICANCE,
    THRESHOLD_OPTIONS,
    Threshold,
    checked_choice,
    checked_comparisons,
    checked_min_volume,
    checked_percent,
    comparisons_of,
    threshold_for,
)
from bot.audit.log import Actor, record
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue, checked_scope, scope_name
from bot.errors import AmbiguousStrand, InvalidRequest, UnknownStrand
from bot.store.alerts import (
    add_subscriptions,
    remove_subscriptions,
    store_schedule,
    store_threshold,
    stored_schedule,
    stored_thresholds,
    subscriptions,
)
from bot.store.catalogue import load_catalogue
from bot.store.db import Database
from bot.store.jobs import recent_deliveries, recent_job_runs

EVERY_STRAND = ("all", "*", "every", "everything")
HISTORY_ROWS = 15


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
class ThresholdChange:
    scope: str
    before: Threshold
    after: Threshold
    changed: bool  # False when the strand already had exactly these settings of its own
    reset: bool = False


@dataclass(frozen=True)
class StrandThreshold:
    slug: str  # or DEFAULT_SCOPE
    depth: int
    threshold: Threshold


@dataclass(frozen=True)
class ThresholdList:
    thresholds: tuple[StrandThreshold, ...]


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


@dataclass(frozen=True)
class ScheduleView:
    schedule: WeeklySchedule
    next_runs: tuple[datetime, ...]
    before: WeeklySchedule | None = None  # set when this is a change


@dataclass(frozen=True)
class History:
    channel: Channel | None
    deliveries: tuple[AlertDelivery, ...]


# Thresholds


def change_threshold(
    database: Database, actor: Actor, command: str, strand: str | None, percent: str | None, options: dict[str, str]
) -> ThresholdChange:
    """Set the parts of a strand's (or the default's) threshold that the admin gave; the rest still follow."""
    values = checked_threshold_values(percent, options)
    if not values:
        raise InvalidRequest("Say what to change: a percentage and/or window=, direction=, min=, significance=.")
    with database.session() as session:
        catalogue = load_catalogue(session)
        scope = checked_scope(catalogue, strand, "threshold hate-crime 15%", "threshold default 15%")
        stored = stored_thresholds(session)
        before = threshold_for(scope, catalogue, stored)
        own = {part: getattr(stored.get(scope), part, None) for part in PARTS}
        if own | values == own:
            return ThresholdChange(scope, before, before, changed=False)  # nothing to change, nothing to record
        row = BreachThreshold(scope=scope, **own | values, changed_by=actor.user, changed_at=datetime.now(UTC))
        after = threshold_for(scope, catalogue, {**stored, scope: row})
        store_threshold(session, scope, row)
        _record_threshold(session, actor, command, scope, before, after)
    return ThresholdChange(scope, before, after, changed=True)


def reset_threshold(database: Database, actor: Actor, command: str, strand: str | None) -> ThresholdChange:
    with database.session() as session:
        catalogue = load_catalogue(session)
        scope = checked_scope(catalogue, strand, "threshold reset hate-crime", "threshold reset default")
        stored = stored_thresholds(session)
        if scope not in stored:
            raise InvalidRequest(f"{scope_name(scope)} has no threshold set by an admin; nothing to reset.")
        before = threshold_for(scope, catalogue, stored)
        store_threshold(session, scope, None)
        after = threshold_for(scope, catalogue, {k: v for k, v in stored.items() if k != scope})
        _record_threshold(session, actor, command, scope, before, after)
    return ThresholdChange(scope, before, after, changed=True, reset=True)


def threshold_list(database: Database) -> ThresholdList:
    with database.session() as session:
        catalogue = load_catalogue(session)
        stored = stored_thresholds(session)
    scopes = [(DEFAULT_SCOPE, 0)] + [(s.slug, catalogue.depth(s.slug)) for s in catalogue]
    return ThresholdList(tuple(StrandThreshold(s, d, threshold_for(s, catalogue, stored)) for s, d in scopes))


def checked_threshold_values(percent: str | None, options: dict[str, str]) -> dict:
    """The threshold parts an admin typed, checked: {"percent": 15.0, "direction": "up", …}."""
    values: dict = {}
    if percent is not None:
        values["percent"] = checked_percent(percent)
    for option, text in options.items():
        if option == "window":
            values["comparisons"] = checked_comparisons(text)
        elif option == "direction":
            values["direction"] = checked_choice(option, text, DIRECTIONS)
        elif option == "significance":
            values["significance"] = checked_choice(option, text, SIGNIFICANCE)
        elif option == "min":
            values["min_volume"] = checked_min_volume(text)
        else:
            raise InvalidRequest(
                f"{option}= is not a threshold option; use {', '.join(f'{o}=' for o in THRESHOLD_OPTIONS)}."
            )
    return values


def with_values(threshold: Threshold, values: dict) -> Threshold:
    """`threshold` with typed values (as `checked_threshold_values` gives them) in place of its own."""
    if "comparisons" in values:
        values = {**values, "comparisons": comparisons_of(values["comparisons"])}
    return replace(threshold, **values)


def _record_threshold(session, actor: Actor, command: str, scope: str, before: Threshold, after: Threshold) -> None:
    record(
        session, actor, "threshold.change", "changed", command,
        {"scope": scope, "before": before.settings(), "after": after.settings()},
    )  # fmt: skip


# Subscriptions


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


# The schedule


def current_schedule(database: Database) -> WeeklySchedule:
    with database.session() as session:
        return _schedule(stored_schedule(session))


def schedule_view(database: Database, tz: ZoneInfo, count: int = 3) -> ScheduleView:
    schedule = current_schedule(database)
    return ScheduleView(schedule, tuple(schedule.runs_after(datetime.now(UTC), tz, count)))


def change_schedule(
    database: Database, actor: Actor, command: str, tz: ZoneInfo, *, words: list[str] | None = None, **flags: bool
) -> ScheduleView:
    """A new day and time (`words`: `weekly mon 08:00`), or `paused=`/`quiet_note=`; recorded if it changes."""
    with database.session() as session:
        before = _schedule(stored_schedule(session))
        after = checked_schedule(words, before) if words is not None else replace(before, **flags)
        if (after.weekday, after.at, after.paused, after.quiet_note) != (
            before.weekday,
            before.at,
            before.paused,
            before.quiet_note,
        ):
            after = replace(after, changed_by=actor.user, changed_at=datetime.now(UTC))
            store_schedule(
                session,
                AlertSchedule(
                    id=1, weekday=after.weekday, at_time=f"{after.at:%H:%M}", paused=after.paused,
                    quiet_note=after.quiet_note, changed_by=actor.user, changed_at=after.changed_at,
                ),
            )  # fmt: skip
            record(
                session,
                actor,
                "schedule.change",
                "changed",
                command,
                {"before": _described(before), "after": _described(after)},
            )
    return ScheduleView(after, tuple(after.runs_after(datetime.now(UTC), tz, 3)), before)


def _schedule(row: AlertSchedule | None) -> WeeklySchedule:
    if row is None:
        return SHIPPED_SCHEDULE
    return WeeklySchedule(
        row.weekday, time.fromisoformat(row.at_time), row.paused, row.quiet_note, row.changed_by, row.changed_at
    )


def _described(schedule: WeeklySchedule) -> dict:
    return {"when": schedule.describe(), "paused": schedule.paused, "quiet_note": schedule.quiet_note}


# History


def job_runs(database: Database, job: str, limit: int) -> list[JobRun]:
    """The newest runs of `job` first."""
    with database.session() as session:
        return recent_job_runs(session, job, limit)


def delivery_history(database: Database, channel: Channel | None) -> History:
    with database.session() as session:
        rows = recent_deliveries(session, None if channel is None else channel.id, HISTORY_ROWS)
    return History(channel, tuple(rows))
