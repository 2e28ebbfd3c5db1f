"""strandbot at force and national scale: every figure BENCHMARKS.md reports, for one database.

    python -m bench.scale --backend postgres --occurrences 10000000 [--requests 200] [--workdir .bench]

The database (`strandbot_<size>` next to --postgres-url, or <workdir>/scale-<size>.db) is built once:
`bench.generate` writes the export, `strandbot import` loads it; later runs reuse it. Then:
- `/strand hate-crime` and `/strand all`, signed HTTP to `strandbot serve` (2 workers x 4 threads), timed
  until the answer reaches the user (at the response URL on the Slack stand-in): p50, p95, p99 with 1 and
  with 8 concurrent clients;
- the floor: the same counts by the most direct SQL (50 runs), over `occurrences` and over the daily
  counts summary, and the ratio of the p95s;
- `/repeats mental-health last-month` over signed HTTP (an admin, audited like anyone's);
- the weekly breach job for 50 channels, posting to the stand-in, and a 52-week backtest of hate crime;
- the import that built the database (from its `imports` record) and the server's peak memory.
Prints a Markdown table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, func, select, text, update
from sqlalchemy.engine import URL, make_url

from bench.generate import write_export
from bot.alerts.backtest import backtest
from bot.alerts.records import AlertSubscription as Subscription
from bot.domain import clock
from bot.domain.comparisons import dashboard_windows
from bot.settings import Settings, load_settings
from bot.slack.standin import SlackStandIn
from bot.slack.testing import ServedApp
from bot.slack.web import SlackWeb, retrying_client
from bot.store.alerts import add_subscriptions
from bot.store.catalogue import load_catalogue
from bot.store.db import Database
from bot.store.models import (
    AlertDelivery,
    AlertSubscription,
    DailyCount,
    DailyCountsZone,
    ImportRecord,
    JobRun,
    Occurrence,
    OccurrenceStrand,
    Strand,
)
from jobs.weekly_breaches import run_weekly_breaches

SECRET = "benchmark-signing-secret"
ADMIN = "U0BENCHADMIN"
WORKERS, THREADS = 2, 4
WORKDIR = Path(".bench")  # exports and SQLite files, kept between runs (git ignores it)
FLOOR_RUNS = 50  # a scan of 10 million occurrences takes about a second: 50 give steady percentiles


def size_label(occurrences: int) -> str:
    return f"{occurrences // 1_000_000}m" if occurrences % 1_000_000 == 0 else str(occurrences)


def scale_database(backend: str, occurrences: int, workdir: Path, postgres_url: str, rebuild: bool) -> URL:
    """A database holding the generated export of `occurrences`, built (generate, import) if need be."""
    label = size_label(occurrences)
    workdir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = workdir / f"scale-{label}.db"
        if rebuild:
            path.unlink(missing_ok=True)
        url = make_url(f"sqlite:///{path}")
        exists = path.exists()
    else:
        url, exists = postgres_database(postgres_url, f"strandbot_{label}", rebuild)
    environment = _environment(url)
    strandbot = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*strandbot, "db", "upgrade"], env=environment, check=True, capture_output=True)
    if exists and _held(url) == occurrences:
        return url
    export = workdir / f"scale-{label}.csv"
    if not export.exists():
        print(f"Writing {occurrences:,} occurrences to {export} ...", flush=True)
        write_export(export, occurrences)
    print(f"Importing {export} into {url.render_as_string()} ...", flush=True)
    subprocess.run([*strandbot, "import", str(export)], env=environment, check=True)
    if backend == "postgres":  # what autovacuum would do soon after: statistics, and the visibility map
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    return url


def postgres_database(postgres_url: str, name: str, rebuild: bool) -> tuple[URL, bool]:
    """The database `name` beside `postgres_url`, created if missing (dropped first if `rebuild`), and
    whether it was there already."""
    url = make_url(postgres_url).set(database=name)
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = bool(connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
        if exists and rebuild:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url, exists


def _environment(url: URL) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}


def set_summary_aside(url: URL) -> None:
    """Forget which time zone the daily counts are for: until `strandbot db upgrade`, counts come from
    occurrences (the way every count was made before the summary)."""
    database = Database(url)
    with database.session() as session:
        session.execute(update(DailyCountsZone).values(time_zone=""))
    database.dispose()


def _held(url: URL) -> int:
    database = Database(url)
    with database.session() as session:
        held = session.scalar(select(func.count()).select_from(Occurrence)) or 0
    database.dispose()
    return held


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles([v for v in values if not math.isnan(v)], n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def timed_requests(call: Callable[[], None], requests: int, clients: int) -> list[float]:
    """Milliseconds for each of `requests` calls made by `clients` concurrent clients (after a warm-up);
    NaN for a call that failed."""

    def one(_: int) -> float:
        started = time.perf_counter()
        try:
            call()
        except RuntimeError as error:
            print(f"  error: {error}", flush=True)
            return math.nan
        return (time.perf_counter() - started) * 1000

    for _ in range(2 * WORKERS * THREADS):
        one(0)

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(requests)))


def served(url: URL, slack: SlackStandIn) -> ServedApp:
    """`strandbot serve` on `url` as benchmarks run it (WORKERS x THREADS), answering to an admin's commands."""
    return ServedApp(
        url.render_as_string(hide_password=False),
        slack,
        SECRET,
        workers=WORKERS,
        threads=THREADS,
        environment={"STRANDBOT_ADMINS": ADMIN},
    )


