"""Are the weekly alerts quiet on a stable series and quick on a real rise? Issue 19's two figures.

    python -m bench.alerts_quality synthetic [--rates 1,3,10] [--seeds 20] [--step-weeks-ago 10]
    python -m bench.alerts_quality demo [--database-url URL]

`synthetic`: for each daily rate, and each seed, two series of one strand (hate-crime) are written into a fresh
SQLite database (Poisson counts day by day, three years to yesterday): one with no change, one whose daily rate
steps up 30% on one day (`--step-weeks-ago` weeks before the last run). For each, `strandbot alerts backtest
hate-crime --format json` (the real command, shipped defaults) replays the last 52 weekly runs. It prints, per
rate, the share of runs that posted on the stable series (mean over seeds), and on the step series how many
weekly runs after the step the first *new* breach came (runs whose data ends on or after the step day count
1, 2, …; "never" if none within the runs left).

`demo`: on a `strandbot demo` database, every strand's 52-week backtest with the shipped defaults: the share of
runs each would have posted in, and the average over strands; and how long each backtest took.

`job`: on a copy of a `strandbot demo` database, 50 channels subscribed (10 to every strand force-wide, 10 to two
strands, 30 to every strand in one of the demo's areas), then the weekly job's digests built and rendered for all
50 as `strandbot jobs run weekly-breaches --dry-run` builds them (posting is Slack's time, not ours), --runs times.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.engine import make_url

from bot.settings import load_settings
from bot.store.db import Database, upgrade
from bot.store.occurrences import NewOccurrence, replace_source

STRAND = "hate-crime"
YEARS = 3
STEP = 1.3


def _series(rate: float, seed: int, step_day: date | None, last: date) -> list[tuple[date, int]]:
    """Poisson counts per day for YEARS years to `last`, the rate times STEP from `step_day` on."""
    generator = np.random.default_rng(seed)
    first = last - timedelta(days=365 * YEARS)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rates = [rate * (STEP if step_day is not None and day >= step_day else 1.0) for day in days]
    return list(zip(days, generator.poisson(rates).tolist(), strict=True))


def _fresh_database(directory: Path, counts: list[tuple[date, int]], tz: ZoneInfo) -> str:
    url = f"sqlite:///{directory / 'alerts.db'}"
    upgrade(make_url(url))
    database = Database(make_url(url))
    occurrences = [
        NewOccurrence(
            "bench", f"b-{day}-{n}", datetime.combine(day, clock_time(12), tzinfo=tz).astimezone(UTC), (STRAND,)
        )
        for day, count in counts
        for n in range(count)
    ]
    with database.session() as session:
        replace_source(session, "bench", occurrences, tz)
    database.dispose()
    return url


def _backtest_json(url: str, directory: Path) -> dict:
    """The real command, as an admin would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "alerts", "backtest", STRAND, "--format", "json"],
        env={**os.environ, "DATABASE_URL": url},
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def synthetic(rates: list[float], seeds: int, step_weeks_ago: int) -> None:
    tz = load_settings({"DATABASE_URL": "sqlite:///unused.db"}, dotenv_path=None).timezone
    yesterday = datetime.now(tz).date() - timedelta(days=1)
    step_day = yesterday - timedelta(weeks=step_weeks_ago)
    print(
        f"{STRAND}, shipped defaults, 52 weekly runs; step +30% on {step_day} "
        f"({step_weeks_ago} weeks before the last run)"
    )
    print(f"{'rate/day':>8}  {'stable: share posted':>21}  {'step: runs to first new (median, each seed)':<50}")
    for rate in rates:
        shares, delays = [], []
        for seed in range(seeds):
            for step in (None, step_day):
                with tempfile.TemporaryDirectory() as folder:
                    directory = Path(folder)
                    url = _fresh_database(directory, _series(rate, seed, step, yesterday), tz)
                    result = _backtest_json(url, directory)
                if step is None:
                    shares.append(result["posted"] / result["weeks"])
                    continue
                after = [run for run in result["runs"] if date.fromisoformat(run["as_of"]) >= step_day]
                delay = next((n for n, run in enumerate(after, 1) if run["new"]), None)
                delays.append(delay)
        caught = sorted(d for d in delays if d is not None)
        median = statistics.median(caught) if len(caught) == len(delays) else "—"
        within = sum(1 for d in delays if d is not None and d <= 4)
        shown = " ".join("never" if d is None else str(d) for d in delays)
        print(
            f"{rate:>8g}  {statistics.mean(shares):>20.1%}   median {median}, within 4 runs in {within}/{len(delays)}: "
            f"{shown}"
        )


