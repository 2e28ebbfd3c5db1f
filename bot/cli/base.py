"""The `strandbot` group every command joins, and what commands share: settings and one database per run,
who is at the terminal, and errors as one line instead of a traceback.

Every command module is imported for `strandbot --help`, so each imports at its top only click and light, pure
modules (the choices its options offer); the services, the store, Slack, charts and jobs (pandas, SQLAlchemy,
matplotlib, Bolt: seconds to load) are imported inside the command that uses them. tests/test_start_up.py holds
this."""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.errors import InvalidRequest, StrandbotError
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.store.db import Database


FIX_FIRST = "The statistics database refused the connection, and waiting won't mend it."


class StrandbotGroup(click.Group):
    """Turns the errors a user can fix into a one-line message and an exit status, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            click.echo(f"strandbot: {error}", err=True)
            sys.exit(2)
        except StrandbotError as error:
            fix = getattr(error, "fix", "")
            # "Try again in a few minutes" is wrong when the server refused what DATABASE_URL names.
            click.echo(f"strandbot: {FIX_FIRST if fix else error}", err=True)
            if getattr(error, "detail", ""):  # administrators at a terminal can act on the driver's words
                click.echo(f"  detail: {error.detail}", err=True)
            if fix:
                click.echo(f"  to fix: {fix}", err=True)
            sys.exit(1)


def settings_from(ctx: click.Context) -> Settings:
    if ctx.obj is None:
        ctx.obj = load_settings()
    return ctx.obj


def database_from(ctx: click.Context) -> Database:
    """The invocation's one `Database` (its engine and pool), kept beside the settings and disposed when the
    command ends."""
    from bot.store.db import Database

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


def write_file(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise InvalidRequest(f"Can't write {path}: {error.strerror or error}.") from None


def operator() -> str:
    """Who is at the command line, for the record of loads and purges."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
