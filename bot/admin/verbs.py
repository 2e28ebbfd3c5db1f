"""What `/strand-admin` understands, as a registry of verbs: for each, its lines in the help, how its words
are read into an AdminRequest, and the actions those requests carry, each with its name in the audit log
(what each action does is `bot.admin.dispatch.HANDLERS`).

A new admin verb is one entry in VERBS (how its words are read, its help lines, the actions it may carry
and their names in the audit log) and one handler per action in `bot.admin.dispatch.HANDLERS`.
`/strand-admin help` lists it, and `bot.admin.dispatch.perform` checks the asker is an admin, records the
action under its audit name and runs it. Its reply is rendered by the result's type (bot/slack/blocks/).

Pure: people and channels arrive as plain IDs (the Slack edge turned mentions into IDs), read by the
`Markup` the parser passes in; nothing here knows Slack, services or the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.admin.request import AdminRequest
from bot.alerts.thresholds import DIRECTIONS, SIGNIFICANCE, THRESHOLD_OPTIONS, looks_like_percent
from bot.domain.comparisons import WINDOWS
from bot.domain.measures import MEASURES
from bot.domain.periods import period_text, take_period
from bot.errors import InvalidRequest


@dataclass(frozen=True)
class Markup:
    """How a person (a member ID) and a channel (its ID, and its name if Slack sent one) are read from the
    command's words; each raises InvalidRequest for anything else."""

    user: Callable[[str], str]
    channel: Callable[[str], tuple[str, str | None]]


Parser = Callable[[str, str, list[str], Markup], AdminRequest]  # (command, verb as typed, its words, markup)


@dataclass(frozen=True)
class Verb:
    """One word admins type first. `actions`: the actions its requests may carry, each with its name in the
    audit log; `usage`: its lines in the help (none when another verb's line lists it); `section`: a heading
    in the help before it."""

    name: str
    parse: Parser
    actions: dict[str, str]
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
        elif looks_like_percent(word) and percent is None:
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


