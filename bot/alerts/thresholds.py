"""Breach thresholds, and which of a strand's changes cross them. Pure: no database, no Slack.

A change is a breach when it is more than the threshold (exactly 10% is not), in a direction the
threshold watches, and both counts are at least the minimum volume (small numbers mislead). The change is
in the threshold's measure: the occurrence counts, or their harm (the sums of their offence codes'
weights); the minimum volume is of occurrences either way, since a few occurrences mislead whatever they
weigh. Each count breach carries the exact conditional test of the two counts (`Comparison.p_value`), significant
for alerts below ALERT_SIGNIFICANCE (1%, stricter than `/strand`'s 5%: a digest looks every week); what
happens to changes that are not significant is the threshold's `significance`: posted, marked as possibly
chance, or held back. No test applies to a harm sum, so a harm breach is never held back: it is posted
saying it was not tested.

The CompStat windows (`7d`, `28d`) are judged against the count the 52 weeks before them lead one to expect,
and their test is its Poisson control limit: a count within it "could be chance". Their minimum volume is of
the current count alone (the expected count rests on 52 weeks), so a spree in a small strand still shows.

Two more reasons hold a breach back: a financial year to date only a few weeks old (`early_weeks`; a few weeks
swing widely), and, if the threshold says `breaks=hold`, a comparison whose windows fall on both sides of a
counting-rule change (else it is marked with the change).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from bot.alerts.records import BreachThreshold, CountingBreak
from bot.domain import comparisons
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue
from bot.domain.comparisons import DashboardWindows, Expected, crossing_break
from bot.domain.stats import DEFAULT_THRESHOLD_PERCENT, Comparison, HarmBasis, HarmComparison, StrandStats, compare
from bot.errors import InvalidRequest

# Every comparison window, by the names admins type (`window=28d,rolling12`), in the registry's order.
COMPARISONS = tuple(comparisons.WINDOWS)
DIRECTIONS = ("up", "down", "either")
SIGNIFICANCE = ("post", "mark", "hold")
BREAKS = ("mark", "hold")
# What admins type after a threshold, e.g. `threshold hate-crime 15% direction=up min=20 measure=harm`.
THRESHOLD_OPTIONS = ("window", "direction", "min", "significance", "measure", "remind", "breaks", "early")
PERCENT_RANGE = (0.1, 100)
MIN_VOLUME_RANGE = (0, 100_000)
REMIND_RANGE = (1, 52)  # weeks
# A digest is read every week for every strand and comparison: at `/strand`'s 5% level a stable strand would
# cross by chance several times a year. Alerts ask for 1% (bench/alerts_quality.py: 12% of weekly runs posted on
# a stable series of 2 a day at 5%, 3% at 1%).
ALERT_SIGNIFICANCE = 0.01
EARLY_RANGE = (0, 52)  # weeks
WEEKS_TEXT = re.compile(r"^(\d{1,3})\s*w(?:eeks?)?$", re.IGNORECASE)
# The baseline year is a standing state since COVID, not news: it stays on `/strand` but is not watched by default.
SHIPPED_WINDOWS = tuple(key for key in COMPARISONS if key != "baseline")


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
    remind_weeks: int = 4  # a breach still standing is repeated this often; 0: never
    breaks: str = "mark"  # comparisons across a counting-rule change: mark | hold
    early_weeks: int = 8  # FYTD comparisons are held until the financial year is this many weeks old
    own: frozenset[str] = frozenset()

    def settings(self) -> dict:
        """The parts that decide breaches, for comparing and recording (not where they come from)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "own"}


SHIPPED_THRESHOLD = Threshold(
    float(DEFAULT_THRESHOLD_PERCENT), SHIPPED_WINDOWS, "either", 10, "hold", "count", remind_weeks=4, breaks="mark",
    early_weeks=8,
)  # fmt: skip
PARTS = (
    "percent", "comparisons", "direction", "min_volume", "significance", "measure", "remind_weeks", "breaks",
    "early_weeks",
)  # fmt: skip
HELD = {
    "chance": "could be chance",
    "early": "too early in the financial year",
    "break": "across a counting-rule change",
}


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
    expected: Expected | None = None  # a CompStat window: its count against the 52 weeks before (`counts` too)
    crosses: CountingBreak | None = None  # the counting-rule change its windows fall on both sides of
    held: str | None = None  # why it is held back (a key of HELD), if it is

    @property
    def key(self) -> tuple[str, str]:
        return (self.slug, self.comparison)

    @property
    def crossed(self) -> Comparison:
        """The change past the threshold: the counts', or the harm's."""
        return self.counts if self.harm is None else self.harm.harm

    @property
    def significant(self) -> bool:
        """Unlikely to be chance: outside the control limits (CompStat windows), or the exact test's p < 0.01."""
        if self.expected is not None:
            return self.expected.outside
        return self.counts.p_value is not None and self.counts.p_value < ALERT_SIGNIFICANCE

    @property
    def held_back(self) -> bool:
        return self.held is not None


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


