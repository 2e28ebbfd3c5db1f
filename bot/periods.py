"""The date windows of the force dashboard, as of a date D (all inclusive local dates).

- Current FYTD: start of the financial year containing D, to D.
- Previous FYTD: the same span one year earlier (a 29 February end maps to 28 February).
- Baseline FYTD: the same span in the baseline financial year.
- Current rolling 12 months: D minus 12 months (exclusive) to D; previous: the twelve months before that.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """Local dates `start` to `end`, both inclusive."""

    start: date
    end: date

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants [from, to) covering the window's local days (DST-correct)."""
        return local_midnight_utc(self.start, tz), local_midnight_utc(self.end + timedelta(days=1), tz)


@dataclass(frozen=True)
class DashboardWindows:
    as_of: date
    fy_start_year: int
    current_fytd: Window
    previous_fytd: Window
    baseline_fytd: Window
    current_rolling12: Window
    previous_rolling12: Window

    def all(self) -> dict[str, Window]:
        return {
            "current_fytd": self.current_fytd,
            "previous_fytd": self.previous_fytd,
            "baseline_fytd": self.baseline_fytd,
            "current_rolling12": self.current_rolling12,
            "previous_rolling12": self.previous_rolling12,
        }


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def shift_years(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def shift_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fy_start_year(day: date, fy_start_month: int) -> int:
    """The calendar year the financial year containing `day` starts in (2024 for FY 2024/25)."""
    return day.year if day.month >= fy_start_month else day.year - 1


def fy_label(start_year: int, fy_start_month: int) -> str:
    """'2019/20' for a year starting in April 2019; '2019' for a calendar (January) year."""
    if fy_start_month == 1:
        return str(start_year)
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def dashboard_windows(as_of: date, fy_start_month: int, baseline_fy: int) -> DashboardWindows:
    start_year = fy_start_year(as_of, fy_start_month)
    fy_start = date(start_year, fy_start_month, 1)
    to_baseline = baseline_fy - start_year
    rolling_start = shift_months(as_of, -12) + timedelta(days=1)
    return DashboardWindows(
        as_of=as_of,
        fy_start_year=start_year,
        current_fytd=Window(fy_start, as_of),
        previous_fytd=Window(shift_years(fy_start, -1), shift_years(as_of, -1)),
        baseline_fytd=Window(shift_years(fy_start, to_baseline), shift_years(as_of, to_baseline)),
        current_rolling12=Window(rolling_start, as_of),
        previous_rolling12=Window(shift_months(as_of, -24) + timedelta(days=1), rolling_start - timedelta(days=1)),
    )
