"""The dashboard's comparison windows, as a registry: each comparison is a current span of days against a
previous one, as of a date D (docs/domain.md, "The dashboard, as of a date D").

A new comparison is one more entry in WINDOWS: the statistics engine counts its spans and the alerts
(`window=`) pick it up from here; one shown on the dashboard (`dashboard=True`, COMPARISONS) is also in
`/strand`, the tables and the JSON output. Entries are shown in the order they are listed. Two comparisons
may share a span (the baseline comparison's current span is the financial year to date): it is counted once,
and the tables show it once.

The CompStat windows (`7d`, `28d`: the last 7 and 28 days) are compared with the same days 52 weeks earlier
(the same weekdays, so a week of Fridays is not set against a week with one more Saturday), and against what
the 52 weeks before them lead one to expect: their count over 52 weeks, scaled to the window's length, with a
Poisson control limit around it (`control_limit`). `/strand hate-crime week` shows them (COMPSTAT).

Labels are templates: `{fy}` is the current financial year's label (`2024/25`), `{baseline}` the
baseline year's (`2019/20`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, TypeVar

from scipy.special import pdtr, pdtrc

from bot.domain.periods import Window, fy_start_year, shift_months, shift_years

# A count outside its control limits is unusual for the strand: by the Poisson distribution of the expected
# count, a count this high (or this low) or more so happens by chance in fewer than CONTROL_LIMIT_P / 2 windows
# (about 2.6 standard deviations). Chosen by bench/alerts_quality.py: quiet on stable series, quick on a 30% rise.
CONTROL_LIMIT_P = 0.01
HISTORY_DAYS = 364  # the 52 weeks an expected count is drawn from


@dataclass(frozen=True)
class Basis:
    """What every span is worked out from: the as-of date D and the force's financial-year settings."""

    as_of: date
    fy_start_month: int
    baseline_fy: int

    @property
    def fy_start(self) -> date:
        return date(fy_start_year(self.as_of, self.fy_start_month), self.fy_start_month, 1)


@dataclass(frozen=True)
class Span:
    """A named span of days as of D. `name` is its count column (`current_fytd`); `column` and `short` head
    its counts in the full and the compact table, when it is a comparison's current span."""

    name: str
    window: Callable[[Basis], Window]
    column: str = ""
    short: str = ""


@dataclass(frozen=True)
class ComparisonWindow:
    """One comparison: `current` against `previous`.

    key: what the JSON output and admins (`window=fytd,rolling12`) call it.
    title: its heading on `/strand`; alert: its name in a digest.
    previous_column: the full table's column of previous counts; change_column: the compact table's column
    of changes; rag: its part of the RAG column's heading (`FY/base/R12`).
    expected: the 52 weeks before the current span, from which its expected count is drawn (CompStat windows);
    dashboard: whether `/strand`'s dashboard and the tables show it (else only `/strand … week` and alerts)."""

    key: str
    title: str
    alert: str
    current: Span
    previous: Span
    previous_column: str
    change_column: str
    rag: str
    expected: Span | None = None
    dashboard: bool = True

    def windows(self, windows: DashboardWindows) -> tuple[Window, ...]:
        """Every window this comparison rests on: current, previous and (CompStat) the history behind the expected."""
        spans = (self.current, self.previous) + ((self.expected,) if self.expected else ())
        return tuple(windows.windows[span.name] for span in spans)


def _rolling12_start(basis: Basis) -> date:
    return shift_months(basis.as_of, -12) + timedelta(days=1)


def _baseline_shift(basis: Basis, day: date) -> date:
    return shift_years(day, basis.baseline_fy - fy_start_year(basis.as_of, basis.fy_start_month))


CURRENT_FYTD = Span("current_fytd", lambda b: Window(b.fy_start, b.as_of), column="FYTD {fy}", short="FYTD")
PREVIOUS_FYTD = Span("previous_fytd", lambda b: Window(shift_years(b.fy_start, -1), shift_years(b.as_of, -1)))
BASELINE_FYTD = Span("baseline_fytd", lambda b: Window(_baseline_shift(b, b.fy_start), _baseline_shift(b, b.as_of)))
CURRENT_ROLLING12 = Span("current_rolling12", lambda b: Window(_rolling12_start(b), b.as_of), column="R12", short="R12")
PREVIOUS_ROLLING12 = Span(
    "previous_rolling12",
    lambda b: Window(shift_months(b.as_of, -24) + timedelta(days=1), _rolling12_start(b) - timedelta(days=1)),
)


def _last_days(days: int) -> Callable[[Basis], Window]:
    return lambda b: Window(b.as_of - timedelta(days=days - 1), b.as_of)


def _weeks_earlier(days: int) -> Callable[[Basis], Window]:
    return lambda b: Window(b.as_of - timedelta(days=HISTORY_DAYS + days - 1), b.as_of - timedelta(days=HISTORY_DAYS))


def _history_before(days: int) -> Callable[[Basis], Window]:
    return lambda b: Window(b.as_of - timedelta(days=HISTORY_DAYS + days - 1), b.as_of - timedelta(days=days))


def _compstat(days: int, title: str) -> ComparisonWindow:
    return ComparisonWindow(
        key=f"{days}d",
        title=f"{title} vs the same days last year",
        alert=f"{title}",
        current=Span(f"current_{days}d", _last_days(days), column=f"{days}d", short=f"{days}d"),
        previous=Span(f"previous_{days}d", _weeks_earlier(days)),
        previous_column=f"Prev {days}d",
        change_column=f"{days}d vs LY",
        rag=f"{days}d",
        expected=Span(f"history_{days}d", _history_before(days)),
        dashboard=False,
    )


