"""The weekly digest as a Slack message, and the replies to the alert commands of `/strand-admin`, in Block Kit."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock
from tabulate import tabulate

from bot.alerts.backtest import Backtest
from bot.alerts.breaks import BreakChange, BreakList
from bot.alerts.digest import Digest, DigestSection, Preview
from bot.alerts.history import History
from bot.alerts.news import Told, told_counts
from bot.alerts.records import CountingBreak
from bot.alerts.schedule_settings import ScheduleView
from bot.alerts.subscriptions import Channel, Following, SubscriptionChange, SubscriptionList
from bot.alerts.threshold_settings import ThresholdChange, ThresholdList
from bot.alerts.thresholds import ALERT_SIGNIFICANCE, HELD, Breach, Threshold
from bot.domain.catalogue import DEFAULT_SCOPE, CatalogueEntry, scope_name
from bot.domain.comparisons import WINDOWS
from bot.domain.stats import HarmComparison
from bot.render.alerts import BACKTEST_HEADERS, backtest_rows, backtest_summary, local_time, schedule_line
from bot.render.text import ARROWS, amount_text, crossing_text, pct_text, short_date
from bot.slack.blocks.message import SECTION_TEXT_LIMIT, Message, as_blocks, code_sections, cut, fitted, notice_message
from bot.slack.markup import channel_mention

BREACH_EMOJI = {"up": ":red_circle:", "down": ":large_green_circle:"}
DIGEST_FOOTER = "Each strand's figures: `/strand <strand>` · Thresholds and subscriptions are set by strandbot's admins"
UNTESTED_HARM = "no significance test for weighted harm"
LOAD_WEIGHTS = 'An administrator loads a set with `strandbot harm load WEIGHTS.csv --name "ONS CSS 2016"`.'
NO_WEIGHTS_YET = (
    ":warning: No harm weights are loaded yet: until they are, a threshold on harm is not checked, and each "
    f"digest says so. {LOAD_WEIGHTS}"
)
MEASURE_NAMES = {"count": "counts", "harm": "harm"}
# Slack allows 50 blocks in a message; a digest of more strands than this packs several into one section.
MAX_DIGEST_BLOCKS = 45
MAX_PREVIEW_DIGESTS = 4  # each digest is several blocks; Slack allows 50 in a message


def comparison_label(comparison: str, digest: Digest) -> str:
    return WINDOWS[comparison].alert.format(fy=digest.fy_label, baseline=digest.baseline_label)


def threshold_text(threshold: Threshold) -> str:
    sign = {"up": "+", "down": "-", "either": "±"}[threshold.direction]
    return f"{sign}{threshold.percent:g}%"


def p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def significance_text(breach: Breach) -> str:
    if breach.harm is not None:
        return UNTESTED_HARM
    if (expected := breach.expected) is not None:
        limits = f"limits {expected.lower}–{expected.upper}; {p_text(expected.p_value)}"
        if expected.outside:
            return f"outside its control limits ({limits})"
        if breach.threshold.significance == "mark":
            return f":warning: within its control limits ({limits}): could be chance"
        return f"within its control limits ({limits})"
    counts = breach.counts
    if breach.significant:
        return f"significant ({p_text(counts.p_value)})"
    if breach.threshold.significance == "mark":
        return f":warning: could be chance ({p_text(counts.p_value)}; alerts ask for p < {ALERT_SIGNIFICANCE:g})"
    return f"could be chance ({p_text(counts.p_value)})"


def told_text(told: Told) -> str:
    """'New' or 'Reminder, past since 2 Nov'."""
    if told.kind == "new":
        return "*New*"
    return f"*Reminder*, past since {told.since.day} {told.since:%b}"


def breach_line(breach: Breach, digest: Digest, told: Told | None = None) -> str:
    """':red_circle: ↑ *New* · FYTD 2026/27 vs last year: *132* vs 100 (+32%), past ±10% · significant (p = 0.04)';
    a CompStat window against its expected count: 'Last 28 days: *45* vs 31.2 expected (+44%) … outside its control
    limits (18–44; p = 0.0012)'; for harm, 'harm *1,234.5* vs 1,003.0 (+23%), past ±10% · weights “ONS CSS 2016”, 60
    vs 58 occurrences · …'; and the counting-rule change it crosses, if it does."""
    crossed = breach.crossed
    measure = "" if breach.harm is None else "harm "
    expected = " expected" if breach.expected is not None and breach.harm is None else ""
    news = "" if told is None else f"{told_text(told)} · "
    parts = [
        f"{BREACH_EMOJI[crossed.direction]} {ARROWS[crossed.direction]} {news}"
        f"{comparison_label(breach.comparison, digest)}: {measure}*{amount_text(crossed.current)}* vs "
        f"{amount_text(crossed.previous)}{expected} ({pct_text(crossed)}), past {threshold_text(breach.threshold)}"
    ]
    if breach.harm is not None:
        parts.append(_weighed_text(breach, breach.harm))
    parts.append(significance_text(breach))
    if breach.crosses is not None:
        parts.append(f":warning: {crossing_text(breach.crosses)}")
    return " · ".join(parts)


