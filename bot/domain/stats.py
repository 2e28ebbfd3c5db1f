"""The statistics engine: the force dashboard's numbers from occurrence counts, as docs/domain.md defines them.

Pure functions from counts to small frozen dataclasses; no database, no Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import bdtr, bdtrc

from bot.domain.catalogue import Catalogue, CatalogueEntry
from bot.domain.comparisons import WINDOWS, DashboardWindows, Expected, control_limit
from bot.domain.harm import HARM_DECIMALS, Unweighted, Weighed, WeightSet, per_occurrence
from bot.domain.periods import fy_label

DEFAULT_THRESHOLD_PERCENT = 10
# Below this p-value a change is unlikely to be chance (exact conditional test of two Poisson counts).
SIGNIFICANCE_LEVEL = 0.05

Direction = Literal["up", "down", "none"]
Rag = Literal["red", "amber", "green"]


@dataclass(frozen=True)
class Comparison:
    """A current count against an earlier one.

    `pct` is the change over the previous count as a whole percent, halves rounded away from zero; None
    when the previous count is 0 and the current is not (shown as "new"). `rag` compares the exact change
    with the threshold: red above +threshold (or "new"), green below -threshold, amber within (exactly
    10% is amber; +10.4% is red though it shows as +10%).
    `p_value` tests whether the two counts really differ (two-sided exact conditional test, equal exposure);
    None for harm, a sum of weights, to which that test does not apply.
    """

    current: int | float
    previous: int | float
    change: int | float
    pct: int | None
    direction: Direction
    rag: Rag
    p_value: float | None

    @property
    def significant(self) -> bool:
        """Whether the change is unlikely to be chance (never, for harm: untested is not significant)."""
        return self.p_value is not None and self.p_value < SIGNIFICANCE_LEVEL


@dataclass(frozen=True)
class HarmComparison:
    """Harm in a current window against an earlier one (`harm`, sums of weights, untested), and how many
    occurrences each sum weighs: harm per occurrence says whether the mix got more serious."""

    harm: Comparison
    weighted_current: int
    weighted_previous: int

    @property
    def per_occurrence(self) -> tuple[float | None, float | None]:
        return (
            per_occurrence(self.harm.current, self.weighted_current),
            per_occurrence(self.harm.previous, self.weighted_previous),
        )


@dataclass(frozen=True)
class StrandStats:
    """One row of a dashboard, by key of `bot.domain.comparisons.COMPARISONS`: a strand's comparisons, or in
    a breakdown by area, one area's (the slug, name and parent are then the area's)."""

    slug: str
    name: str
    parent: str | None
    depth: int
    comparisons: dict[str, Comparison]
    harm: dict[str, HarmComparison] | None = None  # the same comparisons of harm, when harm was asked for
    expected: dict[str, Expected] | None = None  # CompStat windows' counts against the 52 weeks before them

    def __getattr__(self, name: str) -> Comparison:
        # `stats.fytd` for `stats.comparisons["fytd"]`: kept for the tests written before the registry; code
        # reads `comparisons` by key.
        if name.startswith("_") or name in ("comparisons", "harm", "expected"):
            raise AttributeError(name)
        try:
            return self.comparisons[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class HarmBasis:
    """What a dashboard's harm figures rest on: the weight set they used, and the occurrences (in any window
    shown) that it could not weigh."""

    weights: WeightSet
    unweighted: Unweighted


@dataclass(frozen=True)
class Dashboard:
    """Every dashboard column for a set of strands as of one date."""

    windows: DashboardWindows
    fy_label: str
    baseline_label: str
    strands: tuple[StrandStats, ...]
    area: CatalogueEntry | None = None  # the area (and its sub-areas) counted; None: the whole force
    harm: HarmBasis | None = None  # what the rows' harm was weighed with, when harm was asked for

    @property
    def as_of(self):
        return self.windows.as_of

    def strand(self, slug: str) -> StrandStats:
        return next(s for s in self.strands if s.slug == slug)


@dataclass(frozen=True)
class AreaBreakdown:
    """One strand's figures area by area: `areas.strands` holds a row per area (each counting its own
    occurrences and its sub-areas'), in the area catalogue's order; `force` is the whole force's row. With
    `within`, only that area and the areas below it."""

    strand: CatalogueEntry
    force: StrandStats
    areas: Dashboard
    within: CatalogueEntry | None = None

    def ranked(self, key: str = "rolling12") -> list[StrandStats]:
        """Areas (below `within`, if given) by the size and significance of their change in comparison `key`,
        biggest rises first (as a CompStat meeting reads them): the signed z-score of two Poisson counts, so
        40 against 20 outranks 4 against 1. With harm, by harm in `key`'s current window, most first: the
        high-harm areas (a sum of weights has no such score)."""
        rows = [row for row in self.areas.strands if self.within is None or row.slug != self.within.slug]
        if self.areas.harm is not None:
            return sorted(rows, key=lambda row: (-row.harm[key].harm.current, row.slug))
        return sorted(rows, key=lambda row: (-change_score(row.comparisons[key]), row.slug))


def change_score(comparison: Comparison) -> float:
    """(current − previous) / √(current + previous): how many standard errors apart two Poisson counts are."""
    total = comparison.current + comparison.previous
    return 0.0 if total == 0 else comparison.change / float(np.sqrt(total))


def percent_change(current: int | float, previous: int | float) -> int | None:
    """(current - previous) / previous as a whole percent, halves away from zero; None for "new"."""
    if previous == 0:
        return 0 if current == 0 else None
    ratio = 100 * (_exact(current) - _exact(previous)) / _exact(previous)
    magnitude = int(abs(ratio) + Fraction(1, 2))  # floor(|x| + ½): halves go away from zero
    return magnitude if ratio >= 0 else -magnitude


def _exact(number: int | float) -> Fraction:
    """A count, or a harm sum as written in decimals (not its binary float), as an exact fraction."""
    return Fraction(number) if isinstance(number, int) else Fraction(repr(float(number)))


def compare(
    current: int | float, previous: int | float, threshold_percent: float = DEFAULT_THRESHOLD_PERCENT
) -> Comparison:
    """Counts (ints, tested) or harm sums (floats: no test applies, `p_value` None) compared by one rule."""
    weighed = isinstance(current, float) or isinstance(previous, float)
    change = round(current - previous, HARM_DECIMALS) if weighed else current - previous
    direction: Direction = "up" if change > 0 else "down" if change < 0 else "none"
    if previous == 0:
        rag: Rag = "red" if current > 0 else "amber"  # a rise from nothing is "new"
    else:
        # The exact change, not the rounded one: +10.4% is "more than 10%" (and shows as +10%).
        ratio = 100 * (_exact(current) - _exact(previous)) / _exact(previous)
        threshold = Fraction(threshold_percent).limit_denominator(10_000)
        rag = "red" if ratio > threshold else "green" if ratio < -threshold else "amber"
    return Comparison(
        current,
        previous,
        change,
        percent_change(current, previous),
        direction,
        rag,
        None if weighed else equal_rates_p_value(current, previous),
    )


def equal_rates_p_value(current: int, previous: int) -> float:
    """Two-sided p-value that two Poisson counts over equal spans share one rate.

    The exact conditional test: given n = current + previous, current ~ Binomial(n, ½) if the rates are
    equal. The distribution is symmetric, so doubling the smaller tail is exact (it equals
    scipy.stats.binomtest, whose import alone would cost half a second at every start)."""
    total = current + previous
    if total == 0:
        return 1.0
    lower = bdtr(current, total, 0.5)
    upper = bdtrc(current - 1, total, 0.5) if current > 0 else 1.0
    return float(min(1.0, 2 * min(lower, upper)))


def rolled_up(counts: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Counts with each parent's row the sum of its own and all its children's rows: right for areas, where
    an occurrence has one area (strands overlap, so the database counts them distinct instead).

    `counts` is indexed by slug (missing entries count 0), one column per window; harm (floats) sums alike."""
    slugs = [s.slug for s in catalogue]
    own = counts.reindex(slugs, fill_value=0).fillna(0)
    position = {slug: i for i, slug in enumerate(slugs)}
    # family[i, j] is 1 when strand j is strand i or one of its sub-strands: one matrix product sums them all.
    family = np.zeros((len(slugs), len(slugs)), dtype=own.to_numpy().dtype)
    for i, slug in enumerate(slugs):
        family[i, [position[d] for d in catalogue.descendants(slug)]] = 1
    return pd.DataFrame(family @ own.to_numpy(), index=slugs, columns=own.columns)


