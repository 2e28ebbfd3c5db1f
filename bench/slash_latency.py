"""How long `/strand` takes, end to end: signed HTTP to `strandbot serve` until the answer is back.

    python -m bench.slash_latency [--backend sqlite|postgres] [--requests 200] [--concurrency 1]

Loads the demo data (a small force, FY 2019/20 to yesterday) into a fresh database, starts the server
against a local Slack stand-in, and prints p50/p95/p99 per command. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.slack.standin import ServedApp, SlackStandIn

SECRET = "benchmark-signing-secret"
COMMANDS = ["hate-crime", "all"]


def fresh_database(backend: str, directory: Path, postgres_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / 'bench.db'}"
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "strandbot_bench" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "strandbot_bench"'))
    admin.dispose()
    return make_url(postgres_url).set(database="strandbot_bench").render_as_string(hide_password=False)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, SlackStandIn() as slack:
        url = fresh_database(args.backend, Path(scratch), args.postgres_url)
        environment = {**os.environ, "DATABASE_URL": url}
        loaded = subprocess.run(
            [sys.executable, "-m", "bot.cli", "demo"],
            env=environment,
            cwd=scratch,
            capture_output=True,
            text=True,
            check=True,
        )
        print(loaded.stdout.splitlines()[0])
        server = ServedApp(url, slack, SECRET, workers=2, threads=4)
        try:
            print(f"{args.backend}, {args.requests} requests per command, {args.concurrency} concurrent client(s)")
            print(f"{'command':<22}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
            for command in COMMANDS:
                for _ in range(5):  # warm up each worker's connections and caches
                    server.command(slack, command, "U0BENCH")

                def timed(_: int, command: str = command) -> float:
                    started = time.perf_counter()
                    status, answer = server.command(slack, command, "U0BENCH")
                    elapsed = (time.perf_counter() - started) * 1000
                    if status != 200 or "Working on it" in str(answer) or "went wrong" in str(answer):
                        raise RuntimeError(f"/strand {command} answered {status}: {str(answer)[:200]}")
                    return elapsed

                with ThreadPoolExecutor(args.concurrency) as pool:
                    times = list(pool.map(timed, range(args.requests)))
                print(
                    f"{'/strand ' + command:<22}{percentile(times, 50):>9.1f}{percentile(times, 95):>9.1f}"
                    f"{percentile(times, 99):>9.1f}{max(times):>9.1f}"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
