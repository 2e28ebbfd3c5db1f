"""An export of everything: how fast an import goes when most of its rows are out of scope.

    python -m bench.out_of_scope [--rows 1000000] [--in-scope 0.1] [--compare-tree DIR]

Writes two canonical exports into .bench/: the in-scope rows alone (bench.generate's force, about 1.3
rows per occurrence), and the same rows spread evenly among out-of-scope rows (thefts: an empty strand
cell) to `--rows` in all. Each is imported into a fresh PostgreSQL database by `strandbot import`, timed
from the outside. `--compare-tree` also imports the in-scope file with the strandbot in another checkout
(e.g. a worktree of the commit before overlapping strands: `git worktree add /tmp/before 176bc57`), for
"no slower than before on the in-scope rows". Prints a Markdown table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import HEADER, write_export
from bench.scale import postgres_database

WORKDIR = Path(".bench")


def mixed_export(in_scope: Path, out: Path, rows: int) -> tuple[int, int]:
    """`in_scope`'s rows, each followed by its share of out-of-scope rows, to `rows` in all."""
    with in_scope.open(encoding="utf-8", newline="") as source:
        kept = list(csv.reader(source))[1:]
    extra = max(0, rows - len(kept))
    per_row, spare = divmod(extra, len(kept))
    strand, occurred_at = HEADER.index("strand"), HEADER.index("occurred_at")
    with out.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(HEADER)
        serial = 0
        for index, row in enumerate(kept):
            writer.writerow(row)
            for _ in range(per_row + (index < spare)):
                serial += 1
                theft = [""] * len(HEADER)
                theft[HEADER.index("occurrence_id")] = f"T{serial:08d}"
                theft[occurred_at], theft[strand] = row[occurred_at], ""
                theft[HEADER.index("category")] = "Theft from a shop"
                writer.writerow(theft)
    return len(kept), extra


def timed_import(postgres_url: str, database: str, export: Path, tree: Path | None) -> float:
    url, _ = postgres_database(postgres_url, database, rebuild=True)
    environment = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    # `python -m` puts the working directory first on the path: run in the tree whose code is meant.
    where = (tree or Path.cwd()).resolve()
    strandbot = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*strandbot, "db", "upgrade"], env=environment, cwd=where, check=True, capture_output=True)
    started = time.monotonic()
    result = subprocess.run(
        [*strandbot, "import", str(export.resolve())], env=environment, cwd=where, check=True, capture_output=True
    )
    took = time.monotonic() - started
    print(f"  {export.name} ({'this tree' if tree is None else tree}): {took:,.1f} s", flush=True)
    print("   ", result.stdout.decode().strip().splitlines()[-1], flush=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--in-scope", type=float, default=0.1, help="share of rows in some strand")
    parser.add_argument("--compare-tree", type=Path, help="another checkout to import the in-scope rows with")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    WORKDIR.mkdir(exist_ok=True)
    in_scope = WORKDIR / "in-scope.csv"
    write_export(in_scope, int(args.rows * args.in_scope / 1.3))
    mixed = WORKDIR / "everything.csv"
    kept, out = mixed_export(in_scope, mixed, args.rows)
    results = [("in-scope rows alone", kept, timed_import(args.postgres_url, "strandbot_oos_a", in_scope, None))]
    results.append(
        (f"the same among {out:,} out of scope", kept, timed_import(args.postgres_url, "strandbot_oos_b", mixed, None))
    )
    if args.compare_tree:
        took = timed_import(args.postgres_url, "strandbot_oos_c", in_scope, args.compare_tree)
        results.append((f"in-scope rows alone, {args.compare_tree}", kept, took))
    print("\n| export | in-scope rows | seconds | in-scope rows/s |\n|---|---|---|---|")
    for what, rows, took in results:
        print(f"| {what} | {rows:,} | {took:,.1f} | {rows / took:,.0f} |")


if __name__ == "__main__":
    main()
