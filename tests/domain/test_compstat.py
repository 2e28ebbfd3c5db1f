"""The CompStat windows (`7d`, `28d`), their Poisson control limits, and comparisons across a counting-rule break."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scipy.stats import poisson

from bot.domain.comparisons import (
    COMPARISONS,
    CONTROL_LIMIT_P,
    WINDOWS,
    control_limit,
    crossing_break,
    dashboard_windows,
)
from bot.domain.periods import Window

AS_OF = date(2026, 11, 29)  # a Sunday


def test_the_week_and_28_days_are_set_against_the_same_weekdays_52_weeks_earlier_and_the_52_weeks_before():
    windows = dashboard_windows(AS_OF, 4, 2019, ("7d", "28d"))
    assert windows.current("7d") == Window(date(2026, 11, 23), AS_OF)
    assert windows.previous("7d") == Window(date(2025, 11, 24), date(2025, 11, 30))  # Monday to Sunday again
    assert windows.windows["history_7d"] == Window(date(2025, 11, 24), date(2026, 11, 22))
    assert windows.current("28d").days == windows.previous("28d").days == 28
    assert windows.windows["history_28d"].days == 364
    assert windows.windows["history_28d"].end == date(2026, 11, 1)  # the day before the 28 days begin


def test_the_dashboard_keeps_its_three_comparisons_and_the_compstat_windows_are_extra():
    assert list(COMPARISONS) == ["fytd", "baseline", "rolling12"]
    assert list(WINDOWS) == ["7d", "28d", "fytd", "baseline", "rolling12"]
    assert set(dashboard_windows(AS_OF, 4, 2019).windows) == {
        "current_fytd", "previous_fytd", "baseline_fytd", "current_rolling12", "previous_rolling12"
    }  # fmt: skip


def test_the_expected_count_is_the_52_weeks_scaled_to_the_window():
    expected = control_limit(30, 52 * 14, 7)  # two a day for a year: 14 a week expected
    assert expected.expected == 14.0
    assert expected.outside and expected.current > expected.upper


def test_control_limits_are_the_poisson_quantiles_at_the_stated_level():
    expected = control_limit(14, 52 * 14, 7)
    # The upper limit is the smallest count with at most CONTROL_LIMIT_P / 2 of the distribution above it.
    assert poisson.sf(expected.upper, 14) <= CONTROL_LIMIT_P / 2 < poisson.sf(expected.upper - 1, 14)
    assert poisson.cdf(expected.lower - 1, 14) <= CONTROL_LIMIT_P / 2 < poisson.cdf(expected.lower, 14)
    assert not expected.outside
    assert control_limit(expected.upper, 52 * 14, 7).outside is False
    assert control_limit(expected.upper + 1, 52 * 14, 7).outside


def test_a_strand_with_no_history_expects_nothing_and_any_count_is_outside():
    assert control_limit(0, 0, 7).outside is False
    assert control_limit(3, 0, 7).outside is True


@dataclass(frozen=True)
class Change:
    day: date


def test_a_comparison_crosses_a_break_only_when_its_windows_fall_on_both_sides():
    june = Change(date(2023, 6, 1))
    before = Window(date(2022, 4, 1), date(2022, 11, 30))
    after = Window(date(2023, 6, 1), date(2023, 11, 30))
    straddling = Window(date(2023, 4, 1), date(2023, 11, 30))
    assert crossing_break((after, before), [june]) == june
    assert crossing_break((straddling, Window(date(2022, 4, 1), date(2022, 11, 30))), [june]) == june
    assert crossing_break((before, Window(date(2021, 4, 1), date(2021, 11, 30))), [june]) is None
    assert crossing_break((after, Window(date(2023, 6, 1), date(2023, 6, 30))), [june]) is None
    later = Change(date(2024, 1, 1))
    assert crossing_break((Window(date(2024, 2, 1), date(2024, 3, 1)), before), [june, later]) == later
