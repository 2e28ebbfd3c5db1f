"""The `strandbot` command line: for admins, and for trying strandbot without a Slack workspace."""

from __future__ import annotations

import atexit
import getpass
import logging
import os
import shlex
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import click

from bot.alerts.configure import job_runs, schedule_view
from bot.audit.log import (
    FLAG_MIN_REFERENCES,
    FLAG_TIMES_PEERS,
    Actor,
    activity_report,
    disclosures,
    review,
    verify_chain,
)
from bot.charts.kinds import CHART_KINDS, chart_view, render_chart
from bot.charts.request import ChartKind, ChartRequest
from bot.charts.service import FORECAST_YEARS
from bot.dashboard.service import (
    checked_as_of,
    daily_counts_ready,
    ensure_daily_counts,
    full_dashboard,
    strand_catalogue,
    strand_report,
    update_catalogue,
)
from bot.domain.catalogue import read_catalogue_csv, write_catalogue_csv
from bot.domain.periods import period_text
from bot.errors import InvalidRequest, StrandbotError
from bot.imports.demo import load_demo
from bot.imports.load import import_file
from bot.imports.retention import planned_purge, recent_loads, run_purge
from bot.render.alerts import job_status_text
from bot.render.repeats import (
    repeat_list_csv,
    repeat_list_json,
    repeat_list_table,
    rule_text,
    trend_csv,
    trend_json,
    trend_table,
)
from bot.render.text import (
    activity_csv,
    activity_table,
    audit_csv,
    audit_table,
    dashboard_json,
    dashboard_table,
    disclosures_csv,
    disclosures_table,
    imports_table,
    purge_plan_text,
)
from bot.repeats.request import RepeatRequest
from bot.repeats.service import repeat_list, repeat_trend
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.app import check_slack_connection
from bot.slack.ask import ask as ask_slack
from bot.slack.ask import message_as_text
from bot.slack.web import SlackWeb, retrying_client
from bot.store.db import Database, current_revision, head_revision, upgrade
from jobs.scheduler import TICK_SECONDS, run_scheduler
from jobs.weekly_breaches import JOB, Delivery, refuse_unfinished_day, run_weekly_breaches

log = logging.getLogger("strandbot")


class StrandbotGroup(click.Group):
    """Turns the errors a user can fix into a one-line message and an exit status, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            click.echo(f"strandbot: {error}", err=True)
            sys.exit(2)
        except StrandbotError as error:
            click.echo(f"strandbot: {error}", err=True)
            if getattr(error, "detail", ""):  # administrators at a terminal can act on the driver's words
                click.echo(f"  detail: {error.detail}", err=True)
            sys.exit(1)


def settings_from(ctx: click.Context) -> Settings:
    if ctx.obj is None:
        ctx.obj = load_settings()
    return ctx.obj


def database_from(ctx: click.Context) -> Database:
    """The invocation's one `Database` (its engine and pool), kept beside the settings and disposed when the
    command ends."""
    database = ctx.meta.get("strandbot.database")
    if database is None:
        database = ctx.meta["strandbot.database"] = Database(settings_from(ctx).database_url)
        ctx.find_root().call_on_close(database.dispose)
    return database


@click.group(cls=StrandbotGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.version_option(package_name="strandbot")
def main(verbose: bool) -> None:
    """strandbot: vulnerability-strand statistics for safeguarding teams, in Slack and here."""
    # Quiet by default: errors reach the user as one clear line; -v shows the log with tracebacks.
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.CRITICAL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Migrate to this revision.")
@click.option(
    "--recount",
    is_flag=True,
    help="Count the daily summary again from the occurrences (after changing them outside strandbot).",
)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str, recount: bool) -> None:
    """Bring the database's schema, and the daily counts the dashboard sums, up to date (safe to run any time)."""
    settings = settings_from(ctx)
    upgrade_database(settings, revision)
    database = database_from(ctx)
    revision_now = current_revision(database.engine)
    at_head = revision_now == head_revision(settings.database_url)
    rebuilt = at_head and ensure_daily_counts(database, settings, recount)
    latest = " (the latest)" if at_head else ""
    click.echo(f"Database {settings.database_url.render_as_string()} is at revision {revision_now}{latest}.")
    if rebuilt:
        click.echo(f"Counted occurrences per strand and day ({settings.timezone.key}) for the dashboard.")


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    try:
        upgrade(settings.database_url, revision)
    except Exception as error:  # alembic wraps driver errors in several ways; all mean the same to a user
        log.debug("migration failed", exc_info=True)
        raise InvalidRequest(
            f"Could not migrate {settings.database_url.render_as_string()}: {str(error).splitlines()[0]}"
        ) from error


