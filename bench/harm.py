"""Harm at national scale: the figures issue 17 asks for.

    python -m bench.harm [--occurrences 10000000] [--requests 200]

Uses (building if need be) the `bench.areas` database: occurrences with offence codes, people and places.
Loads a weight set for all its codes but the two rarest (so the unweighted are counted too) unless one is
loaded, then times over signed HTTP to `strandbot serve` (2 workers x 4 threads), until the user has the
answer, p50 / p95 / p99: `/strand hate-crime harm`, `/strand all harm`, `/strand all by=area harm`, and the
top-20 harm list `/repeats domestic-abuse 12m by=person role=offender rank=harm top=20` (audited, as always).
Prints a Markdown table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime

from bench.areas import OFFENCE_CODES, areas_database
from bench.scale import print_timings, timed_commands
from bot.harm.records import CodeWeight
from bot.store.db import Database
from bot.store.harm import add_weight_set, current_weights

BENCH_WEIGHTS = "Benchmark weights (made up)"
COMMANDS = [
    ("/strand", "hate-crime harm"),
    ("/strand", "all harm"),
    ("/strand", "all by=area harm"),
    ("/repeats", 'domestic-abuse 12m by=person role=offender rank=harm top=20 reason:"benchmark run"'),
]


def load_weights(database: Database) -> None:
    """Weights for every bench code but the last two, once: 1, 2, 4… so that heavy codes are rarer."""
    with database.session() as session:
        if current_weights(session) is not None:
            return
        weights = [CodeWeight(code, float(2**i), None) for i, code in enumerate(OFFENCE_CODES[:-2])]
        add_weight_set(session, BENCH_WEIGHTS, "bench", "0" * 64, "bench", datetime.now(UTC), weights)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--occurrences", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    url = areas_database(args.postgres_url, args.occurrences, rebuild=False)
    database = Database(url)
    load_weights(database)
    database.dispose()
    rows = timed_commands(url, COMMANDS, args.requests, args.clients)
    print_timings(
        f"PostgreSQL, {args.occurrences:,} occurrences; {platform.node()}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.requests} requests per line (p50 / p95 / p99 ms)",
        rows,
    )


if __name__ == "__main__":
    main()
