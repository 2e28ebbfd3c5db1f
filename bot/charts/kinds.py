"""The kinds of chart, as a registry: what people type for each, its option and default, how its view is
built (`bot.charts.service`) and drawn (`bot.charts.draw`), and its button's label.

A new kind of chart is one entry here, with its view builder and its drawer: `/strand` understands its
words, `strandbot chart --kind` offers it, and every strand's answer gets its button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.charts.draw import Chart, forecast_chart, heatmap_chart, trend_chart
from bot.charts.request import ChartRequest
from bot.charts.service import (
    ChartView,
    ForecastView,
    HeatmapView,
    TrendView,
    forecast_view,
    forecast_years,
    heatmap_period,
    heatmap_view,
    trend_months,
    trend_view,
)
from bot.domain import clock
from bot.settings import Settings
from bot.store.db import Database


@dataclass(frozen=True)
class Kind:
    """One kind of chart.

    words: what people type after a strand to ask for it (lower case; a phrase may be two words).
    default_option: the option when none is typed; parse_option(text, as_of) checks one and returns what the
    view builder takes. option_is_period: what follows the kind is a period, typed as `/repeats` takes it
    (`October 2024` for `2024-10`). view(database, settings, strand_text, option, as_of) builds the view,
    of type `view_type`; draw(view) draws it. button: the label of its button under a strand's answer."""

    name: str
    words: tuple[str, ...]
    default_option: str
    parse_option: Callable[[str, date], Any]
    view: Callable[[Database, Settings, str, Any, date], ChartView]
    view_type: type
    draw: Callable[[Any], Chart]
    button: str
    option_is_period: bool = False


CHART_KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            name="trend",
            words=("trend", "trends", "chart"),
            default_option="24m",
            parse_option=trend_months,
            view=trend_view,
            view_type=TrendView,
            draw=trend_chart,
            button="Trend",
        ),
        Kind(
            name="heatmap",
            words=("heatmap", "heat-map", "heat map"),
            default_option="12m",
            parse_option=heatmap_period,
            view=heatmap_view,
            view_type=HeatmapView,
            draw=heatmap_chart,
            button="Heat map",
            option_is_period=True,
        ),
        Kind(
            name="forecast",
            words=("forecast", "forecasts", "projection"),
            default_option="years=2",
            parse_option=forecast_years,
            view=forecast_view,
            view_type=ForecastView,
            draw=forecast_chart,
            button="Forecast",
        ),
    )
}

# What people type for each chart, to the kind's name.
CHART_WORDS: dict[str, str] = {word: kind.name for kind in CHART_KINDS.values() for word in kind.words}


def chart_view(database: Database, settings: Settings, request: ChartRequest) -> ChartView:
    """What `request` asks to see (raises UnknownStrand, InvalidRequest… with the user's fix in the message)."""
    kind = CHART_KINDS[request.kind]
    as_of = clock.checked_as_of(request.as_of, settings.timezone)
    option = kind.parse_option(request.option or kind.default_option, as_of)
    return kind.view(database, settings, request.strand, option, as_of)


def render_chart(view: ChartView) -> Chart:
    """Draw `view` with its kind's drawer."""
    return next(kind.draw for kind in CHART_KINDS.values() if isinstance(view, kind.view_type))(view)