@main.command()
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="Random seed (0 or more): the same seed gives the same data.",
)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Last day of data (default: yesterday).")
@click.option("--force", is_flag=True, help="Load even if the database holds other (real) occurrences.")
@click.pass_context
def demo(ctx: click.Context, seed: int, as_of, force: bool) -> None:
    """Load synthetic data (FY 2019/20 to yesterday) into the configured database and print the dashboard."""
    settings = settings_from(ctx)
    upgrade_database(settings)
    database = database_from(ctx)
    end = checked_as_of(settings, as_of.date() if as_of else None)
    loaded = load_demo(database, settings, end, seed, force)
    click.echo(f"Loaded {loaded.stored:,} demo occurrences from {loaded.start} to {loaded.end} (seed {seed}).\n")
    click.echo(dashboard_table(full_dashboard(database, settings, end)))


@main.command()
@click.argument("strand", required=False)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Dashboard date (default: yesterday).")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def stats(ctx: click.Context, strand: str | None, as_of, output: str) -> None:
    """The dashboard for every strand, or for STRAND and its sub-strands."""
    settings = settings_from(ctx)
    database = database_from(ctx)
    day: date | None = as_of.date() if as_of else None
    if strand and strand.strip().lower() != "all":
        dashboard = strand_report(database, settings, strand, day).dashboard
    else:
        dashboard = full_dashboard(database, settings, day)
    if output == "json":
        click.echo(dashboard_json(dashboard))
    else:
        click.echo(f"As of {dashboard.as_of} (FY {dashboard.fy_label}; baseline FY {dashboard.baseline_label})\n")
        click.echo(dashboard_table(dashboard))


@main.command()
@click.argument("strand")
@click.option("--kind", type=click.Choice(tuple(CHART_KINDS)), default="trend", show_default=True)
@click.option("--period", help="trend: 24m (default), 36m, 5y…; heatmap: 12m (default), 90d, 2024-10, last-month…")
@click.option("--years", type=click.IntRange(*FORECAST_YEARS), help="forecast: years ahead (default: 2).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Data to this date (default: yesterday).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PNG file to write (default: STRAND-KIND-ASOF.png here).",
)
@click.pass_context
def chart(
    ctx: click.Context, strand: str, kind: ChartKind, period: str | None, years: int | None, as_of, out: Path | None
) -> None:
    """Draw STRAND's trend, day-and-hour heat map or forecast as a PNG, the image `/strand` sends to Slack."""
    if period is not None and kind == "forecast":
        raise InvalidRequest("--period is for trends and heat maps; a forecast takes --years.")
    if years is not None and kind != "forecast":
        raise InvalidRequest("--years is for --kind forecast; trends and heat maps take --period.")
    option = f"years={years}" if years is not None else period and period_text(period)
    settings = settings_from(ctx)
    request = ChartRequest(kind, strand, option, as_of.date() if as_of else None)
    drawn = render_chart(chart_view(database_from(ctx), settings, request))
    out = out or Path(drawn.filename)
    write_file(out, drawn.png)
    click.echo(f"Wrote {out} ({len(drawn.png) / 1024:,.0f} kB): {drawn.title}")
    for line in drawn.summary:
        click.echo(f"  {line}")


