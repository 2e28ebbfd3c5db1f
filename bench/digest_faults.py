"""Each weekly digest in its channel exactly once, none lost, while Slack's answers go missing and senders die:
three scheduler processes against one PostgreSQL database, 50 weekly runs in simulated time.

    python -m bench.digest_faults [--weeks 50] [--channels 6] [--fault-rate 0.4] [--kill-rate 0.05] [--seed 14]

The three processes are `python -m bot.slack.testing sender`: the scheduler's own tick, told the time over
stdin. All three tick at the same simulated minute, from a minute after the weekly run is due until every
channel's digest for the week is recorded `sent` (at most MAX_MINUTES), so they race for the run and for
every retry as replicas would. Before each week, at random (--fault-rate), the stand-in is told to fail a
channel's next posts: accept then drop the connection, accept then answer 500, accept then hold the answer
past the client's timeout, refuse with 500 (not posted), or refuse with 429; and to refuse reading its
history (500 three times, or missing_scope). After each post Slack answered, a sender halts with
--kill-rate and is killed with SIGKILL before it can record `sent`, then started again.

At the end every channel's messages are counted by their metadata: digests expected (weeks x channels),
posted, duplicates (a second or later copy of a channel's digest for a week) and lost (a channel and week
with none). Prints a Markdown table. Localhost only: the stand-in is in this process; a fresh database
(`strandbot_digest_faults` beside --postgres-url) is made and dropped. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import selectors
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL, make_url

from bot.alerts.records import AlertSchedule
from bot.alerts.schedule import SHIPPED_SCHEDULE, period_of
from bot.alerts.subscriptions import Channel, subscribe
from bot.audit.log import Actor
from bot.domain import clock
from bot.settings import load_settings
from bot.slack.testing import AfterAccepting, FaultySlackStandIn
from bot.store.alerts import store_schedule
from bot.store.db import Database, upgrade
from bot.store.models import AlertDelivery
from bot.store.occurrences import NewOccurrence, replace_source
from jobs.weekly_breaches import DIGEST_EVENT

SENDERS = 3
MAX_MINUTES = 120  # simulated minutes of ticking a week: the 10-minute lease several times over
MIN_MINUTES = 3  # every week, so the other schedulers get their turn at the retries
ANSWER_SECONDS = 120  # a sender silent for longer than this has hung: the benchmark stops
CLIENT_TIMEOUT, HOLD = "0.3", 1.0  # seconds: the senders' wait for Slack, and how long a held answer takes
STRANDS = ["hate-crime", "domestic-abuse", "mental-health", "stalking-harassment", "missing-children"]
POST_FAULTS = {
    "post accepted, then the connection dropped": lambda s, c: s.fail_after_accepting(
        "chat.postMessage", AfterAccepting.DROP, channel=c
    ),
    "post accepted, then HTTP 500": lambda s, c: s.fail_after_accepting(
        "chat.postMessage", AfterAccepting.SERVER_ERROR, channel=c
    ),
    "post accepted, then no answer in time": lambda s, c: s.fail_after_accepting(
        "chat.postMessage", AfterAccepting.HOLD, channel=c
    ),
    "post refused, HTTP 500 (not posted)": lambda s, c: s.fail_next("chat.postMessage", 500, channel=c),
    "post refused, 429 (not posted)": lambda s, c: s.fail_next(
        "chat.postMessage", 429, headers={"Retry-After": "0"}, channel=c
    ),
}
HISTORY_FAULTS = {
    "history refused, HTTP 500 three times": lambda s, c: s.fail_next("conversations.history", 500, 3, channel=c),
    "history refused, missing_scope": lambda s, c: s.fail_next(
        "conversations.history", 200, channel=c, error="missing_scope"
    ),
}


class Sender:
    """One scheduler process, ticking when told."""

    def __init__(self, environment: dict[str, str], kill_rate: float, seed: int):
        command = [sys.executable, "-m", "bot.slack.testing", "sender", "--halt-after-post", str(kill_rate)]
        self.process = subprocess.Popen(
            [*command, "--seed", str(seed)],
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        if (said := self.answer()) != "ready":
            raise RuntimeError(f"a sender did not start: {said!r}")

    def tick(self, now: datetime) -> None:
        self.process.stdin.write(f"tick {now.isoformat()}\n")

    def answer(self) -> str:
        """The sender's next line (it writes one per tick), waiting up to ANSWER_SECONDS for it."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(ANSWER_SECONDS):
                raise RuntimeError(f"a sender said nothing for {ANSWER_SECONDS} s")
        return self.process.stdout.readline().strip()

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def fresh_database(postgres_url: str) -> URL:
    url = make_url(postgres_url).set(database="strandbot_digest_faults")
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    upgrade(url)
    return url


