"""Harm: each occurrence weighed by its offence code's weight in the force's chosen index (ONS Crime Severity
Score, Cambridge Crime Harm Index, Statistics Canada's Crime Severity Index…). Pure: counts in, sums out.

An occurrence's harm is its code's weight; a strand's harm in a window is the sum over its distinct
occurrences. Occurrences whose code has no weight (or that have no code) add nothing to the sum and are
counted and named instead, never silently given zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only `weigh` handles frames, and its caller brings pandas: the models need none of it
    import pandas as pd

OFFENCE_CODE_LENGTH = 32
# Harm sums are rounded to this many decimal places: weights are published to at most a few, and a float
# sum's last digits are noise ("0.30000000000000004").
HARM_DECIMALS = 6
NO_CODE = ""  # how the summaries hold an occurrence that has no offence code


def offence_code(text: str | None) -> str | None:
    """A code as stored and matched: surrounding spaces dropped, inner runs of spaces made one, upper case
    ("8q " and "8Q" are one code; "008/01" and "8/01" are two). None for an empty cell."""
    if text is None:
        return None
    code = " ".join(text.split()).upper()
    return code or None


def code_text(code: str) -> str:
    """A code as people read it in a list: "no code" for occurrences without one."""
    return code if code != NO_CODE else "no code"


@dataclass(frozen=True)
class WeightSet:
    """A loaded set of weights, keyed by offence code (as `offence_code` writes them)."""

    name: str
    loaded_at: datetime
    loaded_by: str
    weights: Mapping[str, float]


@dataclass(frozen=True)
class Unweighted:
    """Occurrences counted but not weighed, by code, most first: what every harm figure reports beside it."""

    by_code: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, counts: Mapping[str, int], weights: WeightSet) -> Unweighted:
        missing = {code: n for code, n in counts.items() if code not in weights.weights and n}
        return cls(tuple(sorted(missing.items(), key=lambda item: (-item[1], item[0]))))

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_code)

    def text(self, most: int = 5) -> str:
        """'214 occurrences without a weight: 8Q 180, 8L 34' ('' when every occurrence has one)."""
        if not self.by_code:
            return ""
        noun = "occurrence" if self.total == 1 else "occurrences"
        return f"{self.total:,} {noun} without a weight: {self.codes_text(most)}"

    def codes_text(self, most: int = 5) -> str:
        """'8Q 180, 8L 34': the codes, most first, with how many occurrences each."""
        shown = ", ".join(f"{code_text(code)} {n:,}" for code, n in self.by_code[:most])
        more = len(self.by_code) - most
        return shown + (f" and {more} more codes" if more > 0 else "")


@dataclass(frozen=True)
class Weighed:
    """Harm and the occurrences it weighs, one row per key (strand or area) and one column per window."""

    harm: pd.DataFrame  # float: the sum of the weights
    weighted: pd.DataFrame  # int: the occurrences that have a weight


def weigh(code_counts: pd.DataFrame, weights: WeightSet, windows: list[str]) -> Weighed:
    """Harm from counts by code: `code_counts` has columns window, slug, offence_code, n (as
    `bot.store.counts.window_code_counts` gives them)."""
    weight = code_counts["offence_code"].map(weights.weights)
    frame = code_counts.assign(
        harm=code_counts["n"] * weight.fillna(0.0),
        weighted=code_counts["n"].where(weight.notna(), 0),
    )

    def pivot(values: str, dtype: str) -> pd.DataFrame:
        table = frame.pivot_table(index="slug", columns="window", values=values, aggfunc="sum", fill_value=0)
        return table.reindex(columns=windows, fill_value=0).astype(dtype)

    return Weighed(pivot("harm", "float64").round(HARM_DECIMALS), pivot("weighted", "int64"))


def per_occurrence(harm: float, weighted: int) -> float | None:
    """Harm per weighted occurrence: whether the mix got more serious. None when nothing was weighed."""
    return None if weighted == 0 else round(harm / weighted, HARM_DECIMALS)