def write_file(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise InvalidRequest(f"Can't write {path}: {error.strerror or error}.") from None


@main.command()
@click.argument("slash_command")
@click.option("--user", default="U0ASKCLI", show_default=True, help="The Slack user ID to ask as.")
@click.pass_context
def ask(ctx: click.Context, slash_command: str, user: str) -> None:
    """Run a slash command through the Slack app and print what Slack would show: ask "/strand hate-crime".

    No workspace needed: a local stand-in plays Slack's part."""
    command, _, text = slash_command.strip().partition(" ")
    if not command.startswith("/"):
        command, text = "/strand", slash_command
    settings = settings_from(ctx)
    for upload in ask_slack(settings, database_from(ctx), command, text, user, operator(), click.echo):
        # A chart: kept here, as Slack would keep it in the direct messages.
        write_file(Path(upload.filename), upload.content)
        click.echo(f"(The image is saved as {upload.filename}.)")


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
    from bot.slack.server import serve_http, serve_socket_mode  # gunicorn is only needed here

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
    settings = settings_from(ctx)
    settings.require_slack(posting_only=True)
    logging.getLogger().setLevel(logging.INFO)
    run_scheduler(settings, SlackWeb(retrying_client(settings)), tick_seconds, parent)


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
    settings = settings_from(ctx)
    database = database_from(ctx)
    day = checked_as_of(settings, as_of.date() if as_of else None)
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
            click.echo(textwrap.indent(message_as_text({"blocks": delivery.message["blocks"]}), "    "))
    if report.unconfirmed:
        sys.exit(1)


@jobs.command("status")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.pass_context
def jobs_status(ctx: click.Context, limit: int) -> None:
    """When the weekly job runs next, and how its last runs went."""
    settings = settings_from(ctx)
    database = database_from(ctx)
    click.echo(
        job_status_text(schedule_view(database, settings.timezone), job_runs(database, JOB, limit), settings.timezone)
    )


def delivery_line(delivery: Delivery) -> str:
    return f"{delivery.channel}: {delivery.status}" + (f" ({delivery.error})" if delivery.error else "")


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--mapping", "mapping_path", type=click.Path(path_type=Path), help="TOML mapping for a non-canonical export."
)
@click.option("--source", help="Records system the IDs belong to (default: the mapping's, else 'records').")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option("--strict", is_flag=True, help="Commit nothing (and exit 1) if any row is rejected.")
@click.pass_context
def import_command(
    ctx: click.Context, path: Path, mapping_path: Path | None, source: str | None, dry_run: bool, strict: bool
) -> None:
    """Load a CSV export of occurrences: canonical columns, or any export with --mapping."""
    settings = settings_from(ctx)
    database = database_from(ctx)
    with ByteProgress(path) as progress:
        summary = import_file(database, settings, path, operator(), mapping_path, source, dry_run, strict, progress)
    if summary.same_as_earlier and not dry_run:
        when, by = summary.same_as_earlier
        click.echo(
            f"Note: the same file was loaded on {when:%Y-%m-%d %H:%M} UTC by {by}; loading it again changes nothing.",
            err=True,
        )
    for reason in summary.sample_reasons:
        click.echo(f"  rejected {reason}", err=True)
    if summary.rejected > len(summary.sample_reasons):
        click.echo(f"  … and {summary.rejected - len(summary.sample_reasons):,} more", err=True)
    click.echo(summary.line())
    if strict and summary.rejected:
        sys.exit(1)


class ByteProgress:
    """A progress bar over the file's bytes, on a terminal only (cron and pipes get the summary alone)."""

    def __init__(self, path: Path):
        self.size = path.stat().st_size if path.is_file() else 0
        self.bar = None
        self.shown = 0

    def __enter__(self):
        if sys.stderr.isatty() and self.size:
            self.bar = click.progressbar(length=self.size, label="Loading", file=sys.stderr).__enter__()
        return self

    def __call__(self, done: int) -> None:
        if self.bar:
            self.bar.update(max(0, min(done, self.size) - self.shown))
            self.shown = min(done, self.size)

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.__exit__(*exc)


@main.command()
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_context
def imports(ctx: click.Context, limit: int) -> None:
    """The most recent loads: file, who, when and what each did."""
    records = recent_loads(database_from(ctx), limit)
    if not records:
        click.echo("No files have been loaded yet: see `strandbot import --help`.")
        return
    click.echo(imports_table(records))