def _strand_lines(strand, digest: Digest) -> str:
    return "\n".join(breach_line(t.breach, digest, t) for t in strand.told)


def _weighed_text(breach: Breach, harm: HarmComparison) -> str:
    """What a harm breach was weighed with and from: the weights, and the occurrences, those without a weight too."""
    counts = breach.counts
    text = f"weights “{breach.weights or ''}”, {counts.current:,} vs {counts.previous:,} occurrences"
    missing = (counts.current - harm.weighted_current, counts.previous - harm.weighted_previous)
    if any(missing):
        text += f" ({missing[0]:,} vs {missing[1]:,} without a weight)"
    return text


def digest_sections(digest: Digest) -> list[str]:
    """The digest as mrkdwn sections: heading, late note, then for each place the channel follows its breaches
    strand by strand, what resolved and what was held back. A channel following only the whole force is told
    as before areas existed; otherwise every place is named, and every strand with its place."""
    week = f"data to {digest.as_of:%A} {digest.as_of.day} {digest.as_of:%B %Y}"
    late = []
    if digest.due is not None:
        late = [
            f":hourglass: Late: this digest was due {digest.due:%a} {digest.due.day} {digest.due:%b at %H:%M}, "
            "when strandbot was not running."
        ]
    if not digest.by_area:
        return _force_digest_sections(digest, digest.sections[0], week, late)
    told = [t for section in digest.sections for s in section.strands for t in s.told]
    places = _and_list([place_name(section.area) for section in digest.sections])
    if digest.quiet:
        heading = f":white_check_mark: No new or resolved breaches in {week} in {places}"
    elif told:
        heading = f":rotating_light: *Weekly threshold alerts* for {week}: {_news_count(told)} in {places}"
    else:
        heading = f":white_check_mark: *Weekly threshold alerts* for {week}: no new breaches in {places}"
    sections = [heading, *late, *_unweighed(digest)]
    for section in digest.sections:
        place = place_name(section.area)
        followed = _strands(section.followed)
        found = [t for s in section.strands for t in s.told]
        if found:
            summary = f"{_news_count(found)} in {len(section.strands)} of the {followed} this channel follows there"
        else:
            summary = f"no new breaches in the {followed} this channel follows there"
        sections.append(f"*{place[0].upper()}{place[1:]}*: {summary}")
        sections += [f"*{s.name} — {place}*\n" + _strand_lines(s, digest) for s in section.strands]
        sections += _resolved_and_held(section, f" — {place}", digest)
    return sections


def _force_digest_sections(digest: Digest, section: DigestSection, week: str, late: list[str]) -> list[str]:
    followed = f"{_strands(section.followed)}"
    if section.quiet:
        note = f":white_check_mark: No new or resolved breaches in {week} across the {followed} this channel follows"
        return [note + "."] + late + _resolved_and_held(section, "", digest)
    told = [t for s in section.strands for t in s.told]
    if told:
        found = f"{_news_count(told)} in {len(section.strands)} of the {followed}"
        sections = [f":rotating_light: *Weekly threshold alerts* for {week}: {found} this channel follows"]
    else:
        sections = [
            f":white_check_mark: *Weekly threshold alerts* for {week}: no new breaches in the {followed} this "
            "channel follows"
        ]
    sections += late + _unweighed(digest)
    sections += [f"*{s.name}*\n" + _strand_lines(s, digest) for s in section.strands]
    return sections + _resolved_and_held(section, "", digest)


def _news_count(told: list[Told]) -> str:
    """'2 new breaches and 1 reminder'."""
    new = sum(1 for t in told if t.kind == "new")
    reminders = len(told) - new
    parts = [f"{new} new breach{'es' if new != 1 else ''}"] if new else []
    parts += [f"{reminders} reminder{'s' if reminders != 1 else ''}"] if reminders else []
    return " and ".join(parts)


