"""Forecasts against numbers worked out by hand, and the back-test's choice on series whose right method
is known: a straight line (a trend), and a pure seasonal pattern (Holt-Winters)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.charts.forecast import cut, forecast, from_json, fy_in_progress_total, fy_trend, to_json

APRIL = 4


def monthly(values, last: str = "2026-10") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.period_range(end=last, periods=len(values), freq="M"))


STRAIGHT_LINE = monthly(100 + 2 * np.arange(72))  # 100, 102, … 242 in Oct 2026
PATTERN = [40, 42, 45, 50, 55, 60, 58, 54, 50, 46, 43, 41]  # November to October
SEASONAL = monthly(np.tile(PATTERN, 6))


@pytest.mark.parametrize(("method", "months"), [("five-year-trend", 24), ("current-year-trend", 7)])
def test_a_straight_line_is_continued_exactly_by_both_trends(method, months):
    projected = forecast(STRAIGHT_LINE, APRIL, 24).method(method).frame
    assert projected.index[0] == pd.Period("2026-11", freq="M")
    # The current-year trend is fitted to April to October: it goes no further ahead than those 7 months.
    assert projected["expected"].tolist() == pytest.approx([244 + 2 * k for k in range(months)], abs=1e-6)
    # A perfect fit leaves no doubt: the prediction interval closes on the line.
    assert (projected["upper"] - projected["lower"]).max() == pytest.approx(0, abs=1e-6)


def test_the_back_test_picks_a_trend_for_a_straight_line():
    projected = forecast(STRAIGHT_LINE, APRIL, 12)
    assert projected.best == "five-year-trend"
    assert projected.method("five-year-trend").backtest_error == pytest.approx(0, abs=1e-6)
    assert projected.method("holt-winters").backtest_error > 0.1


def test_holt_winters_repeats_a_pure_seasonal_pattern():
    projected = forecast(SEASONAL, APRIL, 24).method("holt-winters").frame
    assert projected["expected"].tolist() == pytest.approx(PATTERN * 2, abs=0.01)
    assert (projected["upper"] - projected["lower"]).max() < 0.1


def test_the_back_test_picks_holt_winters_for_a_pure_seasonal_pattern():
    projected = forecast(SEASONAL, APRIL, 12)
    assert projected.best == "holt-winters"
    assert projected.method("holt-winters").backtest_error < 0.01
    assert projected.method("five-year-trend").backtest_error > 3


def test_the_five_year_trend_is_the_least_squares_line_through_the_last_60_months():
    recent = SEASONAL.to_numpy()[-60:]
    slope, intercept = np.polyfit(np.arange(60), recent, 1)
    projected = forecast(SEASONAL, APRIL, 3).method("five-year-trend").frame
    assert projected["expected"].tolist() == pytest.approx([intercept + slope * x for x in (60, 61, 62)])


def test_the_current_year_trend_and_its_interval_match_the_textbook_formula():
    # Apr-Jul: 10, 12, 11, 15. Slope 7/5 = 1.4, intercept 12 - 1.4 * 1.5 = 9.9, so August is 9.9 + 1.4 * 4 = 15.5.
    # Residuals 0.1, 0.7, -1.7, 0.9: s² = 4.2 / 2 = 2.1; the standard error of a new month is
    # sqrt(2.1 * (1 + 1/4 + 2.5² / 5)) = sqrt(5.25), and t(0.975, 2 df) = 4.302653.
    fitted = fy_trend(monthly([10, 12, 11, 15], last="2026-07"), APRIL, 1)
    august = fitted.frame.loc[pd.Period("2026-08", freq="M")]
    half_width = 4.302653 * np.sqrt(5.25)
    assert august["expected"] == pytest.approx(15.5)
    assert (august["lower"], august["upper"]) == pytest.approx((15.5 - half_width, 15.5 + half_width), abs=1e-5)
    assert fitted.basis == "Apr 2026 – Jul 2026 (4 months of FY 2026/27)"


def test_the_current_year_trend_needs_three_months_of_the_year():
    projected = forecast(monthly(100 + 2 * np.arange(62), last="2026-05"), APRIL, 12)
    trend = projected.method("current-year-trend")
    assert trend.fit is None
    assert trend.unavailable == "FY 2026/27 has 2 complete months so far; a trend needs 3"
    assert projected.method("five-year-trend").fit is not None


def test_forecasts_are_never_negative():
    falling = forecast(monthly(200 - 3 * np.arange(60)), APRIL, 60).method("five-year-trend").frame
    assert falling["expected"].iloc[-1] == 0
    assert (falling[["expected", "lower", "upper"]] >= 0).all().all()


@pytest.mark.parametrize(
    ("series", "reason"),
    [
        (monthly([0] * 40), "there were no occurrences in the last 24 months"),
        (monthly([2, 3, 1, 2] * 10), "it averaged 2.0 a month over the last 24 months"),
        (monthly([0, 0, 30, 40] * 10), "12 of the last 24 months had no occurrences"),
        (monthly([]), "there is no complete month of data yet"),
    ],
)
def test_too_little_data_gets_no_line_and_says_why(series, reason):
    projected = forecast(series, APRIL, 12)
    assert projected.not_enough.startswith("Not enough data to forecast")
    assert reason in projected.not_enough
    assert projected.available == ()
    assert projected.best is None


def test_a_short_series_is_forecast_only_by_the_methods_it_is_long_enough_for():
    projected = forecast(monthly([20, 24, 22, 26, 25, 27, 30], last="2026-10"), APRIL, 12)
    assert [m.key for m in projected.available] == ["current-year-trend"]
    assert projected.method("holt-winters").unavailable == "7 months of data; seasons need two full years (24)"
    assert projected.best is None  # nothing to back-test against: no method is called best
    assert projected.backtest == "needs more than 24 months of data"


def test_the_financial_year_in_progress_adds_its_complete_months_to_the_forecast_rest():
    history = monthly([10] * 7, last="2026-10")  # April to October 2026
    projected = forecast(monthly(100 + 2 * np.arange(72)), APRIL, 12).method("five-year-trend").frame
    start, total = fy_in_progress_total(history, projected, APRIL)
    assert start == 2026
    assert total == pytest.approx(70 + sum(244 + 2 * k for k in range(5)))  # Nov 2026 to Mar 2027 forecast


def test_no_line_is_continued_further_ahead_than_the_months_it_was_fitted_to():
    projected = forecast(SEASONAL, APRIL, 36)  # April to October: 7 months of the financial year
    trend = projected.method("current-year-trend")
    assert len(trend.frame) == 7 and trend.frame.index[-1] == pd.Period("2027-05", freq="M")
    assert trend.cut_short == "shown to May 2027: no further ahead than the 7 months it was fitted to"
    assert len(projected.method("five-year-trend").frame) == 36  # fitted to 60 months
    assert projected.method("five-year-trend").cut_short is None


def test_a_line_falling_to_zero_says_it_is_not_a_forecast_of_no_crime():
    # A few months falling fast: the straight line through them reaches zero within the months it may run.
    history = monthly([30] * 60 + [30, 26, 20, 15, 10, 6, 4], last="2026-10")
    trend = forecast(history, APRIL, 24).method("current-year-trend")
    assert trend.frame["expected"].iloc[-1] == 0
    assert trend.caution.startswith("the line reaches 0 in Nov 2026: that is where a straight line through Apr 2026")
    assert trend.caution.endswith("not a forecast of no crime")
    assert forecast(STRAIGHT_LINE, APRIL, 24).method("five-year-trend").caution is None


def test_a_forecast_made_for_five_years_and_cut_to_one_is_the_forecast_made_for_one():
    long, short = cut(forecast(SEASONAL, APRIL, 60), 12), forecast(SEASONAL, APRIL, 12)
    assert (long.best, long.backtest, long.horizon) == (short.best, short.backtest, 12)
    for made, asked in zip(long.methods, short.methods, strict=True):
        pd.testing.assert_frame_equal(made.frame, asked.frame)
        assert (made.backtest_error, made.cut_short, made.caution) == (asked.backtest_error, asked.cut_short,
                                                                          asked.caution)  # fmt: skip


def test_a_forecast_read_back_from_the_cache_is_the_same_forecast():
    made = forecast(SEASONAL, APRIL, 24)
    read = from_json(to_json(made), SEASONAL)
    assert (read.best, read.backtest, read.not_enough, read.horizon) == (
        made.best, made.backtest, made.not_enough, made.horizon
    )  # fmt: skip
    for one, other in zip(read.methods, made.methods, strict=True):
        assert (one.key, one.label, one.fit.basis, one.backtest_error) == (
            other.key, other.label, other.fit.basis, other.backtest_error
        )  # fmt: skip
        pd.testing.assert_frame_equal(one.frame, other.frame, check_freq=False)


def test_the_financial_year_is_not_projected_by_a_line_that_stops_before_it_ends():
    history = monthly([10, 12, 11, 15], last="2026-07")  # Apr-Jul: the line runs to November only
    fitted = fy_trend(history, APRIL, 12).frame.iloc[:4]
    assert fy_in_progress_total(history, fitted, APRIL) == (2026, None)


DEMO = json.loads((Path(__file__).parent / "demo_forecast_choices.json").read_text())


@pytest.mark.parametrize("month", sorted(DEMO["chosen"]))
def test_the_back_test_chooses_as_it_did_before_it_was_made_cheaper_on_the_demo_strands(month):
    chosen = {}
    for slug in DEMO["chosen"][month]:
        series = DEMO["series"][slug]
        history = monthly(series["counts"], last="2026-11")
        chosen[slug] = forecast(history[:month].iloc[-96:], APRIL, 12).best
    assert chosen == DEMO["chosen"][month]
