"""`strandbot stats`, `chart` and `ask`: the figures, charts and answers officers see."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from bot.charts.kinds import CHART_KINDS, FORECAST_YEARS
from bot.charts.request import ChartKind, ChartRequest
from bot.cli.base import database_from, main, operator, settings_from, write_file
from bot.domain.measures import MEASURES, Measure
from bot.domain.periods import period_text
from bot.errors import InvalidRequest


@main.command()
@click.argument("strand", required=False)
@click.option("--area", help="Only this area (slug, name or alias) and its sub-areas.")
@click.option(
    "--by",
    type=click.Choice(["area"]),
    help="One row per area (every level) for STRAND, instead of one per sub-strand.",
)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Dashboard date (default: yesterday).")
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="count",
    show_default=True,
    help="harm: each occurrence weighed by its offence code's weight in the loaded set (`strandbot harm show`).",
)
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def stats(
    ctx: click.Context, strand: str | None, area: str | None, by: str | None, as_of, measure: Measure, output: str
) -> None:
    """The dashboard for every strand, or for STRAND and its sub-strands; in one area with --area, or STRAND
    (or `all`: every strand together) in every area with --by area (in one area and those below it, with
    --area too). Harm instead of counts with --measure harm."""
    from bot.dashboard.service import area_breakdown, full_dashboard, strand_report
    from bot.render.text import area_breakdown_json, dashboard_heading, dashboard_json, dashboard_table

    settings = settings_from(ctx)
    database = database_from(ctx)
    day: date | None = as_of.date() if as_of else None
    one_strand = strand is not None and strand.strip().lower() != "all"
    if by is not None:
        breakdown = area_breakdown(database, settings, strand or "all", day, area, measure)
        if output == "json":
            click.echo(area_breakdown_json(breakdown))
        elif not breakdown.areas.strands:
            click.echo(
                "There are no areas yet: load the area catalogue (`strandbot areas load FILE`) or import "
                "occurrences with an area column."
            )
        else:
            within = "" if breakdown.within is None else f" within {breakdown.within.name}"
            click.echo(dashboard_heading(breakdown.areas, f"{breakdown.strand.name} by area{within}") + "\n")
            click.echo(dashboard_table(breakdown.areas, first_column="Area"))
        return
    if one_strand:
        dashboard = strand_report(database, settings, strand, day, area, measure).dashboard
    else:
        dashboard = full_dashboard(database, settings, day, area, measure)
    if output == "json":
        click.echo(dashboard_json(dashboard))
    else:
        click.echo(dashboard_heading(dashboard) + "\n")
        click.echo(dashboard_table(dashboard))


@main.command()
@click.argument("strand")
@click.option("--kind", type=click.Choice(tuple(CHART_KINDS)), default="trend", show_default=True)
@click.option("--period", help="trend: 24m (default), 36m, 5y…; heatmap: 12m (default), 90d, 2024-10, last-month…")
@click.option("--years", type=click.IntRange(*FORECAST_YEARS), help="forecast: years ahead (default: 2).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Data to this date (default: yesterday).")
@click.option("--area", help="Only this area and its sub-areas (slug, name or alias).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PNG file to write (default: STRAND-KIND-ASOF.png here).",
)
@click.pass_context
def chart(
    ctx: click.Context,
    strand: str,
    kind: ChartKind,
    period: str | None,
    years: int | None,
    as_of,
    area: str | None,
    out: Path | None,
) -> None:
    """Draw STRAND's trend, day-and-hour heat map or forecast as a PNG, the image `/strand` sends to Slack."""
    from bot.charts.cache import cached_chart

    if period is not None and kind == "forecast":
        raise InvalidRequest("--period is for trends and heat maps; a forecast takes --years.")
    if years is not None and kind != "forecast":
        raise InvalidRequest("--years is for --kind forecast; trends and heat maps take --period.")
    option = f"years={years}" if years is not None else period and period_text(period)
    settings = settings_from(ctx)
    request = ChartRequest(kind, strand, option, as_of.date() if as_of else None, area)
    drawn, _ = cached_chart(database_from(ctx), settings, request)
    out = out or Path(drawn.filename)
    write_file(out, drawn.png)
    click.echo(f"Wrote {out} ({len(drawn.png) / 1024:,.0f} kB): {drawn.title}")
    for line in drawn.summary:
        click.echo(f"  {line}")


@main.command()
@click.argument("slash_command")
@click.option("--user", default="U0ASKCLI", show_default=True, help="The Slack user ID to ask as.")
@click.pass_context
def ask(ctx: click.Context, slash_command: str, user: str) -> None:
    """Run a slash command through the Slack app and print what Slack would show: ask "/strand hate-crime".

    No workspace needed: a local stand-in plays Slack's part."""
    from bot.slack.ask import ask as ask_slack

    command, _, text = slash_command.strip().partition(" ")
    if not command.startswith("/"):
        command, text = "/strand", slash_command
    settings = settings_from(ctx)
    for upload in ask_slack(settings, database_from(ctx), command, text, user, operator(), click.echo):
        # A chart: kept here, as Slack would keep it in the direct messages.
        write_file(Path(upload.filename), upload.content)
        click.echo(f"(The image is saved as {upload.filename}.)")