def _unweighed(digest: Digest) -> list[str]:
    """Once a digest: the strands whose thresholds are on harm that went unchecked, as no weights are loaded."""
    if not digest.unweighed:
        return []
    return [
        f":warning: Not checked: {_and_list(list(digest.unweighed))}. Their thresholds are on harm, and no harm "
        f"weights are loaded, so until they are these strands are not watched. {LOAD_WEIGHTS}"
    ]


def _resolved_and_held(section: DigestSection, where: str, digest: Digest) -> list[str]:
    lines = []
    if section.resolved:
        names = "; ".join(
            f"{r.name}{where} ({', '.join(comparison_label(c, digest) for c in r.comparisons)})"
            for r in section.resolved
        )
        lines.append(f":white_check_mark: Back within threshold since the last digest: {names}")
    if section.still:
        plural = "s" if len(section.still) != 1 else ""
        lines.append(
            f"Still past: {len(section.still)} strand{plural} ({', '.join(section.still)}), told before; see `/strand`."
        )
    if section.held_back:
        plural = "s" if section.held_back != 1 else ""
        reasons = ", ".join(f"{n} {HELD[reason]}" for reason, n in section.held)
        lines.append(f"_{section.held_back} change{plural} past threshold held back: {reasons}._")
    if section.fy_weeks is not None:
        lines.append(
            f"_Financial year to date is only {_weeks(section.fy_weeks)} old: its comparisons swing widely, so "
            "they wait until it has enough weeks in it._"
        )
    return lines


def _weeks(weeks: int) -> str:
    return "under a week" if weeks == 0 else f"{weeks} week{'s' if weeks != 1 else ''}"


def place_name(area: CatalogueEntry | None) -> str:
    """'North Sector', or 'the whole force'."""
    return "the whole force" if area is None else area.name


def _strands(count: int) -> str:
    return f"{count} strand{'s' if count != 1 else ''}"


def _breaches(count: int) -> str:
    return f"{count} breach{'es' if count != 1 else ''}"


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def digest_message(digest: Digest) -> Message:
    sections = packed(digest_sections(digest), MAX_DIGEST_BLOCKS)
    blocks = [SectionBlock(text=MarkdownTextObject(text=s)) for s in sections]
    if not digest.quiet:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=DIGEST_FOOTER)]))
    return Message(text="\n".join(sections), blocks=as_blocks(*blocks))


def packed(sections: list[str], most: int) -> list[str]:
    """The sections as they are if there are at most `most`; otherwise joined into as few as fit, and if that is
    still too many, the last says how many are left out."""
    if len(sections) <= most:
        return [cut(s, SECTION_TEXT_LIMIT) for s in sections]
    joined = fitted(sections)
    if len(joined) <= most:
        return joined
    kept = joined[: most - 1]
    left_out = len(sections) - sum(1 for s in sections if any(s in chunk for chunk in kept))
    return [*kept, f"… and {left_out} more, too many for one Slack message"]


def channel_text(channel: Channel) -> str:
    return channel_mention(channel.id)


def scopes_text(scopes) -> str:
    return "every strand" if DEFAULT_SCOPE in scopes else ", ".join(f"`{s}`" for s in scopes) or "nothing"


def threshold_summary(threshold: Threshold) -> str:
    """'±10% in counts on fytd, baseline, rolling12; both counts at least 10; not significant: mark'."""
    significance = f"not significant: {threshold.significance}" if threshold.measure == "count" else UNTESTED_HARM
    return (
        f"{threshold_text(threshold)} in {MEASURE_NAMES[threshold.measure]} on {', '.join(threshold.comparisons)}; "
        f"both counts at least {threshold.min_volume}; {significance}; remind {remind_text(threshold)}; "
        f"across a counting-rule change: {threshold.breaks}; FYTD from week {threshold.early_weeks}"
    )


def alert_message(result, tz: ZoneInfo) -> Message:
    if isinstance(result, ThresholdChange):
        return _threshold_change_message(result)
    if isinstance(result, ThresholdList):
        return _thresholds_message(result)
    if isinstance(result, SubscriptionChange):
        return _subscription_change_message(result)
    if isinstance(result, SubscriptionList):
        return _subscriptions_message(result)
    if isinstance(result, ScheduleView):
        return _schedule_message(result, tz)
    if isinstance(result, Preview):
        return _preview_message(result, tz)
    if isinstance(result, Backtest):
        return _backtest_message(result)
    if isinstance(result, History):
        return _history_message(result, tz)
    if isinstance(result, BreakChange):
        return _break_change_message(result)
    if isinstance(result, BreakList):
        return _breaks_message(result)
    raise TypeError(f"no message for {type(result).__name__}")


