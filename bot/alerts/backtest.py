"""What a strand's alerts would have said: the weekly runs of the last N weeks replayed on today's data, with the
strand's current rules (or the ones tried), news and all: which runs would have posted, and what was new, a
reminder or resolved in each.

The replay is the weekly job's own rules (`bot.alerts.thresholds.breaches`, `bot.alerts.news.news`) applied
week by week, each run handing what stands to the next, as the ledger does. It starts WARM_UP weeks before the
first run it reports, so that the first is told what had been standing, as a channel subscribed for a while would
have been, rather than everything as new. Counts come from the strand's daily series (one query); a threshold
on harm is replayed with the weights in use today (a set loaded later weighs earlier weeks too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from bot.alerts.news import News, news
from bot.alerts.schedule_settings import current_schedule
from bot.alerts.threshold_settings import checked_threshold_values, with_values
from bot.alerts.thresholds import Threshold, breaches, breaks_of, threshold_for
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue, checked_scope
from bot.domain.comparisons import WINDOWS, DashboardWindows, dashboard_windows
from bot.domain.harm import Unweighted, Weighed, weigh
from bot.domain.periods import Window
from bot.domain.stats import HarmBasis, compute_dashboard
from bot.errors import InvalidRequest, NoHarmWeights
from bot.settings import Settings
from bot.store.alerts import counting_breaks, stored_thresholds
from bot.store.catalogue import load_catalogue
from bot.store.counts import code_counts_on_any_day, counts_by_window, window_code_counts
from bot.store.db import Database
from bot.store.harm import current_weights
from bot.store.series import daily_totals

WEEKS = 52
WEEKS_RANGE = (1, 260)
WARM_UP = 13  # weeks replayed before the first reported run, unreported: what stood then is handed on
CHUNK = 300  # windows a query counts at most (SQLite takes 500 parts in a UNION ALL)


@dataclass(frozen=True)
class BacktestRun:
    """One replayed weekly run: `as_of` the data's last day (the day before the run), and what it would have told
    the channel with the threshold tried; `posted_now`, with the strand's current one (None: on harm, unweighed)."""

    as_of: date
    news: News
    posted_now: bool | None

    @property
    def posted(self) -> bool:
        return not self.news.quiet

    def as_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "posted": self.posted,
            "new": [t.breach.comparison for t in self.news.new],
            "reminder": [t.breach.comparison for t in self.news.reminders],
            "resolved": [comparison for _, comparison in self.news.resolved],
        }


@dataclass(frozen=True)
class Backtest:
    slug: str
    name: str
    threshold: Threshold  # the one tried
    current: Threshold  # the strand's threshold today
    runs: tuple[BacktestRun, ...]
    harm: HarmBasis | None = None  # what harm was weighed with, when either threshold is on harm

    @property
    def posted(self) -> int:
        return sum(1 for run in self.runs if run.posted)

    @property
    def new(self) -> int:
        return sum(len(run.news.new) for run in self.runs)

    @property
    def reminders(self) -> int:
        return sum(len(run.news.reminders) for run in self.runs)

    @property
    def resolved(self) -> int:
        return sum(len(run.news.resolved) for run in self.runs)

    @property
    def posted_now(self) -> int | None:
        """In how many runs the current threshold would have posted; None if it is on harm and no weights are loaded."""
        if any(run.posted_now is None for run in self.runs):
            return None
        return sum(1 for run in self.runs if run.posted_now)

    def as_json(self) -> dict:
        return {
            "strand": self.slug,
            "weeks": len(self.runs),
            "posted": self.posted,
            "new": self.new,
            "reminders": self.reminders,
            "resolved": self.resolved,
            "runs": [run.as_json() for run in self.runs],
        }


def checked_weeks_back(text: str | int | None) -> int:
    if text is None:
        return WEEKS
    low, high = WEEKS_RANGE
    try:
        weeks = int(text)
    except ValueError:
        raise InvalidRequest(f"weeks={text} is not a whole number of weeks; e.g. `weeks=52`.") from None
    if not low <= weeks <= high:
        raise InvalidRequest(f"weeks={text} is out of range: replay {low} to {high} weeks, e.g. `weeks=52`.")
    return weeks


