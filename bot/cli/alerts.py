"""`strandbot serve`, `scheduler` and `jobs`: running the Slack app and the weekly alerts."""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import click

from bot.cli.base import database_from, main, settings_from
from bot.domain import clock
from jobs.schedule import JOB, TICK_SECONDS

if TYPE_CHECKING:
    from jobs.weekly_breaches import Delivery


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=3000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads per process.")
@click.option(
    "--scheduler/--no-scheduler",
    default=True,
    show_default=True,
    help="Also run the weekly alerts' scheduler, as a process beside the app (safe with several replicas).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, threads: int, scheduler: bool) -> None:
    """Run the Slack app: HTTP (POST /slack/events, GET /healthz), or Socket Mode if SLACK_APP_TOKEN is set."""
    from bot.dashboard.daily_counts import daily_counts_ready
    from bot.slack.app import check_slack_connection
    from bot.slack.server import serve_http, serve_socket_mode
    from bot.store.db import current_revision, head_revision

    settings = settings_from(ctx)
    settings.require_slack()
    check_slack_connection(settings)
    logging.getLogger().setLevel(logging.INFO)
    database = database_from(ctx)
    if not database.ping():
        click.echo(
            "strandbot: warning: the database is not reachable yet; answers will say so until it is.",
            err=True,
        )
    elif current_revision(database.engine) != head_revision(settings.database_url):
        click.echo("strandbot: warning: the database schema is not up to date; run `strandbot db upgrade`.", err=True)
    elif not daily_counts_ready(database, settings):
        click.echo(
            f"strandbot: warning: the daily counts are not for {settings.timezone.key}, so answers will be slow; "
            "run `strandbot db upgrade`.",
            err=True,
        )
    database.dispose()  # before gunicorn forks: its workers open their own connections
    if scheduler:
        beside = subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler", "--parent", str(os.getpid())])
        atexit.register(beside.terminate)
    if settings.socket_mode:
        serve_socket_mode(settings)
    else:
        serve_http(settings, host, port, workers, threads)


@main.command()
@click.option("--tick-seconds", default=TICK_SECONDS, show_default=True, type=click.IntRange(1, 3600))
@click.option("--parent", type=int, hidden=True, help="Stop when this process (strandbot serve) has gone.")
@click.pass_context
def scheduler(ctx: click.Context, tick_seconds: int, parent: int | None) -> None:
    """Run the weekly alerts' scheduler on its own (`serve` also runs one). Several copies are safe."""
    from bot.slack.home import refresh_stale_homes
    from bot.slack.web import SlackWeb, retrying_client
    from jobs.scheduler import run_scheduler

    settings = settings_from(ctx)
    settings.require_slack(posting_only=True)
    logging.getLogger().setLevel(logging.INFO)
    web = SlackWeb(retrying_client(settings))
    homes = lambda database: refresh_stale_homes(database, settings, web.client)  # noqa: E731
    run_scheduler(settings, web, tick_seconds, parent, homes)


@main.group()
def jobs() -> None:
    """The scheduled jobs: run one now, or see when they run and how they went."""


@jobs.command("run")
@click.argument("job", type=click.Choice([JOB]))
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Data to this date (default: yesterday).")
@click.option("--dry-run", is_flag=True, help="Print each channel's digest; post and record nothing.")
@click.pass_context
def jobs_run(ctx: click.Context, job: str, as_of, dry_run: bool) -> None:
    """Run JOB once now. A channel already sent its digest for the week is not sent another."""
    from bot.slack.ask import message_as_text
    from bot.slack.web import SlackWeb, retrying_client
    from jobs.weekly_breaches import refuse_unfinished_day, run_weekly_breaches

    settings = settings_from(ctx)
    database = database_from(ctx)
    day = clock.checked_as_of(as_of.date() if as_of else None, settings.timezone)
    if not dry_run:
        refuse_unfinished_day(settings, day)  # the job's rule, checked before asking for Slack's settings
        settings.require_slack(posting_only=True)
    poster = SlackWeb(retrying_client(settings))  # renders the digests, even for a dry run
    report = run_weekly_breaches(database, settings, poster, as_of=day, dry_run=dry_run)
    assert report is not None  # only a scheduled run can find itself taken
    click.echo(f"Weekly breaches, data to {report.as_of}:")
    if not report.deliveries:
        click.echo("  no channel is subscribed: `/strand-admin subscribe #channel all` in Slack.")
    for delivery in report.deliveries:
        click.echo(f"  {delivery_line(delivery)}")
        if dry_run and delivery.message:
            click.echo(textwrap.indent(message_as_text(delivery.message), "    "))
    if report.unconfirmed:
        sys.exit(1)


@jobs.command("status")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.pass_context
def jobs_status(ctx: click.Context, limit: int) -> None:
    """When the weekly job runs next, and how its last runs went."""
    from bot.alerts.history import job_runs
    from bot.alerts.schedule_settings import schedule_view
    from bot.render.alerts import job_status_text

    settings = settings_from(ctx)
    database = database_from(ctx)
    click.echo(
        job_status_text(schedule_view(database, settings.timezone), job_runs(database, JOB, limit), settings.timezone)
    )


@main.group()
def alerts() -> None:
    """The weekly alerts' rules tried on past data."""


@alerts.command("backtest")
@click.argument("strand")
@click.option("--weeks", default=52, show_default=True, type=click.IntRange(1, 260), help="Weekly runs to replay.")
@click.option("--threshold", "percent", help="A threshold to try, e.g. 15% (default: the strand's own).")
@click.option("--window", help="Comparisons to try, e.g. 28d or fytd,rolling12 (default: the strand's own).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def alerts_backtest(ctx: click.Context, strand: str, weeks: int, percent: str | None, window: str | None, fmt: str):
    """Replay the last WEEKS weekly runs for STRAND with its current rules (or those given): which would have
    posted, and what each would have said was new, a reminder or resolved."""
    import json

    from bot.alerts.backtest import backtest
    from bot.render.alerts import backtest_table

    settings = settings_from(ctx)
    database = database_from(ctx)
    options = {} if window is None else {"window": window}
    result = backtest(database, settings, strand, percent, options, weeks)
    click.echo(json.dumps(result.as_json(), indent=2) if fmt == "json" else backtest_table(result))


def delivery_line(delivery: Delivery) -> str:
    return f"{delivery.channel}: {delivery.status}" + (f" ({delivery.error})" if delivery.error else "")
