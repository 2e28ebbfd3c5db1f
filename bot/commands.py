"""Parsing what people type after `/strand` into a typed request. Pure: no Slack, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.admin.service import AdminRequest
from bot.alerts.thresholds import THRESHOLD_OPTIONS
from bot.charts.kinds import CHART_KINDS, CHART_WORDS
from bot.charts.service import ChartKind, ChartRequest
from bot.domain.periods import MONTH_NAMES, is_period_text, iso_date
from bot.errors import InvalidRequest
from bot.repeats.service import RepeatRequest
from bot.settings import SLACK_USER_ID

# Longer than any strand name plus a date; anything beyond is a paste gone wrong.
MAX_COMMAND_LENGTH = 200
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
OTHER_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


@dataclass(frozen=True)
class StrandCommand:
    action: Literal["help", "all", "list", "strand", "chart"]
    strand: str | None = None
    as_of: date | None = None
    chart: ChartRequest | None = None


def parse_strand_command(text: str | None) -> StrandCommand:
    """`hate-crime`, `domestic abuse 2025-03-31`, `DA as of 2025-03-31`, `all`, `list`, `help` or nothing;
    or a chart: `hate-crime trend 36m`, `rasso heatmap`, `DA forecast years=3`, each with an as-of date too."""
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
        as_of = iso_date(words.pop())
        if [w.lower() for w in words[-2:]] == ["as", "of"]:
            del words[-2:]
    kind, option = _take_chart(words)
    rest = " ".join(words)
    keyword = rest.lower()
    if kind is not None:
        if keyword in ("", "all", "list", "help"):
            raise InvalidRequest(
                f"Charts are drawn for one strand at a time; say which, e.g. `/strand hate-crime {kind}`."
            )
        if CHART_KINDS[kind].option_is_period and option:
            option = period_text(option)  # `October 2024` as `2024-10`
        return StrandCommand("chart", chart=ChartRequest(kind, rest, option, as_of))
    if keyword in ("help", "?", "-h", "--help"):
        return StrandCommand("help")
    if keyword == "list":
        return StrandCommand("list")
    if keyword in ("", "all"):
        return StrandCommand("all", as_of=as_of)
    return StrandCommand("strand", strand=rest, as_of=as_of)


def _take_chart(words: list[str]) -> tuple[ChartKind | None, str | None]:
    """Pop a chart and what follows it off the end of `words`: `trend`, `trend 36m`, `heat map October 2024`."""
    lowered = [w.lower() for w in words]
    for at in range(len(words) - 1, max(len(words) - 5, -1), -1):  # a kind, then at most two words
        if len(lowered[at : at + 2]) == 2 and " ".join(lowered[at : at + 2]) in CHART_WORDS:  # `heat map`
            kind, option = CHART_WORDS[" ".join(lowered[at : at + 2])], words[at + 2 :]
        elif lowered[at] in CHART_WORDS:
            kind, option = CHART_WORDS[lowered[at]], words[at + 1 :]
        else:
            continue
        del words[at:]
        return kind, " ".join(option) or None
    return None, None


# `/repeats`: a strand, a period, options as key=value, and a reason at the end.

REASON = re.compile(
    r"""\breason(?:\s*[:=]\s*|\s+(?=["“'‘]))(?:"(?P<straight>[^"]*)"?|“(?P<curly>[^”]*)”?|'(?P<single>[^']*)'?|‘(?P<curly_single>[^’]*)’?|(?P<bare>.*))""",
    re.IGNORECASE | re.DOTALL,
)
CLOSING_QUOTES = {"straight": '"', "curly": "”", "single": "'", "curly_single": "’"}
QUOTES_AND_SPACE = "\"'“”‘’ \t\n"  # mixed quotes from phones: “like this"
REPEATS_OPTIONS = ("min", "by", "role", "period")
YEAR = re.compile(r"^\d{4}$")


def parse_repeats_command(text: str | None) -> RepeatRequest | None:
    """`mental-health oct min=4 by=person role=victim reason:"…"`; None asks for help.

    Never refuses: values are checked by the domain, after it knows the asker may see lists at all.
    The reason is taken first, so a quoted one may contain anything; options typed after an unquoted
    reason are still options. The last words may be a period, an as-of date (for rolling windows) or
    `trend`, in any order; what is left names the strand."""
    typed = (text or "").strip()
    reason, rest = _reason(typed)
    options: dict[str, str] = {}
    unknown, words = [], []
    for word in rest.split():
        key, equals, value = word.partition("=")
        if not equals:
            words.append(word)
        elif key.lower() in REPEATS_OPTIONS:
            options[key.lower()] = value
        else:
            unknown.append(word)
    if not (words or options or unknown or reason) or [w.lower() for w in words] in (["help"], ["?"]):
        return None
    period, as_of = options.get("period"), None
    trend = False
    while words:
        if words[-1].lower() == "trend" and not trend:
            trend = True
            words.pop()
        elif ISO_DATE.match(words[-1]) and as_of is None:
            as_of = words.pop()
        elif period is None and (period := _take_period(words)):
            continue
        else:
            break
    return RepeatRequest(
        command=f"/repeats {typed}",
        strand=" ".join(words) or None,
        period=period,
        as_of=as_of,
        min_occurrences=options.get("min"),
        by=options.get("by"),
        role=options.get("role"),
        reason=reason,
        trend=trend,
        unknown=tuple(unknown),
    )


def _reason(typed: str) -> tuple[str | None, str]:
    """The reason, and the text without it. Words after an unquoted (or unclosed) reason that look like
    options (`min=4`) are given back as options: the reason is the rest."""
    found = REASON.search(typed)
    if not found:
        return None, typed
    kind = found.lastgroup
    reason = found.group(kind)
    rest = typed[: found.start()] + " " + typed[found.end() :]
    if kind == "bare" or not found.group(0).endswith(CLOSING_QUOTES[kind]):
        words = reason.split()
        is_option = [w.partition("=")[0].lower() in REPEATS_OPTIONS and "=" in w for w in words]
        reason = " ".join(w for w, option in zip(words, is_option, strict=True) if not option)
        rest += " " + " ".join(w for w, option in zip(words, is_option, strict=True) if option)
    return reason.strip(QUOTES_AND_SPACE), rest


def period_text(text: str) -> str:
    """A period as people write it (`October 2024`, `last month`) in the form `repeat_period` reads."""
    words = text.split()
    period = _take_period(words)
    return period if period and not words else text


def _take_period(words: list[str]) -> str | None:
    """Pop a period off the end of `words`: `oct`, `12m`, `2024-10`, `last month`, `October 2024`."""
    if len(words) >= 2:
        first, second = words[-2].lower(), words[-1].lower()
        if first in ("last", "this") and second == "month":
            del words[-2:]
            return f"{first}-month"
        if first in MONTH_NAMES and YEAR.match(second):
            del words[-2:]
            return f"{second}-{MONTH_NAMES[first]:02d}"
    if words and is_period_text(words[-1]):
        return words.pop().lower()
    return None


# `/strand-admin`: a verb and its arguments.

USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def parse_admin_command(text: str | None) -> AdminRequest:
    """`role @user analyst`, `roles`, `repeats show`, `repeats hate-crime min=3 period=12m`, `repeats reset X`.

    Never refuses: what can't be understood becomes an `invalid` request carrying the problem, which is
    told to admins and, for anyone else, recorded as a refusal like any other admin command."""
    command = (text or "").strip()
    full = f"/strand-admin {command}".strip()
    try:
        return _admin_request(full, command)
    except InvalidRequest as problem:
        return AdminRequest(full, "invalid", problem=str(problem))


def _admin_request(full: str, command: str) -> AdminRequest:
    if len(command) > MAX_COMMAND_LENGTH:
        raise InvalidRequest(f"That is {len(command):,} characters; see `/strand-admin help` for what it takes.")
    words = command.split()
    verb = words[0].lower() if words else "help"
    args = words[1:]
    if verb in ("help", "?"):
        return AdminRequest(full, "help")
    if verb == "roles" and not args:
        return AdminRequest(full, "roles")
    if verb == "role":
        if len(args) != 2:
            raise InvalidRequest("Give a person and a role: `/strand-admin role @alex analyst` (or `none` to remove).")
        return AdminRequest(full, "role", user=_slack_user(args[0]), role=args[1])
    if verb in ("repeats", "repeat-rule"):
        return _repeat_rule_request(full, args)
    if verb in ALERT_VERBS:
        return _alert_request(full, verb, args)
    raise InvalidRequest(f"“{verb}” is not something `/strand-admin` does; `/strand-admin help` lists what it does.")


def _slack_user(text: str) -> str:
    if found := USER_MENTION.match(text):
        return found.group(1)
    if SLACK_USER_ID.match(text):
        return text
    raise InvalidRequest(
        f"“{text}” is not a person Slack knows; mention them (type @ and pick their name from the list) "
        "or give their member ID, e.g. U012AB3CD."
    )


def _repeat_rule_request(full: str, args: list[str]) -> AdminRequest:
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
        period = _take_period(names)  # `repeats hate-crime 12m`, as /repeats takes it
    return AdminRequest(
        full,
        "rule",
        strand=" ".join(names) or None,
        min_occurrences=options.get("min"),
        period=None if period is None else period_text(period),
    )


CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
PERCENT = re.compile(r"^[-+]?\d*\.?\d+%?$")
ALERT_VERBS = (
    "threshold", "thresholds", "subscribe", "unsubscribe", "subscriptions", "schedule",
    "pause", "resume", "quiet-weeks", "preview", "backtest", "history",
)  # fmt: skip


def _alert_request(full: str, verb: str, args: list[str]) -> AdminRequest:
    lowered = [a.lower() for a in args]
    if verb == "thresholds" or (verb == "threshold" and lowered in ([], ["show"])):
        return AdminRequest(full, "thresholds")
    if verb == "threshold" and lowered[0] == "reset":
        return AdminRequest(full, "threshold-reset", strand=" ".join(args[1:]) or None)
    if verb in ("threshold", "backtest"):
        names, percent, options = _threshold_words(args)
        return AdminRequest(full, verb, strand=names or None, percent=percent, options=options)
    if verb in ("subscribe", "unsubscribe"):
        if not args:
            raise InvalidRequest(f"Say which channel and strands: `/strand-admin {verb} #safeguarding hate-crime`.")
        channel, name = _channel(args[0])
        return AdminRequest(full, verb, channel=channel, channel_name=name, strands=" ".join(args[1:]) or None)
    if verb in ("preview", "history"):
        if len(args) > 1:
            raise InvalidRequest(f"`{verb}` takes at most one channel: `/strand-admin {verb} #safeguarding`.")
        channel, name = _channel(args[0]) if args else (None, None)
        return AdminRequest(full, verb, channel=channel, channel_name=name)
    if verb == "schedule":
        return AdminRequest(full, "schedule-show" if lowered in ([], ["show"]) else "schedule", words=tuple(args))
    if verb == "quiet-weeks":
        if lowered not in (["on"], ["off"]):
            raise InvalidRequest(
                "`quiet-weeks on` posts a one-line note in a week without breaches; `off` posts nothing."
            )
        return AdminRequest(full, "quiet-weeks", words=tuple(lowered))
    if args:
        raise InvalidRequest(f"`{verb}` takes nothing more: `/strand-admin {verb}`.")
    return AdminRequest(full, verb)  # subscriptions, pause, resume


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


def _channel(text: str) -> tuple[str, str | None]:
    if found := CHANNEL_MENTION.match(text):
        return found.group(1), found.group(2) or None
    if CHANNEL_ID.match(text):
        return text, None
    raise InvalidRequest(
        f"“{text}” is not a channel Slack recognised; type # and pick the channel from the list, "
        "so that Slack sends its ID (or give the ID, e.g. C012AB3CD)."
    )
