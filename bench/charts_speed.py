"""How long a chart takes, from the signed slash command to the image on the Slack stand-in, cold and
cached, one person and several at once.

    python -m bench.charts_speed [--backend postgres|sqlite] [--occurrences 1000000] [--clients 8] [--rounds 3]

The database is the demo's (`strandbot demo --as-of 2026-11-30`, 50,000 occurrences), built once
(<workdir>/charts-demo.db, or `strandbot_charts_demo` beside --postgres-url); with --occurrences, the
`bench.scale` database of that size (built if need be, and migrated); with --database-url, that database
(migrated first). Over signed HTTP to `strandbot serve`
(2 workers x 4 threads) with the Slack stand-in, each time is until the answer at the response URL, which
follows the upload:
- cold, one person: the chart cache emptied, then each kind of chart for each strand in turn;
- cold, --clients at once: the cache emptied, then --clients people ask for different strands together;
- again: the same charts asked again (the cache's answer), one person and --clients at once.
- after import: the cache emptied and every strand's forecast fitted, as the scheduler does after an import;
  then the charts, one person and --clients at once (the images still to draw).
Rounds repeat the whole with the cache emptied. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from bench.scale import THREADS, WORKDIR, WORKERS, postgres_database, scale_database
from bot.charts.service import warm_forecasts
from bot.settings import load_settings
from bot.slack.standin import SlackStandIn
from bot.slack.testing import ServedApp
from bot.store.db import Database

DEMO_AS_OF = "2026-11-30"
# Busy strands and quiet ones, parents (which count their sub-strands) and sub-strands.
STRANDS = (
    "domestic-abuse",
    "hate-crime",
    "mental-health",
    "sexual-offences",
    "child-protection",
    "stalking-harassment",
    "hate-race",
    "missing-children",
)
KINDS = ("trend", "forecast years=3", "heatmap")
USER = "U0BENCH01"


def demo_database(backend: str, workdir: Path, postgres_url: str) -> URL:
    """The demo's data as of DEMO_AS_OF, loaded once."""
    if backend == "sqlite":
        workdir.mkdir(parents=True, exist_ok=True)
        url, exists = make_url(f"sqlite:///{workdir / 'charts-demo.db'}"), (workdir / "charts-demo.db").exists()
    else:
        url, exists = postgres_database(postgres_url, "strandbot_charts_demo", rebuild=False)
    environment = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    strandbot = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*strandbot, "db", "upgrade"], env=environment, check=True, capture_output=True)
    if not exists:
        subprocess.run([*strandbot, "demo", "--as-of", DEMO_AS_OF], env=environment, check=True, capture_output=True)
    return url


def empty_cache(url: URL) -> None:
    database = Database(url)
    with database.session() as session:
        session.execute(text("DELETE FROM chart_cache"))
    database.dispose()


def warm_forecasts_as_the_scheduler_does(url: URL) -> None:
    """What the scheduler's first tick after an import does: every strand's whole-force forecast, fitted and kept."""
    settings = load_settings({"DATABASE_URL": url.render_as_string(hide_password=False)}, dotenv_path=None)
    database = Database(url)
    warm_forecasts(database, settings)
    database.dispose()


def answer_ms(server: ServedApp, slack: SlackStandIn, typed: str) -> float:
    """Milliseconds from the slash command to the answer that follows the image's upload."""
    started = time.perf_counter()
    status, answer = server.command(slack, typed, USER, timeout=300)  # acknowledged at once; answered later
    if status != 200:
        raise RuntimeError(f"/strand {typed} answered HTTP {status}")
    if "Image sent to your direct messages" not in str(answer):
        raise RuntimeError(f"/strand {typed} answered: {str(answer)[:300]}")
    return (time.perf_counter() - started) * 1000


def summary(ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1] if len(ms) > 1 else ms[0]
    return f"{len(ms):>5} {statistics.median(ms):8.0f} {p95:8.0f} {max(ms):8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--occurrences", type=int, help="a bench.scale database of this size (default: the demo)")
    parser.add_argument("--database-url", help="an existing database to use instead (migrated first)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    if args.database_url:
        url = make_url(args.database_url)
        environment = {**os.environ, "DATABASE_URL": args.database_url}
        subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=environment, check=True)
        as_of = ""
    elif args.occurrences:
        url = scale_database(args.backend, args.occurrences, WORKDIR, args.postgres_url, rebuild=False)
        as_of = ""
    else:
        url = demo_database(args.backend, WORKDIR, args.postgres_url)
        as_of = f" {DEMO_AS_OF}"
    size = (
        f"{args.occurrences:,} occurrences"
        if args.occurrences
        else url.database
        if args.database_url
        else "the demo's data"
    )
    print(f"{size} on {args.backend}; {args.rounds} rounds; {WORKERS} workers x {THREADS} threads.\n")
    typed = [f"{strand} {kind}{as_of}" for kind in KINDS for strand in STRANDS]
    timings: dict[str, list[float]] = {}
    with SlackStandIn() as slack:
        server = ServedApp(url.render_as_string(hide_password=False), slack, secrets.token_hex(16), workers=WORKERS,
                           threads=THREADS)  # fmt: skip
        try:
            answer_ms(server, slack, f"prevent trend{as_of}")  # both workers' imports, once
            for _ in range(args.rounds):
                empty_cache(url)
                timings.setdefault("cold, one person", []).extend(answer_ms(server, slack, t) for t in typed)
                timings.setdefault("again, one person", []).extend(answer_ms(server, slack, t) for t in typed)
                empty_cache(url)
                with ThreadPoolExecutor(args.clients) as pool:
                    for kind in KINDS:  # the clients ask for different strands at the same moment
                        asked = [f"{strand} {kind}{as_of}" for strand in STRANDS[: args.clients]]
                        timings.setdefault(f"cold, {args.clients} at once", []).extend(
                            pool.map(lambda t: answer_ms(server, slack, t), asked)
                        )
                        timings.setdefault(f"again, {args.clients} at once", []).extend(
                            pool.map(lambda t: answer_ms(server, slack, t), asked)
                        )
                # After an import the scheduler fits the forecasts; the images are still to draw.
                empty_cache(url)
                warm_forecasts_as_the_scheduler_does(url)
                timings.setdefault("after import, one person", []).extend(answer_ms(server, slack, t) for t in typed)
                empty_cache(url)
                warm_forecasts_as_the_scheduler_does(url)
                with ThreadPoolExecutor(args.clients) as pool:
                    for kind in KINDS:
                        asked = [f"{strand} {kind}{as_of}" for strand in STRANDS[: args.clients]]
                        timings.setdefault(f"after import, {args.clients} at once", []).extend(
                            pool.map(lambda t: answer_ms(server, slack, t), asked)
                        )
            print(f"{'request to image':<24} {'count':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            for name, ms in timings.items():
                print(f"{name:<24} {summary(ms)}", flush=True)
        finally:
            try:
                server.stop()
            except subprocess.TimeoutExpired:  # a worker slow to finish on a busy machine: the figures stand
                server.process.kill()


if __name__ == "__main__":
    main()
