"""The weekly breach job: each subscribed channel's digest, posted exactly once per channel and week (one
message, with a part for each place the channel follows: the whole force, or areas).

Exactly once, with any number of copies running against one database:
- A scheduled run is elected by the unique key on job_runs (job, scheduled_for): one process inserts
  the row and runs; the others find it taken and leave.
- Each post is guarded by the unique key on alert_deliveries (channel, period): the row is written
  (status `sending`) and committed before the post, so a re-run, a manual run or a second replica finds
  it and posts nothing. The post then marks it `sent`; `failed` (or `undeliverable`) with Slack's reason when
  Slack did not take it; `unknown` when it may have (the connection dropped, a 5xx, no answer in time).
- Each digest carries Slack message metadata naming its channel, period and ledger row. Before posting again
  anything whose outcome is not known (`unknown`, or `sending` left by a sender that died, after the lease),
  the job reads the channel's history: if the digest is there, the row is marked `sent` with its timestamp;
  only if it is not is it posted.
- Nothing lost: failed and unknown posts, and posts whose sender died mid-send, are retried on later ticks
  for a day; a scheduled run that failed or died is taken over by a later tick.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.alerts.digest import Digest, weekly_digests
from bot.alerts.schedule import period_of
from bot.alerts.schedule_settings import current_schedule
from bot.domain import clock as force_clock
from bot.errors import DeliveryFailed, DeliveryUnknown, InvalidRequest
from bot.settings import Settings
from bot.store.db import Database
from bot.store.jobs import (
    claim_delivery,
    claim_job_run,
    claim_retry,
    finish_job_run,
    retryable_deliveries,
    update_delivery,
)
from jobs.schedule import JOB

LATE_AFTER = timedelta(minutes=5)  # a run starting later than this after its time says it is late
RETRY_FOR = timedelta(days=1)  # failed posts are retried on every tick for this long
SENDING_LEASE = timedelta(minutes=10)  # longer than any post with its retries takes
DIGEST_EVENT = "strandbot_digest"  # the event_type of the Slack message metadata each digest carries
# How far before a ledger row was first written to look for its digest in the channel: our clock and Slack's
# may disagree by a little, and a few more messages to read cost nothing.
HISTORY_MARGIN = timedelta(minutes=10)

Clock = Callable[[], datetime]
# A message as the poster renders it and takes it back (for Slack: its text and blocks). JSON: the ledger keeps it,
# so a retry posts exactly what was first built.
Payload = dict


class Poster(Protocol):
    def render(self, digest: Digest) -> Payload: ...

    def post(self, channel: str, message: Payload, metadata: dict | None = None) -> str: ...

    def find_posted(self, channel: str, since: datetime, event_type: str, payload: dict) -> str | None: ...


def digest_metadata(channel: str, period: str, delivery_id: int) -> dict:
    """The Slack message metadata a digest carries, by which a later check finds it in the channel."""
    return {
        "event_type": DIGEST_EVENT,
        "event_payload": {"channel": channel, "period": period, "delivery": delivery_id},
    }


def clock_from(now: datetime | None) -> Clock:
    """The time, now; or, given `now`, time running on from `now` at the real rate (a simulated week's clock),
    so that every time the ledger records agrees with the `now` a tick was given."""
    if now is None:
        return lambda: datetime.now(UTC)
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


@dataclass(frozen=True)
class Delivery:
    """What happened for one channel: sent, failed, unknown (may have arrived: checked before any retry), quiet
    (nothing posted), already (delivered before), dry-run."""

    channel: str
    status: str
    message: Payload | None = None
    error: str | None = None


@dataclass
class RunReport:
    trigger: str
    period: str
    as_of: date
    run_id: int | None = None
    deliveries: list[Delivery] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        return sum(1 for d in self.deliveries if d.status in statuses)

    @property
    def unconfirmed(self) -> int:
        """Posts not known to have arrived: failed, or unknown."""
        return self.count("failed", "unknown")

    @property
    def outcome(self) -> str:
        if not self.unconfirmed:
            return "ok"
        return "failed" if not self.count("sent") else "partial"


def host_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def refuse_unfinished_day(settings: Settings, as_of: date, now: datetime | None = None) -> None:
    """A digest's data must end before today: a digest of today's data would stand in for tomorrow's."""
    if as_of >= force_clock.today(settings.timezone, now):
        raise InvalidRequest(
            "Today is not over yet: a digest of today's data would stand in for tomorrow's. "
            "Give an earlier --as-of, or use --dry-run to look."
        )


def run_weekly_breaches(
    database: Database,
    settings: Settings,
    poster: Poster,
    *,
    as_of: date | None = None,
    scheduled_for: datetime | None = None,
    trigger: str = "manual",
    dry_run: bool = False,
    now: datetime | None = None,
) -> RunReport | None:
    """Run the job once: for `scheduled_for` (a scheduler's run), for data to `as_of`, or for yesterday.

    None when another process has already taken this scheduled run. Given `now`, the ledger's times run on from it.
    `poster` renders each digest (a dry run too) and posts it."""
    clock = clock_from(now)
    now = clock()
    if as_of is None:
        as_of = force_clock.yesterday(settings.timezone, scheduled_for or now)
    elif not dry_run:
        refuse_unfinished_day(settings, as_of, now)
    report = RunReport(trigger, period_of(as_of), as_of)
    due = scheduled_for if trigger == "catch-up" else None
    if dry_run:
        digests = weekly_digests(database, settings, report.as_of, report.period, due=due)
        report.deliveries = [Delivery(d.channel, "dry-run", poster.render(d)) for d in digests]
        return report
    with database.session() as session:
        report.run_id = start_job_run(session, trigger, now, scheduled_for, report.period)
    if report.run_id is None:
        return None
    try:
        quiet_note = current_schedule(database).quiet_note
        digests = weekly_digests(database, settings, report.as_of, report.period, due=due)
        report.deliveries = [_deliver(database, poster, digest, report.run_id, quiet_note, clock) for digest in digests]
    except Exception as error:
        _finish(database, report, "failed", clock, detail=str(error) or type(error).__name__)
        raise
    _finish(database, report, report.outcome, clock)
    return report


def _deliver(
    database: Database, poster: Poster, digest: Digest, run_id: int, quiet_note: bool, clock: Clock
) -> Delivery:
    message = poster.render(digest)
    stored = json.dumps(message)
    status = "quiet" if digest.quiet and not quiet_note else "sending"
    now = clock()  # when the row is written: the lease runs from here, however long the run took
    with database.session() as session:
        delivery_id = claim_delivery(
            session,
            {
                "channel": digest.channel, "period": digest.period, "as_of": digest.as_of, "run_id": run_id,
                "status": status, "attempts": 0, "message": stored,
                "breaches": json.dumps(digest.ledger), "created_at": now, "claimed_by": host_id(), "claimed_at": now,
            },
        )  # fmt: skip
    if delivery_id is None:
        return Delivery(digest.channel, "already")
    if status == "quiet":
        return Delivery(digest.channel, "quiet", message)
    pending = Pending(delivery_id, digest.channel, digest.period, message, attempts=0, created_at=now, verify=False)
    return _post(database, poster, pending, clock)


@dataclass(frozen=True)
class Pending:
    """A ledger row to post: `verify` when an earlier try may have reached Slack, so the channel is read first."""

    id: int
    channel: str
    period: str
    message: Payload
    attempts: int
    created_at: datetime
    verify: bool


def _post(database: Database, poster: Poster | None, pending: Pending, clock: Clock) -> Delivery:
    channel, message, attempts = pending.channel, pending.message, pending.attempts
    try:
        if poster is None:
            raise DeliveryFailed("no Slack connection: set SLACK_BOT_TOKEN")
        ts = _find(poster, pending) if pending.verify else None
        if ts is None:
            attempts += 1
            ts = poster.post(channel, message, digest_metadata(channel, pending.period, pending.id))
    except DeliveryUnknown as unknown:  # Slack may have it: the next try looks in the channel first
        _record(database, pending.id, status="unknown", attempts=attempts, error=str(unknown))
        return Delivery(channel, "unknown", message, str(unknown))
    except DeliveryFailed as failure:
        # Slack's answer says whether trying again could help (a rate limit) or not (not in the channel).
        status = "failed" if failure.retryable else "undeliverable"
        _record(database, pending.id, status=status, attempts=attempts, error=str(failure))
        return Delivery(channel, "failed", message, str(failure))
    _record(database, pending.id, status="sent", attempts=attempts, slack_ts=ts, sent_at=clock(), error=None)
    return Delivery(channel, "sent", message)


def _find(poster: Poster, pending: Pending) -> str | None:
    """Slack's timestamp of this row's digest if an earlier try did post it (looking from a little before the
    row was first written, so every earlier try is covered). DeliveryUnknown if the channel can't be read."""
    payload = {"channel": pending.channel, "period": pending.period}
    try:
        return poster.find_posted(pending.channel, pending.created_at - HISTORY_MARGIN, DIGEST_EVENT, payload)
    except DeliveryFailed as failure:  # a DeliveryUnknown too: the history read is what failed
        raise DeliveryUnknown(f"could not look in the channel for an earlier try: {failure}") from None


def _record(database: Database, delivery_id: int, **values) -> None:
    with database.session() as session:
        update_delivery(session, delivery_id, **values)


def retry_failed(database: Database, poster: Poster | None, now: datetime | None = None) -> RunReport | None:
    """Post again what failed before this tick, may have been posted (unknown), or was left mid-send, in the last
    day, the message exactly as first built; but first, for the last two, look for it in the channel. A run is
    recorded only if this process took something to retry."""
    clock = clock_from(now)
    now = clock()
    with database.session() as session:
        waiting = retryable_deliveries(session, now - RETRY_FOR, failed_before=now, stale_before=now - SENDING_LEASE)
    taken = []
    for delivery in waiting:
        with database.session() as session:
            if claim_retry(session, delivery, host_id(), clock()):
                taken.append(delivery)
    if not taken:
        return None
    report = RunReport("retry", max(d.period for d in taken), max(d.as_of for d in taken))
    with database.session() as session:
        report.run_id = start_job_run(session, "retry", now, None, report.period)
    for delivery in taken:
        pending = Pending(
            delivery.id,
            delivery.channel,
            delivery.period,
            json.loads(delivery.message),
            delivery.attempts,
            delivery.created_at,
            verify=delivery.status != "failed",  # unknown, or sending when its sender died: it may be there
        )
        report.deliveries.append(_post(database, poster, pending, clock))
    _finish(database, report, report.outcome, clock)
    return report


def start_job_run(
    session, trigger: str, now: datetime, scheduled_for: datetime | None, period: str | None, **finished
) -> int | None:
    """Record a run's start (or, with `finished`, a run that did nothing); None if a scheduled run for the
    same time is recorded and neither failed nor abandoned."""
    run = {"job": JOB, "trigger": trigger, "scheduled_for": scheduled_for, "period": period, "host": host_id()}
    run |= {"started_at": now, "outcome": "running", "sent": 0, "failed": 0, "already": 0} | finished
    return claim_job_run(session, run, abandoned_before=now - SENDING_LEASE)


def _finish(database: Database, report: RunReport, outcome: str, clock: Clock, detail: str | None = None) -> None:
    failures = [f"{d.channel}: {d.status}, {d.error}" for d in report.deliveries if d.status in ("failed", "unknown")]
    with database.session() as session:
        finish_job_run(
            session,
            report.run_id,
            finished_at=clock(),
            outcome=outcome,
            sent=report.count("sent"),
            failed=report.unconfirmed,
            already=report.count("already"),
            detail=detail or ("; ".join(failures) or None),
        )
