"""Every acknowledgement within 1 s while many charts are asked for at once (issue 20).

    python -m bench.acks [--clients 16] [--rounds 3] [--workers 2] [--threads 4] [--database URL]

`--clients` signed chart commands (`/strand hate-crime trend`, heat maps, forecasts, in turn) are sent at the same
moment over HTTP to `strandbot serve`, pointed at the Slack stand-in, `--rounds` times after one warm-up round.
For each: the time to Slack's acknowledgement (the HTTP response) and to the answer at the response URL (the
image uploaded). Prints p50, p95 and max of each, and every status that was not HTTP 200 with an empty body.

The database is --database, or else the demo data set (`strandbot demo`, SQLite), made once in .bench/demo.db.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.slack.standin import SlackStandIn
from bot.slack.testing import ServedApp

USER = "U0BENCH02"
CHARTS = [
    "hate-crime trend",
    "domestic abuse heatmap",
    "sexual offences trend 5y",
    "domestic abuse forecast years=2",
    "mental health trend 36m",
    "hate crime heatmap",
]
WORKDIR = Path(".bench")


def demo_database() -> str:
    """The demo data set in SQLite, made with `strandbot demo` the first time."""
    path = WORKDIR / "demo.db"
    url = f"sqlite:///{path.resolve()}"
    if not path.exists():
        WORKDIR.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "demo"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return url


def spread(ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1] if len(ms) > 1 else ms[0]
    return f"{statistics.median(ms):7.0f} {p95:7.0f} {max(ms):7.0f}"


def burst(server: ServedApp, slack: SlackStandIn, clients: int) -> tuple[list[float], list[float], list[str]]:
    """`clients` chart commands at once: milliseconds to each acknowledgement and to each answer; what went wrong."""
    start = threading.Barrier(clients)
    wrong: list[str] = []

    def one(n: int) -> tuple[float, float]:
        text, name = CHARTS[n % len(CHARTS)], uuid.uuid4().hex
        start.wait()
        started = time.perf_counter()
        status, body = server.acknowledge(slack, text, USER, response_url=slack.response_url(name))
        acked = time.perf_counter()
        if status != 200 or body:
            wrong.append(f"/strand {text}: HTTP {status} {str(body)[:80]}")
        answer = slack.wait_for(lambda r: r.path == f"/response/{name}", timeout=300).body
        if "Image sent to your direct messages" not in str(answer):
            wrong.append(f"/strand {text}: answered {str(answer)[:120]}")
        return (acked - started) * 1000, (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(clients) as pool:
        timings = list(pool.map(one, range(clients)))
    return [t[0] for t in timings], [t[1] for t in timings], wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database", help="DATABASE_URL (default: the demo data set in .bench/demo.db)")
    args = parser.parse_args()

    url = args.database or demo_database()
    print(f"{args.clients} chart commands at once, {args.rounds} rounds after a warm-up; strandbot serve with ")
    print(f"{args.workers} workers x {args.threads} threads on {os.cpu_count()} CPUs; {url}\n", flush=True)
    with SlackStandIn() as slack:
        server = ServedApp(url, slack, secrets.token_hex(16), workers=args.workers, threads=args.threads)
        try:
            burst(server, slack, args.clients)  # warm-up: each worker's first chart loads its libraries
            acks, answers, wrong = [], [], []
            for round_ in range(1, args.rounds + 1):
                acked, answered, failed = burst(server, slack, args.clients)
                print(f"round {round_}: slowest acknowledgement {max(acked):.0f} ms, answer {max(answered):.0f} ms")
                acks += acked
                answers += answered
                wrong += failed
        finally:
            server.stop()
    print(f"{'':<12} {'p50':>7} {'p95':>7} {'max':>7}  (ms, {len(acks)} requests)")
    print(f"{'acknowledged':<12} {spread(acks)}")
    print(f"{'answered':<12} {spread(answers)}")
    print(f"acknowledged within 1 s: {sum(a < 1000 for a in acks)} of {len(acks)}")
    for line in wrong:
        print("  " + line)


if __name__ == "__main__":
    main()