def slash(server: ServedApp, slack: SlackStandIn, command: str, text_: str) -> Callable[[], None]:
    """One slash command, returning when the user has the answer (at the response URL)."""

    def call() -> None:
        status, answer = server.command(slack, text_, ADMIN, command=command)
        if status != 200:
            raise RuntimeError(f"{command} {text_} answered HTTP {status}: {str(answer)[:200]}")
        if "went wrong" in str(answer) or "not reachable" in str(answer):
            raise RuntimeError(f"{command} {text_} answered: {str(answer)[:300]}")

    return call


def timed_commands(
    url: URL, commands: list[tuple[str, str]], requests: int, clients: list[int]
) -> list[tuple[str, int, str, int]]:
    """Each slash command (command, text) timed over signed HTTP to `strandbot serve` on `url`, with each
    number of concurrent clients: rows of (command as shown, clients, "p50 / p95 / p99" ms, errors). A
    `reason:` is left out of what is shown."""
    rows = []
    with SlackStandIn() as slack:
        server = served(url, slack)
        try:
            for command, text_ in commands:
                for count in clients:
                    ms = timed_requests(slash(server, slack, command, text_), requests, count)
                    p50, p95, p99 = percentiles(ms)
                    errors = sum(math.isnan(v) for v in ms)
                    shown = f"`{command} {text_.split(' reason')[0]}`"
                    rows.append((shown, count, f"{p50:,.0f} / {p95:,.0f} / {p99:,.0f}", errors))
                    print(f"  {shown}, {count} clients: {rows[-1][2]} ms, {errors} errors", flush=True)
        finally:
            server.stop()
    return rows


def print_timings(heading: str, rows: list[tuple[str, int, str, int]]) -> None:
    """`timed_commands`' rows as the Markdown table BENCHMARKS.md keeps, under `heading`."""
    print(f"\n{heading}\n")
    print("| command | clients | end to end (ms) | errors |\n|---|---|---|---|")
    for command, clients, figures, errors in rows:
        print(f"| {command} | {clients} | {figures} | {errors} |")


