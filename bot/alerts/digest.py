"""The weekly digest: for each subscribed channel, the strands it follows that crossed their thresholds.

One dashboard (every strand, as of the day before the run) feeds every channel's digest. A strand that
was in a channel's last delivered digest and is no longer past any threshold is listed as resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.alerts.records import AlertSubscription
from bot.alerts.schedule import period_of
from bot.alerts.schedule_settings import current_schedule
from bot.alerts.thresholds import Breach, Threshold, breaches, threshold_for
from bot.dashboard.service import full_dashboard
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue
from bot.domain.stats import Dashboard
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.alerts import stored_thresholds, subscriptions
from bot.store.catalogue import load_catalogue
from bot.store.db import Database
from bot.store.jobs import last_posted_breaches


@dataclass(frozen=True)
class StrandBreaches:
    slug: str
    name: str
    breaches: tuple[Breach, ...]


@dataclass(frozen=True)
class Digest:
    """What one channel is told for one period. Quiet when nothing crossed a threshold and nothing resolved."""

    channel: str
    channel_name: str | None
    period: str
    as_of: date
    fy_label: str
    baseline_label: str
    strands: tuple[StrandBreaches, ...]
    resolved: tuple[str, ...]  # names of strands back within threshold since the last digest
    held_back: int  # breaches not posted: not significant, and the threshold says hold
    followed: int  # how many strands the channel follows
    due: datetime | None = None  # when the run was due, if it is late

    @property
    def quiet(self) -> bool:
        return not self.strands and not self.resolved

    @property
    def posted(self) -> list[list[str]]:
        """[slug, comparison] of every breach posted: next week's digest says which of these resolved."""
        return [list(b.key) for s in self.strands for b in s.breaches]


def followed_strands(catalogue: Catalogue, scopes: set[str]) -> list[str]:
    """The strands a channel hears about, in catalogue order: each subscribed strand with its sub-strands."""
    if DEFAULT_SCOPE in scopes:
        return [s.slug for s in catalogue]
    known = {s.slug for s in catalogue}
    wanted = {slug for scope in scopes if scope in known for slug in catalogue.descendants(scope)}
    return [s.slug for s in catalogue if s.slug in wanted]


def channel_digest(
    channel: str,
    channel_name: str | None,
    slugs: list[str],
    dashboard: Dashboard,
    thresholds: dict[str, Threshold],
    last_posted: set[tuple[str, str]],
    period: str,
    due: datetime | None = None,
) -> Digest:
    """One channel's digest from the dashboard, the thresholds, and what its last digest posted."""
    posted, held, breached = [], 0, set()
    for slug in slugs:
        found = breaches(dashboard.strand(slug), thresholds[slug])
        shown = tuple(b for b in found if not b.held_back)
        held += len(found) - len(shown)
        if found:
            breached.add(slug)
        if shown:
            posted.append(StrandBreaches(slug, dashboard.strand(slug).name, shown))
    previously = {slug for slug, _ in last_posted}
    resolved = tuple(dashboard.strand(s).name for s in slugs if s in previously and s not in breached)
    return Digest(
        channel=channel,
        channel_name=channel_name,
        period=period,
        as_of=dashboard.as_of,
        fy_label=dashboard.fy_label,
        baseline_label=dashboard.baseline_label,
        strands=tuple(posted),
        resolved=resolved,
        held_back=held,
        followed=len(slugs),
        due=due,
    )


def weekly_digests(
    database: Database,
    settings: Settings,
    as_of: date,
    period: str,
    channel: str | None = None,
    due: datetime | None = None,
) -> list[Digest]:
    """Every subscribed channel's digest (or just `channel`'s), from one dashboard as of `as_of`."""
    with database.session() as session:
        catalogue = load_catalogue(session)
        stored = stored_thresholds(session)
        subscribed = [s for s in subscriptions(session) if channel is None or s.channel == channel]
        last = last_posted_breaches(session, period)
    if not subscribed:
        return []
    dashboard = full_dashboard(database, settings, as_of)
    thresholds = {s.slug: threshold_for(s.slug, catalogue, stored) for s in catalogue}
    digests = []
    for channel_id, rows in _by_channel(subscribed).items():
        slugs = followed_strands(catalogue, {r.scope for r in rows})
        last_posted = {tuple(pair) for pair in last.get(channel_id, [])}
        name = next((r.channel_name for r in rows if r.channel_name), None)
        digests.append(channel_digest(channel_id, name, slugs, dashboard, thresholds, last_posted, period, due))
    return digests


def _by_channel(rows: list[AlertSubscription]) -> dict[str, list[AlertSubscription]]:
    grouped: dict[str, list[AlertSubscription]] = {}
    for row in sorted(rows, key=lambda r: (r.channel_name or "", r.channel)):
        grouped.setdefault(row.channel, []).append(row)
    return grouped


@dataclass(frozen=True)
class Preview:
    """What the next run would post if it ran now (on data to yesterday), to each channel or one."""

    next_run: datetime
    digests: tuple[Digest, ...]
    quiet_note: bool  # whether quiet digests would be posted at all


def preview(database: Database, settings: Settings, channel: str | None = None) -> Preview:
    schedule = current_schedule(database)
    next_run = schedule.runs_after(clock.now(settings.timezone), settings.timezone, 1)[0]
    as_of = clock.yesterday(settings.timezone)
    next_as_of = clock.yesterday(settings.timezone, next_run)
    digests = weekly_digests(database, settings, as_of, period_of(next_as_of), channel)
    if channel is not None and not digests:
        raise InvalidRequest(
            f"{channel} is not subscribed to anything; subscribe it first, e.g. `/strand-admin subscribe #channel all`."
        )
    return Preview(next_run, tuple(digests), schedule.quiet_note)
