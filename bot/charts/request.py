"""A chart as asked for: pure, so the parser needs nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ChartKind = str  # a name in bot.charts.kinds.CHART_KINDS: "trend", "heatmap", "forecast"


@dataclass(frozen=True)
class ChartRequest:
    """A chart as asked for: `kind`, the strand as typed, the kind's option as typed (`36m`, `12m`,
    `years=3`; None for the default), the as-of date (None for yesterday) and the area as typed (None for the
    whole force)."""

    kind: ChartKind
    strand: str
    option: str | None = None
    as_of: date | None = None
    area: str | None = None
