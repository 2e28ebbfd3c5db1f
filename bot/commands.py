"""Parsing what people type after `/strand`, `/repeats` and `/strand-admin` into a typed request.

Pure: no Slack, no database. Slack's markup (`<@U…>`, `<#C…>`) is turned into plain IDs at the edge
(`bot/slack/markup.py`) before the text reaches here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.admin.request import AdminRequest
from bot.admin.verbs import Markup, admin_request
from bot.charts.kinds import CHART_KINDS, CHART_WORDS
from bot.charts.request import ChartKind, ChartRequest
from bot.domain.ids import CHANNEL_ID, MEMBER_ID
from bot.domain.periods import iso_date, period_text
from bot.domain.periods import take_period as _take_period
from bot.errors import InvalidRequest
from bot.repeats.request import RepeatRequest

# Longer than any strand name plus a date; anything beyond is a paste gone wrong.
MAX_COMMAND_LENGTH = 200
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
OTHER_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


# An area in any command: `area=north`, `area="Brooklyn South"`, or `in brooklyn south`.

AREA_OPTION = re.compile(r"^area[=:]", re.IGNORECASE)
OPENING_QUOTES = "\"“”'‘’"
CLOSING_QUOTE_MARKS = "\"”“'’‘"


def take_area(
    words: list[str],
    ends_area: Callable[[list[str]], bool] = lambda rest: False,
    is_name: Callable[[str], bool] = lambda text: False,
) -> str | None:
    """Take the area out of a command's `words` (in place): its text as typed, or None for the whole force.

    `area=north` (or `area:north`) anywhere, one word, or several in quotes (`area="Brooklyn South"`); else
    everything after the last standalone `in` (`hate crime in brooklyn south`), up to the first word where
    `ends_area(words from there)` says something else begins (a chart, a period, a date) or a `key=value`
    option. With `area=` given, `in` is left alone; and so it is when `is_name` says the words up to the area's
    end are a name as they stand (a strand called "deaths in custody")."""
    for at, word in enumerate(words):
        if AREA_OPTION.match(word):
            return _take_area_option(words, at)
    lowered = [w.lower() for w in words]
    if "in" not in lowered:
        return None
    start = len(lowered) - 1 - lowered[::-1].index("in")
    end = start + 1
    while end < len(words) and "=" not in words[end] and not ends_area(words[end:]):
        end += 1
    area = " ".join(words[start + 1 : end])
    if area and is_name(" ".join(words[:end])):
        return None
    if not area:
        raise InvalidRequest("Which area? Put its name after `in` (e.g. `in brooklyn south`), or use `area=`.")
    del words[start:end]
    return area


def _take_area_option(words: list[str], at: int) -> str:
    """`area=…` at `words[at]`, through its closing quote if it opens one."""
    value = AREA_OPTION.sub("", words[at], count=1)
    end = at + 1
    if value[:1] in OPENING_QUOTES and not (len(value) > 1 and value[-1] in CLOSING_QUOTE_MARKS):
        # A quoted name of several words (phones mix straight and curly quotes); an unclosed quote runs to the end.
        while end < len(words):
            end += 1
            if words[end - 1][-1] in CLOSING_QUOTE_MARKS:
                break
    area = " ".join([value, *words[at + 1 : end]]).strip(QUOTES_AND_SPACE)
    del words[at:end]
    if not area:
        raise InvalidRequest("Which area? Give its name after `area=`, e.g. `area=north`; `/strand areas` lists them.")
    if any(AREA_OPTION.match(w) for w in words):
        raise InvalidRequest("One area at a time, please: give `area=` once.")
    return area


@dataclass(frozen=True)
class StrandCommand:
    """What `/strand` asks for. `area` is the area as typed (None: the whole force); `by-area` ranks the areas."""

    action: Literal["help", "all", "list", "areas", "strand", "by-area", "chart", "week"]
    strand: str | None = None
    as_of: date | None = None
    chart: ChartRequest | None = None
    area: str | None = None
    measure: Literal["count", "harm"] = "count"  # harm: beside the counts (one strand), or instead (tables)


def parse_strand_command(text: str | None, is_strand: Callable[[str], bool] = lambda text: False) -> StrandCommand:
    """`hate-crime`, `domestic abuse 2025-03-31`, `DA as of 2025-03-31`, `all`, `list`, `areas`, `help` or nothing;
    or a chart: `hate-crime trend 36m`, `rasso heatmap`, `DA forecast years=3`, each with an as-of date too.
    Any of them in an area: `hate-crime area=north`, `hate crime in brooklyn south trend`; or every area ranked:
    `hate-crime by=area` (`all by=area`: every strand together). Figures with harm: `hate-crime harm`,
    `all harm`, `all by=area harm` (or `measure=harm`). `is_strand` says whether text is a strand's name
    exactly, so that "deaths in custody" is a strand and not deaths in an area called custody, and "self harm"
    is not self's harm."""
    text = (text or "").strip()
    if len(text) > MAX_COMMAND_LENGTH:
        raise InvalidRequest(
            f"That is {len(text):,} characters; a strand name is a few words. "
            "Try `/strand hate-crime`, or `/strand help` for examples."
        )
    words = text.split()
    by_area = _take_by(words)
    harm = _take_measure(words)
    area = take_area(words, _starts_chart_or_date, is_strand)
    harm = _take_harm_word(words, is_strand) or harm
    week = _take_week(words, is_strand)
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
    harm = _take_harm_word(words, is_strand) or harm
    week = _take_week(words, is_strand) or week
    kind, option = _take_chart(words)
    rest = " ".join(words)
    keyword = rest.lower()
    if week:
        if kind is not None or by_area or harm or keyword in ("", "all", "list", "areas", "help"):
            raise InvalidRequest(
                "The week (CompStat's last 7 and 28 days and year to date) is for one strand, in counts: "
                "e.g. `/strand hate-crime week`, or `/strand hate-crime week area=north`."
            )
        return StrandCommand("week", strand=rest, as_of=as_of, area=area)
    measure: Literal["count", "harm"] = "harm" if harm else "count"
    if harm and (kind is not None or keyword in ("list", "areas", "help")):
        raise InvalidRequest(
            "Harm is shown with the figures, not with charts or lists: e.g. `/strand hate-crime harm`, "
            "`/strand all harm` or `/strand all by=area harm`."
        )
    if kind is not None:
        if keyword in ("", "all", "list", "areas", "help"):
            raise InvalidRequest(
                f"Charts are drawn for one strand at a time; say which, e.g. `/strand hate-crime {kind}`."
            )
        if by_area:
            raise InvalidRequest(
                f"A chart is drawn for one area at a time: `/strand {rest} {kind} area=north`, say; "
                f"`/strand {rest} by=area` ranks the areas."
            )
        if CHART_KINDS[kind].option_is_period and option:
            option = period_text(option)  # `October 2024` as `2024-10`
        return StrandCommand("chart", chart=ChartRequest(kind, rest, option, as_of, area))
    if keyword in ("help", "?", "-h", "--help"):
        return StrandCommand("help")
    if keyword == "list":
        return StrandCommand("list")
    if keyword == "areas":
        return StrandCommand("areas")
    if by_area:
        return StrandCommand("by-area", strand=rest or "all", as_of=as_of, area=area, measure=measure)
    if keyword in ("", "all"):
        return StrandCommand("all", as_of=as_of, area=area, measure=measure)
    return StrandCommand("strand", strand=rest, as_of=as_of, area=area, measure=measure)


