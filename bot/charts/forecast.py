"""Forecasts of a strand's monthly occurrences, by the methods analysts use and a seasonal model, with
a back-test that says which fitted the last two years best.

Pure: a monthly series in (complete months only, indexed by `pd.Period`), small frozen dataclasses out.

- **Current-year trend**: a straight line through the months of the financial year so far (3 or more).
- **Five-year trend**: a straight line through the last 60 months (36 or more).
- **Seasonal (Holt-Winters)**: exponential smoothing with a damped additive trend and additive monthly
  seasons, ETS(A,Ad,A) from statsmodels, fitted to the last 60 months (24 or more: two full years).

Each gives a 95% prediction interval: the range a single future month should fall in, not the line's own
uncertainty. Counts can't be negative, so every figure is cut at zero. No method is continued further ahead
than the span of months it was fitted to (a line through 8 months says little about month 30), and a line
that reaches zero carries a caution: it is where the line leads, not a forecast of no crime.

The back-test replays the last 24 months: every 3 months each method forecasts up to 12 months ahead from
the data it would have had then, and its mean absolute error is taken over the months every method could
forecast. Errors within half a percent of the series' level are a tie, won by the simpler method. Its fits
make point forecasts only (no prediction intervals), on one BLAS thread; and `bot.charts.service` keeps each
series' forecast, made once for the longest horizon, for every chart of it: the same numbers, fitted once.
(Origins every 6 months halved the fits but left too few origins where the current-year trend has its 3
months: it changed the choice for demo domestic abuse and missing children.)
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bot.domain.periods import fy_label

_SOURCE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
PREDICTION_LEVEL = 0.95
FY_TREND_MIN_MONTHS = 3
LONG_TREND_MONTHS = 60
LONG_TREND_MIN_MONTHS = 36
SEASONAL_MIN_MONTHS = 24
BACKTEST_MONTHS = 24
BACKTEST_EVERY = 3
BACKTEST_HORIZON = 12
TIE_SHARE_OF_LEVEL = 0.005
# Below these a monthly series is mostly noise: Poisson spread at 5 a month is ±45%.
SPARSE_MEAN = 5
SPARSE_ZERO_SHARE = 0.25
SPARSE_WINDOW = 24


class NotEnoughData(Exception):
    """A method can't forecast this series; the message says why, in a user's words."""


@dataclass(frozen=True)
class Fit:
    """One method's forecast: `frame` has `expected`, `lower` and `upper` per future month."""

    frame: pd.DataFrame
    basis: str  # what it was fitted on, e.g. "Apr 2026 – Oct 2026 (7 months of FY 2026/27)"
    months: int  # how many months it was fitted to: also how far ahead it may be continued


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    fit: Callable[..., Fit]  # (history, fy_start_month, horizon, intervals=True) -> Fit


@dataclass(frozen=True)
class MethodForecast:
    key: str
    label: str
    fit: Fit | None
    unavailable: str | None  # why there is no forecast, when `fit` is None
    backtest_error: float | None  # mean absolute error in the back-test, occurrences a month
    cut_short: str | None = None  # why the line stops before the horizon asked for
    caution: str | None = None  # set when the line reaches zero: how to read it

    @property
    def frame(self) -> pd.DataFrame:
        assert self.fit is not None
        return self.fit.frame


@dataclass(frozen=True)
class Forecast:
    """Every method's forecast of `history`, the back-test's verdict, or why there is no forecast at all."""

    history: pd.Series
    horizon: int
    methods: tuple[MethodForecast, ...]
    best: str | None  # the key of the method that back-tested best, if the back-test could run
    backtest: str  # what the back-test did, or why it could not
    not_enough: str | None  # set when no method forecasts: the reason, for the user

    @property
    def available(self) -> tuple[MethodForecast, ...]:
        return tuple(m for m in self.methods if m.fit is not None)

    def method(self, key: str) -> MethodForecast:
        return next(m for m in self.methods if m.key == key)

    @property
    def chosen(self) -> MethodForecast | None:
        return None if self.best is None else self.method(self.best)


def month_span(months: pd.PeriodIndex, of: str = "") -> str:
    """'Nov 2021 – Oct 2026 (60 months)', or with `of`: '… (7 months of FY 2026/27)'."""
    first, last = months[0], months[-1]
    count = len(months)
    return f"{first:%b %Y} – {last:%b %Y} ({count} month{'s' * (count != 1)}{of})"


def _months(count: int) -> str:
    return f"{count} month{'s' * (count != 1)}"


