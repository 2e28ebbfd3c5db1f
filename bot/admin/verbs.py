"""What `/strand-admin` does, as a registry of verbs: for each, its lines in the help, how its words are
read into an AdminRequest, and the actions those requests carry (each with its name in the audit log and
the function that carries it out).

A new admin verb is one entry in VERBS: `/strand-admin` parses it, `bot.admin.dispatch.perform` checks the
asker is an admin, records it under its audit name and runs it, and `/strand-admin help` lists it. Its
reply is rendered by the result's type (`bot/render/admin.py`, `bot/render/alerts.py`).

People and channels come as Slack markup (`<@U…>`, `<#C…|name>`); reading them is the Slack edge's, which
passes a Markup in. Nothing here knows Slack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.admin.roles import change_repeat_rule, change_role, repeat_rules, role_holders
from bot.alerts.backtest import backtest
from bot.alerts.configure import (
    Channel,
    ChannelDirectory,
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
from bot.alerts.digest import preview
from bot.alerts.thresholds import DIRECTIONS, SIGNIFICANCE, THRESHOLD_OPTIONS
from bot.audit.log import Actor
from bot.domain.comparisons import COMPARISONS
from bot.domain.periods import period_text, take_period
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.db import Database


@dataclass(frozen=True)
class AdminRequest:
    """A parsed `/strand-admin` command. `action` (one of ACTIONS) says which of the other fields matter."""

    command: str  # exactly as typed, for the audit log
    action: str  # help | role | roles | rules | rule | rule-reset | invalid | threshold | …
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
class Markup:
    """How the Slack edge reads a person (`<@U…>` or an ID: the member ID) and a channel (`<#C…|name>` or
    an ID: the channel ID and its name if given); each raises InvalidRequest for anything else."""

    user: Callable[[str], str]
    channel: Callable[[str], tuple[str, str | None]]


@dataclass(frozen=True)
class AdminCall:
    """Who asked, and what a handler may use. `channels` is Slack's view of channels (to subscribe one)."""

    database: Database
    settings: Settings
    actor: Actor
    channels: ChannelDirectory | None = None

    def channel(self, request: AdminRequest) -> Channel | None:
        return None if request.channel is None else Channel(request.channel, request.channel_name)


@dataclass(frozen=True)
class Action:
    """What a request does: its name in the audit log, and the function that does it (its result is
    rendered as the reply; None for help)."""

    audited_as: str
    run: Callable[[AdminCall, AdminRequest], Any]


Parser = Callable[[str, str, list[str], Markup], AdminRequest]  # (command, verb as typed, its words, markup)


@dataclass(frozen=True)
class Verb:
    """One word admins type first. `usage`: its lines in the help (none when another verb's line lists it);
    `section`: a heading in the help before it. `actions`: the actions its requests may carry."""

    name: str
    parse: Parser
    actions: dict[str, Action]
    usage: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    section: str | None = None


def unknown_verb(verb: str) -> InvalidRequest:
    return InvalidRequest(f"“{verb}” is not something `/strand-admin` does; `/strand-admin help` lists what it does.")


# Parsers: what follows each verb.