def drop_database(postgres_url: str, url: URL) -> None:
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def first_due(weeks: int) -> datetime:
    """The shipped schedule's time (Monday 08:00, London) `weeks` + 1 weeks ago: every simulated run is past."""
    tz = load_settings({}, dotenv_path=None).timezone
    today = clock.today(tz)
    monday = today - timedelta(days=today.weekday(), weeks=weeks + 1)
    return datetime.combine(monday, SHIPPED_SCHEDULE.at, tzinfo=tz)


def set_up(database: Database, channels: list[str], start: datetime, weeks: int, rng: random.Random) -> None:
    """A force's occurrences from two years before the first run to the last, channels hearing about some
    strands each, and the shipped schedule, set the day before the first run."""
    settings = load_settings({}, dotenv_path=None)
    span = (start + timedelta(weeks=weeks) - (start - timedelta(days=730))).total_seconds()
    occurrences = [
        NewOccurrence(
            "bench",
            f"bench-{n}",
            start - timedelta(days=730) + timedelta(seconds=rng.uniform(0, span)),
            (rng.choice(STRANDS),),
        )
        for n in range(8000)
    ]
    with database.session() as session:
        replace_source(session, "bench", occurrences, settings.timezone)

    class InEveryChannel:  # strandbot is in every channel: subscribing asks
        def channel(self, channel_id: str) -> Channel:
            return Channel(channel_id, channel_id.lower(), True)

    for channel in channels:
        strands = ", ".join(rng.sample(STRANDS, rng.randint(1, 3)))
        subscribe(database, Actor("U0BENCH"), "/strand-admin subscribe", Channel(channel), strands, InEveryChannel())
    with database.session() as session:
        schedule = SHIPPED_SCHEDULE
        store_schedule(
            session,
            AlertSchedule(
                id=1,
                weekday=schedule.weekday,
                at_time=f"{schedule.at:%H:%M}",
                paused=False,
                quiet_note=True,
                changed_by="U0BENCH",
                changed_at=start.astimezone(UTC) - timedelta(days=1),
            ),
        )


