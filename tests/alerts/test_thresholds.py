"""Which changes are breaches: thresholds at their edges, small numbers, significance, and inheritance."""

from dataclasses import replace
from datetime import UTC, datetime

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
from bot.domain.harm import Unweighted, WeightSet
from bot.domain.stats import HarmBasis, HarmComparison, StrandStats, compare
from bot.errors import InvalidRequest

WEIGHED = HarmBasis(WeightSet("Test index", datetime(2026, 1, 1, tzinfo=UTC), "U0ADMIN", {}), Unweighted(()))


def strand(current: int, previous: int, slug: str = "hate-crime", harm: tuple[float, float] | None = None):
    """A strand whose comparisons are all `current` against `previous` (and its harm `harm`, every occurrence
    weighed)."""
    comparison = compare(current, previous)
    weighed = None if harm is None else HarmComparison(compare(*harm), current, previous)
    return StrandStats(
        slug,
        "Hate crime",
        None,
        0,
        {key: comparison for key in COMPARISONS},
        None if weighed is None else {key: weighed for key in COMPARISONS},
    )


def fytd_breaches(current: int, previous: int, harm: tuple[float, float] | None = None, **threshold):
    fytd = replace(SHIPPED_THRESHOLD, comparisons=("fytd",), **threshold)
    return breaches(strand(current, previous, harm=harm), fytd, None if harm is None else WEIGHED)


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


def test_a_threshold_on_harm_breaches_when_harm_rises_though_the_count_is_flat():
    [breach] = fytd_breaches(40, 40, harm=(220.0, 130.0), measure="harm")
    assert (breach.crossed.pct, breach.crossed.rag, breach.weights) == (69, "red", "Test index")
    assert breach.counts.pct == 0
    assert fytd_breaches(40, 40, harm=(220.0, 130.0)) == []  # on counts: flat


def test_a_threshold_on_harm_ignores_a_rise_in_count_that_weighs_no_more():
    assert fytd_breaches(40, 22, harm=(40.0, 40.0), measure="harm") == []
    [on_counts] = fytd_breaches(40, 22, harm=(40.0, 40.0))
    assert (on_counts.crossed, on_counts.harm, on_counts.weights) == (on_counts.counts, None, None)


def test_the_minimum_volume_of_a_threshold_on_harm_is_of_occurrences():
    assert fytd_breaches(5, 5, harm=(500.0, 50.0), measure="harm") == []  # ten times the harm, in five occurrences
    assert len(fytd_breaches(5, 5, harm=(500.0, 50.0), measure="harm", min_volume=5)) == 1


def test_direction_on_harm_follows_the_harm():
    assert fytd_breaches(40, 40, harm=(220.0, 130.0), measure="harm", direction="down") == []
    [fall] = fytd_breaches(40, 40, harm=(130.0, 220.0), measure="harm", direction="down")
    assert fall.crossed.direction == "down"


def test_harm_has_no_test_to_fail_so_hold_never_holds_a_harm_breach_back():
    [breach] = fytd_breaches(40, 40, harm=(220.0, 130.0), measure="harm", significance="hold")
    assert breach.crossed.p_value is None
    assert not breach.held_back


def test_a_threshold_on_harm_needs_the_strands_harm():
    with pytest.raises(ValueError, match="on harm"):
        breaches(strand(40, 40), replace(SHIPPED_THRESHOLD, measure="harm"))


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
    assert threshold.measure == "count"  # shipped
    assert threshold.comparisons == ("7d", "28d", "fytd", "rolling12")  # shipped: every window but the baseline
    assert threshold.own == {"significance"}


def test_a_measure_follows_the_strands_own_then_its_parents_then_the_default():
    thresholds = {"*": stored("*", measure="harm"), "child-protection": stored("child-protection", measure="count")}
    assert threshold_for("hate-crime", CATALOGUE, thresholds).measure == "harm"
    assert threshold_for("cse", CATALOGUE, thresholds).measure == "count"
    own = threshold_for("cse", CATALOGUE, {**thresholds, "cse": stored("cse", measure="harm")})
    assert (own.measure, own.own) == ("harm", {"measure"})


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


def test_comparisons_are_named_as_on_the_dashboard_and_compstat_windows_too():
    assert checked_comparisons("rolling12, fytd") == "fytd,rolling12"
    assert checked_comparisons("28d,fytd") == "28d,fytd"
    assert checked_comparisons("all") == "7d,28d,fytd,baseline,rolling12"
    with pytest.raises(InvalidRequest, match="use one or more of 7d, 28d, fytd, baseline, rolling12"):
        checked_comparisons("weekly")
