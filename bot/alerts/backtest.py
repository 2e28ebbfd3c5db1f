"""How often a threshold would have fired: the weekly runs of the last 52 weeks, replayed on today's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.alerts.schedule_settings import current_schedule
from bot.alerts.threshold_settings import checked_threshold_values, with_values
from bot.alerts.thresholds import Breach, Threshold, breaches, threshold_for
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, checked_scope
from bot.domain.comparisons import dashboard_windows
from bot.domain.stats import compute_dashboard
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.alerts import stored_thresholds
from bot.store.catalogue import load_catalogue
from bot.store.counts import window_counts
from bot.store.db import Database

WEEKS = 52


@dataclass(frozen=True)
class BacktestWeek:
    run_day: date  # the day the digest would have been posted (data to the day before)
    fired: tuple[Breach, ...]  # posted breaches (those a `hold` threshold keeps back are not counted)
    fired_now: bool  # whether the strand's current threshold fired that week


@dataclass(frozen=True)
class Backtest:
    slug: str
    name: str
    threshold: Threshold  # the one tried
    current: Threshold  # the strand's threshold today
    weeks: tuple[BacktestWeek, ...]

    @property
    def fired(self) -> int:
        return sum(1 for week in self.weeks if week.fired)

    @property
    def fired_now(self) -> int:
        return sum(1 for week in self.weeks if week.fired_now)


def backtest(
    database: Database, settings: Settings, strand: str | None, percent: str | None, options: dict[str, str]
) -> Backtest:
    """Replay the last 52 weekly runs (on the schedule's weekday) for one strand, at the threshold given
    (parts not given are the strand's current ones), and at the current threshold for comparison."""
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
        family = catalogue.descendants(scope)
        week_windows = [
            dashboard_windows(day - timedelta(days=1), settings.fy_start_month, settings.baseline_fy)
            for day in run_days
        ]
        named = {
            f"{i}:{name}": window for i, windows in enumerate(week_windows) for name, window in windows.all().items()
        }
        counts = window_counts(session, named, settings.timezone, family)
    tried = with_values(current, values)
    weeks = []
    for i, (day, windows) in enumerate(zip(run_days, week_windows, strict=True)):
        week_counts = counts[[f"{i}:{name}" for name in windows.all()]].set_axis(list(windows.all()), axis=1)
        stats = compute_dashboard(
            week_counts, catalogue, windows, settings.fy_start_month, settings.baseline_fy, slugs=[scope]
        ).strand(scope)
        fired = tuple(b for b in breaches(stats, tried) if not b.held_back)
        fired_now = any(not b.held_back for b in breaches(stats, current))
        weeks.append(BacktestWeek(day, fired, fired_now))
    return Backtest(scope, catalogue.get(scope).name, tried, current, tuple(weeks))
