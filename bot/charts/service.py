"""The chart service: one strand's monthly trend, its day-and-hour pattern and its forecast, from the
database to small frozen results that `bot.charts.draw` draws. No Slack, no drawing. Which kinds of chart
there are, and what each is called, is the registry in `bot.charts.kinds`.

A parent strand counts its sub-strands, as `/strand` does; a chart of an area counts only that area and its
sub-areas; and months are the force's local months.
Only complete months are charted or forecast: the month in progress would look like a fall.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from bot.alerts.records import CountingBreak
from bot.charts import forecast as forecasting
from bot.charts.forecast import Forecast
from bot.charts.kinds import CHART_KINDS, FORECAST_YEARS
from bot.charts.request import ChartRequest
from bot.domain import clock
from bot.domain.catalogue import CatalogueEntry, named_area
from bot.domain.periods import Period, Window
from bot.render.text import short_date
from bot.settings import Settings
from bot.store import chart_cache
from bot.store.alerts import counting_breaks
from bot.store.catalogue import load_areas, load_catalogue
from bot.store.db import Database, Session
from bot.store.series import daily_totals, first_occurrence_day, hour_of_week_counts

# Enough history for every method and its back-test: 60 months to fit, 24 to replay, a year to spare.
FORECAST_HISTORY_MONTHS = 96
TREND_FORECAST_MONTHS = 12
MONTHS_AFTER_BREAK = 24  # a forecast fits only the months after a counting-rule change when this many follow it
# Forecasts are made (and cached) this far ahead and cut to what is asked: one back-test serves every chart.
LONGEST_FORECAST_MONTHS = 12 * FORECAST_YEARS[1]


@dataclass(frozen=True)
class ChartStrand:
    """What a chart counts: a strand (with its sub-strands), in the whole force or in one area (with the areas
    below it: `areas` holds the slugs of them all)."""

    slug: str
    name: str
    sub_strands: tuple[str, ...]  # names of the sub-strands counted in, if any
    area: CatalogueEntry | None = None
    areas: tuple[str, ...] | None = None  # None: the whole force
    breaks: tuple[CountingBreak, ...] = ()  # counting-rule changes of the strand or a strand above it

    @property
    def label(self) -> str:
        """How titles name what is counted: `Hate crime`, or `Hate crime in North Sector`."""
        return self.name if self.area is None else f"{self.name} in {self.area.name}"


@dataclass(frozen=True)
class TrendView:
    """Monthly counts for `months` (NaN before the data begins), the same months a year earlier, and the
    best back-tested forecast of the next 12 months."""

    strand: ChartStrand
    as_of: date
    time_zone: str
    fy_start_month: int
    months: pd.Series
    year_earlier: pd.Series
    forecast: Forecast
    fitted: str | None = None  # how a counting-rule change limited what the forecast was fitted to


@dataclass(frozen=True)
class HeatmapView:
    """Occurrences by local day of week (rows, Monday first) and hour (columns 0-23) over `period`."""

    strand: ChartStrand
    as_of: date
    time_zone: str
    period: Period
    counts: pd.DataFrame
    data_from: date | None  # the first day of data, when the period starts before it


@dataclass(frozen=True)
class ForecastView:
    strand: ChartStrand
    as_of: date
    time_zone: str
    fy_start_month: int
    years: int
    forecast: Forecast
    fitted: str | None = None  # how a counting-rule change limited what the forecast was fitted to


ChartView = TrendView | HeatmapView | ForecastView


def forecasts(database: Database, history: pd.Series, fy_start_month: int, horizon: int) -> Forecast:
    """`forecasting.forecast(history, fy_start_month, horizon)`, fitted once for every worker: kept in the
    database under the months it is fitted to (and the forecasting code's version), so it can never be
    out of date, and a nightly import that leaves the complete months as they were keeps it."""
    key = forecasting.cache_key(history, fy_start_month)
    with database.session() as session:
        found = chart_cache.cached(session, key)
    if found is not None:
        return forecasting.cut(forecasting.from_json(found[0], history), horizon)
    projected = forecasting.forecast(history, fy_start_month, LONGEST_FORECAST_MONTHS)
    with database.session() as session:
        chart_cache.keep(session, key, "forecast", forecasting.to_json(projected), None, None)
    return forecasting.cut(projected, horizon)


def warm_forecasts(database: Database, settings: Settings) -> int:
    """Fit and keep the forecast each strand's trend and forecast charts of the whole force will use, as of
    yesterday, so that the first chart someone asks for after an import finds its back-test done (forecasts
    already kept are found, not fitted again). How many strands it went through."""
    last = last_complete_month(clock.checked_as_of(None, settings.timezone))
    with database.session() as session:
        strands = [chart_strand(session, entry.slug, None) for entry in load_catalogue(session)]
    first = last - (FORECAST_HISTORY_MONTHS - 1)
    for strand in strands:
        _fitted(database, settings, strand, _history(database, settings, strand, first, last), TREND_FORECAST_MONTHS)
    return len(strands)


class ForecastWarmer:
    """What the scheduler runs every tick: `warm_forecasts` once for each version of the data and each day."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._warmed: tuple[int, date] | None = None

    def __call__(self, database: Database) -> int:
        """How many strands' forecasts it warmed (0 when the data and the day are those it warmed last)."""
        with database.session() as session:
            now = (chart_cache.data_version(session), clock.checked_as_of(None, self.settings.timezone))
        if now == self._warmed:
            return 0
        warmed = warm_forecasts(database, self.settings)
        self._warmed = now
        return warmed


def last_complete_month(as_of: date) -> pd.Period:
    month = pd.Period(as_of, freq="M")
    return month if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1] else month - 1