def _threshold_change_message(change: ThresholdChange) -> Message:
    scope = scope_name(change.scope)
    if not change.changed:
        text = f"{scope} already works to {threshold_summary(change.after)}; nothing changed."
    elif change.reset:
        text = (
            f"{scope} follows its parent strand and the force default again: {threshold_summary(change.after)}. "
            "Recorded in the audit log."
        )
    else:
        text = (
            f"{scope} now works to {threshold_summary(change.after)} (was {threshold_summary(change.before)}). "
            "Recorded in the audit log."
        )
    if change.weights_missing:
        text += f"\n{NO_WEIGHTS_YET}"
    return notice_message(text)


def _thresholds_message(thresholds: ThresholdList) -> Message:
    rows = []
    for entry in thresholds.thresholds:
        t = entry.threshold
        name = "(force default)" if entry.slug == DEFAULT_SCOPE else "· " * entry.depth + entry.slug
        rows.append(
            [
                name,
                threshold_text(t),
                ",".join(t.comparisons),
                t.measure,
                t.min_volume,
                t.significance if t.measure == "count" else "(untested)",
                f"{t.remind_weeks}w" if t.remind_weeks else "never",
                ",".join(sorted(t.own)) or "—",
            ]
        )
    table = tabulate(
        rows,
        headers=["Strand", "Change", "Comparisons", "Measure", "Min", "Not signif.", "Remind", "Set here"],
        disable_numparse=True,
    )
    text = (
        "*Breach thresholds*: a change past *Change* in the *Measure* (counts, or harm: the occurrences weighed by "
        "offence code) with both counts at least *Min*. Parts not *Set here* follow the parent strand, then the "
        "force default."
    )
    if thresholds.weights_missing:
        text += f"\n{NO_WEIGHTS_YET}"
    header = SectionBlock(text=MarkdownTextObject(text=text))
    return Message(text="Breach thresholds", blocks=as_blocks(header, *code_sections(table.splitlines())))


def _subscription_change_message(change: SubscriptionChange) -> Message:
    where = channel_text(change.channel)
    place = "" if change.area is None else f" in {change.area.name}"
    if not change.changed:
        return notice_message(f"{where} already follows {scopes_text(change.unchanged)}{place}; nothing changed.")
    verb = "now also hears about" if change.subscribing else "no longer hears about"
    text = f"{where} {verb} {scopes_text(change.changed)}{place}. It follows {scopes_text(change.now)}{place}."
    text += " Recorded in the audit log."
    if change.unchanged:
        text += (
            f" ({scopes_text(change.unchanged)}: {'already followed' if change.subscribing else 'was not followed'}.)"
        )
    return notice_message(text)


def _subscriptions_message(listed: SubscriptionList) -> Message:
    if not listed.channels:
        return notice_message(
            "No channel is subscribed yet. Subscribe one with `/strand-admin subscribe #channel hate-crime` (or `all`)."
        )
    lines = [
        f"• {channel_text(channel)} — " + "; ".join(following_text(f) for f in following)
        for channel, following in listed.channels
    ]
    return notice_message("*Subscriptions*: who hears about what each week\n" + "\n".join(lines))


def following_text(following: Following) -> str:
    """'every strand' (the whole force), or '`hate-crime` in North Sector (`north`)'."""
    if following.area is None:
        return scopes_text(following.scopes)
    return f"{scopes_text(following.scopes)} in {following.area.name} (`{following.area.slug}`)"


def _schedule_message(view: ScheduleView, tz: ZoneInfo) -> Message:
    if view.before is None or view.before == view.schedule:
        return notice_message(schedule_line(view, tz) + ("" if view.before is None else " Nothing changed."))
    return notice_message(schedule_line(view, tz) + " Recorded in the audit log.")


def _preview_message(preview: Preview, tz: ZoneInfo) -> Message:
    heading = (
        f":eyes: *Preview*, shown only to you and posted nowhere: what the run due {local_time(preview.next_run, tz)} "
        "would post if it ran now, on data to yesterday."
    )
    if not preview.digests:
        return notice_message(heading + "\nNo channel is subscribed, so it would post nothing.")
    blocks = [SectionBlock(text=MarkdownTextObject(text=heading))]
    shown = 0
    for digest in preview.digests[:MAX_PREVIEW_DIGESTS]:
        if digest.quiet and not preview.quiet_note:
            sections = ["Nothing: a quiet week, and quiet-week notes are off."]
        else:
            sections = digest_sections(digest)
        sections = [f"*To {channel_mention(digest.channel)}:*", *packed(sections, 10)]
        if shown and len(blocks) + len(sections) > MAX_DIGEST_BLOCKS:
            break
        blocks += [SectionBlock(text=MarkdownTextObject(text=s)) for s in sections]
        shown += 1
    if len(preview.digests) > shown:
        more = len(preview.digests) - shown
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=f"… and {more} more channels: `/strand-admin preview #channel` for each.")
                ]
            )
        )
    return Message(text="Preview of the next weekly digest", blocks=as_blocks(*blocks))


