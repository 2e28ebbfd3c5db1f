"""How long a repeat-contact list takes at scale: the call `/repeats` makes, audit row included.

    python -m bench.repeats_speed [--occurrences 10000000] [--runs 20] [--postgres-url URL]

Uses (building if need be) the `bench.scale` database of that size. Each case runs once to warm the cache,
then --runs times; prints p50, p95 and the slowest, and how many references each list holds. A list ranked
by harm is skipped, saying so, until a weight set is loaded (`strandbot harm load`).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.scale import WORKDIR, scale_database
from bot.audit.log import Actor
from bot.errors import NoHarmWeights
from bot.repeats.request import RepeatRequest
from bot.repeats.service import repeat_list, repeat_trend
from bot.settings import load_settings
from bot.slack.blocks.repeats import PAGE_SIZE
from bot.store.db import Database

CASES = {
    "mental-health, last month (3+)": RepeatRequest("bench", "mental-health", "last-month", reason="benchmark run"),
    "mental-health, 2024-10 (3+)": RepeatRequest("bench", "mental-health", "2024-10", reason="benchmark run"),
    "hate-crime victims, 12 months (2+)": RepeatRequest(
        "bench", "hate-crime", "12m", role="victim", reason="benchmark"
    ),
    "domestic-abuse places, last month": RepeatRequest(
        "bench", "domestic-abuse", "last-month", by="location", reason="benchmark run"
    ),
    "child-protection (3 sub-strands), last month": RepeatRequest(
        "bench", "child-protection", "last-month", reason="benchmark run"
    ),
    "mental-health trend, 24 months": RepeatRequest("bench", "mental-health", trend=True),
    # Issue 17's target: under 1 s. Needs offence codes in the export and a weight set loaded.
    "domestic-abuse offenders by harm, 12m, top 20": RepeatRequest(
        "bench", "domestic-abuse", "12m", role="offender", rank="harm", top="20", reason="benchmark run"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--occurrences", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    url = scale_database("postgres", args.occurrences, WORKDIR, args.postgres_url, rebuild=False)
    settings = load_settings({"DATABASE_URL": url.render_as_string(hide_password=False)}, dotenv_path=None)
    database = Database(settings.database_url)
    actor = Actor("bench", via="cli")
    print(f"{args.occurrences:,} occurrences on PostgreSQL; {args.runs} runs each after one warm-up.\n")
    print(f"{'case':<48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'on list':>9}")
    for name, request in CASES.items():
        if request.rank == "harm":
            try:
                repeat_list(database, settings, request, actor, PAGE_SIZE)
            except NoHarmWeights:
                print(f"{name:<48} skipped: no harm weights are loaded")
                continue
        timings = []
        for _ in range(args.runs + 1):
            started = time.perf_counter()
            if request.trend:
                result = repeat_trend(database, settings, request, actor)
                size = result.months[-1].people
            else:
                result = repeat_list(database, settings, request, actor, PAGE_SIZE)
                size = result.people
            timings.append((time.perf_counter() - started) * 1000)
        timings = timings[1:]
        p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1] if len(timings) > 1 else timings[0]
        print(f"{name:<48} {statistics.median(timings):8.0f} {p95:8.0f} {max(timings):8.0f} {size:9,}")
    database.dispose()


if __name__ == "__main__":
    main()
