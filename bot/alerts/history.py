"""What the weekly job did: its last runs, and the digests sent to each channel and whether they arrived."""

from __future__ import annotations

from dataclasses import dataclass

from bot.alerts.records import AlertDelivery, JobRun
from bot.alerts.subscriptions import Channel
from bot.store.db import Database
from bot.store.jobs import recent_deliveries, recent_job_runs

HISTORY_ROWS = 15


@dataclass(frozen=True)
class History:
    channel: Channel | None
    deliveries: tuple[AlertDelivery, ...]


def job_runs(database: Database, job: str, limit: int) -> list[JobRun]:
    """The newest runs of `job` first."""
    with database.session() as session:
        return recent_job_runs(session, job, limit)


def delivery_history(database: Database, channel: Channel | None, limit: int = HISTORY_ROWS) -> History:
    """The newest `limit` digests (to `channel`, or to any), newest first."""
    with database.session() as session:
        rows = recent_deliveries(session, None if channel is None else channel.id, limit)
    return History(channel, tuple(rows))
