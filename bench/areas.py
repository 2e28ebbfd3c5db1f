"""Areas and overlapping strands at national scale: the figures issue 16 asks for.

    python -m bench.areas [--occurrences 10000000] [--requests 200] [--rebuild]

The database (`strandbot_areas_<size>` beside --postgres-url) is built once, in SQL, since what is measured
here is answering, not loading (bench.scale times the import): 100 areas (10 divisions of 9 wards, the
busiest wards several times the quietest), occurrences from 1 April 2019 to yesterday in a force's mix
of strands, a third of rapes and stalking also domestic abuse, every hate crime with one of its
five motivations, each with an offence code, most with a person and a third with a place; then
`strandbot db upgrade` builds the daily summaries. Then, over signed HTTP to
`strandbot serve` (2 workers x 4 threads), timed until the user has the answer, p50 / p95 / p99:
`/strand hate-crime area=<a division>`, `/strand hate-crime area=<a ward>`, `/strand hate-crime by=area`,
`/strand all`, `/strand all area=<a division>`. Prints a Markdown table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from bench.scale import postgres_database, print_timings, size_label, timed_commands
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.settings import load_settings
from bot.store.catalogue import save_catalogue
from bot.store.db import Database

DIVISIONS, WARDS_PER_DIVISION = 10, 9
# Share of occurrences per strand, in thousandths (as bench.generate's mix), before overlaps are added.
MIX = {
    "domestic-abuse": 300,
    "mental-health": 150,
    "missing-children": 80,
    "adult-at-risk": 70,
    "child-at-risk": 60,
    "hate-crime": 60,
    "stalking-harassment": 60,
    "child-abuse": 40,
    "other-sexual-offences": 35,
    "rape": 25,
    "attempted-suicides": 25,
    "cse": 15,
    "mappa": 15,
    "suicides": 4,
    "prevent": 6,
    "modern-slavery": 6,
    "child-protection": 5,
    "hbv": 3,
    "sexual-offences": 3,
    "forced-marriage": 1,
    "fgm": 1,
}
# Home Office-style offence codes, the commonest first: a draw skewed towards the front, so each strand has a
# realistic handful of common codes and a tail of rare ones (bench.harm weighs all but the last two).
OFFENCE_CODES = [
    "105A", "8L", "8Q", "58A", "195/94", "8N", "19C", "105B", "28E", "9A",
    "8M", "125", "17B", "19H", "22B", "71", "88A", "33", "8P", "104",
]  # fmt: skip
PEOPLE, PLACES = 2_000_000, 500_000
MOTIVATIONS = ["hate-race"] * 70 + ["hate-sexual-orientation"] * 17 + ["hate-religion"] * 9 + ["hate-disability"] * 8
MOTIVATIONS += ["hate-transgender"] * 4


def areas() -> list[CatalogueEntry]:
    entries = []
    for d in range(1, DIVISIONS + 1):
        entries.append(CatalogueEntry(f"division-{d}", f"Division {d}"))
        entries += [
            CatalogueEntry(f"ward-{d}-{w}", f"Ward {d}.{w}", f"division-{d}") for w in range(1, WARDS_PER_DIVISION + 1)
        ]
    return entries


def build(url: URL, occurrences: int) -> None:
    """Fill an empty, migrated database: areas, occurrences, their strands; then the summaries."""
    environment = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    database = Database(url)
    with database.session() as session:
        save_catalogue(session, areas(), AREAS)
    database.dispose()
    mix = ", ".join(f"'{slug}'" for slug, share in MIX.items() for _ in range(share))
    motivations = ", ".join(f"'{slug}'" for slug in MOTIVATIONS)
    codes = ", ".join(f"'{code}'" for code in OFFENCE_CODES)
    steps = [
        # Wards by a skewed draw: the busiest several times the quietest.
        f"""INSERT INTO occurrences (source, source_id, occurred_at, area_id, category, offence_code)
            SELECT 'bench', 'B' || g,
                   timestamptz '2019-04-01 00:00+01' + random() * (now() - interval '1 day' - timestamptz '2019-04-01'),
                   (SELECT array_agg(id ORDER BY id) FROM areas WHERE parent_id IS NOT NULL)
                       [1 + floor(power(random(), 1.6) * {DIVISIONS * WARDS_PER_DIVISION})::int],
                   NULL,
                   (ARRAY[{codes}])[1 + floor(power(random(), 2) * {len(OFFENCE_CODES)})::int]
            FROM generate_series(1, {occurrences}) AS g""",
        f"""INSERT INTO occurrence_strands (occurrence_id, strand_id, occurred_at)
            SELECT o.id, s.id, o.occurred_at
            FROM (SELECT id, occurred_at, (ARRAY[{mix}])[1 + floor(random() * {sum(MIX.values())})::int] AS slug
                  FROM occurrences) AS o
            JOIN strands s ON s.slug = o.slug""",
        """INSERT INTO occurrence_strands (occurrence_id, strand_id, occurred_at)
            SELECT os.occurrence_id, (SELECT id FROM strands WHERE slug = 'domestic-abuse'), os.occurred_at
            FROM occurrence_strands os JOIN strands s ON s.id = os.strand_id
            WHERE s.slug IN ('rape', 'stalking-harassment', 'other-sexual-offences') AND random() < 0.33
            ON CONFLICT DO NOTHING""",
        # Each hate crime's motivation drawn first, then joined: a random() inside the join's condition would
        # be drawn again for every strand compared, and match none.
        f"""INSERT INTO occurrence_strands (occurrence_id, strand_id, occurred_at)
            SELECT drawn.occurrence_id, m.id, drawn.occurred_at
            FROM (SELECT os.occurrence_id, os.occurred_at,
                         (ARRAY[{motivations}])[1 + floor(random() * {len(MOTIVATIONS)})::int] AS slug
                  FROM occurrence_strands os
                  JOIN strands s ON s.id = os.strand_id AND s.slug = 'hate-crime') AS drawn
            JOIN strands m ON m.slug = drawn.slug
            ON CONFLICT DO NOTHING""",
        # People (most occurrences) and places (a third), drawn skewed so that some keep coming back.
        f"""INSERT INTO occurrence_links (occurrence_id, kind, ref, role)
            SELECT id, 'person', 'P' || floor(power(random(), 3) * {PEOPLE})::int,
                   (ARRAY['victim', 'offender', 'offender', 'subject', 'witness'])[1 + floor(random() * 5)::int]
            FROM occurrences WHERE random() < 0.8""",
        f"""INSERT INTO occurrence_links (occurrence_id, kind, ref, role)
            SELECT id, 'location', 'L' || floor(power(random(), 3) * {PLACES})::int, 'scene'
            FROM occurrences WHERE random() < 0.35""",
    ]
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for step in steps:
            started = time.monotonic()
            connection.execute(text(step))
            print(f"  {step.split()[2]}: {time.monotonic() - started:,.0f} s", flush=True)
        connection.execute(text("UPDATE daily_counts_zone SET time_zone = ''"))
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=environment, check=True)
    print(f"  daily summaries: {time.monotonic() - started:,.0f} s", flush=True)
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def areas_database(postgres_url: str, occurrences: int, rebuild: bool) -> URL:
    url, exists = postgres_database(postgres_url, f"strandbot_areas_{size_label(occurrences)}", rebuild)
    if not exists:
        environment = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
        subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=environment, check=True)
        print(f"Building {occurrences:,} occurrences in {url.database} ...", flush=True)
        build(url, occurrences)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--occurrences", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = areas_database(args.postgres_url, args.occurrences, args.rebuild)
    commands = [
        ("/strand", "hate-crime area=division-3"),
        ("/strand", "hate-crime area=ward-3-4"),
        ("/strand", "hate-crime by=area"),
        ("/strand", "all"),
        ("/strand", "all area=division-3"),
    ]
    rows = timed_commands(url, commands, args.requests, [1, 8])
    settings = load_settings({"DATABASE_URL": url.render_as_string(hide_password=False)}, dotenv_path=None)
    print_timings(
        f"PostgreSQL, {args.occurrences:,} occurrences, {DIVISIONS * (WARDS_PER_DIVISION + 1)} areas; "
        f"{platform.node()}, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{settings.timezone.key}; {args.requests} requests per line (p50 / p95 / p99 ms)",
        rows,
    )


if __name__ == "__main__":
    main()
