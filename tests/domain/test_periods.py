"""Date windows: the dashboard's financial years, leap days, rolling months and local midnights, and the
months and rolling windows of repeat-contact lists."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.comparisons import dashboard_windows
from bot.domain.periods import Window, fy_label, repeat_period, shift_months, split_into_months
from bot.errors import InvalidRequest


def test_fytd_runs_from_first_april_to_the_as_of_date_and_last_year_the_same_span():
    w = dashboard_windows(date(2024, 11, 20), 4, 2019)
    assert w.current_fytd == Window(date(2024, 4, 1), date(2024, 11, 20))
    assert w.previous_fytd == Window(date(2023, 4, 1), date(2023, 11, 20))
    assert w.baseline_fytd == Window(date(2019, 4, 1), date(2019, 11, 20))


def test_rolling_12_months_excludes_the_day_twelve_months_back():
    w = dashboard_windows(date(2024, 11, 20), 4, 2019)
    assert w.current_rolling12 == Window(date(2023, 11, 21), date(2024, 11, 20))
    assert w.previous_rolling12 == Window(date(2022, 11, 21), date(2023, 11, 20))


def test_a_29_february_end_maps_to_28_february_a_year_earlier():
    w = dashboard_windows(date(2024, 2, 29), 4, 2019)
    assert w.current_fytd == Window(date(2023, 4, 1), date(2024, 2, 29))
    assert w.previous_fytd == Window(date(2022, 4, 1), date(2023, 2, 28))
    assert w.baseline_fytd == Window(date(2019, 4, 1), date(2020, 2, 29))  # 2020 is a leap year too
    assert w.current_rolling12 == Window(date(2023, 3, 1), date(2024, 2, 29))
    assert w.previous_rolling12 == Window(date(2022, 3, 1), date(2023, 2, 28))


def test_the_last_day_of_march_closes_the_financial_year_and_first_april_opens_the_next():
    assert dashboard_windows(date(2024, 3, 31), 4, 2019).current_fytd == Window(date(2023, 4, 1), date(2024, 3, 31))
    assert dashboard_windows(date(2024, 4, 1), 4, 2019).current_fytd == Window(date(2024, 4, 1), date(2024, 4, 1))


def test_a_january_financial_year_is_the_calendar_year():
    w = dashboard_windows(date(2024, 1, 15), 1, 2019)
    assert w.current_fytd == Window(date(2024, 1, 1), date(2024, 1, 15))
    assert w.previous_fytd == Window(date(2023, 1, 1), date(2023, 1, 15))
    assert w.baseline_fytd == Window(date(2019, 1, 1), date(2019, 1, 15))
    assert fy_label(2019, 1) == "2019"
    assert fy_label(2019, 4) == "2019/20"
    assert fy_label(2099, 4) == "2099/00"


def test_a_rolling_year_ending_28_february_takes_in_the_leap_day_before_it():
    w = dashboard_windows(date(2025, 2, 28), 4, 2019)
    assert w.current_rolling12 == Window(date(2024, 2, 29), date(2025, 2, 28))
    assert w.previous_rolling12 == Window(date(2023, 3, 1), date(2024, 2, 28))


def test_months_clamp_to_the_end_of_a_shorter_month():
    assert shift_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert shift_months(date(2024, 1, 31), -12) == date(2023, 1, 31)
    assert shift_months(date(2024, 1, 15), -13) == date(2022, 12, 15)


def test_local_days_become_utc_instants_across_the_clock_change():
    london = ZoneInfo("Europe/London")
    start, end = Window(date(2024, 3, 31), date(2024, 3, 31)).utc_bounds(london)
    assert start.isoformat() == "2024-03-31T00:00:00+00:00"
    assert end.isoformat() == "2024-03-31T23:00:00+00:00"  # BST began at 01:00 UTC: a 23-hour day
    start, _ = Window(date(2024, 7, 1), date(2024, 7, 1)).utc_bounds(london)
    assert start == datetime.fromisoformat("2024-06-30T23:00:00+00:00")
    start, end = Window(date(2024, 10, 27), date(2024, 10, 27)).utc_bounds(london)
    assert (end - start).total_seconds() == 25 * 3600  # BST ended: a 25-hour day


TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("text", "label", "window", "previous"),
    [
        ("2024-10", "October 2024", ("2024-10-01", "2024-10-31"), ("2024-09-01", "2024-09-30")),
        ("last-month", "October 2026", ("2026-10-01", "2026-10-31"), ("2026-09-01", "2026-09-30")),
        ("oct", "October 2026", ("2026-10-01", "2026-10-31"), ("2026-09-01", "2026-09-30")),
        ("December", "December 2025", ("2025-12-01", "2025-12-31"), ("2025-11-01", "2025-11-30")),
        ("2024-03", "March 2024", ("2024-03-01", "2024-03-31"), ("2024-02-01", "2024-02-29")),
        ("this-month", "November 2026 so far (to 20 Nov)", ("2026-11-01", "2026-11-20"), ("2026-10-01", "2026-10-20")),
        ("30d", "30 days to 20 Nov 2026", ("2026-10-22", "2026-11-20"), ("2026-09-22", "2026-10-21")),
        ("12m", "12 months to 20 Nov 2026", ("2025-11-21", "2026-11-20"), ("2024-11-21", "2025-11-20")),
    ],
)
def test_repeat_periods_name_the_days_they_cover_and_the_days_before(text, label, window, previous):
    period = repeat_period(text, TODAY)
    assert period.label == label
    assert (period.window.start.isoformat(), period.window.end.isoformat()) == window
    assert (period.previous.start.isoformat(), period.previous.end.isoformat()) == previous


def test_a_rolling_window_can_end_on_a_given_date():
    period = repeat_period("12m", TODAY, date(2025, 3, 31))
    assert period.window == Window(date(2024, 4, 1), date(2025, 3, 31))


@pytest.mark.parametrize(
    ("text", "end", "message"),
    [
        ("2027-01", None, "January 2027 is in the future"),
        ("2024-13", None, "has no month 13"),
        ("1890-01", None, "before any data"),
        ("0d", None, "out of range"),
        ("121m", None, "out of range"),
        ("fortnight", None, "is not a period"),
        ("2024-10", date(2024, 10, 31), "only with a rolling window"),
        ("30d", date(2026, 12, 1), "is in the future"),
    ],
)
def test_impossible_periods_say_what_is_wrong(text, end, message):
    with pytest.raises(InvalidRequest, match=message):
        repeat_period(text, TODAY, end)


def test_the_first_of_the_month_has_no_month_so_far():
    with pytest.raises(InvalidRequest, match="began today"):
        repeat_period("this-month", date(2026, 11, 1))


def days_of(windows) -> list[date]:
    return [w.start + timedelta(days=i) for w in windows for i in range((w.end - w.start).days + 1)]


def month_days(first: date) -> list[date]:
    return days_of([Window(first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1))])


def test_split_into_months_covers_every_day_of_the_windows_once_with_whole_months_where_it_can():
    rng = random.Random(13)
    for _ in range(300):
        windows = []
        for _ in range(rng.randrange(1, 4)):
            start = date(2023, 1, 1) + timedelta(days=rng.randrange(900))
            windows.append(Window(start, start + timedelta(days=rng.randrange(-3, 400))))
        split = split_into_months(windows)
        firsts = [d for d in days_of(split.months) if d.day == 1]  # a month's key is its first day
        expanded = [d for first in firsts for d in month_days(first)] + days_of(split.days)
        assert sorted(expanded) == sorted(set(days_of(windows)))  # every day once, nothing else
        for first in {d.replace(day=1) for d in days_of(split.days)}:  # no whole month is left as days
            assert not set(month_days(first)) <= set(days_of(split.days))


def test_a_financial_year_to_date_is_its_whole_months_and_the_days_of_this_one():
    split = split_into_months([Window(date(2026, 4, 1), date(2026, 11, 20))])
    assert split.months == (Window(date(2026, 4, 1), date(2026, 10, 1)),)
    assert split.days == (Window(date(2026, 11, 1), date(2026, 11, 20)),)