def _take_measure(words: list[str]) -> bool:
    """Take `measure=harm` or `measure=count` out of `words` (in place): whether harm was asked for."""
    found = [w for w in words if w.lower().startswith("measure=")]
    for word in found:
        if word.lower() not in ("measure=harm", "measure=count"):
            raise InvalidRequest(f"“{word}” is not a measure `/strand` knows; use `harm` or `measure=count`.")
        words.remove(word)
    return any(w.lower() == "measure=harm" for w in found)


def _take_harm_word(words: list[str], is_strand: Callable[[str], bool]) -> bool:
    """Take a last word `harm` off `words` (in place), unless the words with it name a strand ("self harm")."""
    if not words or words[-1].lower() != "harm" or is_strand(" ".join(words)):
        return False
    words.pop()
    return True


def _take_week(words: list[str], is_strand: Callable[[str], bool]) -> bool:
    """Take a last word `week` (or `compstat`) off `words` (in place), unless the words with it name a strand."""
    if not words or words[-1].lower() not in ("week", "compstat") or is_strand(" ".join(words)):
        return False
    words.pop()
    return True


def _take_by(words: list[str]) -> bool:
    """Take `by=area` out of `words` (in place): whether it was there. `by=` takes nothing else."""
    found = [w for w in words if w.lower().startswith("by=")]
    for word in found:
        if word.lower() != "by=area":
            raise InvalidRequest(
                f"“{word}” is not a breakdown `/strand` knows; `by=area` ranks the areas, "
                "e.g. `/strand hate-crime by=area`."
            )
        words.remove(word)
    return bool(found)


