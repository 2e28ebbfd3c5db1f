"""The weekly digest as a Slack message, and the replies to the alert commands of `/strand-admin`, in Block Kit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock
from tabulate import tabulate

from bot.alerts.backtest import Backtest
from bot.alerts.digest import Digest, Preview
from bot.alerts.history import History
from bot.alerts.schedule_settings import ScheduleView
from bot.alerts.subscriptions import Channel, SubscriptionChange, SubscriptionList
from bot.alerts.threshold_settings import ThresholdChange, ThresholdList
from bot.alerts.thresholds import Breach, Threshold
from bot.domain.catalogue import DEFAULT_SCOPE, scope_name
from bot.domain.comparisons import COMPARISONS
from bot.render.alerts import local_time, schedule_line
from bot.render.text import ARROWS, pct_text
from bot.slack.blocks.message import SECTION_TEXT_LIMIT, Message, as_blocks, code_sections, mrkdwn_message
from bot.slack.markup import channel_mention

BREACH_EMOJI = {"up": ":red_circle:", "down": ":large_green_circle:"}
DIGEST_FOOTER = "Each strand's figures: `/strand <strand>` · Thresholds and subscriptions are set by strandbot's admins"
# Slack allows 50 blocks in a message; a digest of more strands than this packs several into one section.
MAX_DIGEST_BLOCKS = 45
MAX_PREVIEW_DIGESTS = 4  # each digest is several blocks; Slack allows 50 in a message


def comparison_label(comparison: str, digest: Digest) -> str:
    return COMPARISONS[comparison].alert.format(fy=digest.fy_label, baseline=digest.baseline_label)


def threshold_text(threshold: Threshold) -> str:
    sign = {"up": "+", "down": "-", "either": "±"}[threshold.direction]
    return f"{sign}{threshold.percent:g}%"


def p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def significance_text(breach: Breach) -> str:
    counts = breach.counts
    if counts.significant:
        return f"significant ({p_text(counts.p_value)})"
    if breach.threshold.significance == "mark":
        return f":warning: not significant ({p_text(counts.p_value)}): could be chance"
    return f"not significant ({p_text(counts.p_value)})"


def breach_line(breach: Breach, digest: Digest) -> str:
    """':red_circle: ↑ FYTD 2026/27 vs last year: *132* vs 100 (+32%), past ±10% · significant (p = 0.04)'."""
    counts = breach.counts
    return (
        f"{BREACH_EMOJI[counts.direction]} {ARROWS[counts.direction]} {comparison_label(breach.comparison, digest)}: "
        f"*{counts.current:,}* vs {counts.previous:,} ({pct_text(counts)}), past {threshold_text(breach.threshold)} · "
        f"{significance_text(breach)}"
    )


def digest_sections(digest: Digest) -> list[str]:
    """The digest as mrkdwn sections: heading, late note, one per strand, resolved, held back."""
    week = f"data to {digest.as_of:%A} {digest.as_of.day} {digest.as_of:%B %Y}"
    followed = f"{digest.followed} strand{'s' if digest.followed != 1 else ''}"
    late = []
    if digest.due is not None:
        late = [
            f":hourglass: Late: this digest was due {digest.due:%a} {digest.due.day} {digest.due:%b at %H:%M}, "
            "when strandbot was not running."
        ]
    if digest.quiet:
        note = f":white_check_mark: No threshold breaches in {week} across the {followed} this channel follows"
        if digest.held_back:
            note += f", beyond {digest.held_back} that could be chance (held back)"
        return [note + "."] + late
    count = sum(len(s.breaches) for s in digest.strands)
    if count:
        found = f"{count} breach{'es' if count != 1 else ''} in {len(digest.strands)} of the {followed}"
        sections = [f":rotating_light: *Weekly threshold breaches* for {week}: {found} this channel follows"]
    else:
        sections = [
            f":white_check_mark: *Weekly threshold breaches* for {week}: none in the {followed} this channel follows"
        ]
    sections += late
    sections += [f"*{s.name}*\n" + "\n".join(breach_line(b, digest) for b in s.breaches) for s in digest.strands]
    if digest.resolved:
        sections.append(f":white_check_mark: Back within threshold since the last digest: {', '.join(digest.resolved)}")
    if digest.held_back:
        plural = "s" if digest.held_back != 1 else ""
        sections.append(f"_{digest.held_back} change{plural} past threshold but not significant, held back._")
    return sections


def digest_message(digest: Digest) -> Message:
    sections = packed(digest_sections(digest), MAX_DIGEST_BLOCKS)
    blocks = [SectionBlock(text=MarkdownTextObject(text=s)) for s in sections]
    if not digest.quiet:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=DIGEST_FOOTER)]))
    return Message(text="\n".join(sections), blocks=as_blocks(*blocks))


def packed(sections: list[str], most: int) -> list[str]:
    """The sections as they are if there are at most `most`; otherwise joined into as few as fit."""
    if len(sections) <= most:
        return [s[:SECTION_TEXT_LIMIT] for s in sections]
    joined: list[str] = []
    for section in sections:
        if joined and len(joined[-1]) + 1 + len(section) <= SECTION_TEXT_LIMIT:
            joined[-1] += "\n" + section
        else:
            joined.append(section[:SECTION_TEXT_LIMIT])
    return joined[:most]


def channel_text(channel: Channel) -> str:
    return channel_mention(channel.id)


def scopes_text(scopes) -> str:
    return "every strand" if DEFAULT_SCOPE in scopes else ", ".join(f"`{s}`" for s in scopes) or "nothing"


def threshold_summary(threshold: Threshold) -> str:
    return (
        f"{threshold_text(threshold)} on {', '.join(threshold.comparisons)}; both counts at least "
        f"{threshold.min_volume}; not significant: {threshold.significance}"
    )


def alert_message(result, tz: ZoneInfo) -> Message:
    if isinstance(result, ThresholdChange):
        scope = scope_name(result.scope)
        if not result.changed:
            return mrkdwn_message(f"{scope} already works to {threshold_summary(result.after)}; nothing changed.")
        if result.reset:
            return mrkdwn_message(
                f"{scope} follows its parent strand and the force default again: {threshold_summary(result.after)}. "
                "Recorded in the audit log."
            )
        return mrkdwn_message(
            f"{scope} now works to {threshold_summary(result.after)} (was {threshold_summary(result.before)}). "
            "Recorded in the audit log."
        )
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
    raise TypeError(f"no message for {type(result).__name__}")


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
                t.min_volume,
                t.significance,
                ",".join(sorted(t.own)) or "—",
            ]
        )
    table = tabulate(
        rows, headers=["Strand", "Change", "Comparisons", "Min", "Not signif.", "Set here"], disable_numparse=True
    )
    header = SectionBlock(
        text=MarkdownTextObject(
            text="*Breach thresholds*: a change past *Change* with both counts at least *Min*. "
            "Parts not *Set here* follow the parent strand, then the force default."
        )
    )
    return Message(text="Breach thresholds", blocks=as_blocks(header, *code_sections(table.splitlines())))


def _subscription_change_message(change: SubscriptionChange) -> Message:
    where = channel_text(change.channel)
    if not change.changed:
        return mrkdwn_message(f"{where} already follows {scopes_text(change.unchanged)}; nothing changed.")
    verb = "now also hears about" if change.subscribing else "no longer hears about"
    text = f"{where} {verb} {scopes_text(change.changed)}. It follows {scopes_text(change.now)}."
    text += " Recorded in the audit log."
    if change.unchanged:
        text += (
            f" ({scopes_text(change.unchanged)}: {'already followed' if change.subscribing else 'was not followed'}.)"
        )
    return mrkdwn_message(text)


def _subscriptions_message(listed: SubscriptionList) -> Message:
    if not listed.channels:
        return mrkdwn_message(
            "No channel is subscribed yet. Subscribe one with `/strand-admin subscribe #channel hate-crime` (or `all`)."
        )
    lines = [f"• {channel_text(channel)} — {scopes_text(scopes)}" for channel, scopes in listed.channels]
    return mrkdwn_message("*Subscriptions*: who hears about what each week\n" + "\n".join(lines))


def _schedule_message(view: ScheduleView, tz: ZoneInfo) -> Message:
    if view.before is None or view.before == view.schedule:
        return mrkdwn_message(schedule_line(view, tz) + ("" if view.before is None else " Nothing changed."))
    return mrkdwn_message(schedule_line(view, tz) + " Recorded in the audit log.")


def _preview_message(preview: Preview, tz: ZoneInfo) -> Message:
    heading = (
        f":eyes: *Preview*, shown only to you and posted nowhere: what the run due {local_time(preview.next_run, tz)} "
        "would post if it ran now, on data to yesterday."
    )
    if not preview.digests:
        return mrkdwn_message(heading + "\nNo channel is subscribed, so it would post nothing.")
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
    heading = (
        f"*Backtest: {result.name}* at {threshold_summary(result.threshold)}\n"
        f"Would have fired in *{result.fired} of the last {len(result.weeks)}* weekly runs "
        f"(at its current threshold, {threshold_text(result.current)}: {result.fired_now})."
    )
    rows = [
        [
            f"{week.run_day:%Y-%m-%d}",
            "; ".join(f"{b.comparison} {ARROWS[b.counts.direction]} {pct_text(b.counts)}" for b in week.fired),
        ]
        for week in result.weeks
        if week.fired
    ]
    blocks = [SectionBlock(text=MarkdownTextObject(text=heading))]
    if rows:
        blocks += code_sections(tabulate(rows, headers=["Run", "Fired on"], disable_numparse=True).splitlines())
    return Message(text=heading, blocks=as_blocks(*blocks))


def _history_message(history: History, tz: ZoneInfo) -> Message:
    where = "" if history.channel is None else f" to {channel_text(history.channel)}"
    if not history.deliveries:
        return mrkdwn_message(f"No digests have been sent{where} yet.")
    rows = []
    for d in history.deliveries:
        when = d.sent_at or d.claimed_at
        status = {"quiet": "quiet (not posted)", "undeliverable": f"undeliverable: {d.error}"}.get(d.status, d.status)
        plural = "s" if d.attempts != 1 else ""
        if d.status == "failed":
            status = f"failed ({d.attempts} attempt{plural}, retried for a day): {d.error or 'unknown error'}"
        elif d.status == "unknown":  # Slack may have it: a retry looks in the channel before posting
            status = f"not confirmed ({d.attempts} attempt{plural}, checked and retried for a day): {d.error}"
        rows.append([d.period, d.channel, local_time(when, tz), status])
    table = tabulate(rows, headers=["Data to", "Channel", "When", "Delivery"], disable_numparse=True)
    header = SectionBlock(text=MarkdownTextObject(text=f"*Last digests{where}*, newest first"))
    return Message(text=f"Last digests{where}", blocks=as_blocks(header, *code_sections(table.splitlines())))
