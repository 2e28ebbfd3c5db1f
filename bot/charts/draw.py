"""Charts as PNG images, each with alt text and a few lines of summary for Slack and the terminal.

Drawn with matplotlib's object API (a `Figure` per chart, never pyplot's global state), so charts can be
drawn in worker threads. Colours come from the Okabe-Ito palette and cividis, both readable with any
colour vision, and lines also differ in style so they can be told apart in grey.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.dates import DateFormatter, MonthLocator
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.charts.forecast import Forecast, MethodForecast, fy_in_progress_total
from bot.charts.service import ChartStrand, ChartView, ForecastView, HeatmapView, TrendView
from bot.domain.periods import fy_label
from bot.domain.stats import percent_change
from bot.render.text import short_date

matplotlib.use("Agg")  # no display: images only

OKABE_ITO = {
    "black": "#000000",
    "blue": "#0072B2",
    "orange": "#E69F00",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "grey": "#6E6E6E",
}
HEATMAP_COLOURS = "cividis"
# A count under 5 can't be told from chance (the 95% range of a Poisson count of 4 is 1 to 10): a heat map
# whose busiest hour of the week holds fewer says so instead of naming busiest hours.
PATTERN_MIN_COUNT = 5
METHOD_STYLES = {
    "five-year-trend": (OKABE_ITO["blue"], "--"),
    "current-year-trend": (OKABE_ITO["green"], ":"),
    "holt-winters": (OKABE_ITO["vermillion"], "-."),
}
DPI = 120
ALT_TEXT_LIMIT = 1000  # Slack's limit for an image's alt text
FORECAST_HISTORY_SHOWN = 36


@dataclass(frozen=True)
class Chart:
    """A drawn chart: the PNG, its title, alt text for screen readers, and summary lines (plain text)."""

    filename: str
    title: str
    png: bytes
    alt_text: str
    summary: tuple[str, ...]


def number(value: float) -> str:
    return f"{value:,.0f}"


def month_label(month: pd.Period) -> str:
    return f"{month:%b %Y}"


def subtitle(strand: ChartStrand, as_of: date, time_zone: str) -> str:
    parts = [f"As of {short_date(as_of)}", f"{time_zone} time"]
    if strand.sub_strands:
        parts.append("including " + ", ".join(strand.sub_strands))
    if strand.area is not None and strand.areas and len(strand.areas) > 1:
        below = len(strand.areas) - 1
        parts.append(f"{strand.area.name} with the {below} area{'s' * (below != 1)} within it")
    return " · ".join(parts)


def no_occurrences(strand: ChartStrand, when: str) -> str:
    """'No Hate crime occurrences in North Sector in these months.'"""
    where = "" if strand.area is None else f" in {strand.area.name}"
    return f"No {strand.name} occurrences{where} {when}."


def file_stem(strand: ChartStrand) -> str:
    """The start of a chart's file name: the strand's slug, and the area's if the chart is of one."""
    return strand.slug if strand.area is None else f"{strand.slug}-{strand.area.slug}"


def _figure(title: str, sub: str, size: tuple[float, float]) -> Figure:
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    figure.suptitle(title + "\n", fontsize=14, fontweight="bold")
    figure.text(0.5, 0.925, sub, ha="center", va="center", fontsize=9, color=OKABE_ITO["grey"])
    return figure