def _starts_chart_or_date(rest: list[str]) -> bool:
    """Whether `rest` begins with a chart (`trend`, `heat map`), a date or `as of`: where an area after `in` ends."""
    first, pair = rest[0].lower(), " ".join(rest[:2]).lower()
    return (
        first in ("harm", "week", "compstat")
        or first in CHART_WORDS
        or pair in CHART_WORDS
        or pair == "as of"
        or bool(ISO_DATE.match(first) or OTHER_DATE.match(first))
    )


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
REPEATS_OPTIONS = ("min", "by", "role", "period", "rank", "top")


def parse_repeats_command(text: str | None) -> RepeatRequest | None:
    """`mental-health oct min=4 by=person role=victim area=north rank=harm top=20 reason:"…"`; None asks for help.

    Never refuses: values are checked by the domain, after it knows the asker may see lists at all.
    The reason is taken first, so a quoted one may contain anything; options typed after an unquoted
    reason are still options. The last words may be a period, an as-of date (for rolling windows) or
    `trend`, in any order; what is left names the strand."""
    typed = (text or "").strip()
    reason, rest = _reason(typed)
    options: dict[str, str] = {}
    unknown, words = [], []
    split = rest.split()
    area_at = next((at for at, word in enumerate(split) if AREA_OPTION.match(word)), None)
    if area_at is not None:  # as `/strand` reads it: `area=north` or `area="North Ward 1"`
        try:
            options["area"] = _take_area_option(split, area_at)
        except InvalidRequest:
            options["area"] = ""  # the domain says what is wrong, once it knows the asker may see lists
    for word in split:
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
        area=options.get("area"),
        rank=options.get("rank"),
        top=options.get("top"),
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


# `/strand-admin`: a verb and its arguments.


def parse_admin_command(
    text: str | None, channel_names: Mapping[str, str] | None = None, typed: str | None = None
) -> AdminRequest:
    """`role U012AB3CD analyst`, `roles`, `repeats show`, `repeats hate-crime min=3 period=12m`, `repeats reset X`.

    Never refuses: what can't be understood becomes an `invalid` request carrying the problem, which is
    told to admins and, for anyone else, recorded as a refusal like any other admin command. People and
    channels are given by ID; `channel_names` are the names Slack sent beside channel IDs, and `typed` is the
    command as typed (for the audit log), if `text` is not."""
    command = (text or "").strip()
    typed = command if typed is None else typed.strip()
    full = f"/strand-admin {typed}".strip()
    try:
        return _admin_request(full, command, len(typed), channel_names or {})
    except InvalidRequest as problem:
        return AdminRequest(full, "invalid", problem=str(problem))


def _admin_request(full: str, command: str, length: int, channel_names: Mapping[str, str]) -> AdminRequest:
    if length > MAX_COMMAND_LENGTH:
        raise InvalidRequest(f"That is {length:,} characters; see `/strand-admin help` for what it takes.")
    markup = Markup(user=_slack_user, channel=lambda text: _channel(text, channel_names))
    return admin_request(full, command.split(), markup)


def _slack_user(text: str) -> str:
    if MEMBER_ID.match(text):
        return text
    raise InvalidRequest(
        f"“{text}” is not a person Slack knows; mention them (type @ and pick their name from the list) "
        "or give their member ID, e.g. U012AB3CD."
    )


def _channel(text: str, channel_names: Mapping[str, str]) -> tuple[str, str | None]:
    if CHANNEL_ID.match(text):
        return text, channel_names.get(text) or None
    raise InvalidRequest(
        f"“{text}” is not a channel Slack recognised; type # and pick the channel from the list, "
        "so that Slack sends its ID (or give the ID, e.g. C012AB3CD)."
    )
