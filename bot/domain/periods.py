"""Date windows, all inclusive local dates, and the date arithmetic behind them: financial years, the
months and rolling windows of repeat-contact lists (`repeat_period`). The dashboard's comparison windows
are built from these in `bot.domain.comparisons`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InvalidRequest


@dataclass(frozen=True)
class Window:
    """Local dates `start` to `end`, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants [from, to) covering the window's local days (DST-correct)."""
        return local_midnight_utc(self.start, tz), local_midnight_utc(self.end + timedelta(days=1), tz)


def iso_date(text: str) -> date:
    """A date written YYYY-MM-DD (single-digit months and days allowed)."""
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise InvalidRequest(f"{text} is not a real date; write it as YYYY-MM-DD, e.g. 2025-03-31.") from None


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


# Repeat-contact periods: a calendar month, or a rolling window ending on a date.

MONTH_NAMES = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})$")
ROLLING_TEXT = re.compile(r"^(\d{1,4})([dm])$")
ROLLING_LIMITS = {"d": 3660, "m": 120}
YEAR = re.compile(r"^\d{4}$")
PERIOD_EXAMPLES = "a month (`2024-10`, `oct`, `last-month`, `this-month`) or a rolling window (`30d`, `12m`)"


@dataclass(frozen=True)
class Period:
    """The span a repeat-contact list covers, and the span before it of the same kind, for the change."""

    text: str  # as typed, normalised: "2024-10", "last-month", "12m"…
    label: str  # "October 2024", "12 months to 20 Nov 2026"
    window: Window
    previous: Window
    previous_label: str  # "September 2024", "the 12 months before"
    complete: bool = True  # False for the month in progress


def is_period_text(text: str) -> bool:
    text = text.lower()
    return (
        text in MONTH_NAMES
        or text in ("last-month", "this-month")
        or bool(MONTH_TEXT.match(text) or ROLLING_TEXT.match(text))
    )


def period_text(text: str) -> str:
    """A period as people write it (`October 2024`, `last month`) in the form `repeat_period` reads."""
    words = text.split()
    period = take_period(words)
    return period if period and not words else text


def take_period(words: list[str]) -> str | None:
    """Pop a period off the end of `words`: `oct`, `12m`, `2024-10`, `last month`, `October 2024`."""
    if len(words) >= 2:
        first, second = words[-2].lower(), words[-1].lower()
        if first in ("last", "this") and second == "month":
            del words[-2:]
            return f"{first}-month"
        if first in MONTH_NAMES and YEAR.match(second):
            del words[-2:]
            return f"{second}-{MONTH_NAMES[first]:02d}"
    if words and is_period_text(words[-1]):
        return words.pop().lower()
    return None


def repeat_period(text: str, today: date, end: date | None = None) -> Period:
    """The Period `text` names, seen from `today` (the force's local date).

    Months: `2024-10`; `oct` or `october` (the latest that has begun); `last-month` (the last complete one);
    `this-month` (so far, to yesterday). Rolling: `30d` or `12m`, ending on `end` (default yesterday)."""
    text = text.strip().lower()
    yesterday = today - timedelta(days=1)
    if rolling := ROLLING_TEXT.match(text):
        if end is not None and end > today:
            raise InvalidRequest(f"{end.isoformat()} is in the future; a window can end today at the latest.")
        return _rolling(text, int(rolling.group(1)), rolling.group(2), end or yesterday)
    if end is not None:
        raise InvalidRequest(f"A month has its own end; give a date ({end}) only with a rolling window, e.g. 12m.")
    if text == "last-month":
        last_month = today.replace(day=1) - timedelta(days=1)
        year, month = last_month.year, last_month.month
    elif text == "this-month":
        year, month = today.year, today.month
    elif text in MONTH_NAMES:
        month = MONTH_NAMES[text]
        # The latest such month with a complete day: on 1 October, `oct` is last year's.
        year = today.year if (month, 1) < (today.month, today.day) else today.year - 1
    elif typed := MONTH_TEXT.match(text):
        year, month = int(typed.group(1)), int(typed.group(2))
        if not 1 <= month <= 12:
            raise InvalidRequest(f"“{text}” has no month {month}; write a month as YYYY-MM, e.g. 2024-10.")
        if year < 1990:
            raise InvalidRequest(f"{text} is before any data strandbot could hold; check the year.")
    else:
        raise InvalidRequest(f"“{text}” is not a period; give {PERIOD_EXAMPLES}.")
    return _month(year, month, text, today)


