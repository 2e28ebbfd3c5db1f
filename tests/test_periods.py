"""The dashboard's date windows: financial years, leap days, rolling months and local midnights."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.periods import Window, dashboard_windows, fy_label, shift_months


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
