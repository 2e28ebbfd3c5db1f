"""The one clock: "now", "today" and "yesterday" in the force's time zone (`STRANDBOT_TIMEZONE`).

Days are the force's local days (docs/domain.md): an occurrence at 00:30 BST on 1 April is in April, and
today is not over until local midnight, so data runs to yesterday by default. Every "today" and
"yesterday" in strandbot comes from here; given `now` (a scheduler's tick, a test's moment), they are
that moment's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InvalidRequest


def now(tz: ZoneInfo) -> datetime:
    """The time now, in `tz`."""
    return datetime.now(tz)


def today(tz: ZoneInfo, at: datetime | None = None) -> date:
    """The local date in `tz` now (or at the moment `at`)."""
    return now(tz).date() if at is None else at.astimezone(tz).date()


def yesterday(tz: ZoneInfo, at: datetime | None = None) -> date:
    """The last complete local day in `tz` now (or at `at`): the default day data runs to."""
    return today(tz, at) - timedelta(days=1)


def checked_as_of(as_of: date | None, tz: ZoneInfo) -> date:
    """The day data runs to: `as_of` if it is a day strandbot could hold data for, else yesterday when None."""
    if as_of is None:
        return yesterday(tz)  # today is not over yet
    now_day = today(tz)
    if as_of > now_day:
        raise InvalidRequest(
            f"{as_of:%d %B %Y} is in the future; give a date up to today ({now_day.isoformat()}), "
            "or leave it out for yesterday."
        )
    if as_of.year < 1990:
        raise InvalidRequest(f"{as_of.isoformat()} is before any data strandbot could hold; check the year.")
    return as_of