def _month(year: int, month: int, text: str, today: date) -> Period:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    name = f"{first:%B %Y}"
    if first > today:
        raise InvalidRequest(f"{name} is in the future; ask for a month up to this one, e.g. `last-month`.")
    previous_last = first - timedelta(days=1)
    previous = Window(previous_last.replace(day=1), previous_last)
    previous_name = f"{previous.start:%B %Y}"
    if last < today:
        return Period(text, name, Window(first, last), previous, previous_name)
    if first == today:
        raise InvalidRequest(f"{name} began today, so it has no complete days yet; ask for `last-month`.")
    so_far = today - timedelta(days=1)
    # A month in progress is compared with the same days of the month before, not all of it.
    previous = Window(previous.start, min(previous.end, previous.start + (so_far - first)))
    return Period(
        text,
        f"{name} so far (to {so_far.day} {so_far:%b})",
        Window(first, so_far),
        previous,
        f"the same days of {previous_name}",
        complete=False,
    )


def _rolling(text: str, number: int, unit: str, end: date) -> Period:
    if not 1 <= number <= ROLLING_LIMITS[unit]:
        raise InvalidRequest(
            f"“{text}” is out of range; a rolling window is 1d to {ROLLING_LIMITS['d']}d, "
            f"or 1m to {ROLLING_LIMITS['m']}m."
        )
    if unit == "d":
        start = end - timedelta(days=number - 1)
        previous = Window(start - timedelta(days=number), start - timedelta(days=1))
        label = f"{number} day{'s' * (number != 1)}"
    else:
        start = shift_months(end, -number) + timedelta(days=1)
        previous = Window(shift_months(end, -2 * number) + timedelta(days=1), start - timedelta(days=1))
        label = f"{number} month{'s' * (number != 1)}"
    return Period(text, f"{label} to {end.day} {end:%b %Y}", Window(start, end), previous, f"the {label} before")


def calendar_months(last: date, count: int) -> list[Window]:
    """The `count` calendar months ending with the one containing `last`, oldest first."""
    months = []
    first = last.replace(day=1)
    for _ in range(count):
        end = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
        months.append(Window(first, end))
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


@dataclass(frozen=True)
class MonthSplit:
    """The days of some windows as whole calendar months and the days left over, each day once.

    `months`: ranges of whole months, each a Window from its first month's first day to its last month's
    first day (how monthly summaries are keyed); `days`: the remaining days, as windows."""

    months: tuple[Window, ...]
    days: tuple[Window, ...]


def split_into_months(windows: list[Window]) -> MonthSplit:
    """Every day of any of `windows` (overlaps once), as whole months where a month is wholly covered and as
    days elsewhere: a year's window is 12 monthly rows a key instead of 365 daily ones."""
    months: list[Window] = []
    days: list[Window] = []
    for run in _disjoint_runs(windows):
        first_whole = run.start if run.start.day == 1 else _next_month(run.start)
        after_whole = _next_month(run.end) if _month_end(run.end) == run.end else run.end.replace(day=1)
        if first_whole >= after_whole:  # no whole month inside
            days.append(run)
            continue
        if run.start < first_whole:
            days.append(Window(run.start, first_whole - timedelta(days=1)))
        months.append(Window(first_whole, (after_whole - timedelta(days=1)).replace(day=1)))
        if after_whole <= run.end:
            days.append(Window(after_whole, run.end))
    return MonthSplit(tuple(months), tuple(days))


def _disjoint_runs(windows: list[Window]) -> list[Window]:
    """The days of `windows` as runs of consecutive days, in order, none touching another."""
    runs: list[Window] = []
    for window in sorted((w for w in windows if w.start <= w.end), key=lambda w: w.start):
        if runs and window.start <= runs[-1].end + timedelta(days=1):
            runs[-1] = Window(runs[-1].start, max(runs[-1].end, window.end))
        else:
            runs.append(window)
    return runs


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _month_end(day: date) -> date:
    return _next_month(day) - timedelta(days=1)