def against_expected(expected: Expected, percent: float) -> Comparison:
    """A CompStat window's count against its expected count (to one decimal), with the control limit's p-value."""
    compared = compare(expected.current, round(expected.expected, 1), percent)
    return replace(compared, p_value=expected.p_value)


def breaches(
    stats: StrandStats,
    threshold: Threshold,
    harm: HarmBasis | None = None,
    windows: DashboardWindows | None = None,
    breaks: Sequence[CountingBreak] = (),
) -> list[Breach]:
    """The strand's comparisons that cross `threshold`, in the registry's order, each marked `held` if the
    threshold holds it back. A threshold on harm needs the strand's harm (`stats.harm`) and what it was weighed
    with (`harm`). With the `windows` the stats were counted in: FYTD comparisons too early in the financial
    year are held, and those whose windows fall on both sides of one of the strand's `breaks` are marked or held."""
    on_harm = threshold.measure == "harm"
    if on_harm and (stats.harm is None or harm is None):
        raise ValueError(f"{stats.slug}'s threshold is on harm, and its harm was not weighed")
    found = []
    for name in threshold.comparisons:
        if name not in stats.comparisons:
            continue
        expected = (stats.expected or {}).get(name) if not on_harm else None
        if expected is not None:
            counts = against_expected(expected, threshold.percent)
            volume = counts.current
        else:
            shown = stats.comparisons[name]
            counts = compare(shown.current, shown.previous, threshold.percent)
            volume = min(counts.current, counts.previous)
        breach = Breach(stats.slug, stats.name, name, counts, threshold, expected=expected)
        if on_harm:
            weighed = stats.harm[name]
            weighed = replace(weighed, harm=compare(weighed.harm.current, weighed.harm.previous, threshold.percent))
            breach = replace(breach, harm=weighed, weights=harm.weights.name)
        crossed = breach.crossed
        if volume < threshold.min_volume or crossed.rag == "amber":
            continue
        if threshold.direction != "either" and threshold.direction != ("up" if crossed.rag == "red" else "down"):
            continue
        if windows is not None:
            breach = replace(breach, crosses=crossing_break(comparisons.WINDOWS[name].windows(windows), breaks))
        found.append(replace(breach, held=_held(breach, windows)))
    return found


def _held(breach: Breach, windows: DashboardWindows | None) -> str | None:
    threshold = breach.threshold
    # Only a count has a test to fail: holding untested harm back would hold back every harm breach.
    if threshold.significance == "hold" and breach.harm is None and not breach.significant:
        return "chance"
    if windows is not None and early_in_year(breach.comparison, windows, threshold.early_weeks):
        return "early"
    if breach.crosses is not None and threshold.breaks == "hold":
        return "break"
    return None


def early_in_year(comparison: str, windows: DashboardWindows, early_weeks: int) -> bool:
    """Whether `comparison` is of the financial year to date, and it has fewer than `early_weeks` weeks in it."""
    current = comparisons.WINDOWS[comparison].current
    return current.name == comparisons.CURRENT_FYTD.name and windows.windows[current.name].days < 7 * early_weeks


def breaks_of(catalogue: Catalogue, slug: str, breaks: Sequence[CountingBreak]) -> list[CountingBreak]:
    """The counting-rule breaks that apply to `slug`: its own and those of every strand above it (a change to how
    domestic abuse is counted changes every strand within it)."""
    above = set(catalogue.ancestry(slug))
    return [b for b in breaks if b.strand in above]


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


def checked_weeks(option: str, text: str, low_high: tuple[int, int], never: str | None = None) -> int:
    """`4w` (or `4 weeks`) as a number of weeks; `never` as 0 where it is allowed."""
    low, high = low_high
    if never is not None and text.strip().lower() == "never":
        return 0
    found = WEEKS_TEXT.match(text.strip())
    example = f"`{option}=4w`" + (" or `never`" if never else "")
    if found is None:
        raise InvalidRequest(f"{option}={text} is not a number of weeks; e.g. {example}.")
    weeks = int(found.group(1))
    if not low <= weeks <= high:
        raise InvalidRequest(f"{option}={text} is out of range: use {low}w to {high}w, e.g. {example}.")
    return weeks


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