def floor_query(url: URL, settings: Settings, slugs: list[str] | None, source: str) -> Callable[[], None]:
    """The dashboard's counts by the most direct SQL, one pass with a FILTER per window: over the
    occurrences' strands (counting them, each strand alone, as anyone would without a summary) or over
    `daily_counts` (summing the summary)."""
    yesterday = clock.yesterday(settings.timezone)
    windows = dashboard_windows(yesterday, settings.fy_start_month, settings.baseline_fy).all().values()
    if source == "occurrences":
        at, strand_id, count = OccurrenceStrand.occurred_at, OccurrenceStrand.strand_id, func.count()
        bounds = [w.utc_bounds(settings.timezone) for w in windows]
        columns = [count.filter(at >= start, at < end) for start, end in bounds]
        span = [at >= min(b[0] for b in bounds), at < max(b[1] for b in bounds)]
    else:
        day, strand_id = DailyCount.day, DailyCount.strand_id
        columns = [func.sum(DailyCount.occurrences).filter(day >= w.start, day <= w.end) for w in windows]
        span = [day >= min(w.start for w in windows), day <= max(w.end for w in windows)]
    query = select(strand_id, *columns).where(*span).group_by(strand_id)
    if slugs is not None:
        query = query.where(strand_id.in_(select(Strand.id).where(Strand.slug.in_(slugs))))
    engine = create_engine(url)

    def call() -> None:
        with engine.connect() as connection:
            connection.execute(query).all()

    return call


def weekly_job_seconds(url: URL, slack: SlackStandIn, channels: int, runs: int) -> list[float]:
    """Seconds per run of the weekly job for `channels` channels, each run a different week."""
    settings = load_settings({**_environment(url), "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": slack.api_url})
    database = Database(settings.database_url)
    _clear_alerts(database)
    with database.session() as session:
        slugs = [s.slug for s in load_catalogue(session)]
        rows = []
        for n in range(channels):  # a fifth follow every strand, the rest three strands each
            scopes = ["*"] if n % 5 == 0 else [slugs[(3 * n + k) % len(slugs)] for k in range(3)]
            rows += [Subscription(channel=f"C0BENCH{n:03d}", scope=s, channel_name=f"bench-{n}") for s in scopes]
        add_subscriptions(session, rows, "bench", datetime.now(UTC))
    poster = SlackWeb(retrying_client(settings))
    yesterday = clock.yesterday(settings.timezone)
    seconds = []
    for week in range(runs):
        started = time.perf_counter()
        report = run_weekly_breaches(database, settings, poster, as_of=yesterday - timedelta(weeks=week))
        seconds.append(time.perf_counter() - started)
        if report.count("sent") != channels:
            raise RuntimeError(f"the weekly job posted {report.count('sent')} of {channels} digests")
    _clear_alerts(database)
    database.dispose()
    return seconds


def backtest_seconds(settings: Settings, runs: int) -> list[float]:
    """Seconds per `/strand-admin backtest hate-crime 15%` (52 weekly runs replayed)."""
    database = Database(settings.database_url)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        backtest(database, settings, "hate-crime", "15%", {})
        seconds.append(time.perf_counter() - started)
    database.dispose()
    return seconds


def _clear_alerts(database: Database) -> None:
    with database.session() as session:
        for model in (AlertDelivery, JobRun, AlertSubscription):
            session.execute(delete(model))


def import_record(url: URL) -> ImportRecord:
    database = Database(url)
    with database.session() as session:
        record = session.scalars(select(ImportRecord).order_by(ImportRecord.id.desc()).limit(1)).one()
    database.dispose()
    return record