@main.command()
@click.option(
    "--before", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Remove what occurred before this date."
)
@click.option("--occurrences", "whole_occurrences", is_flag=True, help="Remove whole occurrences, not just links.")
@click.option("--dry-run", is_flag=True, help="Show exactly what would be removed; remove nothing.")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
@click.option(
    "--i-understand",
    "large_share_understood",
    is_flag=True,
    help="Needed (with --yes) when a purge would remove more than half of the stored occurrences.",
)
@click.pass_context
def purge(
    ctx: click.Context, before, whole_occurrences: bool, dry_run: bool, yes: bool, large_share_understood: bool
) -> None:
    """Retention: remove person and location links (or whole occurrences) from before a date (yesterday at the
    latest). Recorded in the audit log."""
    settings = settings_from(ctx)
    database = database_from(ctx)
    day = before.date()
    plan = planned_purge(database, settings, day, whole_occurrences)
    if plan.empty:
        click.echo(f"Nothing occurred before {day}: nothing to purge.")
        return
    click.echo(purge_plan_text(plan, settings.timezone))
    if dry_run:
        click.echo("Dry run: nothing was removed.")
        return
    if plan.large and not large_share_understood:
        if yes:
            raise InvalidRequest(
                f"That is {plan.share:.0%} of the stored occurrences, more than half: nothing was removed. "
                "Check --before; if it is really meant, add --i-understand."
            )
        count = plan.removed.occurrences
        typed = click.prompt(
            f"That is {plan.share:.0%} of the stored occurrences, more than half. To remove them anyway, type {count}",
            default="",
            show_default=False,
            err=True,
        )
        if typed.replace(",", "").strip() != str(count):
            click.echo("Nothing removed.")
            return
        large_share_understood = True
    elif not yes and not click.confirm(f"Remove this from before {day}? This cannot be undone", err=True):
        click.echo("Nothing removed.")
        return
    typed_command = ["strandbot", "purge", "--before", day.isoformat()]
    typed_command += ["--occurrences"] * whole_occurrences + ["--yes"] * yes
    typed_command += ["--i-understand"] * large_share_understood
    actor = Actor(operator(), via="cli")
    done = run_purge(
        database, settings, day, whole_occurrences, actor, shlex.join(typed_command), large_share_understood
    )
    click.echo(
        f"Removed {done.occurrences:,} occurrences and {done.links:,} links from before {day}; "
        "recorded in the audit log (`strandbot audit`)."
    )


def operator() -> str:
    """Who is at the command line, for the record of loads and purges."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@main.command()
@click.argument("strand")
@click.option("--period", "--month", "period", help="2024-10, last-month, 30d, 12m… (default: the strand's rule).")
@click.option("--as-of", "as_of", help="Last day of a rolling window, YYYY-MM-DD (default: yesterday).")
@click.option("--min", "min_occurrences", help="At least this many occurrences (default: the strand's rule).")
@click.option("--by", type=click.Choice(["person", "location"]), default="person", show_default=True)
@click.option("--role", default="any", show_default=True, help="victim, offender, subject, witness, other or any.")
@click.option("--trend", is_flag=True, help="People on the list each month for the last 24 months instead.")
@click.option("--reason", help="Why you need the list: recorded in the audit log (required for a list).")
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.pass_context
def repeats(ctx: click.Context, strand: str, output: str, trend: bool, **options: str | None) -> None:
    """A strand's repeat-contact list: the people (or places) with several occurrences in a period. Audited."""
    settings = settings_from(ctx)
    database = database_from(ctx)
    flags = {"period": "--period", "as_of": "--as-of", "min_occurrences": "--min", "by": "--by", "role": "--role"}
    typed = ["strandbot", "repeats", strand] + [
        part for name, value in options.items() if value is not None for part in (flags.get(name, "--reason"), value)
    ]
    if options["period"] is not None:
        options["period"] = period_text(options["period"])  # "October 2024" as in Slack
    request = RepeatRequest(
        command=shlex.join(typed + ["--trend"] * trend + ["--format", output]), strand=strand, trend=trend, **options
    )
    actor = Actor(operator(), via="cli")
    if trend:
        result = repeat_trend(database, settings, request, actor)
        if output == "table":
            click.echo(f"{result.query.strand_name}: {rule_text(result.query)} in a calendar month\n")
        click.echo({"table": trend_table, "csv": trend_csv, "json": trend_json}[output](result), nl=output != "csv")
        return
    listed = repeat_list(database, settings, request, actor)
    rendered = {"table": repeat_list_table, "csv": repeat_list_csv, "json": repeat_list_json}[output](listed)
    click.echo(rendered, nl=output != "csv")  # CSV ends with its own newline