def demo(database_url: str) -> None:
    from bot.alerts.backtest import backtest
    from bot.store.catalogue import load_catalogue

    settings = load_settings({"DATABASE_URL": database_url}, dotenv_path=None)
    database = Database(settings.database_url)
    with database.session() as session:
        catalogue = load_catalogue(session)
    shares, times = [], []
    for entry in catalogue:
        started = time.perf_counter()
        result = backtest(database, settings, entry.slug, None, {})
        times.append(time.perf_counter() - started)
        shares.append(result.posted / len(result.runs))
        print(
            f"{entry.slug:<26} posted in {result.posted:>2} of {len(result.runs)} "
            f"({result.new} new, {result.reminders} reminders, {result.resolved} resolved)  {times[-1]:.2f} s"
        )
    print(f"average share of runs posted: {statistics.mean(shares):.1%} over {len(shares)} strands")
    print(f"backtest time: median {statistics.median(times):.2f} s, slowest {max(times):.2f} s")


def job(database_url: str, runs: int) -> None:
    import shutil
    from datetime import UTC

    from bot.alerts.digest import weekly_digests
    from bot.alerts.records import AlertSubscription
    from bot.alerts.schedule import period_of
    from bot.domain import clock
    from bot.slack.blocks.alerts import digest_message
    from bot.store.alerts import add_subscriptions
    from bot.store.catalogue import load_areas

    source = make_url(database_url).database
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "job.db"
        shutil.copy(source, copy)
        settings = load_settings({"DATABASE_URL": f"sqlite:///{copy}"}, dotenv_path=None)
        database = Database(settings.database_url)
        with database.session() as session:
            areas = [a.slug for a in load_areas(session)]
            rows = [AlertSubscription(f"CFORCE{n:04d}", "*") for n in range(10)]
            rows += [AlertSubscription(f"CPAIR{n:05d}", s) for n in range(10) for s in ("hate-crime", "domestic-abuse")]
            rows += [AlertSubscription(f"CAREA{n:05d}", "*", areas[n % len(areas)]) for n in range(30)]
            add_subscriptions(session, rows, "bench", datetime.now(UTC))
        as_of = clock.yesterday(settings.timezone)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            digests = weekly_digests(database, settings, as_of, period_of(as_of))
            messages = [digest_message(digest) for digest in digests]
            times.append(time.perf_counter() - started)
        database.dispose()
    places = len({row.area for row in rows})
    print(f"{len(messages)} channels ({places} places: the force and {places - 1} areas), digests built and rendered:")
    print(f"median {statistics.median(times):.2f} s, slowest {max(times):.2f} s over {runs} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    made = kinds.add_parser("synthetic")
    made.add_argument("--rates", default="1,3,10", help="daily rates, comma-separated")
    made.add_argument("--seeds", type=int, default=20)
    made.add_argument("--step-weeks-ago", type=int, default=10)
    on_demo = kinds.add_parser("demo")
    on_demo.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite:///strandbot.db"))
    on_job = kinds.add_parser("job")
    on_job.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite:///strandbot.db"))
    on_job.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    if arguments.kind == "synthetic":
        synthetic([float(r) for r in arguments.rates.split(",")], arguments.seeds, arguments.step_weeks_ago)
    elif arguments.kind == "demo":
        demo(arguments.database_url)
    else:
        job(arguments.database_url, arguments.runs)


if __name__ == "__main__":
    main()
