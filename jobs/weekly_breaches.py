"""The weekly breach job: each subscribed channel's digest, posted exactly once per channel and week.

Exactly once, with any number of copies running against one database:
- A scheduled run is elected by the unique key on job_runs (job, scheduled_for): one process inserts
  the row and runs; the others find it taken and leave.
- Each post is guarded by the unique key on alert_deliveries (channel, period): the row is written
  (status `sending`) and committed before the post, so a re-run, a manual run or a second replica finds
  it and posts nothing. The post then marks it `sent`, or `failed` with Slack's reason.
- Nothing lost: failed posts, and posts whose sender died mid-send, are retried on later ticks for a day;
  a scheduled run that failed or died is taken over by a later tick.
  The one gap left is a process dying after Slack took the message and before `sent` was written; it
  is then posted again after the lease, rather than never.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.alerts.configure import current_schedule
from bot.alerts.digest import Digest, weekly_digests
from bot.alerts.schedule import period_of
from bot.db import Database
from bot.errors import DeliveryFailed
from bot.render.alerts import digest_message
from bot.render.blocks import Message
from bot.repository import (
    claim_delivery,
    claim_job_run,
    claim_retry,
    finish_job_run,
    retryable_deliveries,
    update_delivery,
)
from bot.settings import Settings

JOB = "weekly-breaches"
LATE_AFTER = timedelta(minutes=5)  # a run starting later than this after its time says it is late
RETRY_FOR = timedelta(days=1)  # failed posts are retried on every tick for this long
SENDING_LEASE = timedelta(minutes=10)  # longer than any post with its retries takes


class Poster(Protocol):
    def post(self, channel: str, message: Message) -> str: ...


@dataclass(frozen=True)
class Delivery:
    """What happened for one channel: sent, failed, quiet (nothing posted), already (delivered before), dry-run."""

    channel: str
    status: str
    message: Message | None = None
    error: str | None = None


@dataclass
class RunReport:
    trigger: str
    period: str
    as_of: date
    run_id: int | None = None
    deliveries: list[Delivery] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for d in self.deliveries if d.status == status)

    @property
    def outcome(self) -> str:
        if not self.count("failed"):
            return "ok"
        return "failed" if not self.count("sent") else "partial"


def host_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_weekly_breaches(
    database: Database,
    settings: Settings,
    poster: Poster | None,
    *,
    as_of: date | None = None,
    scheduled_for: datetime | None = None,
    trigger: str = "manual",
    dry_run: bool = False,
    now: datetime | None = None,
) -> RunReport | None:
    """Run the job once: for `scheduled_for` (a scheduler's run), for data to `as_of`, or for yesterday.

    None when another process has already taken this scheduled run."""
    now = now or datetime.now(UTC)
    if as_of is None:
        as_of = (scheduled_for or now).astimezone(settings.timezone).date() - timedelta(days=1)
    report = RunReport(trigger, period_of(as_of), as_of)
    due = scheduled_for if trigger == "catch-up" else None
    if dry_run:
        digests = weekly_digests(database, settings, report.as_of, report.period, due=due)
        report.deliveries = [Delivery(d.channel, "dry-run", digest_message(d)) for d in digests]
        return report
    with database.session() as session:
        report.run_id = start_job_run(session, trigger, now, scheduled_for, report.period)
    if report.run_id is None:
        return None
    try:
        quiet_note = current_schedule(database).quiet_note
        digests = weekly_digests(database, settings, report.as_of, report.period, due=due)
        report.deliveries = [_deliver(database, poster, digest, report.run_id, quiet_note) for digest in digests]
    except Exception as error:
        _finish(database, report, "failed", detail=str(error) or type(error).__name__)
        raise
    _finish(database, report, report.outcome)
    return report


def _deliver(database: Database, poster: Poster | None, digest: Digest, run_id: int, quiet_note: bool) -> Delivery:
    message = digest_message(digest)
    stored = json.dumps({"text": message.text, "blocks": message.blocks})
    status = "quiet" if digest.quiet and not quiet_note else "sending"
    now = datetime.now(UTC)  # when the row is written: the lease runs from here, however long the run took
    with database.session() as session:
        delivery_id = claim_delivery(
            session,
            {
                "channel": digest.channel, "period": digest.period, "as_of": digest.as_of, "run_id": run_id,
                "status": status, "attempts": 0, "message": stored,
                "breaches": json.dumps(digest.posted), "created_at": now, "claimed_by": host_id(), "claimed_at": now,
            },
        )  # fmt: skip
    if delivery_id is None:
        return Delivery(digest.channel, "already")
    if status == "quiet":
        return Delivery(digest.channel, "quiet", message)
    return _post(database, poster, delivery_id, digest.channel, message, attempts=0)


def _post(
    database: Database, poster: Poster | None, delivery_id: int, channel: str, message: Message, attempts: int
) -> Delivery:
    try:
        if poster is None:
            raise DeliveryFailed("no Slack connection: set SLACK_BOT_TOKEN")
        ts = poster.post(channel, message)
    except DeliveryFailed as failure:
        # Slack's answer says whether trying again could help (a rate limit) or not (not in the channel).
        status = "failed" if failure.retryable else "undeliverable"
        with database.session() as session:
            update_delivery(session, delivery_id, status=status, attempts=attempts + 1, error=str(failure))
        return Delivery(channel, "failed", message, str(failure))
    with database.session() as session:
        update_delivery(
            session,
            delivery_id,
            status="sent",
            attempts=attempts + 1,
            slack_ts=ts,
            sent_at=datetime.now(UTC),
            error=None,
        )
    return Delivery(channel, "sent", message)


def retry_failed(database: Database, poster: Poster | None, now: datetime | None = None) -> RunReport | None:
    """Post again what failed before this tick (or was left mid-send) in the last day, the message exactly
    as first built. A run is recorded only if this process took something to retry."""
    now = now or datetime.now(UTC)
    with database.session() as session:
        waiting = retryable_deliveries(session, now - RETRY_FOR, failed_before=now, stale_before=now - SENDING_LEASE)
    taken = []
    for delivery in waiting:
        with database.session() as session:
            if claim_retry(session, delivery, host_id(), datetime.now(UTC)):
                taken.append(delivery)
    if not taken:
        return None
    report = RunReport("retry", max(d.period for d in taken), max(d.as_of for d in taken))
    with database.session() as session:
        report.run_id = start_job_run(session, "retry", now, None, report.period)
    for delivery in taken:
        stored = json.loads(delivery.message)
        message = Message(text=stored["text"], blocks=stored["blocks"])
        report.deliveries.append(_post(database, poster, delivery.id, delivery.channel, message, delivery.attempts))
    _finish(database, report, report.outcome)
    return report


def start_job_run(
    session, trigger: str, now: datetime, scheduled_for: datetime | None, period: str | None, **finished
) -> int | None:
    """Record a run's start (or, with `finished`, a run that did nothing); None if a scheduled run for the
    same time is recorded and neither failed nor abandoned."""
    run = {"job": JOB, "trigger": trigger, "scheduled_for": scheduled_for, "period": period, "host": host_id()}
    run |= {"started_at": now, "outcome": "running", "sent": 0, "failed": 0, "already": 0} | finished
    return claim_job_run(session, run, abandoned_before=now - SENDING_LEASE)


def _finish(database: Database, report: RunReport, outcome: str, detail: str | None = None) -> None:
    failures = [f"{d.channel}: {d.error}" for d in report.deliveries if d.status == "failed"]
    with database.session() as session:
        finish_job_run(
            session,
            report.run_id,
            finished_at=datetime.now(UTC),
            outcome=outcome,
            sent=report.count("sent"),
            failed=report.count("failed"),
            already=report.count("already"),
            detail=detail or ("; ".join(failures) or None),
        )
