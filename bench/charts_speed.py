"""How long charts take, and that drawing them never holds up Slack's 3-second acknowledgement.

    python -m bench.charts_speed [--backend postgres|sqlite] [--occurrences 1000000] [--runs 10] [--clients 4]

Uses (building if need be) the `bench.scale` database of that size. In process: the service's time (the
queries, and the forecast's back-test) and the drawing's, for each chart. Over signed HTTP to
`strandbot serve` (2 workers x 4 threads) with the Slack stand-in: the time to the acknowledgement and
to the answer at the response URL (image uploaded), with one client and with --clients at once.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.scale import THREADS, WORKDIR, WORKERS, scale_database
from bot.charts.draw import render_chart
from bot.charts.request import ChartRequest
from bot.charts.service import chart_view
from bot.settings import load_settings
from bot.slack.standin import SlackStandIn
from bot.slack.testing import ServedApp
from bot.store.db import Database

CHARTS = {
    "trend 24m": ChartRequest("trend", "hate-crime"),
    "trend 5y": ChartRequest("trend", "domestic-abuse", "5y"),
    "heatmap 12m": ChartRequest("heatmap", "sexual-offences"),
    "forecast years=2": ChartRequest("forecast", "domestic-abuse"),
}
USER = "U0BENCH01"


def summary(ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1] if len(ms) > 1 else ms[0]
    return f"{statistics.median(ms):8.0f} {p95:8.0f} {max(ms):8.0f}"


def over_http(server: ServedApp, slack: SlackStandIn, text: str) -> tuple[float, float]:
    """Milliseconds to the acknowledgement, and to the answer the user reads."""
    name = uuid.uuid4().hex
    started = time.perf_counter()
    status, _ = server.acknowledge(slack, text, USER, response_url=slack.response_url(name))
    acked = time.perf_counter()
    if status != 200:
        raise RuntimeError(f"/strand {text} answered HTTP {status}")
    answer = slack.wait_for(lambda r: r.path.endswith(name), timeout=120).body
    if "Image sent to your direct messages" not in str(answer):
        raise RuntimeError(f"/strand {text} answered: {str(answer)[:300]}")
    return (acked - started) * 1000, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--occurrences", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    url = scale_database(args.backend, args.occurrences, WORKDIR, args.postgres_url, rebuild=False)
    address = url.render_as_string(hide_password=False)
    settings = load_settings({"DATABASE_URL": address}, dotenv_path=None)
    database = Database(settings.database_url)
    print(f"{args.occurrences:,} occurrences on {args.backend}; {args.runs} runs each after one warm-up.\n")
    print(f"{'in process':<22} {'service p50/p95/max ms':>26}   {'drawing p50/p95/max ms':>26}")
    for name, request in CHARTS.items():
        service, drawing = [], []
        for _ in range(args.runs + 1):
            started = time.perf_counter()
            view = chart_view(database, settings, request)
            drawn = time.perf_counter()
            render_chart(view)
            service.append((drawn - started) * 1000)
            drawing.append((time.perf_counter() - drawn) * 1000)
        print(f"{name:<22} {summary(service[1:]):>26}   {summary(drawing[1:]):>26}")
    database.dispose()

    print(f"\n{'over HTTP':<22} {'clients':>7} {'ack p50/p95/max ms':>26}   {'answer p50/p95/max ms':>26}")
    with SlackStandIn() as slack:
        server = ServedApp(address, slack, secrets.token_hex(16), workers=WORKERS, threads=THREADS)
        try:
            for name, request in CHARTS.items():
                text = " ".join(filter(None, [request.strand, request.kind, request.option]))
                for clients in (1, args.clients):
                    over_http(server, slack, text)  # warm-up
                    with ThreadPoolExecutor(clients) as pool:
                        timings = list(pool.map(lambda typed: over_http(server, slack, typed), [text] * args.runs))
                    acks, answers = [t[0] for t in timings], [t[1] for t in timings]
                    print(f"{name:<22} {clients:>7} {summary(acks):>26}   {summary(answers):>26}", flush=True)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
