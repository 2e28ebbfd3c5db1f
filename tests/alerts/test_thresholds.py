"""Which changes are breaches: thresholds at their edges, small numbers, significance, and inheritance."""

from dataclasses import replace

import pytest

from bot.alerts.records import BreachThreshold
from bot.alerts.thresholds import (
    SHIPPED_THRESHOLD,
    breaches,
    checked_comparisons,
    checked_min_volume,
    checked_percent,
    threshold_for,
)
from bot.domain.catalogue import Catalogue, CatalogueEntry
from bot.domain.comparisons import COMPARISONS
from bot.domain.stats import StrandStats, compare
from bot.errors import InvalidRequest


def strand(current: int, previous: int, slug: str = "hate-crime") -> StrandStats:
    """A strand whose comparisons are all `current` against `previous`."""
    comparison = compare(current, previous)
    return StrandStats(slug, "Hate crime", None, 0, {key: comparison for key in COMPARISONS})


def fytd_breaches(current: int, previous: int, **threshold):
    return breaches(strand(current, previous), replace(SHIPPED_THRESHOLD, comparisons=("fytd",), **threshold))


def test_exactly_ten_percent_is_not_a_breach():
    assert fytd_breaches(110, 100) == []
    assert fytd_breaches(90, 100) == []


def test_just_over_ten_percent_is_a_breach_though_it_shows_as_ten():
    [breach] = fytd_breaches(1104, 1000)
    assert (breach.counts.pct, breach.counts.direction, breach.counts.rag) == (10, "up", "red")


def test_zero_against_zero_is_never_a_breach():
    assert fytd_breaches(0, 0, min_volume=0) == []


def test_a_rise_from_nothing_is_new_when_the_minimum_volume_allows_it():
    [breach] = fytd_breaches(12, 0, min_volume=0)
    assert breach.counts.pct is None  # shown as "new", never a division error
    assert breach.counts.direction == "up"


def test_a_rise_from_nothing_is_below_the_default_minimum_volume():
    assert fytd_breaches(12, 0) == []


def test_both_counts_must_reach_the_minimum_volume():
    assert fytd_breaches(9, 30) == []  # -70%, but 9 is under 10
    assert fytd_breaches(30, 9) == []
    assert len(fytd_breaches(10, 30)) == 1


def test_direction_up_ignores_falls_and_down_ignores_rises():
    assert fytd_breaches(50, 100, direction="up") == []
    assert fytd_breaches(150, 100, direction="down") == []
    assert [b.counts.direction for b in fytd_breaches(50, 100, direction="down")] == ["down"]


def test_a_significant_change_is_never_held_back():
    [breach] = fytd_breaches(60, 30, significance="hold")
    assert breach.counts.significant
    assert not breach.held_back


def test_a_change_that_could_be_chance_is_held_back_only_when_the_threshold_says_hold():
    [held] = fytd_breaches(15, 10, significance="hold")  # +50%, p = 0.42
    assert not held.counts.significant
    assert held.held_back
    [marked] = fytd_breaches(15, 10, significance="mark")
    assert not marked.held_back


def test_only_the_chosen_comparisons_are_checked_in_dashboard_order():
    both = breaches(strand(60, 30), replace(SHIPPED_THRESHOLD, comparisons=("fytd", "rolling12")))
    assert [b.comparison for b in both] == ["fytd", "rolling12"]


CATALOGUE = Catalogue(
    (
        CatalogueEntry("child-protection", "Child protection"),
        CatalogueEntry("cse", "CSE", "child-protection"),
        CatalogueEntry("hate-crime", "Hate crime"),
    )
)


def stored(scope: str, **parts) -> BreachThreshold:
    return BreachThreshold(scope=scope, **parts)


def test_a_sub_strand_follows_its_parent_then_the_default_part_by_part():
    thresholds = {
        "*": stored("*", direction="up", min_volume=5),
        "child-protection": stored("child-protection", percent=20.0),
        "cse": stored("cse", significance="hold"),
    }
    threshold = threshold_for("cse", CATALOGUE, thresholds)
    assert (threshold.percent, threshold.direction, threshold.min_volume, threshold.significance) == (
        20.0,
        "up",
        5,
        "hold",
    )
    assert threshold.comparisons == ("fytd", "baseline", "rolling12")  # shipped
    assert threshold.own == {"significance"}


def test_without_any_setting_every_strand_has_the_shipped_threshold():
    threshold = threshold_for("hate-crime", CATALOGUE, {})
    assert threshold.settings() == SHIPPED_THRESHOLD.settings()
    assert (threshold.percent, threshold.direction, threshold.min_volume) == (10.0, "either", 10)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("150%", "runs from 0.1% to 100%"),
        ("-5%", "negative"),
        ("0%", "runs from 0.1% to 100%"),
        ("ten%", "not a percentage"),
    ],
)
def test_a_threshold_outside_sense_is_refused_with_the_range(typed, message):
    with pytest.raises(InvalidRequest, match=message):
        checked_percent(typed)


def test_percentages_may_be_written_with_or_without_the_sign():
    assert checked_percent("15%") == checked_percent("15") == 15.0
    assert checked_percent("12.5%") == 12.5


def test_minimum_volume_must_be_a_whole_number():
    with pytest.raises(InvalidRequest, match="min=x is not a whole number"):
        checked_min_volume("x")
    assert checked_min_volume("0") == 0


def test_comparisons_are_named_as_on_the_dashboard():
    assert checked_comparisons("rolling12, fytd") == "fytd,rolling12"
    assert checked_comparisons("all") == "fytd,baseline,rolling12"
    with pytest.raises(InvalidRequest, match="use one or more of fytd, baseline, rolling12"):
        checked_comparisons("weekly")