def _history(
    database: Database, settings: Settings, strand: ChartStrand, first: pd.Period, last: pd.Period
) -> pd.Series:
    """`strand`'s family's counts (in its areas) for each month `first` to `last` (NaN for months before the
    data begins)."""
    with database.session() as session:
        window = Window(first.start_time.date(), last.end_time.date())
        days = daily_totals(session, window, settings.timezone, strand.slug, strand.areas)
        data_from = first_occurrence_day(session, settings.timezone)
    months = pd.period_range(first, last, freq="M")
    by_month = days.groupby(pd.PeriodIndex(pd.to_datetime(days.index), freq="M")).sum() if len(days) else days
    counts = by_month.reindex(months, fill_value=0).astype("float64")
    # Months before the data begins (or only partly covered by it) are unknown, not zero.
    counts[months < _first_complete_month(data_from)] = float("nan")
    return counts


def chart_strand(session: Session, strand_text: str, area_text: str | None) -> ChartStrand:
    """The strand `strand_text` names (raises UnknownStrand…), with the names of the sub-strands it counts;
    and the area `area_text` names (raises UnknownArea…) with the areas below it, if one is asked for."""
    catalogue = load_catalogue(session)
    definition = catalogue.resolve(strand_text)
    family = catalogue.descendants(definition.slug)
    sub_strands = tuple(catalogue.get(slug).name for slug in family if slug != definition.slug)
    area, areas = named_area(load_areas(session), area_text)
    breaks = tuple(counting_breaks(session, catalogue.ancestry(definition.slug)))
    return ChartStrand(definition.slug, definition.name, sub_strands, area, areas, breaks)


def since_break(history: pd.Series, breaks: tuple[CountingBreak, ...]) -> tuple[pd.Series, str | None]:
    """The months a forecast is fitted to: after the latest counting-rule change when at least
    MONTHS_AFTER_BREAK complete months follow it (counts from before it were made under other rules), else all,
    saying so either way."""
    inside = [b for b in breaks if len(history) and history.index[0].start_time.date() < b.day]
    if not inside:
        return history, None
    change = max(inside, key=lambda b: b.day)
    first = pd.Period(change.day, freq="M") + (0 if change.day.day == 1 else 1)
    after = history[history.index >= first]
    when = short_date(change.day)
    if len(after) >= MONTHS_AFTER_BREAK:
        return after, f"Forecasts fitted only to the {len(after)} months since the counting-rule change of {when}."
    return history, (
        f"Forecasts fitted across the counting-rule change of {when}: only {len(after)} complete months follow it, "
        f"and {MONTHS_AFTER_BREAK} are needed to fit after it alone."
    )


