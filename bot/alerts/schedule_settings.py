"""When the weekly job runs, as admins set it: the current schedule, its next runs, changes.

Every change is checked before anything is written, applied in one transaction together with its audit
row, and not recorded at all when it changes nothing. Who may make changes is checked by the caller
(`bot.admin.dispatch.perform`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.alerts.records import AlertSchedule
from bot.alerts.schedule import SHIPPED_SCHEDULE, WeeklySchedule, checked_schedule
from bot.audit.log import Actor, record
from bot.store.alerts import (
    store_schedule,
    stored_schedule,
)
from bot.store.db import Database


@dataclass(frozen=True)
class ScheduleView:
    schedule: WeeklySchedule
    next_runs: tuple[datetime, ...]
    before: WeeklySchedule | None = None  # set when this is a change


def current_schedule(database: Database) -> WeeklySchedule:
    with database.session() as session:
        return _schedule(stored_schedule(session))


def schedule_view(database: Database, tz: ZoneInfo, count: int = 3) -> ScheduleView:
    schedule = current_schedule(database)
    return ScheduleView(schedule, tuple(schedule.runs_after(datetime.now(UTC), tz, count)))


def change_schedule(
    database: Database, actor: Actor, command: str, tz: ZoneInfo, *, words: list[str] | None = None, **flags: bool
) -> ScheduleView:
    """A new day and time (`words`: `weekly mon 08:00`), or `paused=`/`quiet_note=`; recorded if it changes."""
    with database.session() as session:
        before = _schedule(stored_schedule(session))
        after = checked_schedule(words, before) if words is not None else replace(before, **flags)
        if (after.weekday, after.at, after.paused, after.quiet_note) != (
            before.weekday,
            before.at,
            before.paused,
            before.quiet_note,
        ):
            after = replace(after, changed_by=actor.user, changed_at=datetime.now(UTC))
            store_schedule(
                session,
                AlertSchedule(
                    id=1, weekday=after.weekday, at_time=f"{after.at:%H:%M}", paused=after.paused,
                    quiet_note=after.quiet_note, changed_by=actor.user, changed_at=after.changed_at,
                ),
            )  # fmt: skip
            record(
                session,
                actor,
                "schedule.change",
                "changed",
                command,
                {"before": _described(before), "after": _described(after)},
            )
    return ScheduleView(after, tuple(after.runs_after(datetime.now(UTC), tz, 3)), before)


def _schedule(row: AlertSchedule | None) -> WeeklySchedule:
    if row is None:
        return SHIPPED_SCHEDULE
    return WeeklySchedule(
        row.weekday, time.fromisoformat(row.at_time), row.paused, row.quiet_note, row.changed_by, row.changed_at
    )


def _described(schedule: WeeklySchedule) -> dict:
    return {"when": schedule.describe(), "paused": schedule.paused, "quiet_note": schedule.quiet_note}
