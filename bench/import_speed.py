"""How fast `strandbot import` loads a canonical CSV against the COPY floor, and how much memory it needs.

    python -m bench.import_speed [--rows 300000] [--backend postgres|sqlite] [--keep FILE]
    python -m bench.import_speed --nightly [--rows 50000] [--template strandbot_areas_10m]

Writes a canonical export of N rows (about 1.33 rows per occurrence: a second or third person on some;
offence codes, areas as forces name them, strand cells as people type them, a few naming two strands,
1% rejected for a date that is not one). On PostgreSQL it first times the floor: `psql \\copy` of the same
file into an UNLOGGED table of text columns. Then `strandbot import` loads the file into a fresh database
(first load), then loads it again (re-load, all unchanged), each as its own process, timed from the
outside: rows per second, the ratio to the floor, and that process's peak resident memory.

`--nightly`: a copy of a big database (`CREATE DATABASE … TEMPLATE`, e.g. bench.areas's 10M) gets the
nightly export of the last 8 weeks: N rows, nine in ten of its occurrences already stored (as stored,
so unchanged, a few with a new person), the rest new. The copy is dropped afterwards. Not part of the suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bench.areas import DIVISIONS, OFFENCE_CODES, WARDS_PER_DIVISION

HEADER = [
    "occurrence_id",
    "occurred_at",
    "strand",
    "category",
    "offence_code",
    "area",
    "person_ref",
    "person_role",
    "location_ref",
]
# Strand cells as exports spell them; a few name two strands.
STRANDS = [
    "Domestic abuse", "domestic-abuse", "DA", "MH", "Mental health", "Missing", "AAR", "CAR", "Hate crime",
    "Race", "stalking-harassment", "Child abuse", "Other sexual offences", "rape;DA", "Attempted suicides",
    "CSE", "MAPPA", "Hate crime;Religion", "Prevent", "MSHT",
]  # fmt: skip
ROLES = ["victim", "offender", "subject", "witness", "other"]
CATEGORIES = ["", "Assault with injury", "Harassment", "Concern for welfare", "Public order, racially aggravated"]
AREAS = [f"Ward {d}.{w}" for d in range(1, DIVISIONS + 1) for w in range(1, WARDS_PER_DIVISION + 1)]
CHUNK = 1_000_000


def export_rows(first: int, rows: int, rng: np.random.Generator, start: datetime, days: int) -> pd.DataFrame:
    """`rows` CSV rows of occurrences numbered from `first`: one row per linked person (1.33 per occurrence)."""
    people = 1 + (rng.random(rows) < 0.25) + (rng.random(rows) < 0.08)
    occurrence = np.repeat(np.arange(first, first + rows), people)[:rows]
    count = int(occurrence[-1] - first + 1)
    seconds = rng.integers(0, days * 86400, count)
    when = pd.to_datetime(np.datetime64(start) + seconds.astype("timedelta64[s]")).strftime("%Y-%m-%d %H:%M:%S")
    when = np.asarray(when, dtype=object)[occurrence - first]
    when[rng.random(rows) < 0.01] = "not a date"
    local = occurrence - first
    return pd.DataFrame(
        {
            "occurrence_id": np.char.add("OCC", occurrence.astype(str)),
            "occurred_at": when,
            "strand": np.array(STRANDS)[rng.integers(0, len(STRANDS), count)][local],
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), count)][local],
            "offence_code": np.array(OFFENCE_CODES)[(rng.random(count) ** 2 * len(OFFENCE_CODES)).astype(int)][local],
            "area": np.array(AREAS)[(rng.random(count) ** 1.6 * len(AREAS)).astype(int)][local],
            "person_ref": np.char.add("P", rng.integers(0, max(1000, rows), rows).astype(str)),
            "person_role": np.array(ROLES)[rng.integers(0, len(ROLES), rows)],
            "location_ref": np.char.add(
                "L", ((rng.random(count) ** 2) * max(1000, rows // 10)).astype(int).astype(str)
            )[local],
        },
        columns=HEADER,
    )


def write_export(path: Path, rows: int, seed: int = 18) -> None:
    """A canonical export of `rows` rows, five years of occurrences ending a week ago, a million rows at a time."""
    rng = np.random.default_rng(seed)
    start = datetime.now() - timedelta(days=7 + 5 * 365)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        written = 0
        while written < rows:
            frame = export_rows(written + 1, min(CHUNK, rows - written), rng, start, 5 * 365)
            frame.to_csv(out, header=False, index=False)
            written += len(frame)


def admin_engine(postgres_url: str):
    return create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")


def fresh_database(backend: str, directory: Path, postgres_url: str, name: str, template: str | None = None) -> URL:
    if backend == "sqlite":
        return make_url(f"sqlite:///{directory / 'bench.db'}")
    admin = admin_engine(postgres_url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return make_url(postgres_url).set(database=name)


def drop_database(postgres_url: str, name: str) -> None:
    admin = admin_engine(postgres_url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def copy_floor(url: URL, path: Path) -> float:
    """Seconds for `psql \\copy` of `path` into an UNLOGGED table of text columns (the file's width)."""
    with path.open(encoding="utf-8", newline="") as export:
        width = len(next(csv.reader(export)))
    columns = ", ".join(f"c{i} text" for i in range(width))
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    psql += ["-U", url.username or "postgres", "-d", url.database or ""]
    subprocess.run([*psql, "-c", f"DROP TABLE IF EXISTS floor; CREATE UNLOGGED TABLE floor ({columns})"], check=True)
    started = time.perf_counter()
    subprocess.run([*psql, "-c", f"\\copy floor FROM '{path}' WITH (FORMAT csv, HEADER true)"], check=True)
    took = time.perf_counter() - started
    subprocess.run([*psql, "-c", "DROP TABLE floor"], check=True)
    return took


def import_run(command: list[str], environment: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak resident MB, summary line) of `strandbot import` run as its own process.

    The peak is the process's own VmHWM, read while it runs: its rusage would report this benchmark's memory
    instead, since Linux carries the largest RSS across fork and exec into the child's figure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=err)
        peak_kb = 0
        while process.poll() is None:
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
                peak_kb = max(peak_kb, int(status.split("VmHWM:")[1].split()[0]))
            except (FileNotFoundError, IndexError, ProcessLookupError):
                pass
            time.sleep(0.02)
        took = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read().decode()}")
        return took, peak_kb / 1024, out.read().decode().strip().splitlines()[-1]


