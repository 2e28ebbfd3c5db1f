"""Keeping personal data no longer than the force's rules allow, and the record of what was loaded.

A purge cannot be undone, so it is guarded: its date must be in the past (yesterday at the latest), a
purge that would remove more than half of the stored occurrences must be acknowledged as such, and every purge
is written to the audit log (who, when, cut-off, what was removed) as well as to the `purges` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.audit.log import Actor, record
from bot.domain import clock
from bot.domain.periods import local_midnight_utc
from bot.domain.stats import share_text
from bot.errors import InvalidRequest
from bot.imports.records import ImportRecord, PurgeRecord
from bot.settings import Settings
from bot.store.db import Database
from bot.store.occurrences import recent_imports
from bot.store.retention import PurgeCounts, PurgeScope, purge, purge_scope, record_purge

# A purge removing more than this share of what is stored is more likely a mistyped date than retention.
LARGE_SHARE = 0.5


@dataclass(frozen=True)
class PurgePlan:
    """What a purge before `before` (a local date) would remove, and how much of the store that is."""

    before: date
    whole_occurrences: bool
    scope: PurgeScope

    @property
    def removed(self) -> PurgeCounts:
        return self.scope.removed

    @property
    def share(self) -> float:
        """The share of stored occurrences a whole-occurrence purge would remove (0 to 1). Links-only purges
        are routine retention that leaves every statistic as it was, so they are not weighed this way."""
        stored, removed = self.scope.stored.occurrences, self.scope.removed.occurrences
        return removed / stored if self.whole_occurrences and stored else 0.0

    @property
    def large(self) -> bool:
        return self.share > LARGE_SHARE

    @property
    def empty(self) -> bool:
        return not self.removed.links and not self.removed.occurrences


def checked_cutoff(settings: Settings, before: date) -> date:
    """A purge date must be yesterday or earlier, local time: today's data, and the future's, are still in use."""
    today = clock.today(settings.timezone)
    if before >= today:
        when = "today" if before == today else "in the future"
        raise InvalidRequest(
            f"--before {before.isoformat()} is {when}: a purge removes everything that occurred before its date, "
            f"so that would take records still in use. Give a date up to yesterday ({today.isoformat()} is today); "
            "retention dates are usually years back."
        )
    return before


def planned_purge(database: Database, settings: Settings, before: date, whole_occurrences: bool) -> PurgePlan:
    """What `run_purge` would remove: everything that occurred before local midnight starting `before`."""
    checked_cutoff(settings, before)
    with database.session() as session:
        scope = purge_scope(session, local_midnight_utc(before, settings.timezone), whole_occurrences)
    return PurgePlan(before, whole_occurrences, scope)


def run_purge(
    database: Database,
    settings: Settings,
    before: date,
    whole_occurrences: bool,
    actor: Actor,
    command: str,
    large_share_confirmed: str | None = None,
) -> PurgeCounts:
    """Remove person and location links (and, if asked, whole occurrences) from before `before`, and record it
    in the purges table and the audit log, in one transaction. A purge of more than half of what is stored
    is refused unless `large_share_confirmed` says how it was confirmed (checked again here: the data may have
    changed since the plan)."""
    checked_cutoff(settings, before)
    cutoff = local_midnight_utc(before, settings.timezone)
    with database.session() as session:
        plan = PurgePlan(before, whole_occurrences, purge_scope(session, cutoff, whole_occurrences))
        if plan.large and not large_share_confirmed:
            raise InvalidRequest(
                f"This purge would remove {share_text(plan.share)} of the stored occurrences; nothing was removed. "
                "If that is really meant, say so with --i-understand."
            )
        done = purge(session, cutoff, whole_occurrences, settings.timezone)
        now = datetime.now(UTC)
        record_purge(
            session,
            PurgeRecord(
                purged_by=actor.user[:100],
                purged_at=now,
                before=before,
                whole_occurrences=whole_occurrences,
                occurrences_removed=done.occurrences,
                links_removed=done.links,
            ),
        )
        record(
            session,
            actor,
            "retention.purge",
            "removed",
            command,
            {
                "before": before.isoformat(),
                "whole_occurrences": whole_occurrences,
                "occurrences_removed": done.occurrences,
                "links_removed": done.links,
                "share_removed": round(plan.share, 6),
            }
            | ({"large_share_confirmed_by": large_share_confirmed} if plan.large else {}),
        )
    return done


def recent_loads(database: Database, limit: int) -> list[ImportRecord]:
    with database.session() as session:
        return recent_imports(session, limit)
