"""How long the weekly breach job takes at scale: 50 channels, every strand, posted to a local Slack stand-in.

    python -m bench.weekly_breaches_speed [--occurrences 10000000] [--channels 50] [--runs 5] [--postgres-url URL]

Uses (building if need be) the `bench.scale_data` database. Subscribes --channels channels (a fifth of
them to every strand, the rest to three strands each), then runs the job --runs times, each for a
different week so every run computes and posts every digest. Also times a 52-week backtest of one strand.
Prints the median and slowest of each. Not part of the test suite; leaves the database's alert tables
as they were.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from bench.scale_data import scale_database
from bot.alerts.backtest import backtest
from bot.db import Database
from bot.models import AlertDelivery, AlertSubscription, JobRun
from bot.repository import add_subscriptions, load_catalogue
from bot.settings import load_settings
from bot.slack.standin import SlackStandIn
from bot.slack.web import SlackWeb, retrying_client
from jobs.weekly_breaches import run_weekly_breaches


def subscribe_channels(database: Database, count: int) -> None:
    with database.session() as session:
        slugs = [s.slug for s in load_catalogue(session)]
        rows = []
        for n in range(count):
            scopes = ["*"] if n % 5 == 0 else [slugs[(3 * n + k) % len(slugs)] for k in range(3)]
            rows += [AlertSubscription(channel=f"C0BENCH{n:03d}", scope=s, channel_name=f"bench-{n}") for s in scopes]
        add_subscriptions(session, rows, "bench", datetime.now(UTC))


def clear_alerts(database: Database) -> None:
    with database.session() as session:
        for model in (AlertDelivery, JobRun, AlertSubscription):
            session.execute(delete(model))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--occurrences", type=int, default=10_000_000)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    url = scale_database(args.postgres_url, args.occurrences)
    with SlackStandIn() as slack:
        settings = load_settings(
            {
                "DATABASE_URL": url.render_as_string(hide_password=False),
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_API_URL": slack.api_url,
            },
            dotenv_path=None,
        )
        database = Database(settings.database_url)
        clear_alerts(database)
        subscribe_channels(database, args.channels)
        poster = SlackWeb(retrying_client(settings))
        yesterday = datetime.now(settings.timezone).date() - timedelta(days=1)
        print(f"{args.occurrences:,} occurrences on PostgreSQL; {args.channels} channels; {args.runs} runs.\n")
        timings, posts = [], 0
        for week in range(args.runs):
            started = time.perf_counter()
            report = run_weekly_breaches(database, settings, poster, as_of=yesterday - timedelta(weeks=week))
            timings.append(time.perf_counter() - started)
            posts += report.count("sent")
        median, slowest = statistics.median(timings), max(timings)
        print(f"weekly job, {args.channels} channels:  median {median:.2f} s, slowest {slowest:.2f} s")
        print(f"  ({posts} digests posted, {posts / args.runs:.0f} a run)")
        tries = []
        for _ in range(3):
            started = time.perf_counter()
            result = backtest(database, settings, "hate-crime", "15%", {})
            tries.append(time.perf_counter() - started)
        print(
            f"backtest hate-crime, 52 weeks:  median {statistics.median(tries):.2f} s, slowest {max(tries):.2f} s "
            f"(fired {result.fired} of {len(result.weeks)})"
        )
        clear_alerts(database)
        database.dispose()


if __name__ == "__main__":
    main()