@main.group(invoke_without_command=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="From this local date on.")
@click.option("--user", help="Only this Slack user ID (or operating-system user).")
@click.option("--ref", help="Every disclosure of this person or location reference instead: who saw it, when, why.")
@click.option("--kind", type=click.Choice(["person", "location"]), help="With --ref: only as this kind.")
@click.option("--limit", type=click.IntRange(1), help="Only the newest N rows.")
@click.option("--format", "output", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.pass_context
def audit(
    ctx: click.Context, since, user: str | None, ref: str | None, kind: str | None, limit: int | None, output: str
) -> None:
    """The audit log, oldest first: every repeat-contact list shown or refused, every admin change and purge.

    `audit --ref N1001` answers "who has seen N1001, when and why?"; `audit report` and `audit verify` below."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from(ctx)
    database = database_from(ctx)
    day = since.date() if since else None
    if ref is not None:
        if user is not None or limit is not None:
            raise InvalidRequest("--ref lists every disclosure of one reference; it takes --since, --kind, --format.")
        found = disclosures(database, settings, ref, kind, day)
        if output == "csv":
            click.echo(disclosures_csv(found), nl=False)
        elif found:
            click.echo(f"{ref} was shown {len(found):,} time(s):\n")
            click.echo(disclosures_table(found, settings.timezone))
        else:
            click.echo(f"No list recorded as showing {ref}" + (f" since {day}." if day else "."))
        return
    if kind is not None:
        raise InvalidRequest("--kind goes with --ref.")
    entries = review(database, settings, day, user, limit)
    if output == "csv":
        click.echo(audit_csv(entries), nl=False)
    elif entries:
        click.echo(audit_table(entries, settings.timezone))
    else:
        click.echo("No audit rows match.")


@audit.command("report")
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d"]), help="From this local date on.")
@click.option("--format", "output", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.pass_context
def audit_report(ctx: click.Context, since, output: str) -> None:
    """Per user since a date: lists viewed, distinct people and places seen, refusals and reasons given.

    Flags (REVIEW) a user who saw more than three times the median of their peers (the other users who saw
    any), and at least 20 references."""
    settings = settings_from(ctx)
    lines = activity_report(database_from(ctx), settings, since.date())
    if output == "csv":
        click.echo(activity_csv(lines), nl=False)
    elif lines:
        click.echo(f"Use of personal data since {since.date()} (references: distinct people and places shown)\n")
        click.echo(activity_table(lines))
        flagged = [line.activity.user for line in lines if line.flagged]
        if flagged:
            click.echo(
                f"\nFor review: {', '.join(flagged)}: more than {FLAG_TIMES_PEERS} times the peers' median, "
                f"and at least {FLAG_MIN_REFERENCES} references."
            )
    else:
        click.echo(f"Nobody used strandbot's personal data since {since.date()}.")


@audit.command("verify")
@click.option("--head", "noted_head", help="A head hash noted earlier: check it is still on the chain.")
@click.pass_context
def audit_verify(ctx: click.Context, noted_head: str | None) -> None:
    """Walk the audit log's hash chain: exits 1 naming the first row changed, removed or inserted out of order.

    Prints the chain's length and head hash: note them elsewhere (a ticket, an email) to check against later."""
    checked = verify_chain(database_from(ctx), noted_head)
    if checked.intact:
        click.echo(f"The audit log is intact: {checked.length:,} rows, head {checked.head_hash}.")
        return
    click.echo(f"strandbot: the audit log has been tampered with: {checked.problem}.", err=True)
    if checked.length:
        click.echo(
            f"  The {checked.length:,} rows before that are intact (their last hash {checked.head_hash}).", err=True
        )
    sys.exit(1)


@main.group()
def strands() -> None:
    """The strand catalogue: list it, export it to CSV, load an edited CSV."""


@strands.command("list")
@click.pass_context
def strands_list(ctx: click.Context) -> None:
    """Every strand with its parent and aliases."""
    click.echo(write_catalogue_csv(strand_catalogue(database_from(ctx))), nl=False)


@strands.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.pass_context
def strands_export(ctx: click.Context, path: Path) -> None:
    """Write the catalogue to PATH as CSV (slug, name, parent, aliases separated by ';')."""
    catalogue = strand_catalogue(database_from(ctx))
    try:
        path.write_text(write_catalogue_csv(catalogue), encoding="utf-8")
    except OSError as error:
        raise InvalidRequest(f"Could not write {path}: {error.strerror}.") from None
    click.echo(f"Wrote {len(catalogue)} strands to {path}.")


@strands.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def strands_load(ctx: click.Context, path: Path) -> None:
    """Add and update strands from a CSV like `strands export` writes. Strands not in the file are kept."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest(f"{path} is not UTF-8 text; save it from Excel as “CSV UTF-8”.") from None
    definitions = read_catalogue_csv(text)
    change = update_catalogue(database_from(ctx), definitions)
    click.echo(
        f"Catalogue loaded: {len(change.added)} added, {len(change.updated)} updated, "
        f"{len(definitions) - len(change.added) - len(change.updated)} unchanged."
    )
    if change.kept:
        click.echo(f"Not in the file, kept as they were: {', '.join(change.kept)}.")


if __name__ == "__main__":
    main()
