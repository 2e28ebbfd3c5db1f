"""The weekly digest: for each subscribed channel, the strands it follows that crossed their thresholds, in
each place it follows (the whole force, or an area and its sub-areas).

One dashboard per place (every strand, as of the day before the run) feeds every channel's digest; it is
weighed for harm too (in the same one query) only where a strand followed there has a threshold on harm. A
strand that was in a channel's last delivered digest for a place and is no longer past any threshold there is
listed as resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.alerts.records import AlertSubscription
from bot.alerts.schedule import period_of
from bot.alerts.schedule_settings import current_schedule
from bot.alerts.subscriptions import places_in_order
from bot.alerts.thresholds import Breach, Threshold, breaches, threshold_for
from bot.dashboard.service import full_dashboard
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue, CatalogueEntry
from bot.domain.stats import Dashboard
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.alerts import stored_thresholds, subscriptions
from bot.store.catalogue import load_areas, load_catalogue
from bot.store.db import Database
from bot.store.harm import weight_set_count
from bot.store.jobs import last_posted_breaches


@dataclass(frozen=True)
class StrandBreaches:
    slug: str
    name: str
    breaches: tuple[Breach, ...]


@dataclass(frozen=True)
class DigestSection:
    """What a channel is told about one place it follows: the whole force (`area` None) or one area."""

    area: CatalogueEntry | None
    strands: tuple[StrandBreaches, ...]
    resolved: tuple[str, ...]  # names of strands back within threshold since the last digest
    held_back: int  # breaches not posted: not significant, and the threshold says hold
    followed: int  # how many strands the channel follows here
    unweighed: tuple[str, ...] = ()  # names of strands whose threshold is on harm, unchecked: no weights loaded

    @property
    def quiet(self) -> bool:
        # A strand left unchecked is not quiet: the channel must hear that it is not being watched.
        return not self.strands and not self.resolved and not self.unweighed

    @property
    def area_slug(self) -> str:
        return "" if self.area is None else self.area.slug


@dataclass(frozen=True)
class Digest:
    """What one channel is told for one period, in one message: a section for each place it follows (the whole
    force first, then areas in catalogue order). Quiet when nothing crossed a threshold and nothing resolved."""

    channel: str
    channel_name: str | None
    period: str
    as_of: date
    fy_label: str
    baseline_label: str
    sections: tuple[DigestSection, ...]
    due: datetime | None = None  # when the run was due, if it is late

    @property
    def quiet(self) -> bool:
        return all(section.quiet for section in self.sections)

    @property
    def by_area(self) -> bool:
        """Whether the channel follows any area, so the message must say where each figure is from."""
        return any(section.area is not None for section in self.sections)

    @property
    def unweighed(self) -> tuple[str, ...]:
        """Strands the channel follows whose threshold is on harm, left unchecked since no weights are loaded."""
        return tuple(dict.fromkeys(name for section in self.sections for name in section.unweighed))

    @property
    def posted(self) -> list[list[str]]:
        """[slug, comparison] of every force-wide breach posted, [slug, comparison, area] of every area's: next
        week's digest says which of these resolved."""
        return [
            [*b.key, section.area_slug] if section.area_slug else list(b.key)
            for section in self.sections
            for s in section.strands
            for b in s.breaches
        ]


def followed_strands(catalogue: Catalogue, scopes: set[str]) -> list[str]:
    """The strands a channel hears about, in catalogue order: each subscribed strand with its sub-strands."""
    if DEFAULT_SCOPE in scopes:
        return [s.slug for s in catalogue]
    known = {s.slug for s in catalogue}
    wanted = {slug for scope in scopes if scope in known for slug in catalogue.descendants(scope)}
    return [s.slug for s in catalogue if s.slug in wanted]


def digest_section(
    slugs: list[str], dashboard: Dashboard, thresholds: dict[str, Threshold], last_posted: set[str]
) -> DigestSection:
    """One place's part of a channel's digest, from its dashboard, the thresholds, and the strands the channel's
    last digest posted breaches of for this place. A strand whose threshold is on harm, where the dashboard was
    not weighed (no weights are loaded), is neither breached nor resolved: it is named as unchecked."""
    posted, held, breached, unchecked = [], 0, set(), []
    for slug in slugs:
        stats, threshold = dashboard.strand(slug), thresholds[slug]
        if threshold.measure == "harm" and dashboard.harm is None:
            unchecked.append(slug)
            continue
        found = breaches(stats, threshold, dashboard.harm)
        shown = tuple(b for b in found if not b.held_back)
        held += len(found) - len(shown)
        if found:
            breached.add(slug)
        if shown:
            posted.append(StrandBreaches(slug, stats.name, shown))
    resolved = tuple(
        dashboard.strand(s).name for s in slugs if s in last_posted and s not in breached and s not in unchecked
    )
    unweighed = tuple(dashboard.strand(s).name for s in unchecked)
    return DigestSection(dashboard.area, tuple(posted), resolved, held, len(slugs), unweighed)


def weekly_digests(
    database: Database,
    settings: Settings,
    as_of: date,
    period: str,
    channel: str | None = None,
    due: datetime | None = None,
) -> list[Digest]:
    """Every subscribed channel's digest (or just `channel`'s): one dashboard as of `as_of` for each place
    followed (the whole force, or an area with its sub-areas) feeds every channel following it."""
    with database.session() as session:
        catalogue = load_catalogue(session)
        areas = load_areas(session)
        stored = stored_thresholds(session)
        subscribed = [s for s in subscriptions(session) if channel is None or s.channel == channel]
        last = last_posted_breaches(session, period)
        weights_loaded = weight_set_count(session) > 0
    if not subscribed:
        return []
    places = places_in_order((s.area for s in subscribed), areas)
    thresholds = {s.slug: threshold_for(s.slug, catalogue, stored) for s in catalogue}
    by_channel = _by_channel(subscribed)
    followed = {
        (channel_id, place): followed_strands(catalogue, {r.scope for r in rows if r.area == place})
        for channel_id, rows in by_channel.items()
        for place in places
        if any(r.area == place for r in rows)
    }
    on_harm = {place for (_, place), slugs in followed.items() if any(thresholds[s].measure == "harm" for s in slugs)}
    dashboards = {
        place: full_dashboard(
            database, settings, as_of, place or None, measure="harm" if weights_loaded and place in on_harm else "count"
        )
        for place in places
    }
    digests = []
    for channel_id, rows in by_channel.items():
        told = [(pair[0], pair[2] if len(pair) > 2 else "") for pair in last.get(channel_id, [])]
        sections = tuple(
            digest_section(
                followed[channel_id, place],
                dashboards[place],
                thresholds,
                {slug for slug, area in told if area == place},
            )
            for place in places
            if (channel_id, place) in followed
        )
        first = dashboards[places[0]]
        name = next((r.channel_name for r in rows if r.channel_name), None)
        digests.append(
            Digest(channel_id, name, period, first.as_of, first.fy_label, first.baseline_label, sections, due)
        )
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
