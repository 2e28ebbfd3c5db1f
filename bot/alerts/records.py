"""Weekly breach alerts' stored settings, job runs and delivery ledger, as plain values.

Pure: the store reads and writes these; thresholds, digests and renderers only read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class BreachThreshold:
    """An admin's breach threshold for one strand (or `*`, the force default). Each part left empty (None)
    follows the parent strand's, then the force default's, then the shipped one."""

    scope: str
    percent: float | None = None
    comparisons: str | None = None  # comma-separated: fytd,baseline,rolling12
    direction: str | None = None  # up | down | either
    min_volume: int | None = None
    significance: str | None = None  # post | mark | hold
    measure: str | None = None  # count | harm
    remind_weeks: int | None = None  # 0: never
    breaks: str | None = None  # mark | hold
    early_weeks: int | None = None  # 0: never held
    changed_by: str | None = None
    changed_at: datetime | None = None


@dataclass(frozen=True)
class CountingBreak:
    """A counting-rule change: from `day` on, `strand` (and its sub-strands) are counted differently."""

    strand: str
    day: date
    note: str
    added_by: str | None = None
    added_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class AlertSubscription:
    """A channel hears about a strand (and its sub-strands), or `*` for every strand, in one area (and its
    sub-areas) or, with area "", the whole force. Each (channel, scope, area) is one subscription."""

    channel: str
    scope: str
    area: str = ""
    channel_name: str | None = None
    added_by: str | None = None  # set by the store when added
    added_at: datetime | None = None


@dataclass(frozen=True)
class AlertSchedule:
    """When the weekly digest runs, in the force's time zone. None stored means the shipped Monday 08:00."""

    weekday: int  # 0 = Monday
    at_time: str  # HH:MM, local
    paused: bool
    quiet_note: bool  # post "no breaches" in a quiet week
    changed_by: str
    changed_at: datetime
    id: int = 1


@dataclass(frozen=True)
class JobRun:
    """One run of a job."""

    id: int
    job: str
    trigger: str  # schedule | catch-up | manual | retry
    scheduled_for: datetime | None
    period: str | None
    host: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # running | ok | partial | failed | missed
    sent: int
    failed: int
    already: int  # channels already delivered for the period
    detail: str | None


@dataclass(frozen=True)
class AlertDelivery:
    """One row of the delivery ledger: one per channel and period, written before the post."""

    id: int
    channel: str
    period: str  # the data's last day, e.g. 2026-11-15
    as_of: date
    run_id: int | None
    status: str  # sending | sent | failed | unknown | undeliverable | quiet
    attempts: int
    message: str  # JSON text and blocks: a retry posts exactly this
    breaches: str  # JSON: each breach standing this period, with when it began and was last told (see digest)
    created_at: datetime
    claimed_by: str
    claimed_at: datetime
    sent_at: datetime | None
    slack_ts: str | None
    error: str | None