@functools.cache
def _one_blas_thread() -> None:
    """Fits here multiply matrices of a few dozen rows: BLAS's threads only cost, and on a server already
    running a thread per request they made a back-test 3 to 4 times slower. Set once for the process."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def _line(values: np.ndarray, months: pd.PeriodIndex, horizon: int, intervals: bool) -> pd.DataFrame:
    """A least-squares straight line through `values`, continued `horizon` months past the last of `months`
    (with prediction intervals if `intervals`, else NaN for them)."""
    import statsmodels.api as sm  # a second to import: only when forecasting, not at every start

    n = len(values)
    design = sm.add_constant(np.arange(n, dtype=float))
    fitted = sm.OLS(values, design).fit()
    future = sm.add_constant(np.arange(n, n + horizon, dtype=float), has_constant="add")
    if not intervals:
        unknown = np.full(horizon, np.nan)
        return _frame(months[-1], fitted.predict(future), unknown, unknown)
    predicted = fitted.get_prediction(future).summary_frame(alpha=1 - PREDICTION_LEVEL)
    return _frame(
        months[-1],
        predicted["mean"].to_numpy(),
        predicted["obs_ci_lower"].to_numpy(),
        predicted["obs_ci_upper"].to_numpy(),
    )


def _frame(last: pd.Period, expected, lower, upper) -> pd.DataFrame:
    index = pd.period_range(last + 1, periods=len(expected), freq="M")
    frame = pd.DataFrame({"expected": expected, "lower": lower, "upper": upper}, index=index)
    return frame.clip(lower=0.0)


def fy_trend(history: pd.Series, fy_start_month: int, horizon: int, intervals: bool = True) -> Fit:
    """A straight line through the months of the financial year containing the last month."""
    last = history.index[-1]
    fy_start = pd.Period(
        year=last.year if last.month >= fy_start_month else last.year - 1, month=fy_start_month, freq="M"
    )
    year = history[history.index >= fy_start]
    label = fy_label(fy_start.year, fy_start_month)
    if len(year) < FY_TREND_MIN_MONTHS:
        have = f"{len(year)} complete month{'s' * (len(year) != 1)}" if len(year) else "no complete month"
        raise NotEnoughData(f"FY {label} has {have} so far; a trend needs {FY_TREND_MIN_MONTHS}")
    return Fit(
        _line(year.to_numpy(float), year.index, horizon, intervals),
        month_span(year.index, f" of FY {label}"),
        len(year),
    )


def five_year_trend(history: pd.Series, _fy_start_month: int, horizon: int, intervals: bool = True) -> Fit:
    """A straight line through the last five years' months."""
    recent = history.iloc[-LONG_TREND_MONTHS:]
    if len(recent) < LONG_TREND_MIN_MONTHS:
        raise NotEnoughData(f"{_months(len(recent))} of data; a long-term trend needs {LONG_TREND_MIN_MONTHS}")
    return Fit(_line(recent.to_numpy(float), recent.index, horizon, intervals), month_span(recent.index), len(recent))