def _backtest(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    """`backtest hate-crime 15% window=28d weeks=26`: a tried threshold, and how many weekly runs to replay."""
    weeks = [word.partition("=")[2] for word in args if word.lower().startswith("weeks=")]
    request = _tried_threshold(full, verb, [word for word in args if not word.lower().startswith("weeks=")], markup)
    if len(weeks) > 1:
        raise InvalidRequest("Give weeks= once: e.g. `backtest hate-crime weeks=26`.")
    return replace(request, weeks=weeks[0] if weeks else None)


DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def _break(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    """`break list`, `break remove STRAND DATE`, `break STRAND DATE "what changed"` (a strand's name may have
    spaces; the date ends it, and everything after is the note)."""
    lowered = [a.lower() for a in args]
    if lowered in ([], ["list"]):
        return AdminRequest(full, "breaks")
    removing = lowered[0] == "remove"
    words = args[1:] if removing else args
    at = next((n for n, word in enumerate(words) if DAY.match(word)), None)
    if at is None:
        example = (
            "break remove domestic-abuse 2023-06-01"
            if removing
            else ('break domestic-abuse 2023-06-01 "Home Office counting rules changed (about -7%)"')
        )
        raise InvalidRequest(f"Give the strand and the day, as YYYY-MM-DD: `{example}`.")
    strand = " ".join(words[:at]) or None
    if removing:
        if words[at + 1 :]:
            raise InvalidRequest("`break remove` takes a strand and a day: `break remove domestic-abuse 2023-06-01`.")
        return AdminRequest(full, "break-remove", strand=strand, day=words[at])
    return AdminRequest(full, "break", strand=strand, day=words[at], note=" ".join(words[at + 1 :]) or None)


def _thresholds(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    return AdminRequest(full, "thresholds")


def _subscription(full: str, verb: str, args: list[str], markup: Markup) -> AdminRequest:
    """`#channel hate-crime, DA area=north`: a channel, strand names (or `all`), and an area, last, whose name
    may have spaces (`area=North Sector`)."""
    if not args:
        raise InvalidRequest(f"Say which channel and strands: `/strand-admin {verb} #safeguarding hate-crime`.")
    channel, name = markup.channel(args[0])
    words = args[1:]
    at = next((n for n, word in enumerate(words) if word.lower().startswith("area=")), len(words))
    strands = " ".join(words[:at])
    area = " ".join(words[at:]).partition("=")[2] if at < len(words) else None
    if area is not None and re.search(r"\barea=", area, re.IGNORECASE):
        raise InvalidRequest(
            f"One area at a time: `/strand-admin {verb} #north-team all area=north`, then again for the next."
        )
    return AdminRequest(full, verb, channel=channel, channel_name=name, strands=strands or None, area=area)


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


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb("help", _help, {"help": "admin.help"}, aliases=("?",)),
        Verb(
            "role",
            _role,
            {"role": "role.change"},
            usage=(
                "• `/strand-admin role @alex analyst` — give a role: `officer`, `analyst`, `supervisor` or `admin` "
                "(`none` takes it away; everyone is an officer)",
            ),
        ),
        Verb(
            "roles",
            _roles,
            {"roles": "role.list"},
            usage=("• `/strand-admin roles` — who has which role",),
        ),
        Verb(
            "repeats",
            _repeat_rule,
            {
                "rules": "repeats.rules",
                "rule": "repeats.rule",
                "rule-reset": "repeats.rule",
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
                "threshold": "threshold.change",
                "threshold-reset": "threshold.change",
            },
            usage=(
                "• `/strand-admin threshold hate-crime 15%` — a strand's threshold (`default` for the force-wide "
                f"one); options `window={','.join(WINDOWS)}`, `direction={'|'.join(DIRECTIONS)}`, `min=10` "
                f"(both counts at least), `significance={'|'.join(SIGNIFICANCE)}` (for changes that could be chance), "
                f"`measure={'|'.join(MEASURES)}` (harm: the occurrences weighed by offence), `remind=4w|never` "
                "(how often a breach still standing is repeated), `breaks=mark|hold`, `early=8w` (FYTD waits this "
                "long each year)",
                "• `/strand-admin threshold show` — every strand's threshold · `threshold reset hate-crime` — "
                "follow the default again",
            ),
            section="*Weekly breach alerts*",
        ),
        Verb("thresholds", _thresholds, {"thresholds": "threshold.list"}),
        Verb(
            "subscribe",
            _subscription,
            {"subscribe": "subscription.change"},
            usage=(
                "• `/strand-admin subscribe #channel hate-crime, domestic abuse` (or `all`) · "
                "`unsubscribe #channel …` · `subscriptions`",
                "• `/strand-admin subscribe #north-team all area=north` — the digest for one area (and the areas "
                "within it), named last; a channel may follow several areas, each a part of one weekly message",
            ),
        ),
        Verb(
            "unsubscribe",
            _subscription,
            {"unsubscribe": "subscription.change"},
        ),
        Verb(
            "subscriptions",
            _nothing("subscriptions"),
            {"subscriptions": "subscription.list"},
        ),
        Verb(
            "schedule",
            _schedule,
            {
                "schedule": "schedule.change",
                "schedule-show": "schedule.show",
            },
            usage=(
                "• `/strand-admin schedule weekly mon 08:00` (the force's local time) · `schedule show` · `pause` · "
                "`resume` · `quiet-weeks on|off`",
            ),
        ),
        Verb("pause", _nothing("pause"), {"pause": "schedule.change"}),
        Verb(
            "resume",
            _nothing("resume"),
            {"resume": "schedule.change"},
        ),
        Verb(
            "quiet-weeks",
            _quiet_weeks,
            {"quiet-weeks": "schedule.change"},
        ),
        Verb(
            "preview",
            _one_channel,
            {"preview": "alerts.preview"},
            usage=("• `/strand-admin preview [#channel]` — what the next run would post, shown only to you",),
        ),
        Verb(
            "backtest",
            _backtest,
            {"backtest": "alerts.backtest"},
            usage=(
                "• `/strand-admin backtest hate-crime [15%] [window=28d] [weeks=52]` — the last 52 weekly runs "
                "replayed with its rules (or those given): which would have posted, and what was new, a reminder "
                "or resolved",
            ),
        ),
        Verb(
            "break",
            _break,
            {"break": "break.change", "break-remove": "break.change", "breaks": "break.list"},
            usage=(
                '• `/strand-admin break domestic-abuse 2023-06-01 "Home Office counting rules changed (about -7%)"` '
                "— a counting-rule change: comparisons across it carry a note, alerts on them are marked "
                "(`threshold … breaks=hold` holds them) · `break list` · `break remove domestic-abuse 2023-06-01`",
            ),
            aliases=("breaks",),
        ),
        Verb(
            "history",
            _one_channel,
            {"history": "alerts.history"},
            usage=("• `/strand-admin history [#channel]` — the last digests sent, and whether they arrived",),
        ),
    )
}

# Every action a request may carry, with its name in the audit log: each verb's, and `invalid`.
AUDITED_AS: dict[str, str] = {"invalid": "admin.invalid"} | {
    action: audited_as for verb in VERBS.values() for action, audited_as in verb.actions.items()
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