class MemoryWatch:
    """The server's memory while it works: gunicorn's master and workers, sampled twice a second.

    `peak_pss_mb` is the largest total proportional set size seen (shared pages counted once, split
    between the processes sharing them): what the server really holds. `peak_rss_mb` sums each
    process's own peak RSS (VmHWM), counting pages the workers share with the master once per process:
    an upper bound."""

    def __init__(self, root_pid: int):
        self.root_pid = root_pid
        self.peak_pss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_pss_mb = max(self.peak_pss_mb, self._sum("smaps_rollup", "Pss:"))

    def _sum(self, file: str, field: str) -> float:
        total_kb = 0
        for pid in [self.root_pid, *_children(self.root_pid)]:
            try:
                lines = Path(f"/proc/{pid}/{file}").read_text().splitlines()
            except (FileNotFoundError, ProcessLookupError):  # a worker restarted between listing and reading
                continue
            total_kb += int(next(line.split()[1] for line in lines if line.startswith(field)))
        return total_kb / 1024

    def stop(self) -> tuple[float, float]:
        """(peak PSS, summed peak RSS) in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak_pss_mb, self._sum("status", "VmHWM:")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if parent == pid:
                found += [int(entry.name), *_children(int(entry.name))]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--occurrences", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per command and number of clients")
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--workdir", type=Path, default=WORKDIR, help="exports and SQLite files")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rebuild", action="store_true", help="build the database again, timing the import")
    parser.add_argument(
        "--without-summary",
        action="store_true",
        help="set the daily counts aside, so the dashboard counts occurrences as it did before (restored after)",
    )
    args = parser.parse_args()

    url = scale_database(args.backend, args.occurrences, args.workdir, args.postgres_url, args.rebuild)
    settings = load_settings(_environment(url))  # as the server reads them: the environment, then .env
    if args.without_summary:
        set_summary_aside(url)
    rows: list[tuple[str, str]] = []

    def row(what: str, ms: list[float], floors: dict[str, list[float]] | None = None) -> None:
        p50, p95, p99 = percentiles(ms)
        figures = f"{p50:,.0f} / {p95:,.0f} / {p99:,.0f} ms, {sum(math.isnan(v) for v in ms)} errors"
        for source, floor in (floors or {}).items():
            f50, f95, f99 = percentiles(floor)
            figures += f"; SQL over {source} {f50:,.1f} / {f95:,.1f} / {f99:,.1f} ms, p95 ratio {p95 / f95:.2f}"
        rows.append((what, figures))
        print(f"  {what}: {figures}", flush=True)

    with SlackStandIn() as slack:
        server = served(url, slack)
        memory = MemoryWatch(server.process.pid)
        try:
            for name, slugs in (("hate-crime", ["hate-crime"]), ("all", None)):
                for clients in (1, 8):
                    floors = {
                        source: timed_requests(floor_query(url, settings, slugs, source), FLOOR_RUNS, clients)
                        for source in ("occurrences", "daily_counts")
                    }
                    ms = timed_requests(slash(server, slack, "/strand", name), args.requests, clients)
                    row(f"`/strand {name}`, {clients} client{'s' if clients > 1 else ''}", ms, floors)
            repeats = "/repeats", 'mental-health last-month reason:"benchmark run"'
            row("`/repeats mental-health last-month`, 1 client", timed_requests(slash(server, slack, *repeats), 20, 1))
            pss, rss = memory.stop()
        finally:
            server.stop()
        weekly = weekly_job_seconds(url, slack, args.channels, runs=3)
    for what, seconds in (
        (f"weekly job, {args.channels} channels", weekly),
        ("backtest hate-crime 15%, 52 weeks", backtest_seconds(settings, runs=3)),
    ):
        rows.append((what, f"median {statistics.median(seconds):.2f} s, slowest {max(seconds):.2f} s"))
    if args.without_summary:
        subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=_environment(url), check=True)
    record = import_record(url)
    took = (record.finished_at - record.started_at).total_seconds()
    rows.append(
        (
            f"import of the export (loaded {record.finished_at:%Y-%m-%d %H:%M} UTC)",
            f"{record.rows_read:,} rows in {took:,.0f} s ({record.rows_read / took:,.0f} rows/s)",
        )
    )
    rows.append(
        (
            f"server memory ({WORKERS} workers x {THREADS} threads)",
            f"peak PSS {pss:,.0f} MB (summed peak RSS {rss:,.0f} MB)",
        )
    )

    counted = " counted from occurrences (no daily counts)" if args.without_summary else ""
    print(
        f"\n{args.backend}, {args.occurrences:,} occurrences{counted}; {platform.node()}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.requests} requests per line (p50 / p95 / p99)\n"
    )
    print("| measure | result |\n|---|---|")
    for what, figures in rows:
        print(f"| {what} | {figures} |")


if __name__ == "__main__":
    main()
