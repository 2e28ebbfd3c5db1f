"""When the weekly digest runs: a day and a local time in the force's time zone.

Fire times come from APScheduler's CronTrigger, which keeps 08:00 at 08:00 local across the clock
changes (07:00 UTC in summer, 08:00 UTC in winter in Europe/London). A run covers data up to the day
before its local date; that day is its period in the delivery ledger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.errors import InvalidRequest

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")


@dataclass(frozen=True)
class WeeklySchedule:
    weekday: int  # 0 = Monday
    at: time
    paused: bool = False
    quiet_note: bool = False  # a quiet week (no news) posts a one-line note; shipped off: a quiet week stays quiet
    changed_by: str | None = None  # None: shipped with strandbot
    changed_at: datetime | None = None

    def trigger(self, tz: ZoneInfo) -> CronTrigger:
        return CronTrigger(
            day_of_week=WEEKDAYS[self.weekday][:3], hour=self.at.hour, minute=self.at.minute, timezone=tz
        )

    def runs_after(self, moment: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
        """The next `count` fire times strictly after `moment`, in the force's zone."""
        trigger = self.trigger(tz)
        found = [trigger.get_next_fire_time(None, moment + timedelta(microseconds=1))]
        while len(found) < count:
            found.append(trigger.get_next_fire_time(found[-1], found[-1]))
        return found

    def latest_due(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The last fire time at or before `now`."""
        return max(fire for fire in self.runs_after(now - timedelta(days=8), tz, 3) if fire <= now)

    def describe(self) -> str:
        return f"weekly on {WEEKDAYS[self.weekday].capitalize()} at {self.at:%H:%M}"


SHIPPED_SCHEDULE = WeeklySchedule(0, time(8, 0))


def period_of(as_of: date) -> str:
    """The ledger's period for a digest of data to `as_of`: the date, e.g. 2026-11-15. Keyed on the data's
    last day, not the calendar week, so moving the schedule to another weekday neither skips a digest nor
    sends two for the same data."""
    return as_of.isoformat()


def checked_schedule(words: list[str], schedule: WeeklySchedule) -> WeeklySchedule:
    """`weekly mon 08:00` (or `monday 8:00`, `weekly 08:00` to keep the day)."""
    words = [w.lower() for w in words]
    if words and words[0] == "weekly":
        words = words[1:]
    days, at = [], None
    for word in words:
        if found := CLOCK.match(word):
            hour, minute = int(found.group(1)), int(found.group(2))
            if hour > 23 or minute > 59:
                raise InvalidRequest(f"{word} is not a time of day; use the 24-hour clock, e.g. `08:00` or `17:30`.")
            at = time(hour, minute)
        elif matches := [i for i, name in enumerate(WEEKDAYS) if len(word) >= 3 and name.startswith(word)]:
            days.append(matches[0])
        else:
            raise InvalidRequest(
                f"“{word}” is neither a day nor a time; e.g. `schedule weekly mon 08:00` (the force's local time)."
            )
    if len(days) > 1:
        raise InvalidRequest("One day a week: e.g. `schedule weekly mon 08:00`.")
    if at is None:
        raise InvalidRequest("Give a time as well, on the 24-hour clock: e.g. `schedule weekly mon 08:00`.")
    return replace(schedule, weekday=days[0] if days else schedule.weekday, at=at)
