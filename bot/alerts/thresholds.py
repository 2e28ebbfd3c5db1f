"""Breach thresholds, and which of a strand's changes cross them. Pure: no database, no Slack.

A change is a breach when it is more than the threshold (exactly 10% is not), in a direction the
threshold watches, and both counts are at least the minimum volume (small numbers mislead). The change is
in the threshold's measure: the occurrence counts, or their harm (the sums of their offence codes'
weights); the minimum volume is of occurrences either way, since a few occurrences mislead whatever they
weigh. Each count breach carries the exact conditional test of the two counts (`Comparison.p_value`); what
happens to changes that are not significant is the threshold's `significance`: posted, marked as possibly
chance, or held back. No test applies to a harm sum, so a harm breach is never held back: it is posted
saying it was not tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from bot.alerts.records import BreachThreshold
from bot.domain import comparisons
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue
from bot.domain.stats import DEFAULT_THRESHOLD_PERCENT, Comparison, HarmBasis, HarmComparison, StrandStats, compare
from bot.errors import InvalidRequest

# The dashboard's comparisons, by the names admins type (`window=fytd,rolling12`), in the dashboard's order.
COMPARISONS = tuple(comparisons.COMPARISONS)
DIRECTIONS = ("up", "down", "either")
SIGNIFICANCE = ("post", "mark", "hold")
# What admins type after a threshold, e.g. `threshold hate-crime 15% direction=up min=20 measure=harm`.
THRESHOLD_OPTIONS = ("window", "direction", "min", "significance", "measure")
PERCENT_RANGE = (0.1, 100)
MIN_VOLUME_RANGE = (0, 100_000)


@dataclass(frozen=True)
class Threshold:
    """What counts as a breach for one strand. `own` names the parts set for this very strand (or the
    default); the rest follow the parent strand's, then the force default's, then the shipped values."""

    percent: float
    comparisons: tuple[str, ...]
    direction: str
    min_volume: int
    significance: str
    measure: str  # count | harm
    own: frozenset[str] = frozenset()

    def settings(self) -> dict:
        """The parts that decide breaches, for comparing and recording (not where they come from)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "own"}


SHIPPED_THRESHOLD = Threshold(float(DEFAULT_THRESHOLD_PERCENT), COMPARISONS, "either", 10, "mark", "count")
PARTS = ("percent", "comparisons", "direction", "min_volume", "significance", "measure")


@dataclass(frozen=True)
class Breach:
    """One comparison of one strand past its threshold: its counts crossed it or, for a threshold on harm,
    its harm did (`harm`, weighed with the set named `weights`)."""

    slug: str
    name: str
    comparison: str  # a key of bot.domain.comparisons.COMPARISONS
    counts: Comparison
    threshold: Threshold
    harm: HarmComparison | None = None
    weights: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.slug, self.comparison)

    @property
    def crossed(self) -> Comparison:
        """The change past the threshold: the counts', or the harm's."""
        return self.counts if self.harm is None else self.harm.harm

    @property
    def held_back(self) -> bool:
        # Only a count has a test to fail: holding untested harm back would hold back every harm breach.
        return self.threshold.significance == "hold" and self.harm is None and not self.counts.significant


def threshold_for(scope: str, catalogue: Catalogue, stored: dict[str, BreachThreshold]) -> Threshold:
    """The threshold a strand (or, for DEFAULT_SCOPE, the force) works to, part by part: the strand's own
    setting, else its parent's and so on up, else the force default's, else the shipped one."""
    chain = ([] if scope == DEFAULT_SCOPE else catalogue.ancestry(scope)) + [DEFAULT_SCOPE]
    values, own = {}, set()
    for part in PARTS:
        setting = next(
            (getattr(stored[s], part) for s in chain if s in stored and getattr(stored[s], part) is not None), None
        )
        if scope in stored and getattr(stored[scope], part) is not None:
            own.add(part)
        values[part] = getattr(SHIPPED_THRESHOLD, part) if setting is None else _from_stored(part, setting)
    return Threshold(**values, own=frozenset(own))


