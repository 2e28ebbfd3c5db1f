"""The dashboard rules of docs/domain.md, one at a time, with numbers a person can check by hand."""

import pandas as pd
import pytest

from bot.domain.catalogue import Catalogue, CatalogueEntry
from bot.domain.comparisons import dashboard_windows
from bot.domain.stats import compare, compute_dashboard, percent_change, rolled_up, share_text


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (1427, 1000, 43),  # 42.7% shows as 43%
        (9082, 10000, -9),  # -9.18% shows as -9%
        (59, 40, 48),  # +47.5%: a half goes up, away from zero
        (21, 40, -48),  # -47.5%: a half goes down, away from zero
        (3, 2, 50),
        (1, 8, -88),  # -87.5%
        (1104, 1000, 10),  # 10.4% rounds down
    ],
)
def test_percent_change_rounds_halves_away_from_zero(current, previous, expected):
    assert percent_change(current, previous) == expected


def test_zero_against_zero_is_zero_percent_no_change_amber():
    c = compare(0, 0)
    assert (c.pct, c.change, c.direction, c.rag) == (0, 0, "none", "amber")


def test_anything_against_zero_is_new_not_a_division_error():
    c = compare(5, 0)
    assert (c.pct, c.direction, c.rag) == (None, "up", "red")


def test_a_fall_to_zero_is_minus_100_percent_and_green():
    c = compare(0, 7)
    assert (c.pct, c.change, c.direction, c.rag) == (-100, -7, "down", "green")


@pytest.mark.parametrize(
    ("current", "previous", "rag"),
    [
        (11, 10, "amber"),  # exactly +10% is amber
        (9, 10, "amber"),  # exactly -10% is amber
        (1104, 1000, "red"),  # +10.4% is more than 10%, though it shows as +10%
        (896, 1000, "green"),  # -10.4%
        (221, 200, "red"),  # +10.5% shows +11%
        (179, 200, "green"),  # -10.5% shows -11%
        (12, 10, "red"),
        (8, 10, "green"),
    ],
)
def test_red_amber_green_around_the_ten_percent_threshold(current, previous, rag):
    assert compare(current, previous).rag == rag


def test_threshold_can_be_changed():
    assert compare(115, 100, threshold_percent=15).rag == "amber"
    assert compare(116, 100, threshold_percent=15).rag == "red"


def test_small_numbers_are_not_significant_but_large_changes_are():
    assert not compare(5, 2).significant  # "-60%" from 5 to 2 means nothing
    assert compare(500, 300).significant


CATALOGUE = Catalogue(
    (
        CatalogueEntry("hate-crime", "Hate crime"),
        CatalogueEntry("child-protection", "Child protection"),
        CatalogueEntry("child-abuse", "Child abuse", "child-protection"),
        CatalogueEntry("cse", "CSE", "child-protection"),
        CatalogueEntry("cse-online", "Online CSE", "cse"),
    )
)


def test_a_parent_area_sums_its_own_occurrences_and_all_its_sub_areas():
    # Areas, unlike strands, never overlap: an occurrence has one area, so a parent's count is a sum.
    windows = dashboard_windows(pd.Timestamp("2024-06-30").date(), 4, 2019)
    counts = pd.DataFrame(
        {"current_fytd": [2, 3, 4, 1], "previous_fytd": [1, 1, 1, 1]},
        index=["child-protection", "child-abuse", "cse", "cse-online"],
    )
    dashboard = compute_dashboard(rolled_up(counts, CATALOGUE), CATALOGUE, windows, 4, 2019)
    assert dashboard.strand("child-protection").fytd.current == 2 + 3 + 4 + 1
    assert dashboard.strand("cse").fytd.current == 4 + 1
    assert dashboard.strand("child-protection").fytd.previous == 4
    assert dashboard.strand("hate-crime").fytd.current == 0
    assert dashboard.strand("hate-crime").rolling12.pct == 0  # a window with no rows counts 0


def test_strand_counts_are_taken_as_given_since_the_database_counts_overlaps_once():
    windows = dashboard_windows(pd.Timestamp("2024-06-30").date(), 4, 2019)
    counts = pd.DataFrame({"current_fytd": [5, 3, 4]}, index=["child-protection", "child-abuse", "cse"])
    dashboard = compute_dashboard(counts, CATALOGUE, windows, 4, 2019)
    assert dashboard.strand("child-protection").fytd.current == 5


def test_fytd_and_baseline_compare_the_same_current_count():
    windows = dashboard_windows(pd.Timestamp("2024-06-30").date(), 4, 2019)
    counts = pd.DataFrame({"current_fytd": [30], "previous_fytd": [20], "baseline_fytd": [40]}, index=["hate-crime"])
    hate = compute_dashboard(counts, CATALOGUE, windows, 4, 2019).strand("hate-crime")
    assert (hate.fytd.current, hate.fytd.previous, hate.fytd.pct) == (30, 20, 50)
    assert (hate.baseline.current, hate.baseline.previous, hate.baseline.pct) == (30, 40, -25)


@pytest.mark.parametrize(("current", "previous"), [(5, 2), (0, 3), (11, 10), (140, 100), (1, 0), (37, 80)])
def test_significance_is_the_exact_conditional_test_of_two_poisson_counts(current, previous):
    from scipy.stats import binomtest

    expected = binomtest(current, current + previous, 0.5).pvalue
    assert compare(current, previous).p_value == pytest.approx(expected, rel=1e-9)


def test_a_share_is_a_whole_percent_unless_rounding_would_hide_which_side_of_a_half_or_all_it_is():
    assert [share_text(x) for x in (0.4, 0.5, 0.5001, 0.9998, 1.0, 0.126)] == [
        "40%", "50%", "50.01%", "99.98%", "100%", "13%"
    ]  # fmt: skip
