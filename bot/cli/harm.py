"""`strandbot harm load`, `export` and `show`: the harm weight sets, each offence code's weight in the index the
force chose (see the README's "Harm" section)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.base import database_from, main, operator
from bot.errors import InvalidRequest

HOW_TO_LOAD = (
    'Load a set with `strandbot harm load WEIGHTS.csv --name "ONS CSS 2016"` (columns offence_code, weight and '
    'optionally description; the README\'s "Harm" section says how to build one from a published index).'
)


@main.group("harm")
def harm_group() -> None:
    """Harm weights: each offence code's weight in the index the force chose. The newest set loaded is the one in
    use; earlier sets stay on record."""


@harm_group.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--name", help="What every harm figure calls this set, with its source and year (default: the file's name)."
)
@click.pass_context
def load(ctx: click.Context, path: Path, name: str | None) -> None:
    """Load a weights CSV (columns offence_code, weight[, description]) as the set in use. Checked whole first:
    one bad line and nothing is loaded."""
    from bot.harm.weights import load_weights_file
    from bot.render.harm import loaded_text

    click.echo(loaded_text(load_weights_file(database_from(ctx), path, name, operator())))


@harm_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "set_id", type=int, help="An earlier set on record (default: the one in use).")
@click.pass_context
def export(ctx: click.Context, path: Path, set_id: int | None) -> None:
    """Write the set in use (or --set N) to PATH as a weights CSV that `harm load` reads back unchanged."""
    from bot.harm.weights import weights_on_record
    from bot.harm.weights_file import write_weights_csv
    from bot.render.harm import set_title

    shown = weights_on_record(database_from(ctx), set_id)
    if shown is None:
        raise InvalidRequest(f"No harm weights are loaded yet, so there is nothing to export. {HOW_TO_LOAD}")
    try:
        # With a BOM, so Excel reads the descriptions' accents and dashes as written.
        path.write_text(write_weights_csv(shown.weights), encoding="utf-8-sig")
    except OSError as error:
        raise InvalidRequest(f"Could not write {path}: {error.strerror}.") from None
    click.echo(f"Wrote the {len(shown.weights):,} weights of {set_title(shown.weight_set)} to {path}.")


@harm_group.command("show")
@click.option("--set", "set_id", type=int, help="An earlier set on record (default: the one in use).")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def show(ctx: click.Context, set_id: int | None, output: str) -> None:
    """The set in use: who loaded it, when, from which file, its weights; and every set on record."""
    from bot.harm.weights import weights_on_record
    from bot.render.harm import weights_json, weights_text

    shown = weights_on_record(database_from(ctx), set_id)
    if shown is None:
        click.echo(
            '{"set": null, "sets": []}' if output == "json" else f"No harm weights are loaded yet. {HOW_TO_LOAD}"
        )
        return
    click.echo(weights_json(shown) if output == "json" else weights_text(shown))