def holt_winters(history: pd.Series, _fy_start_month: int, horizon: int, intervals: bool = True) -> Fit:
    """ETS(A,Ad,A): level, damped trend and monthly seasons, fitted to the last five years."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning  # imported when needed, as above
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    recent = history.iloc[-LONG_TREND_MONTHS:]
    if len(recent) < SEASONAL_MIN_MONTHS:
        raise NotEnoughData(f"{_months(len(recent))} of data; seasons need two full years ({SEASONAL_MIN_MONTHS})")
    model = ETSModel(
        recent.astype(float).to_timestamp(),  # statsmodels' prediction summary wants a dated series
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=12,
    )
    with warnings.catch_warnings():
        # A series the model fits exactly (or nearly) makes the optimiser stop early; the fit is still right.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = model.fit(disp=False)
        if not intervals:
            unknown = np.full(horizon, np.nan)
            return Fit(_frame(recent.index[-1], fitted.forecast(horizon).to_numpy(), unknown, unknown),
                       month_span(recent.index), len(recent))  # fmt: skip
        predicted = fitted.get_prediction(start=len(recent), end=len(recent) + horizon - 1)
        summary = predicted.summary_frame(alpha=1 - PREDICTION_LEVEL)
    return Fit(
        _frame(
            recent.index[-1], summary["mean"].to_numpy(), summary["pi_lower"].to_numpy(), summary["pi_upper"].to_numpy()
        ),
        month_span(recent.index),
        len(recent),
    )


# Simplest first: a tie in the back-test goes to the earlier one.
METHODS = (
    Method("five-year-trend", "Five-year trend", five_year_trend),
    Method("current-year-trend", "Current-year trend", fy_trend),
    Method("holt-winters", "Seasonal (Holt-Winters)", holt_winters),
)


def sparse_reason(history: pd.Series) -> str | None:
    """Why `history` is too thin to forecast, if it is (judged on its last 24 months)."""
    if history.empty:
        return "there is no complete month of data yet"
    recent = history.iloc[-SPARSE_WINDOW:]
    span = f"the last {len(recent)} month{'s' * (len(recent) != 1)}"
    if recent.sum() == 0:
        return f"there were no occurrences in {span}"
    mean = recent.mean()
    if mean < SPARSE_MEAN:
        return (
            f"it averaged {mean:.1f} a month over {span}; below {SPARSE_MEAN} a month a forecast is mostly "
            "noise (volumes too low for trend analysis)"
        )
    zeros = int((recent == 0).sum())
    if zeros > SPARSE_ZERO_SHARE * len(recent):
        return f"{zeros} of {span} had no occurrences; too sparse for a monthly forecast"
    return None


def forecast(history: pd.Series, fy_start_month: int, horizon: int) -> Forecast:
    """Each method's forecast of the `horizon` months after `history` (or of as many as it was fitted to, if
    fewer), and which back-tested best.

    `history` holds complete months only, oldest first, indexed by monthly `pd.Period`."""
    if reason := sparse_reason(history):
        unavailable = tuple(MethodForecast(m.key, m.label, None, reason, None) for m in METHODS)
        return Forecast(history, horizon, unavailable, None, "not run", f"Not enough data to forecast: {reason}.")
    _one_blas_thread()
    results = []
    for method in METHODS:
        try:
            results.append((method, method.fit(history, fy_start_month, horizon), None))
        except NotEnoughData as why:
            results.append((method, None, str(why)))
    errors, backtest = _backtest(history, fy_start_month, [m for m, fit, _ in results if fit is not None])
    methods = tuple(
        _read(MethodForecast(method.key, method.label, fit, why, errors.get(method.key)), horizon)
        for method, fit, why in results
    )
    if not any(m.fit for m in methods):
        reasons = "; ".join(f"{m.label}: {m.unavailable}" for m in methods)
        return Forecast(history, horizon, methods, None, backtest, f"Not enough data to forecast ({reasons}).")
    return Forecast(history, horizon, methods, _best(errors, history), backtest, None)


def _read(method: MethodForecast, horizon: int) -> MethodForecast:
    """`method`'s line cut to the months its fit supports, with a caution if it reaches zero."""
    if method.fit is None:
        return method
    fit = method.fit
    cut_short = None
    if fit.months < horizon:
        frame = fit.frame.iloc[: fit.months]
        cut_short = f"shown to {frame.index[-1]:%b %Y}: no further ahead than the {fit.months} months it was fitted to"
        fit = Fit(frame, fit.basis, fit.months)
    caution = None
    zero = fit.frame.index[fit.frame["expected"].to_numpy() <= 0]
    if len(zero):
        caution = (
            f"the line reaches 0 in {zero[0]:%b %Y}: that is where a straight line through {fit.basis} leads, "
            "not a forecast of no crime"
        )
    return MethodForecast(method.key, method.label, fit, None, method.backtest_error, cut_short, caution)


def cut(projected: Forecast, horizon: int) -> Forecast:
    """`projected` (made for a longer horizon) as it would have been made for `horizon` months: the
    back-test doesn't depend on the horizon, nor any month's forecast on how many follow it."""
    methods = []
    for method in projected.methods:
        if method.fit is not None:
            fit = method.fit
            method = MethodForecast(
                method.key, method.label, Fit(fit.frame.iloc[:horizon], fit.basis, fit.months), None,
                method.backtest_error,
            )  # fmt: skip
            method = _read(method, horizon)
        methods.append(method)
    return dataclasses.replace(projected, horizon=horizon, methods=tuple(methods))


def cache_key(history: pd.Series, fy_start_month: int) -> str:
    """What determines `forecast(history, fy_start_month, …)`: the months and their counts, the financial
    year's start, and this code and statsmodels' versions (a change to either makes new forecasts)."""
    import statsmodels

    stated = {
        "code": _SOURCE_DIGEST,
        "statsmodels": statsmodels.__version__,
        "fy_start_month": fy_start_month,
        "first": str(history.index[0]) if len(history) else None,
        "counts": history.tolist(),
    }
    return "forecast:" + hashlib.sha256(json.dumps(stated).encode()).hexdigest()[:55]