def _nothing(action: str) -> Parser:
    def parse(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
        if args:
            raise InvalidRequest(f"`{verb}` takes nothing more: `/strand-admin {verb}`.")
        return AdminRequest(full, action)

    return parse


def _help(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    return AdminRequest(full, "help")


def _roles(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    if args:
        raise unknown_verb(verb)
    return AdminRequest(full, "roles")


def _role(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    if len(args) != 2:
        raise InvalidRequest("Give a person and a role: `/strand-admin role @alex analyst` (or `none` to remove).")
    return AdminRequest(full, "role", user=markup.user(args[0]), role=args[1])


def _repeat_rule(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    if not args or [a.lower() for a in args] == ["show"]:
        return AdminRequest(full, "rules")
    if args[0].lower() == "reset":
        return AdminRequest(full, "rule-reset", strand=" ".join(args[1:]) or None)
    options = {}
    names = []
    for word in args:
        key, equals, value = word.partition("=")
        if not equals:
            names.append(word)
        elif key.lower() in ("min", "period"):
            options[key.lower()] = value
        else:
            raise InvalidRequest(f"“{word}” is not an option here; use min= and period=, e.g. `repeats DA min=3`.")
    period = options.get("period")
    if period is None:
        period = take_period(names)  # `repeats hate-crime 12m`, as /repeats takes it
    return AdminRequest(
        full,
        "rule",
        strand=" ".join(names) or None,
        min_occurrences=options.get("min"),
        period=None if period is None else period_text(period),
    )


PERCENT = re.compile(r"^[-+]?\d*\.?\d+%?$")


def _threshold_words(args: list[str]) -> tuple[str, str | None, tuple[tuple[str, str], ...]]:
    """`hate crime 15% direction=up`: the strand's words, the percentage, and the options."""
    names, percent, options = [], None, []
    for word in args:
        key, equals, value = word.partition("=")
        if equals:
            if key.lower() not in THRESHOLD_OPTIONS:
                raise InvalidRequest(
                    f"“{word}” is not an option here; use {', '.join(f'{o}=' for o in THRESHOLD_OPTIONS)}, "
                    "e.g. `threshold hate-crime 15% direction=up`."
                )
            options.append((key.lower(), value))
        elif PERCENT.match(word) and percent is None:
            percent = word
        else:
            names.append(word)
    return " ".join(names), percent, tuple(options)


def _threshold(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    lowered = [a.lower() for a in args]
    if lowered in ([], ["show"]):
        return AdminRequest(full, "thresholds")
    if lowered[0] == "reset":
        return AdminRequest(full, "threshold-reset", strand=" ".join(args[1:]) or None)
    return _tried_threshold(full, verb, args, markup)


def _tried_threshold(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    """`threshold` and `backtest`: a strand, a percentage and options."""
    names, percent, options = _threshold_words(args)
    return AdminRequest(full, verb, strand=names or None, percent=percent, options=options)


def _thresholds(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    return AdminRequest(full, "thresholds")


def _subscription(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    if not args:
        raise InvalidRequest(f"Say which channel and strands: `/strand-admin {verb} #safeguarding hate-crime`.")
    channel, name = markup.channel(args[0])
    return AdminRequest(full, verb, channel=channel, channel_name=name, strands=" ".join(args[1:]) or None)


def _one_channel(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    if len(args) > 1:
        raise InvalidRequest(f"`{verb}` takes at most one channel: `/strand-admin {verb} #safeguarding`.")
    channel, name = markup.channel(args[0]) if args else (None, None)
    return AdminRequest(full, verb, channel=channel, channel_name=name)


def _schedule(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    lowered = [a.lower() for a in args]
    return AdminRequest(full, "schedule-show" if lowered in ([], ["show"]) else "schedule", words=tuple(args))


def _quiet_weeks(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    lowered = [a.lower() for a in args]
    if lowered not in (["on"], ["off"]):
        raise InvalidRequest("`quiet-weeks on` posts a one-line note in a week without breaches; `off` posts nothing.")
    return AdminRequest(full, "quiet-weeks", words=tuple(lowered))


# Handlers: what each action does.


def _schedule_change(**change) -> Callable[[AdminCall, AdminRequest], Any]:
    def run(call: AdminCall, request: AdminRequest):
        values = {key: value(request) for key, value in change.items()}
        return change_schedule(call.database, call.actor, request.command, call.settings.timezone, **values)

    return run


def _invalid(call: AdminCall, request: AdminRequest) -> None:
    raise InvalidRequest(request.problem or "That is not something `/strand-admin` does; see `/strand-admin help`.")


INVALID = Action("admin.invalid", _invalid)

VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb("help", _help, {"help": Action("admin.help", lambda call, request: None)}, aliases=("?",)),
        Verb(
            "role",
            _role,
            {
                "role": Action(
                    "role.change",
                    lambda call, r: change_role(call.database, call.settings, call.actor, r.command, r.user, r.role),
                )
            },
            usage=(
                "• `/strand-admin role @alex analyst` — give a role: `officer`, `analyst`, `supervisor` or `admin` "
                "(`none` takes it away; everyone is an officer)",
            ),
        ),
        Verb(
            "roles",
            _roles,
            {"roles": Action("role.list", lambda call, r: role_holders(call.database, call.settings))},
            usage=("• `/strand-admin roles` — who has which role",),
        ),
        Verb(
            "repeats",
            _repeat_rule,
            {
                "rules": Action("repeats.rules", lambda call, r: repeat_rules(call.database)),
                "rule": Action(
                    "repeats.rule",
                    lambda call, r: change_repeat_rule(
                        call.database, call.actor, r.command, r.strand, r.min_occurrences, r.period
                    ),
                ),
                "rule-reset": Action(
                    "repeats.rule",
                    lambda call, r: change_repeat_rule(
                        call.database, call.actor, r.command, r.strand, None, None, True
                    ),
                ),
            },
            usage=(
                "• `/strand-admin repeats` — the repeat-contact rule each strand follows",
                "• `/strand-admin repeats mental-health min=3 period=last-month` — change a strand's rule "
                "(`default` for the force-wide one; periods `last-month`, `30d`, `12m`…)",
                "• `/strand-admin repeats reset mental-health` — back to the rule it had before an admin changed it",
            ),
            aliases=("repeat-rule",),
        ),
        # The weekly alerts (bot.alerts): thresholds, subscriptions, the schedule, and the views of them.
        Verb(
            "threshold",
            _threshold,
            {
                "threshold": Action(
                    "threshold.change",
                    lambda call, r: change_threshold(
                        call.database, call.actor, r.command, r.strand, r.percent, dict(r.options)
                    ),
                ),
                "threshold-reset": Action(
                    "threshold.change", lambda call, r: reset_threshold(call.database, call.actor, r.command, r.strand)
                ),
            },
            usage=(
                "• `/strand-admin threshold hate-crime 15%` — a strand's threshold (`default` for the force-wide "
                f"one); options `window={','.join(COMPARISONS)}`, `direction={'|'.join(DIRECTIONS)}`, `min=10` "
                f"(both counts at least), `significance={'|'.join(SIGNIFICANCE)}` (for changes that could be chance)",
                "• `/strand-admin threshold show` — every strand's threshold · `threshold reset hate-crime` — "
                "follow the default again",
            ),
            section="*Weekly breach alerts*",
        ),
        Verb(
            "thresholds", _thresholds, {"thresholds": Action("threshold.list", lambda c, r: threshold_list(c.database))}
        ),
        Verb(
            "subscribe",
            _subscription,
            {
                "subscribe": Action(
                    "subscription.change",
                    lambda c, r: subscribe(c.database, c.actor, r.command, c.channel(r), r.strands, c.channels),
                )
            },
            usage=(
                "• `/strand-admin subscribe #channel hate-crime, domestic abuse` (or `all`) · "
                "`unsubscribe #channel …` · `subscriptions`",
            ),
        ),
        Verb(
            "unsubscribe",
            _subscription,
            {
                "unsubscribe": Action(
                    "subscription.change",
                    lambda c, r: unsubscribe(c.database, c.actor, r.command, c.channel(r), r.strands),
                )
            },
        ),
        Verb(
            "subscriptions",
            _nothing("subscriptions"),
            {"subscriptions": Action("subscription.list", lambda c, r: subscription_list(c.database))},
        ),
        Verb(
            "schedule",
            _schedule,
            {
                "schedule": Action("schedule.change", _schedule_change(words=lambda r: list(r.words))),
                "schedule-show": Action("schedule.show", lambda c, r: schedule_view(c.database, c.settings.timezone)),
            },
            usage=(
                "• `/strand-admin schedule weekly mon 08:00` (the force's local time) · `schedule show` · `pause` · "
                "`resume` · `quiet-weeks on|off`",
            ),
        ),
        Verb("pause", _nothing("pause"), {"pause": Action("schedule.change", _schedule_change(paused=lambda r: True))}),
        Verb(
            "resume",
            _nothing("resume"),
            {"resume": Action("schedule.change", _schedule_change(paused=lambda r: False))},
        ),
        Verb(
            "quiet-weeks",
            _quiet_weeks,
            {"quiet-weeks": Action("schedule.change", _schedule_change(quiet_note=lambda r: r.words == ("on",)))},
        ),
        Verb(
            "preview",
            _one_channel,
            {"preview": Action("alerts.preview", lambda c, r: preview(c.database, c.settings, r.channel))},
            usage=("• `/strand-admin preview [#channel]` — what the next run would post, shown only to you",),
        ),
        Verb(
            "backtest",
            _tried_threshold,
            {
                "backtest": Action(
                    "alerts.backtest",
                    lambda c, r: backtest(c.database, c.settings, r.strand, r.percent, dict(r.options)),
                )
            },
            usage=("• `/strand-admin backtest hate-crime 15%` — how often it would have fired in the last 52 weeks",),
        ),
        Verb(
            "history",
            _one_channel,
            {"history": Action("alerts.history", lambda c, r: delivery_history(c.database, c.channel(r)))},
            usage=("• `/strand-admin history [#channel]` — the last digests sent, and whether they arrived",),
        ),
    )
}

# Every action a request may carry, from every verb (each action belongs to one verb), and `invalid`.
ACTIONS: dict[str, Action] = {"invalid": INVALID} | {
    action: handler for verb in VERBS.values() for action, handler in verb.actions.items()
}
_TYPED = {typed: verb for verb in VERBS.values() for typed in (verb.name, *verb.aliases)}

HELP_HEADING = "*strandbot admin* — for admins only; every change is recorded in the audit log."


def admin_request(full: str, words: list[str], markup: Markup) -> AdminRequest:
    """The request `words` (what follows `/strand-admin`) make; nothing at all asks for help."""
    typed = words[0].lower() if words else "help"
    verb = _TYPED.get(typed)
    if verb is None:
        raise unknown_verb(typed)
    return verb.parse(full, typed, words[1:], markup)


def admin_help() -> str:
    """The help `/strand-admin help` shows: each verb's lines, in the registry's order, under its heading."""
    lines = [HELP_HEADING]
    for verb in VERBS.values():
        if verb.section:
            lines.append(verb.section)
        lines += verb.usage
    return "\n".join(lines)
