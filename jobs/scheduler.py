"""The scheduler: APScheduler ticks every minute; each tick runs the weekly job if it is due, and retries
what failed.

Why a tick and not an APScheduler cron job: the schedule lives in the database (admins change it from
Slack, in another process), and APScheduler 3's job stores must not be shared by several schedulers.
So each tick reads the schedule, asks APScheduler's CronTrigger for the latest due time (DST-safe), and
runs it unless a run for that time is recorded. Any number of replicas can tick: the job_runs unique key
elects one to run it, and the delivery ledger keeps each post to one. A run missed while no scheduler
was up is run by the first tick after start-up, once, if it is within MISSED_RUN_GRACE, and says it is late.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.alerts.schedule_settings import current_schedule
from bot.audit.log import chain_head
from bot.charts.service import ForecastWarmer
from bot.domain import clock
from bot.settings import Settings
from bot.store.db import Database
from bot.store.jobs import has_job_runs
from jobs.schedule import JOB, TICK_SECONDS
from jobs.weekly_breaches import LATE_AFTER, Poster, RunReport, retry_failed, run_weekly_breaches, start_job_run

log = logging.getLogger(__name__)

MISSED_RUN_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class TickReport:
    run: RunReport | None
    retried: RunReport | None


def tick(database: Database, settings: Settings, poster: Poster, now: datetime | None = None) -> TickReport:
    """Run the weekly job if a run is due and nobody has run it; retry failed posts. Paused: do nothing."""
    now = now or datetime.now(UTC)
    schedule = current_schedule(database)
    if schedule.paused:
        return TickReport(None, None)
    due = schedule.latest_due(now, settings.timezone)
    run = None
    if schedule.changed_at is None or due >= schedule.changed_at:  # never a run from before the schedule was set
        if now - due <= MISSED_RUN_GRACE:
            trigger = "schedule" if now - due <= LATE_AFTER else "catch-up"
            run = run_weekly_breaches(database, settings, poster, scheduled_for=due, trigger=trigger, now=now)
        else:
            _record_missed(database, due, now)
    return TickReport(run, retry_failed(database, poster, now))


def _record_missed(database: Database, due: datetime, now: datetime) -> None:
    """Say in the job history that a run was missed by more than the grace period (once, and only once
    strandbot has run jobs before: a new install has missed nothing)."""
    with database.session() as session:
        if has_job_runs(session, JOB):
            detail = f"strandbot was not running within {MISSED_RUN_GRACE} of the due time"
            start_job_run(session, "schedule", now, due, None, finished_at=now, outcome="missed", detail=detail)


def log_tick(database: Database, report: TickReport) -> None:
    """What a tick did, for the operators' logs; after a weekly run, the audit chain's head too, so a head to
    verify against is kept outside the database."""
    for done in (report.run, report.retried):
        if done is not None:
            log.info(
                "%s run for %s: %d sent, %d failed, %d not confirmed, %d already delivered",
                done.trigger, done.period, done.count("sent"), done.count("failed"), done.count("unknown"),
                done.count("already"),
            )  # fmt: skip
    if report.run is not None:
        length, head = chain_head(database)
        log.info("audit log: %d rows, head %s (check with `strandbot audit verify --head`)", length, head)


def run_scheduler(
    settings: Settings,
    poster: Poster,
    tick_seconds: int = TICK_SECONDS,
    parent: int | None = None,
    refresh_homes: Callable[[Database], int] | None = None,
) -> None:
    """Tick until stopped, the first tick at once (which catches up a missed run). With `parent`, stop when
    that process is gone (the scheduler `strandbot serve` starts beside itself). Each tick also runs
    `refresh_homes`, which publishes App Home tabs an import has made stale, and, once the data or the day has
    changed, fits the forecasts the whole force's charts will ask for."""
    database = Database(settings.database_url)
    # After an import, forecasts are fitted here rather than by the first person to ask for a chart.
    warm = ForecastWarmer(settings)

    def safe_tick() -> None:
        if parent is not None and os.getppid() != parent:
            log.info("strandbot serve has stopped; stopping the scheduler")
            os.kill(os.getpid(), signal.SIGTERM)
            return
        try:
            report = tick(database, settings, poster)
        except Exception:
            log.exception("scheduler tick failed; trying again next tick")
            return
        log_tick(database, report)
        if refresh_homes is not None:
            try:
                if refreshed := refresh_homes(database):
                    log.info("published %d App Home tabs again after an import", refreshed)
            except Exception:
                log.exception("refreshing App Home tabs failed; trying again next tick")
        try:
            if warmed := warm(database):
                log.info("forecasts ready for %d strands' charts", warmed)
        except Exception:
            log.exception("warming forecasts failed; trying again next tick")

    scheduler = BlockingScheduler(timezone=settings.timezone)
    scheduler.add_job(
        safe_tick,
        IntervalTrigger(seconds=tick_seconds, timezone=settings.timezone),
        next_run_time=clock.now(settings.timezone),
        id="tick",
        coalesce=True,
        max_instances=1,
    )
    log.info("scheduler started: ticking every %d s", tick_seconds)
    try:
        scheduler.start()
    finally:
        database.dispose()