def _chart(filename: str, title: str, figure: Figure, picture: str, summary: tuple[str, ...]) -> Chart:
    """The finished chart: the figure as PNG, and alt text saying what kind of `picture` it is and what it shows."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": "strandbot"})
    return Chart(filename, title, buffer.getvalue(), _alt_text(f"{picture}. {title}. ", summary), summary)


def _note(axes, text: str) -> None:
    """A message across the middle of the plot: no data, no forecast."""
    axes.text(
        0.5,
        0.55,
        "\n".join(textwrap.wrap(text, 70)),
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=11,
        bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": OKABE_ITO["grey"]},
    )


def _fy_boundaries(axes, first: pd.Period, last: pd.Period, fy_start_month: int) -> None:
    """A dotted line at the start of each financial year between `first` and `last`, labelled."""
    top = axes.get_ylim()[1]
    for month in pd.period_range(first + 1, last, freq="M"):
        if month.month == fy_start_month:
            at = month.start_time
            axes.axvline(at, color=OKABE_ITO["grey"], linestyle=":", linewidth=1)
            axes.text(at, top, f" FY {fy_label(month.year, fy_start_month)}", va="top", fontsize=8, color="#444")


def _breaks(axes, breaks, first: pd.Period, last: pd.Period) -> None:
    """A solid line on each counting-rule change between `first` and `last`: counts either side differ in kind."""
    top = axes.get_ylim()[1]
    for change in breaks:
        if first.start_time.date() <= change.day <= last.end_time.date():
            at = pd.Timestamp(change.day)
            axes.axvline(at, color=OKABE_ITO["black"], linewidth=1.4)
            axes.text(at, top * 0.92, " counting rules changed", va="top", fontsize=8, color=OKABE_ITO["black"])


def _date_axis(axes, months: int) -> None:
    """A tick every quarter (every April over more than four years), each with its month and year; whole
    numbers up the side (occurrences don't come in halves)."""
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(MonthLocator(bymonth=(1, 4, 7, 10) if months <= 48 else (4,)))
    axes.xaxis.set_major_formatter(DateFormatter("%b\n%Y"))
    axes.grid(axis="y", color="#DDDDDD")
    axes.spines[["top", "right"]].set_visible(False)


def _legend(figure: Figure, axes) -> None:
    """Below the plot, where it can't hide a line."""
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3), fontsize=8, frameon=False)


def _projection_line(axes, history: pd.Series, method: MethodForecast, best: bool) -> None:
    colour, style = METHOD_STYLES[method.key]
    frame = method.frame
    # Start the line at the last actual month so it reads as a continuation.
    x = [history.index[-1].start_time, *frame.index.to_timestamp()]
    label = method.label + (" — best in back-test" if best else "")
    axes.plot(x, [history.iloc[-1], *frame["expected"]], color=colour, linestyle=style, linewidth=2.4 if best else 1.6,
              label=label)  # fmt: skip
    if best:  # one shaded range keeps the chart readable; every method's range is in the summary
        axes.fill_between(
            frame.index.to_timestamp(), frame["lower"], frame["upper"], color=colour, alpha=0.2, linewidth=0,
            label=f"{method.label}: 95% prediction interval",
        )  # fmt: skip


# --- Trend ---


def trend_chart(view: TrendView) -> Chart:
    months, earlier = view.months, view.year_earlier
    first, last = months.index[0], months.index[-1]
    # Months before the data begin are left out rather than drawn as an empty stretch of axis.
    known = months.notna()
    drawn_from = months.index[known.argmax()] if known.any() else first
    span = month_label(last) if drawn_from == last else f"{month_label(drawn_from)} – {month_label(last)}"
    title = f"{view.strand.label}: occurrences a month, {span}"
    figure = _figure(title, subtitle(view.strand, view.as_of, view.time_zone), (10, 5.8))
    axes = figure.add_subplot()
    x = months.index.to_timestamp()
    axes.plot(x, months, color=OKABE_ITO["blue"], marker="o", markersize=4, linewidth=2.2, label="Occurrences",
              clip_on=False)  # fmt: skip
    if earlier.notna().any():  # a legend entry only for a line that is drawn
        axes.plot(x, earlier, color=OKABE_ITO["orange"], linestyle="--", linewidth=1.6,
                  label="Same month a year earlier")  # fmt: skip
    chosen = view.forecast.chosen
    end = last
    if chosen is not None and not np.isnan(months.iloc[-1]):
        _projection_line(axes, months, chosen, best=True)
        end = chosen.frame.index[-1]
    peak = np.nanmax([months.max(), earlier.max(), *(chosen.frame["upper"] if chosen else [])] + [0])
    axes.set_ylim(0, max(peak * 1.15, 5))
    axes.set_ylabel("Occurrences a month")
    notes = ["Complete months only · dotted lines: start of each financial year"]
    if drawn_from > first:
        notes.append(f"The data begin in {month_label(drawn_from)}: the {len(months)} months asked for start earlier")
    if chosen is None:
        notes.append(_forecast_line(view.forecast))
    elif chosen.caution:
        notes.append(f"Caution: {chosen.label}: {chosen.caution}")
    axes.set_xlabel(_wrapped(notes))
    shown = (end - drawn_from).n + 1
    _date_axis(axes, shown)
    # A month either side, so the first and last points aren't on the frame.
    axes.set_xlim((drawn_from - 1).start_time + pd.Timedelta(days=15), end.start_time + pd.Timedelta(days=15))
    _fy_boundaries(axes, drawn_from, end, view.fy_start_month)
    _breaks(axes, view.strand.breaks, drawn_from, end)
    if months.isna().all():
        _note(axes, "No data for these months yet.")
    elif months.sum() == 0:
        _note(axes, no_occurrences(view.strand, "in these months"))
    _legend(figure, axes)
    filename = f"{file_stem(view.strand)}-trend-{len(months)}m-{view.as_of.isoformat()}.png"
    return _chart(filename, title, figure, "Line chart", trend_summary(view))


