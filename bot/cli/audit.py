"""`strandbot repeats` and `audit`: personal data, and the record of who saw it."""

from __future__ import annotations

import shlex
import sys

import click

from bot.cli.base import database_from, main, operator, settings_from
from bot.domain.measures import MEASURES
from bot.domain.periods import period_text
from bot.errors import InvalidRequest
from bot.repeats.request import RepeatRequest


@main.command()
@click.argument("strand")
@click.option("--period", "--month", "period", help="2024-10, last-month, 30d, 12m… (default: the strand's rule).")
@click.option("--as-of", "as_of", help="Last day of a rolling window, YYYY-MM-DD (default: yesterday).")
@click.option("--min", "min_occurrences", help="At least this many occurrences (default: the strand's rule).")
@click.option("--by", type=click.Choice(["person", "location"]), default="person", show_default=True)
@click.option("--role", default="any", show_default=True, help="victim, offender, subject, witness, other or any.")
@click.option("--area", help="Only occurrences in this area and its sub-areas (default: the whole force).")
@click.option(
    "--rank",
    type=click.Choice(MEASURES),
    help="count: the most occurrences first (the default); harm: the most harm first, with each one's share.",
)
@click.option("--top", help="Only the first N (1 to 500; default: everyone meeting the rule).")
@click.option("--trend", is_flag=True, help="People on the list each month for the last 24 months instead.")
@click.option("--reason", help="Why you need the list: recorded in the audit log (required for a list).")
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.pass_context
def repeats(ctx: click.Context, strand: str, output: str, trend: bool, **options: str | None) -> None:
    """A strand's repeat-contact list: the people (or places) with several occurrences in a period, or those who
    contributed the most harm (--rank harm). Audited."""
    from bot.audit.log import Actor
    from bot.render.repeats import (
        repeat_list_csv,
        repeat_list_json,
        repeat_list_table,
        rule_text,
        title_text,
        trend_csv,
        trend_json,
        trend_table,
    )
    from bot.repeats.service import repeat_list, repeat_trend

    settings = settings_from(ctx)
    database = database_from(ctx)
    flags = {
        "period": "--period",
        "as_of": "--as-of",
        "min_occurrences": "--min",
        "by": "--by",
        "role": "--role",
        "area": "--area",
        "rank": "--rank",
        "top": "--top",
    }
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
            click.echo(f"{title_text(result.query)}: {rule_text(result.query)} in a calendar month\n")
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
    from bot.audit.log import disclosures, review
    from bot.render.text import audit_csv, audit_table, disclosures_csv, disclosures_table

    settings = settings_from(ctx)
    database = database_from(ctx)
    day = since.date() if since else None
    if ref is not None:
        if user is not None or limit is not None:
            raise InvalidRequest("--ref lists every disclosure of one reference; it takes --since, --kind, --format.")
        if not ref.strip():
            raise InvalidRequest("--ref needs a person or location reference, e.g. --ref N1001.")
        found = disclosures(database, settings, ref, kind, day)
        if output == "csv":
            click.echo(disclosures_csv(found), nl=False)
        elif found:
            click.echo(f"{ref} was shown {len(found):,} time(s):\n")
            click.echo(disclosures_table(found, settings.timezone))
        else:
            as_kind = f" as a {kind}" if kind else ""
            click.echo(f"No list recorded as showing {ref}{as_kind}" + (f" since {day}." if day else "."))
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
    from bot.audit.log import FLAG_MIN_REFERENCES, FLAG_TIMES_PEERS, activity_report
    from bot.render.text import activity_csv, activity_table

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
    from bot.audit.log import verify_chain

    checked = verify_chain(database_from(ctx), noted_head)
    if checked.intact:
        rows = f"{checked.length:,} row{'' if checked.length == 1 else 's'}"
        click.echo(f"The audit log is intact: {rows}, head {checked.head_hash}.")
        return
    click.echo(f"strandbot: the audit log has been tampered with: {checked.problem}.", err=True)
    if checked.row_id is not None and checked.length:
        click.echo(
            f"  The {checked.length:,} rows before row {checked.row_id} chain correctly (up to {checked.head_hash}).",
            err=True,
        )
    sys.exit(1)
