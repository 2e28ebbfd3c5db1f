"""What admins change: who has which role, and the repeat-contact rules. Every change is checked first,
and applied in one transaction with its audit row. (`bot.admin.dispatch` refuses, and records, anyone
but an admin before these run.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.admin.access import ROLE_NAMES, Role
from bot.audit.log import Actor, record
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, checked_scope, scope_name
from bot.domain.periods import ROLLING_TEXT, repeat_period
from bot.errors import InvalidRequest
from bot.repeats.records import StoredRepeatRule
from bot.repeats.rules import RepeatRule, checked_min, rule_for
from bot.repeats.service import stored_rules
from bot.settings import Settings
from bot.store.access import store_repeat_rule, store_role, stored_role, stored_roles
from bot.store.catalogue import load_catalogue
from bot.store.db import Database

RULE_PERIODS = "`last-month`, or a rolling window such as `30d` or `12m`"


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


def change_role(
    database: Database, settings: Settings, actor: Actor, command: str, user: str | None, role: str | None
) -> RoleChange:
    """Give `user` the role named `role` (`none` takes it away)."""
    wanted = (role or "").lower()
    assert user is not None
    if wanted not in [*Role, "none"]:
        raise InvalidRequest(f"“{role}” is not a role; use one of {ROLE_NAMES}, or `none` to remove it.")
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
            command,
            {"user": user, "before": before.value, "after": after.value},
        )
    return RoleChange(user, before, after)


def role_holders(database: Database, settings: Settings) -> RoleList:
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


def change_repeat_rule(
    database: Database,
    actor: Actor,
    command: str,
    strand: str | None,
    min_occurrences: str | None,
    period: str | None,
    reset: bool = False,
) -> RuleChange:
    """Set (or with `reset`, remove) a strand's or the force's default repeat-contact rule."""
    with database.session() as session:
        catalogue = load_catalogue(session)
        scope = checked_scope(catalogue, strand, "repeats mental-health min=3", "repeats default min=2")
        stored = stored_rules(session)
        before = rule_for(scope, catalogue, stored)
        if reset:
            if scope not in stored:
                raise InvalidRequest(f"{scope_name(scope)} has no rule set by an admin; nothing to reset.")
            store_repeat_rule(session, scope, None)
            stored.pop(scope)
        else:
            if min_occurrences is None and period is None:
                raise InvalidRequest("Say what to change: min=N, period=…, or both; e.g. `repeats hate-crime min=3`.")
            rule = RepeatRule(
                before.min_occurrences if min_occurrences is None else checked_min(min_occurrences),
                before.period if period is None else _checked_rule_period(period),
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
            command,
            {
                "scope": scope,
                "before": {"min": before.min_occurrences, "period": before.period},
                "after": {"min": after.min_occurrences, "period": after.period},
            },
        )
    return RuleChange(scope, before, after)


def repeat_rules(database: Database) -> RuleList:
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
    repeat_period(period, clock.today(UTC))  # range checks, with their own messages
    return period