def settled(database: Database, period: str, channels: int) -> bool:
    with database.session() as session:
        sent = session.scalar(
            select(func.count())
            .select_from(AlertDelivery)
            .where(AlertDelivery.period == period, AlertDelivery.status == "sent")
        )
    return sent == channels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=50)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--fault-rate", type=float, default=0.4, help="chance a channel's post fails, each week")
    parser.add_argument("--kill-rate", type=float, default=0.05, help="chance a sender is killed after a post")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    url = fresh_database(args.postgres_url)
    database = Database(url)
    channels = [f"C0FAULT{n:02d}" for n in range(args.channels)]
    start = first_due(args.weeks)
    set_up(database, channels, start, args.weeks, rng)
    injected: Counter[str] = Counter()
    kills = restarts = ticks = minutes_over = 0
    errors: list[str] = []
    outcomes: Counter[str] = Counter()
    periods = []
    started = time.monotonic()
    with FaultySlackStandIn() as slack:
        slack.hold_seconds = HOLD
        environment = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_API_URL": slack.api_url,
            "STRANDBOT_SLACK_TIMEOUT": CLIENT_TIMEOUT,
        }
        senders = [Sender(environment, args.kill_rate, args.seed * 1000 + n) for n in range(SENDERS)]
        try:
            for week in range(args.weeks):
                due = start + timedelta(weeks=week)
                period = period_of(due.date() - timedelta(days=1))
                periods.append(period)
                for channel in channels:
                    for _ in range(2):  # up to two faults in a row: a retry can meet one too
                        if rng.random() < args.fault_rate:
                            kind = rng.choice(list(POST_FAULTS))
                            POST_FAULTS[kind](slack, channel)
                            injected[kind] += 1
                    if rng.random() < args.fault_rate / 4:
                        kind = rng.choice(list(HISTORY_FAULTS))
                        HISTORY_FAULTS[kind](slack, channel)
                        injected[kind] += 1
                for minute in range(MAX_MINUTES):
                    now = due.astimezone(UTC) + timedelta(minutes=minute, seconds=30)
                    for sender in senders:
                        sender.tick(now)
                    ticks += len(senders)
                    for n, sender in enumerate(senders):
                        said = sender.answer()
                        if said.startswith("ticked"):
                            sent, unknown, failed = map(int, said.split()[1:])
                            outcomes.update(sent=sent, unknown=unknown, failed=failed)
                            continue
                        if said.startswith("halted"):
                            kills += 1
                            sender.kill()
                        else:
                            errors.append(said or f"sender exited with {sender.process.poll()}")
                            if sender.process.poll() is None:
                                sender.kill()
                        restarts += 1
                        senders[n] = Sender(environment, args.kill_rate, args.seed * 1000 + SENDERS + restarts)
                    if minute + 1 >= MIN_MINUTES and settled(database, period, len(channels)):
                        break
                else:
                    minutes_over += 1
                print(f"week {week + 1}/{args.weeks} ({period}): settled after {minute + 1} min", flush=True)
        finally:
            for sender in senders:
                sender.stop()
        seconds = time.monotonic() - started
        copies: Counter[tuple[str, str]] = Counter()
        untagged = 0
        for channel in channels:
            for message in slack.posted(channel):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == DIGEST_EVENT:
                    copies[(metadata["event_payload"]["channel"], metadata["event_payload"]["period"])] += 1
                else:
                    untagged += 1
        attempts, reads = len(slack.calls("chat.postMessage")), len(slack.calls("conversations.history"))
        timestamps = {m["ts"] for c in channels for m in slack.posted(c)}
    with database.session() as session:
        rows = list(session.scalars(select(AlertDelivery)))
    database.dispose()
    drop_database(args.postgres_url, url)

    expected = {(channel, period) for channel in channels for period in periods}
    duplicates = sum(n - 1 for n in copies.values() if n > 1)
    lost = len(expected - set(copies))
    unsettled = [r for r in rows if r.status != "sent" or r.slack_ts not in timestamps]
    print()
    print(f"`python -m bench.digest_faults --weeks {args.weeks} --channels {args.channels} "
          f"--fault-rate {args.fault_rate} --kill-rate {args.kill_rate} --seed {args.seed}`, "
          f"{platform.node()}, {datetime.now(UTC):%Y-%m-%d}")  # fmt: skip
    print()
    print("| figure | value |")
    print("|---|---|")
    for what, value in (
        ("digests expected (weeks × channels)", len(expected)),
        ("digests posted", sum(copies.values())),
        ("duplicates", duplicates),
        ("lost", lost),
        ("ledger rows not `sent` with a timestamp in the channel", len(unsettled)),
        ("messages without our metadata", untagged),
        ("faults injected", f"{sum(injected.values())}: " + "; ".join(f"{k} {v}" for k, v in sorted(injected.items()))),
        ("senders killed (SIGKILL after Slack's answer)", kills),
        ("chat.postMessage calls / conversations.history calls", f"{attempts} / {reads}"),
        ("outcomes reported by ticks: sent / unknown / failed", "{sent} / {unknown} / {failed}".format(**outcomes)),
        ("ticks (3 schedulers) / weeks not settled within the cap", f"{ticks} / {minutes_over}"),
        ("sender errors", len(errors)),
        ("wall time", f"{seconds:.0f} s"),
    ):
        print(f"| {what} | {value} |")
    for error in errors[:10]:
        print(f"  error: {error}")
    if duplicates or lost or unsettled or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