def break_lines(view: TrendView | ForecastView) -> list[str]:
    """Each counting-rule change of the strand, and how it limited the forecast's fit."""
    lines = [f"Counting rules changed {short_date(b.day)}: {b.note}" for b in view.strand.breaks]
    return lines + ([view.fitted] if view.fitted else [])


def _wrapped(lines: list[str], width: int = 125) -> str:
    """Lines for under a plot, each wrapped to fit the figure's width."""
    return "\n".join("\n".join(textwrap.wrap(line, width)) for line in lines)


def trend_summary(view: TrendView) -> tuple[str, ...]:
    months, earlier = view.months.dropna(), view.year_earlier
    if months.empty:
        return ("No data for these months yet.",)
    last = months.index[-1]
    lines = [f"{month_label(last)}: {number(months.iloc[-1])}{_against(months.iloc[-1], earlier.get(last))}"]
    if len(months) >= 12 and not earlier.iloc[-12:].isna().any():
        now, before = months.iloc[-12:].sum(), earlier.iloc[-12:].sum()
        lines.append(f"Last 12 complete months: {number(now)}{_against(now, before, 'the 12 before')}")
    highest, lowest = months.idxmax(), months.idxmin()
    lines.append(
        f"Highest {month_label(highest)} ({number(months[highest])}), lowest {month_label(lowest)} "
        f"({number(months[lowest])})"
    )
    lines.append(_forecast_line(view.forecast))
    return tuple(lines + break_lines(view))


def _against(current: float, previous: float | None, name: str = "a year earlier") -> str:
    if previous is None or np.isnan(previous):
        return ""
    change = percent_change(int(current), int(previous))
    pct = "new" if change is None else f"{change:+d}%" if change else "0%"
    return f" ({pct} on {number(previous)} {name})"


def _forecast_line(projected: Forecast) -> str:
    chosen = projected.chosen
    if projected.not_enough:
        return f"No forecast. {projected.not_enough}"
    if chosen is None:
        return f"No forecast drawn: the back-test could not run ({projected.backtest})."
    frame = chosen.frame.iloc[:12]
    ahead = "12 months" if len(frame) == 12 else f"{len(frame)} month{'s' * (len(frame) != 1)} it supports"
    line = (
        f"Forecast ({chosen.label}, best in back-test): {number(frame['expected'].sum())} over the next "
        f"{ahead}, {number(frame['expected'].iloc[0])} in {month_label(frame.index[0])} "
        f"(95% range {number(frame['lower'].iloc[0])}–{number(frame['upper'].iloc[0])})"
    )
    return line + (f"; caution: {chosen.caution}" if chosen.caution else "")


# --- Heat map ---


