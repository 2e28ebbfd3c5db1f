"""The dashboard's comparison windows, as a registry: each comparison is a current span of days against a
previous one, as of a date D (docs/domain.md, "The dashboard, as of a date D").

A new comparison (a 28-day window, say) is one more entry in COMPARISONS: the statistics engine counts its
spans, `/strand`, the tables, the JSON output and the alerts (`window=`) pick it up from here. Entries are
shown in the order they are listed. Two comparisons may share a span (the baseline comparison's current
span is the financial year to date): it is counted once, and the tables show it once.

Labels are templates: `{fy}` is the current financial year's label (`2024/25`), `{baseline}` the
baseline year's (`2019/20`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.periods import Window, fy_start_year, shift_months, shift_years


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
    of changes; rag: its part of the RAG column's heading (`FY/base/R12`)."""

    key: str
    title: str
    alert: str
    current: Span
    previous: Span
    previous_column: str
    change_column: str
    rag: str


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

COMPARISONS: dict[str, ComparisonWindow] = {
    c.key: c
    for c in (
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


def spans() -> dict[str, Span]:
    """Every span the comparisons need, each once, in the order they are first used."""
    return {span.name: span for c in COMPARISONS.values() for span in (c.current, c.previous)}


@dataclass(frozen=True)
class DashboardWindows:
    """Every span's window as of `as_of`, by span name (`windows.current_fytd` reads one)."""

    as_of: date
    fy_start_year: int
    windows: dict[str, Window]

    def all(self) -> dict[str, Window]:
        return dict(self.windows)

    def current(self, key: str) -> Window:
        return self.windows[COMPARISONS[key].current.name]

    def previous(self, key: str) -> Window:
        return self.windows[COMPARISONS[key].previous.name]

    def __getattr__(self, name: str) -> Window:
        # `windows.current_fytd` for `windows.windows["current_fytd"]`: kept for the tests written before the
        # registry; code asks `current(key)` and `previous(key)`.
        if name.startswith("_") or name == "windows":
            raise AttributeError(name)
        try:
            return self.windows[name]
        except KeyError:
            raise AttributeError(name) from None


def dashboard_windows(as_of: date, fy_start_month: int, baseline_fy: int) -> DashboardWindows:
    basis = Basis(as_of, fy_start_month, baseline_fy)
    return DashboardWindows(
        as_of=as_of,
        fy_start_year=fy_start_year(as_of, fy_start_month),
        windows={name: span.window(basis) for name, span in spans().items()},
    )
