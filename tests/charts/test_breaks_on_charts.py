"""Counting-rule breaks on charts: the trend draws them, and forecasts fit only the months after the latest one
when at least 24 follow it, saying so either way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from conftest import local, store

from bot.alerts.records import CountingBreak
from bot.charts.draw import forecast_summary, trend_chart
from bot.charts.service import ChartStrand, chart_strand, forecast_view, trend_view
from bot.store.alerts import add_counting_break

AS_OF = date(2026, 10, 31)


def monthly(first: date, months: int, per_month: int) -> list[tuple]:
    rows, day = [], first
    for _ in range(months):
        rows += [("domestic-abuse", local(day.isoformat(), f"{10 + n % 10}:00")) for n in range(per_month)]
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return rows


def domestic_abuse(database) -> ChartStrand:
    """What a chart of domestic abuse counts, with the counting-rule changes recorded by now."""
    with database.session() as session:
        return chart_strand(session, "domestic abuse", None)


def with_break(database, day: date) -> None:
    with database.session() as session:
        add_counting_break(
            session, CountingBreak("domestic-abuse", day, "Home Office rules", "U0ADMIN", datetime.now(UTC))
        )


def test_a_forecast_fits_only_the_months_after_a_break_with_24_after_it(database, settings):
    # 70 months: 20 a month, then 10 a month from November 2022 (48 months before the as-of month ends).
    store(database, monthly(date(2021, 1, 1), 22, 20) + monthly(date(2022, 11, 1), 48, 10))
    with_break(database, date(2022, 11, 1))
    view = forecast_view(database, settings, domestic_abuse(database), 1, AS_OF)
    assert view.fitted == "Forecasts fitted only to the 48 months since the counting-rule change of 1 Nov 2022."
    assert view.forecast.history.index[0].strftime("%Y-%m") == "2022-11"
    assert all(m.frame["expected"].max() < 15 for m in view.forecast.available)  # not pulled up by the old 20s
    assert "Counting rules changed 1 Nov 2022: Home Office rules" in forecast_summary(view)


def test_with_under_24_months_after_a_break_the_forecast_fits_across_it_and_says_so(database, settings):
    store(database, monthly(date(2021, 1, 1), 52, 20) + monthly(date(2025, 5, 1), 18, 10))
    with_break(database, date(2025, 4, 15))  # mid-month: the first month counted wholly after is May
    view = trend_view(database, settings, domestic_abuse(database), 24, AS_OF)
    assert view.fitted == (
        "Forecasts fitted across the counting-rule change of 15 Apr 2025: only 18 complete months follow it, "
        "and 24 are needed to fit after it alone."
    )
    chart = trend_chart(view)
    assert "Counting rules changed 15 Apr 2025: Home Office rules" in chart.summary
    assert "Counting rules changed 15 Apr 2025" in chart.alt_text


def test_without_a_break_nothing_changes(database, settings):
    store(database, monthly(date(2021, 1, 1), 70, 20))
    view = trend_view(database, settings, domestic_abuse(database), 24, AS_OF)
    assert view.fitted is None and view.strand.breaks == ()
    assert not any("Counting rules" in line for line in trend_chart(view).summary)
