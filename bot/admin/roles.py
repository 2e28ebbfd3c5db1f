"""What admins change: who has which role, and the repeat-contact rules. Every change is checked first,
applied in one transaction with its audit row, and refused (and recorded) for anyone but an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.admin.access import ADMINS, ROLE_NAMES, Role, authorise
from bot.alerts.backtest import Backtest, backtest
from bot.alerts.configure import (
    Channel,
    ChannelDirectory,
    History,
    ScheduleView,
    SubscriptionChange,
    SubscriptionList,
    ThresholdChange,
    ThresholdList,
    change_schedule,
    change_threshold,
    delivery_history,
    reset_threshold,
    schedule_view,
    subscribe,
    subscription_list,
    threshold_list,
    unsubscribe,
)
from bot.alerts.digest import Preview, preview
from bot.audit.log import Actor, record
from bot.domain.catalogue import DEFAULT_SCOPE, checked_scope, scope_name
from bot.domain.periods import ROLLING_TEXT, repeat_period
from bot.errors import InvalidRequest
from bot.repeats.service import RepeatRule, checked_min, rule_for, stored_rules
from bot.settings import Settings
from bot.store.db import Database
from bot.store.models import StoredRepeatRule
from bot.store.repository import load_catalogue, store_repeat_rule, store_role, stored_role, stored_roles

RULE_PERIODS = "`last-month`, or a rolling window such as `30d` or `12m`"


@dataclass(frozen=True)
class AdminRequest:
    """A parsed `/strand-admin` command. `action` says which of the other fields matter."""

    command: str  # exactly as typed, for the audit log
    action: str  # help | role | roles | rules | rule | rule-reset | invalid
    user: str | None = None
    role: str | None = None
    strand: str | None = None  # a strand's name, or "default"
    min_occurrences: str | None = None
    period: str | None = None
    problem: str | None = None  # for `invalid`: what is wrong with the command, in the user's terms
    channel: str | None = None  # a Slack channel ID
    channel_name: str | None = None
    strands: str | None = None  # strand names as typed, or `all`
    percent: str | None = None  # a threshold as typed: `15%`
    options: tuple[tuple[str, str], ...] = ()  # threshold options as typed: (("direction", "up"),)
    words: tuple[str, ...] = ()  # a schedule as typed (`weekly mon 08:00`), or on/off


@dataclass(frozen=True)
class RoleChange:
    user: str
    before: Role
    after: Role


@dataclass(frozen=True)
class RoleHolder:
    user: str
    role: Role
    granted_by: str  # "STRANDBOT_ADMINS" for the admins named in settings
    granted_at: datetime | None


@dataclass(frozen=True)
class RoleList:
    holders: tuple[RoleHolder, ...]


@dataclass(frozen=True)
class RuleChange:
    scope: str  # a strand slug, or "*"
    before: RepeatRule
    after: RepeatRule


@dataclass(frozen=True)
class StrandRule:
    """The rule a strand follows, and where it comes from."""

    slug: str
    depth: int
    rule: RepeatRule


@dataclass(frozen=True)
class RuleList:
    rules: tuple[StrandRule, ...]


AdminResult = (
    RoleChange
    | RoleList
    | RuleChange
    | RuleList
    | ThresholdChange
    | ThresholdList
    | SubscriptionChange
    | SubscriptionList
    | ScheduleView
    | Preview
    | Backtest
    | History
    | None
)
AUDITED_AS = {
    "threshold": "threshold.change",
    "threshold-reset": "threshold.change",
    "thresholds": "threshold.list",
    "subscribe": "subscription.change",
    "unsubscribe": "subscription.change",
    "subscriptions": "subscription.list",
    "schedule": "schedule.change",
    "schedule-show": "schedule.show",
    "pause": "schedule.change",
    "resume": "schedule.change",
    "quiet-weeks": "schedule.change",
    "preview": "alerts.preview",
    "backtest": "alerts.backtest",
    "history": "alerts.history",
    "help": "admin.help",
    "invalid": "admin.invalid",
    "role": "role.change",
    "roles": "role.list",
    "rule": "repeats.rule",
    "rule-reset": "repeats.rule",
    "rules": "repeats.rules",
}


def perform(
    database: Database,
    settings: Settings,
    actor: Actor,
    request: AdminRequest,
    channels: ChannelDirectory | None = None,
) -> AdminResult:
    """Carry out an admin's request (None for help). Anyone but an admin is refused, and that is recorded.

    `channels` is Slack's view of channels: subscribing needs it, to check the bot can post there."""
    authorise(database, settings, actor, ADMINS, AUDITED_AS[request.action], request.command)
    command, tz = request.command, settings.timezone
    channel = None if request.channel is None else Channel(request.channel, request.channel_name)
    match request.action:
        case "invalid":
            raise InvalidRequest(
                request.problem or "That is not something `/strand-admin` does; see `/strand-admin help`."
            )
        case "role":
            return _change_role(database, settings, actor, request)
        case "roles":
            return _role_holders(database, settings)
        case "rule" | "rule-reset":
            return _change_repeat_rule(database, actor, request)
        case "rules":
            return _repeat_rules(database)
        # The weekly alerts (bot.alerts): thresholds, subscriptions, the schedule, and the views of them.
        case "threshold":
            return change_threshold(database, actor, command, request.strand, request.percent, dict(request.options))
        case "threshold-reset":
            return reset_threshold(database, actor, command, request.strand)
        case "thresholds":
            return threshold_list(database)
        case "subscribe":
            return subscribe(database, actor, command, channel, request.strands, channels)
        case "unsubscribe":
            return unsubscribe(database, actor, command, channel, request.strands)
        case "subscriptions":
            return subscription_list(database)
        case "schedule":
            return change_schedule(database, actor, command, tz, words=list(request.words))
        case "pause" | "resume":
            return change_schedule(database, actor, command, tz, paused=request.action == "pause")
        case "quiet-weeks":
            return change_schedule(database, actor, command, tz, quiet_note=request.words == ("on",))
        case "schedule-show":
            return schedule_view(database, tz)
        case "preview":
            return preview(database, settings, request.channel)
        case "backtest":
            return backtest(database, settings, request.strand, request.percent, dict(request.options))
        case "history":
            return delivery_history(database, channel)
    return None  # help