def heatmap_chart(view: HeatmapView) -> Chart:
    counts = view.counts
    title = f"{view.strand.label}: occurrences by day and hour, {view.period.label}"
    figure = _figure(title, subtitle(view.strand, view.as_of, view.time_zone), (12, 5.4))
    axes = figure.add_subplot()
    values = counts.to_numpy()
    # The scale runs to at least PATTERN_MIN_COUNT, so a lone occurrence isn't painted as the brightest hour.
    highest = max(int(values.max()), PATTERN_MIN_COUNT)
    image = axes.imshow(values, cmap=HEATMAP_COLOURS, aspect="auto", vmin=0, vmax=highest)
    axes.set_xticks(range(24), [f"{hour:02d}" for hour in range(24)])
    axes.set_yticks(range(7), list(counts.index))
    caution = too_few_for_a_pattern(values)
    axes.set_xlabel(
        f"Hour of day, local time ({view.time_zone}): 00 is midnight to 00:59"
        + ("" if caution is None else f"\n{caution}")
    )
    axes.set_ylabel("Day of week")
    # White gaps between cells keep rows and columns easy to follow.
    axes.set_xticks(np.arange(-0.5, 24), minor=True)
    axes.set_yticks(np.arange(-0.5, 7), minor=True)
    axes.grid(which="minor", color="white", linewidth=1.5)
    axes.tick_params(which="minor", length=0)
    small = 6.5 if highest >= 1000 else 7.5
    for (row, column), value in np.ndenumerate(values):
        # cividis runs dark blue to yellow: light text on the darker half, dark text on the lighter.
        colour = "white" if value < 0.55 * highest else "black"
        axes.text(column, row, _cell(value), ha="center", va="center", fontsize=small, color=colour)
    figure.colorbar(image, ax=axes, label="Occurrences", fraction=0.03, pad=0.01, ticks=MaxNLocator(integer=True))
    if values.sum() == 0:
        _note(axes, no_occurrences(view.strand, f"in {view.period.label}"))
    filename = f"{file_stem(view.strand)}-heatmap-{view.period.text}-{view.as_of.isoformat()}.png"
    return _chart(filename, title, figure, "Heat map, days of the week by hours of the day", heatmap_summary(view))


def _cell(value: int) -> str:
    return f"{value / 1000:.1f}k" if value >= 10_000 else str(value)


def heatmap_summary(view: HeatmapView) -> tuple[str, ...]:
    counts = view.counts
    total = int(counts.to_numpy().sum())
    lines = [f"{number(total)} occurrence{'s' * (total != 1)} in {view.period.label}"]
    if view.data_from is not None:
        lines.append(f"Data begins on {short_date(view.data_from)}, after the period starts")
    if total == 0:
        return tuple(lines)
    if caution := too_few_for_a_pattern(counts.to_numpy()):
        lines.append(caution)
    else:
        stacked = counts.stack().sort_values(ascending=False, kind="stable")
        stacked = stacked[stacked > 0]
        busiest = ", ".join(
            f"{day} {hour:02d}:00–{hour:02d}:59 ({number(n)})" for (day, hour), n in stacked.iloc[:3].items()
        )
        lines.append(f"Busiest hours: {busiest}")
    by_day, by_hour = counts.sum(axis="columns"), counts.sum(axis="index")
    if by_day.max() >= PATTERN_MIN_COUNT:  # the same rule for whole days and hours of the day
        lines.append(
            f"Busiest day {by_day.idxmax()} ({number(by_day.max())}), quietest {by_day.idxmin()} "
            f"({number(by_day.min())}); busiest hour of the day {by_hour.idxmax():02d}:00 ({number(by_hour.max())})"
        )
    return tuple(lines)


def too_few_for_a_pattern(values: np.ndarray) -> str | None:
    """The caution a heat map needs when its counts are too small to show when occurrences happen."""
    highest = int(values.max())
    if values.sum() == 0 or highest >= PATTERN_MIN_COUNT:
        return None
    return (
        f"Caution: at most {highest} in any hour of the week; counts under {PATTERN_MIN_COUNT} can't be told from "
        "chance, so these are too few to read a pattern by day and hour"
    )


# --- Forecast ---