def to_json(projected: Forecast) -> str:
    """`projected` without its history, as JSON: what `from_json` reads back."""
    methods = []
    for m in projected.methods:
        fit = None
        if m.fit is not None:
            frame = m.fit.frame
            fit = {
                "first": str(frame.index[0]),
                "columns": {column: frame[column].tolist() for column in frame.columns},
                "basis": m.fit.basis,
                "months": m.fit.months,
            }
        methods.append(
            {"key": m.key, "fit": fit, "unavailable": m.unavailable, "error": m.backtest_error,
             "cut_short": m.cut_short, "caution": m.caution}
        )  # fmt: skip
    return json.dumps(
        {"horizon": projected.horizon, "methods": methods, "best": projected.best, "backtest": projected.backtest,
         "not_enough": projected.not_enough}
    )  # fmt: skip


def from_json(text: str, history: pd.Series) -> Forecast:
    """The forecast of `history` that `to_json` wrote."""
    stored = json.loads(text)
    labels = {m.key: m.label for m in METHODS}
    methods = []
    for m in stored["methods"]:
        fit = None
        if m["fit"] is not None:
            columns = m["fit"]["columns"]
            index = pd.period_range(m["fit"]["first"], periods=len(columns["expected"]), freq="M")
            fit = Fit(pd.DataFrame(columns, index=index), m["fit"]["basis"], m["fit"]["months"])
        methods.append(
            MethodForecast(m["key"], labels[m["key"]], fit, m["unavailable"], m["error"], m["cut_short"], m["caution"])
        )
    return Forecast(
        history, stored["horizon"], tuple(methods), stored["best"], stored["backtest"], stored["not_enough"]
    )


def _backtest(history: pd.Series, fy_start_month: int, methods: list[Method]) -> tuple[dict[str, float], str]:
    """Each method's mean absolute error over the last 24 months, forecasting from every third month before."""
    n = len(history)
    first_target = n - BACKTEST_MONTHS
    if first_target < 1 or not methods:
        return {}, f"needs more than {BACKTEST_MONTHS} months of data"
    errors: dict[tuple[int, int], dict[str, float]] = {}
    for origin in range(first_target - 1, n - 1, BACKTEST_EVERY):
        known = history.iloc[: origin + 1]
        actual = history.iloc[origin + 1 : min(origin + 1 + BACKTEST_HORIZON, n)]
        for method in methods:
            try:
                expected = method.fit(known, fy_start_month, len(actual), intervals=False).frame["expected"].to_numpy()
            except NotEnoughData:
                continue
            for step, (value, predicted) in enumerate(zip(actual.to_numpy(), expected, strict=True)):
                errors.setdefault((origin, origin + 1 + step), {})[method.key] = abs(value - predicted)
    table = pd.DataFrame.from_dict(errors, orient="index").dropna(axis="columns", how="all")
    common = table.dropna()
    if common.empty:
        return {}, "no method could forecast from the data of two years ago"
    origins = common.index.get_level_values(0).nunique()
    done = (
        f"forecasts from {origins} points over the last {BACKTEST_MONTHS} months, up to {BACKTEST_HORIZON} "
        f"months ahead; mean absolute error over the {len(common)} forecast months every method could make"
    )
    return {key: float(value) for key, value in common.mean().items()}, done


def _best(errors: dict[str, float], history: pd.Series) -> str | None:
    if not errors:
        return None
    tie = TIE_SHARE_OF_LEVEL * max(float(history.iloc[-BACKTEST_MONTHS:].mean()), 1.0)
    lowest = min(errors.values())
    return next(m.key for m in METHODS if m.key in errors and errors[m.key] <= lowest + tie)


def fy_in_progress_total(history: pd.Series, projection: pd.DataFrame, fy_start_month: int) -> tuple[int, float | None]:
    """The financial year in progress after `history`'s last month: its start year, and its projected total
    (the complete months counted, the rest forecast), or None if `projection` stops before the year ends."""
    first_forecast = projection.index[0]
    start_year = first_forecast.year if first_forecast.month >= fy_start_month else first_forecast.year - 1
    start = pd.Period(year=start_year, month=fy_start_month, freq="M")
    end = start + 11
    if projection.index[-1] < end:
        return start_year, None
    counted = history[(history.index >= start) & (history.index <= end)].sum()
    return start_year, float(counted + projection.loc[projection.index <= end, "expected"].sum())
