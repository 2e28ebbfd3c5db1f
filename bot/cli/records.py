"""`strandbot db`, `demo`, `import`, `imports`, `purge`, `strands` and `areas`: the database, the force's records in
it, and the catalogues that sort them."""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path

import click

from bot.cli.base import database_from, main, operator, settings_from
from bot.domain import clock
from bot.domain.catalogue import AREAS, STRANDS, CatalogueKind, read_catalogue_csv, write_catalogue_csv
from bot.errors import InvalidRequest
from bot.settings import Settings

log = logging.getLogger("strandbot")


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
    from bot.dashboard.daily_counts import ensure_daily_counts
    from bot.store.db import current_revision, head_revision

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
    from bot.store.db import upgrade

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
    """Load synthetic data (FY 2019/20 to yesterday) and illustrative harm weights into the configured database,
    and print the dashboard."""
    from bot.dashboard.service import full_dashboard
    from bot.imports.demo import load_demo
    from bot.render.harm import loaded_text, set_title
    from bot.render.text import dashboard_table

    settings = settings_from(ctx)
    upgrade_database(settings)
    database = database_from(ctx)
    end = clock.checked_as_of(as_of.date() if as_of else None, settings.timezone)
    loaded = load_demo(database, settings, end, operator(), seed, force)
    click.echo(f"Loaded {loaded.stored:,} demo occurrences from {loaded.start} to {loaded.end} (seed {seed}).")
    if loaded.kept_own_weights:
        click.echo(
            f"Kept the harm weights in use, {set_title(loaded.weights.weight_set)}; the demo's illustrative weights "
            "were not loaded."
        )
    else:
        click.echo(loaded_text(loaded.weights))
    click.echo()
    click.echo(dashboard_table(full_dashboard(database, settings, end)))


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
    from bot.imports.load import import_file

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
    from bot.imports.retention import recent_loads
    from bot.render.text import imports_table

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
    from bot.audit.log import Actor
    from bot.imports.retention import planned_purge, run_purge, share_text
    from bot.render.text import purge_plan_text

    settings = settings_from(ctx)
    database = database_from(ctx)
    day = before.date()
    plan = planned_purge(database, settings, day, whole_occurrences)
    if plan.empty:
        if whole_occurrences:
            click.echo(f"Nothing occurred before {day}: nothing to purge.")
        else:
            click.echo(
                f"No person or location links are left from before {day}: nothing to purge. (Occurrences stay "
                "until a purge with --occurrences removes them.)"
            )
        return
    click.echo(purge_plan_text(plan, settings.timezone))
    if dry_run:
        click.echo("Dry run: nothing was removed.")
        return
    typed_command = ["strandbot", "purge", "--before", day.isoformat()]
    typed_command += ["--occurrences"] * whole_occurrences + ["--yes"] * yes
    typed_command += ["--i-understand"] * large_share_understood
    confirmed = "--i-understand" if large_share_understood else None
    if plan.large and not large_share_understood:
        if yes:
            raise InvalidRequest(
                f"That is {share_text(plan.share)} of the stored occurrences, more than half: nothing was removed. "
                "Check --before; if it is really meant, add --i-understand."
            )
        count = plan.removed.occurrences
        typed = click.prompt(
            f"That is {share_text(plan.share)} of the stored occurrences, more than half. To remove them anyway, "
            f"type {count}",
            default="",
            show_default=False,
            err=True,
        )
        if typed.replace(",", "").strip() != str(count):
            declined()
        confirmed = f"the number {count} typed at the terminal"
    elif not yes and not click.confirm(f"Remove this from before {day}? This cannot be undone", err=True):
        declined()
    actor = Actor(operator(), via="cli")
    done = run_purge(database, settings, day, whole_occurrences, actor, shlex.join(typed_command), confirmed)
    click.echo(
        f"Removed {done.occurrences:,} occurrences and {done.links:,} links from before {day}; "
        "recorded in the audit log (`strandbot audit`)."
    )


def declined() -> None:
    """A purge the person at the terminal did not confirm: nothing removed, and a failure status for scripts."""
    click.echo("Nothing removed.")
    sys.exit(1)


def add_catalogue_commands(kind: CatalogueKind) -> None:
    """`strandbot strands …` or `strandbot areas …`: list, export and load one catalogue kind, worded for it."""
    noun, plural = kind.noun, f"{kind.noun}s"

    @main.group(plural, help=f"The {noun} catalogue: list it, export it to CSV, load an edited CSV.")
    def group() -> None:
        pass

    @group.command("list", help=f"Every {noun} with its parent and aliases.")
    @click.pass_context
    def list_entries(ctx: click.Context) -> None:
        from bot.catalogues import catalogue_of

        click.echo(write_catalogue_csv(catalogue_of(database_from(ctx), kind)), nl=False)

    @group.command(
        "export", help=f"Write the {noun} catalogue to PATH as CSV (slug, name, parent, aliases separated by ';')."
    )
    @click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    @click.pass_context
    def export(ctx: click.Context, path: Path) -> None:
        from bot.catalogues import catalogue_of

        catalogue = catalogue_of(database_from(ctx), kind)
        try:
            path.write_text(write_catalogue_csv(catalogue), encoding="utf-8")
        except OSError as error:
            raise InvalidRequest(f"Could not write {path}: {error.strerror}.") from None
        click.echo(f"Wrote {len(catalogue)} {plural} to {path}.")

    @group.command(
        "load",
        help=f"Add and update {plural} from a CSV like `{plural} export` writes. "
        f"{plural.capitalize()} not in the file are kept.",
    )
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.pass_context
    def load(ctx: click.Context, path: Path) -> None:
        from bot.catalogues import update_catalogue

        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidRequest(f"{path} is not UTF-8 text; save it from Excel as “CSV UTF-8”.") from None
        definitions = read_catalogue_csv(text)
        change = update_catalogue(database_from(ctx), settings_from(ctx), definitions, kind)
        click.echo(
            f"Catalogue loaded: {len(change.added)} added, {len(change.updated)} updated, "
            f"{len(definitions) - len(change.added) - len(change.updated)} unchanged."
        )
        if change.kept:
            click.echo(f"Not in the file, kept as they were: {', '.join(change.kept)}.")


add_catalogue_commands(STRANDS)
add_catalogue_commands(AREAS)
