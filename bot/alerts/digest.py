"""The weekly digest: for each subscribed channel, the news about the strands it follows in each place it
follows (the whole force, or an area and its sub-areas): breaches new this week, reminders of those still
standing when their interval is up, and those resolved (`bot.alerts.news`); the rest of what still stands is
one line.

One dashboard per place (every strand, as of the day before the run) feeds every channel's digest; it is
weighed for harm too (in the same one query) only where a strand followed there has a threshold on harm. What
stood at a channel's last run (delivered or quiet) is in its ledger row, and this run's is written to its own."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from bot.alerts.news import Key, Standing, Told, news, standing_from_json
from bot.alerts.records import AlertSubscription, CountingBreak
from bot.alerts.schedule import period_of
from bot.alerts.schedule_settings import current_schedule
from bot.alerts.subscriptions import places_in_order
from bot.alerts.thresholds import Breach, Threshold, breaches, breaks_of, threshold_for
from bot.dashboard.service import full_dashboard
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue, CatalogueEntry
from bot.domain.comparisons import WINDOWS
from bot.domain.stats import Dashboard
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.alerts import counting_breaks, stored_thresholds, subscriptions
from bot.store.catalogue import load_areas, load_catalogue
from bot.store.db import Database
from bot.store.harm import weight_set_count
from bot.store.jobs import last_posted_breaches


@dataclass(frozen=True)
class StrandNews:
    """A strand's breaches told this week: new ones, and reminders of those still standing."""

    slug: str
    name: str
    told: tuple[Told, ...]

    @property
    def breaches(self) -> tuple[Breach, ...]:
        return tuple(t.breach for t in self.told)


@dataclass(frozen=True)
class Resolved:
    """A strand with comparisons back within threshold since the last run."""

    name: str
    comparisons: tuple[str, ...]


@dataclass(frozen=True)
class DigestSection:
    """What a channel is told about one place it follows: the whole force (`area` None) or one area."""

    area: CatalogueEntry | None
    strands: tuple[StrandNews, ...]
    resolved: tuple[Resolved, ...]
    held: tuple[tuple[str, int], ...]  # breaches held back, by reason (a key of thresholds.HELD): how many
    followed: int  # how many strands the channel follows here
    unweighed: tuple[str, ...] = ()  # names of strands whose threshold is on harm, unchecked: no weights loaded
    still: tuple[str, ...] = ()  # names of strands with breaches standing, not told this week
    standing: tuple[Standing, ...] = ()  # every breach standing after this run, handed on to the next
    fy_weeks: int | None = None  # the financial year's age in weeks, when FYTD breaches were held as too early
    resolved_keys: tuple[tuple[str, str], ...] = ()  # (strand, comparison) of each breach resolved

    @property
    def quiet(self) -> bool:
        # A strand left unchecked is not quiet: the channel must hear that it is not being watched.
        return not self.strands and not self.resolved and not self.unweighed

    @property
    def held_back(self) -> int:
        return sum(n for _, n in self.held)

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
    def ledger(self) -> dict:
        """What the ledger keeps of this digest: every breach standing after it, in every place, for the next run;
        and what it told, as [strand, comparison, area] for `history`."""
        told = {"new": [], "reminder": [], "resolved": []}
        for section in self.sections:
            for strand in section.strands:
                for t in strand.told:
                    told[t.kind].append([t.breach.slug, t.breach.comparison, section.area_slug])
            told["resolved"] += [[slug, c, section.area_slug] for slug, c in section.resolved_keys]
        return {"standing": [s.as_json() for section in self.sections for s in section.standing], **told}


def followed_strands(catalogue: Catalogue, scopes: set[str]) -> list[str]:
    """The strands a channel hears about, in catalogue order: each subscribed strand with its sub-strands."""
    if DEFAULT_SCOPE in scopes:
        return [s.slug for s in catalogue]
    known = {s.slug for s in catalogue}
    wanted = {slug for scope in scopes if scope in known for slug in catalogue.descendants(scope)}
    return [s.slug for s in catalogue if s.slug in wanted]


def digest_section(
    slugs: list[str],
    dashboard: Dashboard,
    thresholds: dict[str, Threshold],
    before: dict[Key, Standing],
    catalogue: Catalogue,
    breaks: list[CountingBreak],
) -> DigestSection:
    """One place's part of a channel's digest, from its dashboard, the thresholds, what stood at the channel's
    last run, and the counting-rule breaks. A strand whose threshold is on harm, where the dashboard was not
    weighed (no weights are loaded), is neither breached nor resolved: it is named as unchecked."""
    area = "" if dashboard.area is None else dashboard.area.slug
    found, unchecked, watched = [], [], set()
    for slug in slugs:
        stats, threshold = dashboard.strand(slug), thresholds[slug]
        watched |= {(slug, comparison) for comparison in threshold.comparisons}
        if threshold.measure == "harm" and dashboard.harm is None:
            unchecked.append(slug)
            continue
        found += breaches(stats, threshold, dashboard.harm, dashboard.windows, breaks_of(catalogue, slug, breaks))
    carried = [key for key in before if key[0] in unchecked]
    told = news(dashboard.as_of, area, found, before, watched, carried)
    names = {slug: dashboard.strand(slug).name for slug in slugs}
    strands = tuple(
        StrandNews(slug, names[slug], tuple(t for t in told.told if t.breach.slug == slug))
        for slug in slugs
        if any(t.breach.slug == slug for t in told.told)
    )
    resolved = tuple(
        Resolved(names[slug], tuple(c for s, c in told.resolved if s == slug))
        for slug in slugs
        if any(s == slug for s, _ in told.resolved)
    )
    held = Counter(b.held for b in found if b.held_back)
    return DigestSection(
        dashboard.area,
        strands,
        resolved,
        tuple(sorted(held.items())),
        len(slugs),
        tuple(names[s] for s in unchecked),
        still=tuple(dict.fromkeys(names[b.slug] for b in told.ongoing if b.slug not in {s.slug for s in strands})),
        standing=told.standing,
        resolved_keys=told.resolved,
        fy_weeks=dashboard.windows.current("fytd").days // 7 if held["early"] else None,
    )


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
        breaks = counting_breaks(session)
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
            database,
            settings,
            as_of,
            place or None,
            measure="harm" if weights_loaded and place in on_harm else "count",
            comparisons=_watched(thresholds.values()),
        )
        for place in places
    }
    digests = []
    for channel_id, rows in by_channel.items():
        before = {}
        if channel_id in last:
            last_period, stood = last[channel_id]
            before = standing_from_json(json.loads(stood), date.fromisoformat(last_period))
        sections = tuple(
            digest_section(followed[channel_id, place], dashboards[place], thresholds, before, catalogue, breaks)
            for place in places
            if (channel_id, place) in followed
        )
        first = dashboards[places[0]]
        name = next((r.channel_name for r in rows if r.channel_name), None)
        digests.append(
            Digest(channel_id, name, period, first.as_of, first.fy_label, first.baseline_label, sections, due)
        )
    return digests


def _watched(thresholds) -> tuple[str, ...]:
    """The comparisons some threshold watches, in the registry's order: all a digest needs counted."""
    wanted = {key for threshold in thresholds for key in threshold.comparisons}
    return tuple(key for key in WINDOWS if key in wanted)


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