def _fitted(
    database: Database, settings: Settings, strand: ChartStrand, counts: pd.Series, horizon: int
) -> tuple[Forecast, str | None]:
    """The forecast of `strand`'s monthly `counts` (NaN before its data) `horizon` months ahead, fitted after its
    latest counting-rule change where enough months follow it, and how the change limited the fit: one way for
    the trend, the forecast and the forecasts the scheduler warms, so the warmed are the ones charts look up."""
    history, fitted = since_break(counts.dropna(), strand.breaks)
    return forecasts(database, history, settings.fy_start_month, horizon), fitted


def _first_complete_month(data_from: date | None) -> pd.Period:
    if data_from is None:
        return pd.Period(datetime.max.date(), freq="M")
    month = pd.Period(data_from, freq="M")
    return month if data_from.day == 1 else month + 1


def trend_view(database: Database, settings: Settings, strand: ChartStrand, shown: int, as_of: date) -> TrendView:
    """`shown` months of `strand`'s counts to the last complete month by `as_of`, with a forecast."""
    last = last_complete_month(as_of)
    fetched = max(shown + 12, FORECAST_HISTORY_MONTHS)
    counts = _history(database, settings, strand, last - (fetched - 1), last)
    months = counts.iloc[-shown:]
    year_earlier = counts.shift(12).iloc[-shown:]
    projected, fitted = _fitted(database, settings, strand, counts, TREND_FORECAST_MONTHS)
    tz = settings.timezone.key
    return TrendView(strand, as_of, tz, settings.fy_start_month, months, year_earlier, projected, fitted)


def forecast_view(database: Database, settings: Settings, strand: ChartStrand, years: int, as_of: date) -> ForecastView:
    last = last_complete_month(as_of)
    first = last - (FORECAST_HISTORY_MONTHS - 1)
    counts = _history(database, settings, strand, first, last)
    projected, fitted = _fitted(database, settings, strand, counts, 12 * years)
    return ForecastView(strand, as_of, settings.timezone.key, settings.fy_start_month, years, projected, fitted)


def heatmap_view(
    database: Database, settings: Settings, strand: ChartStrand, period: Period, as_of: date
) -> HeatmapView:
    with database.session() as session:
        by_hour = hour_of_week_counts(session, period.window, settings.timezone, strand.slug, strand.areas)
        data_from = first_occurrence_day(session, settings.timezone)
    grid = by_hour.reindex(range(7 * 24), fill_value=0).to_numpy().reshape(7, 24)
    counts = pd.DataFrame(grid, index=list(calendar.day_name), columns=range(24))
    starts_before_data = data_from is not None and data_from > period.window.start
    return HeatmapView(strand, as_of, settings.timezone.key, period, counts, data_from if starts_before_data else None)


# How each kind of chart (bot.charts.kinds) is built, by its name.
VIEWS: dict[str, Callable[[Database, Settings, ChartStrand, Any, date], ChartView]] = {
    "trend": trend_view,
    "heatmap": heatmap_view,
    "forecast": forecast_view,
}


@dataclass(frozen=True)
class ChartAsked:
    """A request checked: its kind, the kind's option parsed, and the as-of date filled in."""

    kind: str
    option: Any
    as_of: date


def checked(settings: Settings, request: ChartRequest) -> ChartAsked:
    """`request`'s option and as-of date checked (raises InvalidRequest with the user's fix in the message)."""
    kind = CHART_KINDS[request.kind]
    as_of = clock.checked_as_of(request.as_of, settings.timezone)
    return ChartAsked(kind.name, kind.parse_option(request.option or kind.default_option, as_of), as_of)


def chart_view(database: Database, settings: Settings, request: ChartRequest) -> ChartView:
    """What `request` asks to see (raises UnknownStrand, InvalidRequest… with the user's fix in the message)."""
    asked = checked(settings, request)
    with database.session() as session:
        strand = chart_strand(session, request.strand, request.area)
    return VIEWS[asked.kind](database, settings, strand, asked.option, asked.as_of)