def nightly_export(url: URL, path: Path, rows: int, seed: int = 18) -> None:
    """The last 8 weeks as a nightly export: nine in ten occurrences already stored (written as stored), the
    rest new; a few stored ones gain a person."""
    rng = np.random.default_rng(seed)
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = pd.DataFrame(
            connection.execute(
                text(
                    """
                    SELECT o.source_id AS occurrence_id, o.occurred_at, o.offence_code,
                           coalesce(o.category, '') AS category, coalesce(a.slug, '') AS area,
                           (SELECT string_agg(s.slug, ';' ORDER BY s.slug) FROM occurrence_strands os
                              JOIN strands s ON s.id = os.strand_id WHERE os.occurrence_id = o.id) AS strand,
                           p.ref AS person_ref, p.role AS person_role, l.ref AS location_ref
                    FROM occurrences o
                    LEFT JOIN areas a ON a.id = o.area_id
                    LEFT JOIN LATERAL (SELECT ref, role FROM occurrence_links
                                       WHERE occurrence_id = o.id AND kind = 'person' LIMIT 1) p ON true
                    LEFT JOIN LATERAL (SELECT ref FROM occurrence_links
                                       WHERE occurrence_id = o.id AND kind = 'location' LIMIT 1) l ON true
                    WHERE o.source = 'bench' AND o.occurred_at >= now() - interval '56 days'
                    ORDER BY random() LIMIT :n
                    """
                ),
                {"n": int(rows * 0.9)},
            ).all(),
            columns=[
                "occurrence_id",
                "occurred_at",
                "offence_code",
                "category",
                "area",
                "strand",
                "person_ref",
                "person_role",
                "location_ref",
            ],
        )
    engine.dispose()
    stored["occurred_at"] = pd.to_datetime(stored["occurred_at"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    gains = stored.sample(frac=0.03, random_state=seed).assign(person_ref="PNEW", person_role="witness")
    new = export_rows(1, rows - len(stored) - len(gains), rng, datetime.now(UTC) - timedelta(days=2), 1)
    new["occurrence_id"] = "NEW" + new["occurrence_id"]
    new["occurred_at"] = new["occurred_at"].where(new["occurred_at"] != "not a date", "2024-01-01 10:00")
    export = pd.concat([stored, gains, new])[HEADER].fillna("")
    export.to_csv(path, index=False)


def report(what: str, rows: int, took: float, peak: float, floor: float | None, line: str) -> None:
    ratio = f", 1/{took / floor:,.1f} of the floor" if floor else ""
    print(f"{what}: {rows:,} rows in {took:,.2f} s = {rows / took:,.0f} rows/s{ratio}; peak RSS {peak:,.0f} MB")
    print(f"  {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help="rows in the export (default 300,000; 50,000 with --nightly)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--nightly", action="store_true", help="load a nightly export into a copy of --template")
    parser.add_argument("--template", default="strandbot_areas_10m", help="the big database to copy for --nightly")
    parser.add_argument("--keep", type=Path, help="write the export here and keep it (default: a temporary file)")
    args = parser.parse_args()
    rows = args.rows or (50_000 if args.nightly else 300_000)
    strandbot = [sys.executable, "-m", "bot.cli"]
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "export.csv"
        if args.nightly:
            name = f"{args.template}_nightly"
            print(f"copying {args.template} ...", flush=True)
            url = fresh_database("postgres", Path(scratch), args.postgres_url, name, template=args.template)
            try:
                nightly_export(url, path, rows)
                environment = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
                took, peak, line = import_run([*strandbot, "import", str(path), "--source", "bench"], environment)
                report(f"nightly, 8 weeks into {args.template}", rows, took, peak, None, line)
            finally:
                drop_database(args.postgres_url, name)
            return
        started = time.perf_counter()
        write_export(path, rows)
        print(f"{rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB, written in {time.perf_counter() - started:.1f} s")
        url = fresh_database(args.backend, Path(scratch), args.postgres_url, "strandbot_bench")
        environment = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
        subprocess.run([*strandbot, "db", "upgrade"], env=environment, check=True, capture_output=True)
        floor = None
        if args.backend == "postgres":
            floor = copy_floor(url, path)
            print(f"floor, psql \\copy into an unlogged text table: {floor:.2f} s = {rows / floor:,.0f} rows/s")
        for attempt in ("first load", "re-load (all unchanged)"):
            took, peak, line = import_run([*strandbot, "import", str(path)], environment)
            report(f"{args.backend} {attempt}", rows, took, peak, floor, line)


if __name__ == "__main__":
    main()
