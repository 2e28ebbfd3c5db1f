"""The dashboard computed from a real database: local days, clock changes, parents and the as-of date."""

from datetime import date, timedelta

import pytest
from conftest import local, settings_for, store, utc

from bot.dashboard.service import full_dashboard, strand_report
from bot.errors import InvalidRequest, UnknownStrand

AS_OF = date(2024, 6, 30)


def test_counts_fall_in_the_windows_of_the_force_time_zone(database, settings):
    store(
        database,
        [
            ("hate-crime", utc("2024-03-31T23:30")),  # 00:30 BST on 1 April: this financial year
            ("hate-crime", utc("2024-03-31T22:59")),  # 23:59 BST on 31 March: last financial year
            ("hate-crime", local("2024-06-30", "23:59")),  # the last minute of the as-of date
            ("hate-crime", utc("2024-06-30T23:00")),  # midnight BST: 1 July, after the as-of date
            ("hate-crime", local("2023-06-30", "12:00")),  # last year, same span
        ],
    )
    hate = strand_report(database, settings, "hate crime", AS_OF).strand
    assert (hate.fytd.current, hate.fytd.previous) == (2, 1)
    assert hate.rolling12.current == 3  # 1 Jul 2023 to 30 Jun 2024 includes both March times
    assert hate.rolling12.previous == 1


def test_clock_change_day_counts_its_23_hours(database, settings):
    # 31 March 2024 had no 01:00-02:00 in London; both of these are on that local day.
    store(database, [("domestic-abuse", utc("2024-03-31T00:30")), ("domestic-abuse", utc("2024-03-31T22:30"))])
    da = strand_report(database, settings, "DA", date(2024, 3, 31)).strand
    assert da.fytd.current == 2


def test_a_parent_sums_its_sub_strands_and_its_own(database, settings):
    store(
        database,
        [("child-protection", local("2024-05-01"))]
        + [("child-abuse", local("2024-05-02"))] * 3
        + [("cse", local("2024-05-03"))] * 4
        + [("cse", local("2023-05-03"))] * 2,
    )
    report = strand_report(database, settings, "child protection", AS_OF)
    assert report.strand.slug == "child-protection"
    assert (report.strand.fytd.current, report.strand.fytd.previous) == (8, 2)
    assert [s.slug for s in report.sub_strands] == ["child-abuse", "cse", "missing-children"]
    assert report.dashboard.strand("cse").fytd.pct == 100
    assert report.dashboard.strand("missing-children").fytd.pct == 0


def test_the_full_dashboard_lists_every_strand_in_catalogue_order(database, settings):
    store(database, [("rape", local("2024-05-01"))])
    dashboard = full_dashboard(database, settings, AS_OF)
    assert len(dashboard.strands) == 28
    assert dashboard.strand("sexual-offences").fytd.current == 1
    assert dashboard.strand("sexual-offences").fytd.rag == "red"  # new


def test_a_january_financial_year_in_toronto(database_url, database):
    toronto = settings_for(database_url, STRANDBOT_FY_START_MONTH="1", STRANDBOT_TIMEZONE="America/Toronto")
    store(
        database,
        [
            ("mental-health", utc("2024-01-01T04:59")),  # 23:59 on 31 Dec in Toronto: last year
            ("mental-health", utc("2024-01-01T05:00")),  # midnight in Toronto: this year
            ("mental-health", utc("2023-01-01T05:00")),  # midnight a year earlier: previous FYTD
            ("mental-health", utc("2023-01-01T04:30")),  # 23:30 on 31 Dec 2022: before it
            ("mental-health", utc("2019-01-10T12:00")),  # the baseline (calendar) year 2019
        ],
    )
    report = strand_report(database, toronto, "mental health", date(2024, 1, 15))
    mh = report.strand
    assert (mh.fytd.current, mh.fytd.previous, mh.baseline.previous) == (1, 1, 1)
    assert mh.rolling12.current == 2  # 16 Jan 2023 to 15 Jan 2024 in Toronto: both new-year times
    assert (report.dashboard.fy_label, report.dashboard.baseline_label) == ("2024", "2019")


def test_an_unknown_strand_names_the_closest(database, settings):
    with pytest.raises(UnknownStrand, match="hate-crime"):
        strand_report(database, settings, "hat crme", AS_OF)


def test_a_date_in_the_future_is_refused(database, settings):
    with pytest.raises(InvalidRequest, match="in the future"):
        full_dashboard(database, settings, date.today() + timedelta(days=2))