def backtest(
    database: Database,
    settings: Settings,
    strand: str | None,
    percent: str | None,
    options: dict[str, str],
    weeks: str | int | None = None,
) -> Backtest:
    """Replay the last `weeks` weekly runs (on the schedule's weekday; default 52) for one strand, with the
    threshold given (parts not given are the strand's current ones), and with the current one for comparison.
    Trying a threshold on harm needs weights (raises NoHarmWeights); a current one on harm without them is not
    replayed."""
    count = checked_weeks_back(weeks)
    values = checked_threshold_values(percent, options)
    schedule = current_schedule(database)
    today = clock.today(settings.timezone)
    last_run = today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
    run_days = [last_run - timedelta(weeks=n) for n in reversed(range(count + WARM_UP))]
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
        breaks = breaks_of(catalogue, scope, counting_breaks(session))
        keys = tuple(key for key in WINDOWS if key in set(tried.comparisons) | set(current.comparisons))
        week_windows = [
            dashboard_windows(day - timedelta(days=1), settings.fy_start_month, settings.baseline_fy, keys)
            for day in run_days
        ]
        named = {
            f"{i}:{name}": window for i, windows in enumerate(week_windows) for name, window in windows.all().items()
        }
        basis = weighed = None
        if weights is None:
            counts = _daily_sums(session, settings, scope, named)
        else:  # harm is weighed by offence code: a query for every few hundred replayed windows
            family = catalogue.descendants(scope)
            names = list(named)
            by_code = pd.concat(
                [
                    window_code_counts(session, {n: named[n] for n in names[i : i + CHUNK]}, settings.timezone, family)
                    for i in range(0, len(names), CHUNK)
                ],
                ignore_index=True,
            )
            counts = counts_by_window(by_code, list(named))
            weighed = weigh(by_code, weights, list(named))
            missing = code_counts_on_any_day(session, named, settings.timezone, scope)
            basis = HarmBasis(weights, Unweighted.of(missing, weights))
    runs = []
    told: dict = {}
    told_now: dict | None = None if current.measure == "harm" and basis is None else {}
    # The strand alone, as a catalogue of one: each week's dashboard works out its row and no other.
    alone = Catalogue((replace(catalogue.get(scope), parent=None),))
    weekly_counts = _by_week(counts, len(week_windows))
    weekly_harm = (
        None
        if weighed is None
        else (_by_week(weighed.harm, len(week_windows)), _by_week(weighed.weighted, len(week_windows)))
    )
    for i, windows in enumerate(week_windows):
        harm = None
        if weekly_harm is not None and basis is not None:
            harm = (Weighed(weekly_harm[0][i], weekly_harm[1][i]), basis)
        stats = compute_dashboard(
            weekly_counts[i], alone, windows, settings.fy_start_month, settings.baseline_fy, harm=harm
        ).strand(scope)
        found, told = _run(stats, tried, basis, windows, breaks, told)
        posted_now = None
        if told_now is not None:
            now, told_now = _run(stats, current, basis, windows, breaks, told_now)
            posted_now = not now.quiet
        if i >= WARM_UP:
            runs.append(BacktestRun(windows.as_of, found, posted_now))
    return Backtest(scope, catalogue.get(scope).name, tried, current, tuple(runs), basis)


def _run(stats, threshold: Threshold, basis, windows: DashboardWindows, breaks, before: dict) -> tuple[News, dict]:
    found = breaches(stats, threshold, basis, windows, breaks)
    watched = {(stats.slug, comparison) for comparison in threshold.comparisons}
    told = news(windows.as_of, "", found, before, watched)
    return told, {s.key: s for s in told.standing}


def _daily_sums(session, settings: Settings, scope: str, named: dict[str, Window]) -> pd.DataFrame:
    """The strand's count in each named window (a one-row frame, a column per window), from its daily series."""
    first = min(w.start for w in named.values())
    last = max(w.end for w in named.values())
    daily = daily_totals(session, Window(first, last), settings.timezone, scope)
    days = pd.date_range(first, last, freq="D").date
    running = daily.reindex(days, fill_value=0).cumsum().to_numpy()
    start = {day: i for i, day in enumerate(days)}

    def total(window: Window) -> int:
        end = running[start[window.end]]
        return int(end - (running[start[window.start] - 1] if start[window.start] else 0))

    return pd.DataFrame([[total(window) for window in named.values()]], index=[scope], columns=list(named))


def _by_week(frame: pd.DataFrame, weeks: int) -> list[pd.DataFrame]:
    """A frame of every replayed window (columns `week:name`) as one frame per week, its columns named as that
    week's dashboard names them: split once, not sliced 65 times."""
    values = frame.to_numpy()
    columns: dict[int, list[tuple[int, str]]] = {week: [] for week in range(weeks)}
    for at, column in enumerate(frame.columns):
        week, name = column.split(":", 1)
        columns[int(week)].append((at, name))
    return [
        pd.DataFrame(
            values[:, [at for at, _ in columns[week]]], index=frame.index, columns=[n for _, n in columns[week]]
        )
        for week in range(weeks)
    ]