def forecast_chart(view: ForecastView) -> Chart:
    projected = view.forecast
    history = projected.history.iloc[-FORECAST_HISTORY_SHOWN:]
    last = projected.history.index[-1] if len(projected.history) else None
    # The title runs to the furthest month drawn: a line is never continued past what its data support.
    end = max((m.frame.index[-1] for m in projected.available), default=None)
    ahead = "" if last is None else f", {month_label(last + 1)} – {month_label(end or last + 12 * view.years)}"
    title = f"{view.strand.label}: forecast{ahead}"
    figure = _figure(title, subtitle(view.strand, view.as_of, view.time_zone), (10, 5.8))
    axes = figure.add_subplot()
    peak = 5.0
    if len(history):
        axes.plot(history.index.to_timestamp(), history, color=OKABE_ITO["black"], marker="o", markersize=3,
                  linewidth=1.8, label="Occurrences (complete months)")  # fmt: skip
        peak = max(peak, float(history.max()))
    for method in projected.available:
        best = method.key == projected.best
        _projection_line(axes, history, method, best)
        peak = max(peak, float(method.frame["upper" if best else "expected"].max()))
    axes.set_ylim(0, peak * 1.15)
    axes.set_ylabel("Occurrences a month")
    notes = []
    if projected.chosen is not None:
        notes.append(
            f"Shaded: the 95% prediction interval of the {projected.chosen.label} forecast, the range one month "
            "should fall in; the other methods' ranges are in the summary"
        )
    elif projected.available:
        notes.append(f"No method is called best or shaded: the back-test {projected.backtest}")
    notes += [f"{m.label}: {m.cut_short}" for m in projected.available if m.cut_short]
    notes += [f"Caution: {m.label}: {m.caution}" for m in projected.available if m.caution]
    axes.set_xlabel(_wrapped(notes))
    _date_axis(axes, len(history) + view.years * 12)
    if len(history):
        last = end or history.index[-1]
        _fy_boundaries(axes, history.index[0], last, view.fy_start_month)
        _breaks(axes, view.strand.breaks, history.index[0], last)
        _legend(figure, axes)
    if projected.not_enough:
        _note(axes, projected.not_enough)
    filename = f"{file_stem(view.strand)}-forecast-{view.years}y-{view.as_of.isoformat()}.png"
    return _chart(filename, title, figure, "Line chart of monthly occurrences and forecasts", forecast_summary(view))


def forecast_summary(view: ForecastView) -> tuple[str, ...]:
    projected = view.forecast
    if projected.not_enough:
        return (projected.not_enough, *break_lines(view))
    lines = []
    for method in projected.methods:
        if method.fit is None:
            lines.append(f"{method.label}: no forecast ({method.unavailable})")
            continue
        frame = method.frame
        end = frame.index[-1]
        fy_start, fy_total = fy_in_progress_total(projected.history, frame, view.fy_start_month)
        best = " ★ best in back-test" if method.key == projected.best else ""
        fy = "" if fy_total is None else f"FY {fy_label(fy_start, view.fy_start_month)} projected {number(fy_total)}; "
        error = "" if method.backtest_error is None else f"back-test error {method.backtest_error:.1f} a month; "
        notes = "".join(f"; {note}" for note in (method.cut_short, method.caution) if note)
        lines.append(
            f"{method.label}{best}: {number(frame['expected'].iloc[-1])} in {month_label(end)} "
            f"(95% range {number(frame['lower'].iloc[-1])}–{number(frame['upper'].iloc[-1])}); "
            f"{fy}{error}fitted to {method.fit.basis}{notes}"
        )
    lines.append(f"Back-test: {projected.backtest}")
    return tuple(lines + break_lines(view))


def _alt_text(opening: str, summary: tuple[str, ...]) -> str:
    text = opening + ". ".join(line.rstrip(".") for line in summary) + "."
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


# How each kind of chart's view (bot.charts.service.VIEWS) is drawn.
DRAWERS: dict[type, Callable[[Any], Chart]] = {
    TrendView: trend_chart,
    HeatmapView: heatmap_chart,
    ForecastView: forecast_chart,
}


def render_chart(view: ChartView) -> Chart:
    """Draw `view` with its kind's drawer."""
    return DRAWERS[type(view)](view)