WINDOWS: dict[str, ComparisonWindow] = {
    c.key: c
    for c in (
        _compstat(7, "Last 7 days"),
        _compstat(28, "Last 28 days"),
        ComparisonWindow(
            key="fytd",
            title="Financial year to date vs last year",
            alert="FYTD {fy} vs last year",
            current=CURRENT_FYTD,
            previous=PREVIOUS_FYTD,
            previous_column="Prev FYTD",
            change_column="vs LY",
            rag="FY",
        ),
        ComparisonWindow(
            key="baseline",
            title="Financial year to date vs {baseline} (baseline)",
            alert="FYTD {fy} vs {baseline}",
            current=CURRENT_FYTD,
            previous=BASELINE_FYTD,
            previous_column="FYTD {baseline}",
            change_column="vs {baseline}",
            rag="base",
        ),
        ComparisonWindow(
            key="rolling12",
            title="Rolling 12 months vs previous 12",
            alert="Rolling 12 months vs the 12 before",
            current=CURRENT_ROLLING12,
            previous=PREVIOUS_ROLLING12,
            previous_column="Prev R12",
            change_column="vs prev",
            rag="R12",
        ),
    )
}
# The comparisons the dashboard shows (`/strand`, the tables, `stats` and its JSON).
COMPARISONS: dict[str, ComparisonWindow] = {key: c for key, c in WINDOWS.items() if c.dashboard}
# CompStat's weekly view (`/strand hate-crime week`): the week, the 28 days and the year to date, each vs last year.
COMPSTAT = ("7d", "28d", "fytd")


def spans(keys: tuple[str, ...] = tuple(COMPARISONS)) -> dict[str, Span]:
    """Every span the comparisons `keys` need, each once, in the order they are first used."""
    wanted = [WINDOWS[key] for key in keys]
    return {span.name: span for c in wanted for span in (c.current, c.previous, c.expected) if span is not None}


@dataclass(frozen=True)
class Expected:
    """A CompStat window's count against what the 52 weeks before it lead one to expect.

    expected: the count a window this long had on average over those 52 weeks; lower and upper: the Poisson
    control limits around it (a count outside them is unusual for the strand); p_value: the chance of a count
    as far out as this one or further, on the side it is on (one-sided, Poisson with the expected mean)."""

    current: int
    expected: float
    lower: int
    upper: int
    p_value: float

    @property
    def outside(self) -> bool:
        return self.current > self.upper or self.current < self.lower


def control_limit(current: int, history: int, days: int, p: float = CONTROL_LIMIT_P) -> Expected:
    """`current` occurrences in the last `days` against `history` in the 52 weeks before them."""
    mean = history * days / HISTORY_DAYS
    if mean == 0:
        return Expected(current, 0.0, 0, 0, 1.0 if current == 0 else 0.0)
    upper = max(int(mean), 0)
    while pdtrc(upper, mean) > p / 2:  # P(X > upper)
        upper += 1
    lower = int(mean)
    while lower > 0 and pdtr(lower - 1, mean) > p / 2:  # P(X < lower)
        lower -= 1
    tail = pdtrc(current - 1, mean) if current >= mean and current > 0 else pdtr(current, mean)
    return Expected(current, mean, lower, upper, float(min(1.0, tail)))


@dataclass(frozen=True)
class DashboardWindows:
    """Every span's window as of `as_of`, by span name (`windows.current_fytd` reads one)."""

    as_of: date
    fy_start_year: int
    windows: dict[str, Window]
    keys: tuple[str, ...] = tuple(COMPARISONS)  # the comparisons these windows are for

    def all(self) -> dict[str, Window]:
        return dict(self.windows)

    def current(self, key: str) -> Window:
        return self.windows[WINDOWS[key].current.name]

    def previous(self, key: str) -> Window:
        return self.windows[WINDOWS[key].previous.name]

    def __getattr__(self, name: str) -> Window:
        # `windows.current_fytd` for `windows.windows["current_fytd"]`: kept for the tests written before the
        # registry; code asks `current(key)` and `previous(key)`.
        if name.startswith("_") or name == "windows":
            raise AttributeError(name)
        try:
            return self.windows[name]
        except KeyError:
            raise AttributeError(name) from None


class Dated(Protocol):
    @property
    def day(self) -> date: ...


Break = TypeVar("Break", bound=Dated)


def crossing_break(windows: Sequence[Window], breaks: Sequence[Break]) -> Break | None:
    """The latest of `breaks` (counting-rule changes, each from its `day` on) that some of `windows` fall before
    and some on or after, or that one straddles: a comparison of those windows compares counts made under
    different rules."""
    for change in sorted(breaks, key=lambda b: b.day, reverse=True):
        if any(w.start < change.day for w in windows) and any(w.end >= change.day for w in windows):
            return change
    return None


def dashboard_windows(
    as_of: date, fy_start_month: int, baseline_fy: int, keys: tuple[str, ...] = tuple(COMPARISONS)
) -> DashboardWindows:
    """The windows of the comparisons `keys` (default: the dashboard's) as of `as_of`."""
    basis = Basis(as_of, fy_start_month, baseline_fy)
    return DashboardWindows(
        as_of=as_of,
        fy_start_year=fy_start_year(as_of, fy_start_month),
        windows={name: span.window(basis) for name, span in spans(keys).items()},
        keys=keys,
    )