def comparisons_of(stored: str) -> tuple[str, ...]:
    """'rolling12,fytd' as stored: the comparisons in dashboard order."""
    return tuple(c for c in COMPARISONS if c in stored.split(","))


def _from_stored(part: str, value):
    if part == "comparisons":
        return comparisons_of(value)
    if part == "percent":
        return float(value)
    return value


def breaches(stats: StrandStats, threshold: Threshold, harm: HarmBasis | None = None) -> list[Breach]:
    """The strand's comparisons that cross `threshold`, in the dashboard's order. A threshold on harm needs
    the strand's harm (`stats.harm`) and what it was weighed with (`harm`)."""
    on_harm = threshold.measure == "harm"
    if on_harm and (stats.harm is None or harm is None):
        raise ValueError(f"{stats.slug}'s threshold is on harm, and its harm was not weighed")
    found = []
    for name in threshold.comparisons:
        shown = stats.comparisons[name]
        counts = compare(shown.current, shown.previous, threshold.percent)
        breach = Breach(stats.slug, stats.name, name, counts, threshold)
        if on_harm:
            weighed = stats.harm[name]
            weighed = replace(weighed, harm=compare(weighed.harm.current, weighed.harm.previous, threshold.percent))
            breach = replace(breach, harm=weighed, weights=harm.weights.name)
        crossed = breach.crossed
        if min(counts.current, counts.previous) < threshold.min_volume or crossed.rag == "amber":
            continue
        if threshold.direction != "either" and threshold.direction != ("up" if crossed.rag == "red" else "down"):
            continue
        found.append(breach)
    return found


# Checking what admins type: each returns the value to store, or says what is wrong and what would do.


# A percentage as admins type it: ASCII digits with an optional decimal part, an optional sign and `%`. Nothing
# else (`1e5`, `nan`, `inf`, other scripts' digits), which Python's own number parsing would take.
PERCENT = re.compile(r"(?P<sign>[-+]?)(?P<number>[0-9]+(?:\.[0-9]+)?)%?")


def looks_like_percent(word: str) -> bool:
    """Whether a word of a command is meant as the percentage (to be checked by `checked_percent`)."""
    return word.endswith("%") or PERCENT.fullmatch(word) is not None


def checked_percent(text: str) -> float:
    """The one parser of a threshold's percentage (Slack and `strandbot ask` alike)."""
    typed = PERCENT.fullmatch(text.strip())
    if typed is None:
        raise InvalidRequest(
            f"“{text}” is not a percentage: use the digits 0-9, with a decimal point if need be, e.g. `15%` or `12.5%`."
        )
    value = Fraction(typed["number"]) * (-1 if typed["sign"] == "-" else 1)
    low, high = PERCENT_RANGE
    if value < 0:
        raise InvalidRequest(
            f"{text} is negative; a threshold is a size of change, e.g. `10%`. Use direction=down for falls."
        )
    if not low <= value <= high:
        raise InvalidRequest(f"{text} is out of range: a threshold runs from {low:g}% to {high:g}%, e.g. `15%`.")
    return round(float(value), 2)


def checked_comparisons(text: str) -> str:
    wanted = [part.strip().lower() for part in text.replace("+", ",").split(",") if part.strip()]
    if wanted == ["all"]:
        wanted = list(COMPARISONS)
    unknown = [w for w in wanted if w not in COMPARISONS]
    if unknown or not wanted:
        raise InvalidRequest(
            f"window={text} is not a comparison; use one or more of {', '.join(COMPARISONS)} (comma-separated), or all."
        )
    return ",".join(c for c in COMPARISONS if c in wanted)


def checked_choice(option: str, text: str, choices: tuple[str, ...]) -> str:
    if text.lower() not in choices:
        raise InvalidRequest(f"{option}={text} is not one of {', '.join(choices)}.")
    return text.lower()


def checked_min_volume(text: str) -> int:
    low, high = MIN_VOLUME_RANGE
    try:
        value = int(text)
    except ValueError:
        raise InvalidRequest(f"min={text} is not a whole number; e.g. `min=10` (both counts at least 10).") from None
    if not low <= value <= high:
        raise InvalidRequest(f"min={value} is out of range: use {low} to {high:,}, e.g. `min=10`.")
    return value
