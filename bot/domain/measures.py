"""What a figure measures: occurrences counted, or their harm (each weighed by its offence code, see `harm`).

Its own small module so the command line's and the thresholds' choices need none of the services."""

from __future__ import annotations

from typing import Literal

Measure = Literal["count", "harm"]
MEASURES: tuple[Measure, ...] = ("count", "harm")