def _backtest_message(result: Backtest) -> Message:
    if result.posted_now is None:
        now = "not replayed, as no harm weights are loaded"
    else:
        now = f"posted in {result.posted_now}"
    heading = (
        f"*Backtest: {result.name}* at {threshold_summary(result.threshold)}; reminders "
        f"{remind_text(result.threshold)}\n{backtest_summary(result)} (with its current rules, "
        f"{threshold_text(result.current)} in {MEASURE_NAMES[result.current.measure]}: {now}.)"
    )
    if result.harm is not None:
        unweighted = result.harm.unweighted.text()
        heading += f"\nHarm weighed with “{result.harm.weights.name}”, the set in use today, in every week." + (
            f" {unweighted}." if unweighted else ""
        )
    rows = backtest_rows(result)
    blocks = [SectionBlock(text=MarkdownTextObject(text=heading))]
    if rows:
        blocks += code_sections(tabulate(rows, headers=BACKTEST_HEADERS, disable_numparse=True).splitlines())
    return Message(text=heading, blocks=as_blocks(*blocks))


def remind_text(threshold: Threshold) -> str:
    return "never" if not threshold.remind_weeks else f"every {threshold.remind_weeks}w"


def _break_line(change: CountingBreak) -> str:
    return f"`{change.strand}` from {short_date(change.day)}: “{change.note}”"


def _break_change_message(result: BreakChange) -> Message:
    if result.added:
        return notice_message(
            f"Counting-rule break recorded: {_break_line(result.change)}. Comparisons across it now carry a note, "
            "alerts on them are marked (held with `threshold … breaks=hold`), trend charts draw it, and forecasts "
            "fit the months after it once there are 24. Recorded in the audit log."
        )
    return notice_message(f"Counting-rule break removed: {_break_line(result.change)}. Recorded in the audit log.")


def _breaks_message(result: BreakList) -> Message:
    if not result.breaks:
        return notice_message(
            'No counting-rule breaks are recorded. Add one with `/strand-admin break domestic-abuse 2023-06-01 "what '
            'changed"`.'
        )
    lines = "\n".join(f"• {_break_line(change)}" for change in result.breaks)
    return notice_message(f"*Counting-rule breaks* (each applies to its strand and those within it)\n{lines}")


def told_text_of(stored: str) -> str:
    """'2 new, 1 reminder, 1 resolved' (or 'nothing new'), from a ledger row; '—' for rows from before news."""
    counts = told_counts(json.loads(stored))
    if counts is None:
        return "—"
    parts = [f"{n} {kind}{'s' if kind == 'reminder' and n != 1 else ''}" for kind, n in counts.items() if n]
    return ", ".join(parts) or "nothing new"


def _history_message(history: History, tz: ZoneInfo) -> Message:
    where = "" if history.channel is None else f" to {channel_text(history.channel)}"
    if not history.deliveries:
        return notice_message(f"No digests have been sent{where} yet.")
    rows = []
    for d in history.deliveries:
        when = d.sent_at or d.claimed_at
        status = {"quiet": "quiet (not posted)", "undeliverable": f"undeliverable: {d.error}"}.get(d.status, d.status)
        plural = "s" if d.attempts != 1 else ""
        if d.status == "failed":
            status = f"failed ({d.attempts} attempt{plural}, retried for a day): {d.error or 'unknown error'}"
        elif d.status == "unknown":  # Slack may have it: a retry looks in the channel before posting
            status = f"not confirmed ({d.attempts} attempt{plural}, checked and retried for a day): {d.error}"
        rows.append([d.period, d.channel, local_time(when, tz), told_text_of(d.breaches), status])
    table = tabulate(rows, headers=["Data to", "Channel", "When", "Told", "Delivery"], disable_numparse=True)
    header = SectionBlock(text=MarkdownTextObject(text=f"*Last digests{where}*, newest first"))
    return Message(text=f"Last digests{where}", blocks=as_blocks(header, *code_sections(table.splitlines())))
