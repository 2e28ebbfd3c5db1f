"""The kinds of chart, as a registry: what people type for each, its option (checked here) and default, and
its button's label. Pure: the command parser reads it without loading the chart machinery.

A new kind of chart is one entry here, its view builder in `bot.charts.service.VIEWS` and its drawer in
`bot.charts.draw.DRAWERS`: `/strand` then understands its words, `strandbot chart --kind` offers it, and
every strand's answer gets its button.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.domain.periods import ROLLING_TEXT, Period, repeat_period
from bot.errors import InvalidRequest

SPAN = re.compile(r"^(\d{1,3})\s*(m|months?|y|years?)$")
YEARS = re.compile(r"^(?:years?\s*=\s*)?(\d{1,2})\s*(?:y|years?)?$")
TREND_MONTHS = (12, 120)
FORECAST_YEARS = (1, 5)


def trend_months(text: str, as_of: date | None = None) -> int:
    """`24m`, `36 months`, `5y` as a number of months (12 to 120)."""
    typed = text.strip().lower()
    found = SPAN.match(typed)
    months = None if found is None else int(found.group(1)) * (12 if found.group(2).startswith("y") else 1)
    low, high = TREND_MONTHS
    if months is None or not low <= months <= high:
        raise InvalidRequest(
            f"“{typed}” is not a span for a trend; give months or years from {low}m to {high // 12}y, "
            "e.g. `24m`, `36m` or `5y`."
        )
    return months


def forecast_years(text: str, as_of: date | None = None) -> int:
    """`years=3`, `3y` or `3` as a number of years (1 to 5)."""
    typed = text.strip().lower()
    found = YEARS.match(typed)
    low, high = FORECAST_YEARS
    if found is None or not low <= int(found.group(1)) <= high:
        raise InvalidRequest(
            f"“{typed}” is not a forecast length; give `years=N` with N from {low} to {high}, e.g. `years=3`."
        )
    return int(found.group(1))


def heatmap_period(text: str, as_of: date) -> Period:
    """`12m`, `90d`, `2024-10`, `last-month`… as the period a heat map covers, as of `as_of`."""
    # Seen from the day after the as-of date (today, by default): a rolling window (`12m`, `90d`) ends on
    # the as-of date, and `last-month` or `oct` mean the same months whenever a shared chart is redrawn.
    rolling = bool(ROLLING_TEXT.match(text.strip().lower()))
    return repeat_period(text, as_of + timedelta(days=1), as_of if rolling else None)


@dataclass(frozen=True)
class Kind:
    """One kind of chart.

    words: what people type after a strand to ask for it (lower case; a phrase may be two words).
    default_option: the option when none is typed; parse_option(text, as_of) checks one and returns what the
    view builder takes. option_is_period: what follows the kind is a period, typed as `/repeats` takes it
    (`October 2024` for `2024-10`). button: the label of its button under a strand's answer."""

    name: str
    words: tuple[str, ...]
    default_option: str
    parse_option: Callable[[str, date], Any]
    button: str
    option_is_period: bool = False


CHART_KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("trend", ("trend", "trends", "chart"), "24m", trend_months, "Trend"),
        Kind("heatmap", ("heatmap", "heat-map", "heat map"), "12m", heatmap_period, "Heat map", option_is_period=True),
        Kind("forecast", ("forecast", "forecasts", "projection"), "years=2", forecast_years, "Forecast"),
    )
}

# What people type for each chart, to the kind's name.
CHART_WORDS: dict[str, str] = {word: kind.name for kind in CHART_KINDS.values() for word in kind.words}
