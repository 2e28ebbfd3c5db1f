"""How fast `strandbot import` loads a canonical CSV, and how much memory it needs.

    python -m bench.import_speed [--rows 1000000] [--backend sqlite|postgres]

Writes N canonical rows (about 1.3 rows per occurrence, people and places that recur, a few
per cent rejected), loads them into a fresh database with `strandbot import` as its own process,
and prints rows per second and that process's peak memory. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

STRANDS = ["domestic-abuse", "Hate crime", "MH", "stalking-harassment", "rape", "missing-children", "CSE", "AAR"]
ROLES = ["victim", "offender", "subject", "witness", "other"]


def write_rows(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    start = datetime(2020, 4, 1)
    seconds = rng.integers(0, int(timedelta(days=5 * 365).total_seconds()), rows)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["occurrence_id", "occurred_at", "strand", "category", "person_ref", "person_role", "location_ref"]
        )
        occurrence = 0
        for i in range(rows):
            if rng.random() > 0.25:  # otherwise: another person on the same occurrence
                occurrence += 1
            when = (start + timedelta(seconds=int(seconds[occurrence % rows]))).strftime("%Y-%m-%d %H:%M")
            if i % 50 == 49:
                when = "not a date"  # about 2% rejected
            writer.writerow(
                [
                    f"OCC{occurrence:08d}",
                    when,
                    STRANDS[occurrence % len(STRANDS)],
                    "Category text",
                    f"P{rng.integers(0, rows // 4):07d}",
                    ROLES[i % 5],
                    f"L{rng.zipf(1.5) % 50000:05d}",
                ]
            )


def fresh_database(backend: str, directory: Path, postgres_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / 'bench.db'}"
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "strandbot_bench" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "strandbot_bench"'))
    admin.dispose()
    return make_url(postgres_url).set(database="strandbot_bench").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "canonical.csv"
        write_rows(path, args.rows)
        url = fresh_database(args.backend, Path(scratch), args.postgres_url)
        environment = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=environment, check=True, capture_output=True
        )
        for attempt in ("first load", "re-load (all unchanged)"):
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "bot.cli", "import", str(path)], env=environment, capture_output=True, text=True
            )
            elapsed = time.perf_counter() - started
            if result.returncode:
                raise SystemExit(result.stderr)
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"{args.backend} {attempt}: {args.rows:,} rows in {elapsed:.1f} s = {args.rows / elapsed:,.0f} rows/s; "
                f"peak memory {peak_mb:,.0f} MB (largest child so far)"
            )
            print("  " + result.stdout.strip())


if __name__ == "__main__":
    main()