def compute_dashboard(
    counts: pd.DataFrame,
    catalogue: Catalogue,
    windows: DashboardWindows,
    fy_start_month: int,
    baseline_fy: int,
    slugs: list[str] | None = None,
    threshold_percent: float = DEFAULT_THRESHOLD_PERCENT,
    area: CatalogueEntry | None = None,
    harm: tuple[Weighed, HarmBasis] | None = None,
) -> Dashboard:
    """The dashboard for `slugs` (default: every entry of `catalogue`), from counts in each window.

    `counts` has one column per window name of `DashboardWindows.all()`, indexed by slug; each row is the
    entry's whole count, its children's included (strands: distinct occurrences, counted by the database).
    `harm`: the same rows' harm and weighed occurrences, and what they were weighed with."""
    names = list(windows.all())
    compared = [(key, WINDOWS[key]) for key in windows.keys]

    def by_slug(frame: pd.DataFrame, dtype: str) -> dict[str, dict[str, int | float]]:
        table = frame.reindex(index=[e.slug for e in catalogue], columns=names, fill_value=0).fillna(0)
        return table.astype(dtype).to_dict("index")

    totals = by_slug(counts, "int64")
    sums = weighed = None
    if harm is not None:
        sums, weighed = by_slug(harm[0].harm, "float64"), by_slug(harm[0].weighted, "int64")
    wanted = set(slugs) if slugs is not None else None
    rows = []
    for strand in catalogue:
        if wanted is not None and strand.slug not in wanted:
            continue
        row = totals[strand.slug]
        harm_rows = None
        if sums is not None and weighed is not None:
            amount, weights = sums[strand.slug], weighed[strand.slug]
            harm_rows = {
                key: HarmComparison(
                    compare(float(amount[c.current.name]), float(amount[c.previous.name]), threshold_percent),
                    int(weights[c.current.name]),
                    int(weights[c.previous.name]),
                )
                for key, c in compared
            }
        rows.append(
            StrandStats(
                slug=strand.slug,
                name=strand.name,
                parent=strand.parent,
                depth=catalogue.depth(strand.slug),
                comparisons={
                    key: compare(int(row[c.current.name]), int(row[c.previous.name]), threshold_percent)
                    for key, c in compared
                },
                harm=harm_rows,
                expected={
                    key: control_limit(int(row[c.current.name]), int(row[c.expected.name]), windows.current(key).days)
                    for key, c in compared
                    if c.expected is not None
                },
            )
        )
    return Dashboard(
        windows=windows,
        fy_label=fy_label(windows.fy_start_year, fy_start_month),
        baseline_label=fy_label(baseline_fy, fy_start_month),
        strands=tuple(rows),
        area=area,
        harm=None if harm is None else harm[1],
    )


def share_text(share: float) -> str:
    """A share as a whole percent, unless rounding would hide which side of a half (or of all) it is."""
    percent = share * 100
    if round(percent) in (50, 100) and percent != round(percent):
        return f"{percent:.2f}%"
    return f"{percent:.0f}%"
