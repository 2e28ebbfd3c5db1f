"""How often a threshold would have fired: the weekly runs of the last 52 weeks, replayed on today's data.

A threshold on harm is replayed with the weights in use today (a set loaded later weighs earlier weeks too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from bot.alerts.schedule_settings import current_schedule
from bot.alerts.threshold_settings import checked_threshold_values, with_values
from bot.alerts.thresholds import Breach, Threshold, breaches, threshold_for
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, checked_scope
from bot.domain.comparisons import dashboard_windows
from bot.domain.harm import Unweighted, Weighed, weigh
from bot.domain.stats import HarmBasis, compute_dashboard
from bot.errors import InvalidRequest, NoHarmWeights
from bot.settings import Settings
from bot.store.alerts import stored_thresholds
from bot.store.catalogue import load_catalogue
from bot.store.counts import code_counts_on_any_day, counts_by_window, window_code_counts
from bot.store.db import Database
from bot.store.harm import current_weights

WEEKS = 52


@dataclass(frozen=True)
class BacktestWeek:
    run_day: date  # the day the digest would have been posted (data to the day before)
    fired: tuple[Breach, ...]  # posted breaches (those a `hold` threshold keeps back are not counted)
    fired_now: bool | None  # whether the strand's current threshold fired that week; None: it is on harm, unweighed


@dataclass(frozen=True)
class Backtest:
    slug: str
    name: str
    threshold: Threshold  # the one tried
    current: Threshold  # the strand's threshold today
    weeks: tuple[BacktestWeek, ...]
    harm: HarmBasis | None = None  # what harm was weighed with, when either threshold is on harm

    @property
    def fired(self) -> int:
        return sum(1 for week in self.weeks if week.fired)

    @property
    def fired_now(self) -> int | None:
        """In how many weeks the current threshold fired; None if it is on harm and no weights are loaded."""
        if any(week.fired_now is None for week in self.weeks):
            return None
        return sum(1 for week in self.weeks if week.fired_now)


def backtest(
    database: Database, settings: Settings, strand: str | None, percent: str | None, options: dict[str, str]
) -> Backtest:
    """Replay the last 52 weekly runs (on the schedule's weekday) for one strand, at the threshold given
    (parts not given are the strand's current ones), and at the current threshold for comparison. Trying a
    threshold on harm needs weights (raises NoHarmWeights); a current one on harm without them is not replayed."""
    values = checked_threshold_values(percent, options)
    schedule = current_schedule(database)
    today = clock.today(settings.timezone)
    last_run = today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
    run_days = [last_run - timedelta(weeks=n) for n in reversed(range(WEEKS))]
    with database.session() as session:
        catalogue = load_catalogue(session)
        scope = checked_scope(catalogue, strand, "backtest hate-crime 15%")
        if scope == DEFAULT_SCOPE:
            raise InvalidRequest("Backtest one strand at a time, e.g. `backtest hate-crime 15%`.")
        current = threshold_for(scope, catalogue, stored_thresholds(session))
        tried = with_values(current, values)
        weights = current_weights(session) if "harm" in (tried.measure, current.measure) else None
        if tried.measure == "harm" and weights is None:
            raise NoHarmWeights()
        family = catalogue.descendants(scope)
        week_windows = [
            dashboard_windows(day - timedelta(days=1), settings.fy_start_month, settings.baseline_fy)
            for day in run_days
        ]
        named = {
            f"{i}:{name}": window for i, windows in enumerate(week_windows) for name, window in windows.all().items()
        }
        by_code = window_code_counts(session, named, settings.timezone, family)  # one query for all 52 weeks
        basis = None
        if weights is not None:
            missing = code_counts_on_any_day(session, named, settings.timezone, scope)
            basis = HarmBasis(weights, Unweighted.of(missing, weights))
    counts = counts_by_window(by_code, list(named))
    weighed = None if weights is None else weigh(by_code, weights, list(named))
    weeks = []
    for i, (day, windows) in enumerate(zip(run_days, week_windows, strict=True)):
        names = list(windows.all())
        harm = None
        if weighed is not None and basis is not None:
            harm = (Weighed(_week(weighed.harm, i, names), _week(weighed.weighted, i, names)), basis)
        stats = compute_dashboard(
            _week(counts, i, names),
            catalogue,
            windows,
            settings.fy_start_month,
            settings.baseline_fy,
            [scope],
            harm=harm,
        ).strand(scope)
        fired = tuple(b for b in breaches(stats, tried, basis) if not b.held_back)
        fired_now = None
        if current.measure == "count" or basis is not None:
            fired_now = any(not b.held_back for b in breaches(stats, current, basis))
        weeks.append(BacktestWeek(day, fired, fired_now))
    return Backtest(scope, catalogue.get(scope).name, tried, current, tuple(weeks), basis)


def _week(frame: pd.DataFrame, week: int, names: list[str]) -> pd.DataFrame:
    """Week `week`'s columns of a frame of every replayed window, named as that week's dashboard names them."""
    return frame[[f"{week}:{name}" for name in names]].set_axis(names, axis=1)