def _change_role(database: Database, settings: Settings, actor: Actor, request: AdminRequest) -> RoleChange:
    user, wanted = request.user, (request.role or "").lower()
    assert user is not None
    if wanted not in [*Role, "none"]:
        raise InvalidRequest(f"“{request.role}” is not a role; use one of {ROLE_NAMES}, or `none` to remove it.")
    if user in settings.admins:
        raise InvalidRequest(
            f"{user} is an admin through the STRANDBOT_ADMINS setting; change that setting to change their role."
        )
    after = Role.OFFICER if wanted == "none" else Role(wanted)
    with database.session() as session:
        before = Role(stored_role(session, user) or Role.OFFICER)
        if before == after:
            return RoleChange(user, before, after)
        store_role(session, user, None if after == Role.OFFICER else after.value, actor.user, datetime.now(UTC))
        record(
            session,
            actor,
            "role.change",
            "changed",
            request.command,
            {"user": user, "before": before.value, "after": after.value},
        )
    return RoleChange(user, before, after)


def _role_holders(database: Database, settings: Settings) -> RoleList:
    """Everyone with more than an officer's role: the settings' admins first, then the rest by role."""
    with database.session() as session:
        stored = stored_roles(session)
    holders = [RoleHolder(user, Role.ADMIN, "STRANDBOT_ADMINS", None) for user in settings.admins]
    holders += [
        RoleHolder(r.user_id, Role(r.role), r.granted_by, r.granted_at)
        for r in stored
        if r.user_id not in settings.admins
    ]
    return RoleList(tuple(holders))


def _change_repeat_rule(database: Database, actor: Actor, request: AdminRequest) -> RuleChange:
    """Set (or with action `rule-reset`, remove) a strand's or the force's default repeat-contact rule."""
    with database.session() as session:
        catalogue = load_catalogue(session)
        scope = checked_scope(catalogue, request.strand, "repeats mental-health min=3", "repeats default min=2")
        stored = stored_rules(session)
        before = rule_for(scope, catalogue, stored)
        if request.action == "rule-reset":
            if scope not in stored:
                raise InvalidRequest(f"{scope_name(scope)} has no rule set by an admin; nothing to reset.")
            store_repeat_rule(session, scope, None)
            stored.pop(scope)
        else:
            if request.min_occurrences is None and request.period is None:
                raise InvalidRequest("Say what to change: min=N, period=…, or both; e.g. `repeats hate-crime min=3`.")
            rule = RepeatRule(
                before.min_occurrences if request.min_occurrences is None else checked_min(request.min_occurrences),
                before.period if request.period is None else _checked_rule_period(request.period),
                scope,
                actor.user,
            )
            if (rule.min_occurrences, rule.period) == (before.min_occurrences, before.period):
                return RuleChange(scope, before, before)  # nothing to change, nothing to record
            store_repeat_rule(
                session,
                scope,
                StoredRepeatRule(
                    scope=scope,
                    min_occurrences=rule.min_occurrences,
                    period=rule.period,
                    changed_by=actor.user,
                    changed_at=datetime.now(UTC),
                ),
            )
            stored[scope] = rule
        after = rule_for(scope, catalogue, stored)
        record(
            session,
            actor,
            "repeats.rule",
            "changed",
            request.command,
            {
                "scope": scope,
                "before": {"min": before.min_occurrences, "period": before.period},
                "after": {"min": after.min_occurrences, "period": after.period},
            },
        )
    return RuleChange(scope, before, after)


def _repeat_rules(database: Database) -> RuleList:
    """The force default, then every strand's rule in catalogue order."""
    with database.session() as session:
        catalogue = load_catalogue(session)
        stored = stored_rules(session)
    scopes = [(DEFAULT_SCOPE, 0)] + [(s.slug, catalogue.depth(s.slug)) for s in catalogue]
    rules = [StrandRule(scope, depth, rule_for(scope, catalogue, stored)) for scope, depth in scopes]
    return RuleList(tuple(rules))


def _checked_rule_period(period: str) -> str:
    period = period.lower()
    if period == "month":
        period = "last-month"
    if period != "last-month" and not ROLLING_TEXT.match(period):
        raise InvalidRequest(f"period={period} can't be a rule's period; use {RULE_PERIODS}.")
    repeat_period(period, datetime.now(UTC).date())  # range checks, with their own messages
    return period
