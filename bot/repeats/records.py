"""Repeat-contact rules as stored, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredRepeatRule:
    """An admin's repeat-contact rule for one strand (or `*`, the force default): at least `min_occurrences`
    in `period` ('last-month', '30d', '12m'…). Strands without one follow their parent's, then the shipped rules."""

    scope: str
    min_occurrences: int
    period: str
    changed_by: str
    changed_at: datetime
