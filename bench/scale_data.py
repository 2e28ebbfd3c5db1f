"""A PostgreSQL database at force or national scale for the benchmarks: N synthetic occurrences with
person and location links, generated inside PostgreSQL (minutes, not hours).

    python -m bench.scale_data [--occurrences 10000000] [--postgres-url URL] [--rebuild]

Builds database `strandbot_scale` next to the one in --postgres-url and keeps it: later runs reuse it
when it already holds N occurrences. Occurrences are spread from April 2019 to yesterday over the
default catalogue's strands (domestic abuse and mental health the largest); each links one person
(victim, offender or subject) and one location. Most people appear once or twice; a fifth of links go
to a pool of frequent contacts per strand, and places are skewed so that a few recur very often.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot.db import upgrade

SCALE_DATABASE = "strandbot_scale"
CHUNK = 1_000_000
FIRST_DAY = date(2019, 4, 1)
# Relative volumes: roughly a force's mix of vulnerability demand.
WEIGHTS = {"domestic-abuse": 30, "mental-health": 15, "missing-children": 8, "hate-crime": 6, "adult-at-risk": 6}
DEFAULT_WEIGHT = 2
PEOPLE = 8_000_000
FREQUENT_PER_STRAND = 2_500
PLACES = 300_000


def scale_database(postgres_url: str, occurrences: int, rebuild: bool = False) -> URL:
    """The URL of a migrated database holding `occurrences` synthetic occurrences, built if need be."""
    url = make_url(postgres_url).set(database=SCALE_DATABASE)
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": SCALE_DATABASE})
        if exists and rebuild:
            connection.execute(text(f'DROP DATABASE "{SCALE_DATABASE}" WITH (FORCE)'))
            exists = False
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{SCALE_DATABASE}"'))
    admin.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        held = connection.scalar(text("SELECT count(*) FROM occurrences"))
    if held != occurrences:
        _fill(engine, occurrences)
    engine.dispose()
    return url


def _fill(engine, occurrences: int) -> None:
    started = time.monotonic()
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE occurrences CASCADE"))
        strands = connection.execute(text("SELECT id, slug FROM strands ORDER BY id")).all()
        # One array entry per unit of weight: picking a random entry picks strands in proportion.
        weighted = [sid for sid, slug in strands for _ in range(WEIGHTS.get(slug, DEFAULT_WEIGHT))]
        connection.execute(text("CREATE TEMP TABLE weighted_strands (n int, strand_id int)"))
        connection.execute(
            text("INSERT INTO weighted_strands VALUES (:n, :strand_id)"),
            [{"n": n, "strand_id": sid} for n, sid in enumerate(weighted)],
        )
        seconds = (date.today() - FIRST_DAY).days * 86400  # up to the end of yesterday (UTC)
        connection.execute(text("SELECT setseed(0.42)"))
        for first in range(1, occurrences + 1, CHUNK):
            last = min(first + CHUNK - 1, occurrences)
            connection.execute(
                text(
                    """
                    INSERT INTO occurrences (id, source, source_id, occurred_at, strand_id, category)
                    SELECT g, 'bench', 'B' || g,
                           timestamptz '2019-04-01 00:00+00' + (random() * :seconds) * interval '1 second',
                           w.strand_id, NULL
                    -- random() is volatile, so the pick is made once per row here, not once per join pair
                    FROM (SELECT g, floor(random() * :weights)::int AS pick FROM generate_series(:first, :last) g) s
                    JOIN weighted_strands w ON w.n = s.pick
                    """
                ),
                {"first": first, "last": last, "seconds": seconds, "weights": len(weighted)},
            )
            connection.execute(
                text(
                    """
                    INSERT INTO occurrence_links (occurrence_id, kind, ref, role)
                    SELECT o.id,
                           'person',
                           -- Most people appear once or twice in years; a fifth of links go to each
                           -- strand's own pool of frequent contacts, a few of them very frequent.
                           CASE WHEN random() < 0.8 THEN 'P' || floor(random() * :people)::int
                                ELSE 'F' || o.strand_id || '-' || floor(power(random(), 1.5) * :frequent)::int END,
                           (ARRAY['victim', 'victim', 'victim', 'offender', 'offender', 'subject'])
                               [1 + floor(random() * 6)::int]
                    FROM occurrences o WHERE o.id BETWEEN :first AND :last
                    UNION ALL
                    SELECT g, 'location', 'L' || floor(power(random(), 1.5) * :places)::int, 'scene'
                    FROM generate_series(:first, :last) AS g
                    ON CONFLICT DO NOTHING
                    """
                ),
                {"first": first, "last": last, "people": PEOPLE, "frequent": FREQUENT_PER_STRAND, "places": PLACES},
            )
            print(f"  {last:,} occurrences ({time.monotonic() - started:.0f} s)", flush=True)
        connection.execute(text("SELECT setval(pg_get_serial_sequence('occurrences', 'id'), :n)"), {"n": occurrences})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE occurrences"))
        connection.execute(text("VACUUM ANALYZE occurrence_links"))
    print(f"Built {occurrences:,} occurrences in {time.monotonic() - started:.0f} s.", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--occurrences", type=int, default=10_000_000)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rebuild", action="store_true", help="Drop and build again even if it looks ready.")
    args = parser.parse_args()
    url = scale_database(args.postgres_url, args.occurrences, args.rebuild)
    print(url.render_as_string(hide_password=False))


if __name__ == "__main__":
    main()
