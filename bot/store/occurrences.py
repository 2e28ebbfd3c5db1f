"""Occurrences in: a source replaced whole (demo data), and imports staged then merged set-based."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.imports.records import ImportRecord
from bot.store import models
from bot.store.catalogue import strand_id_map
from bot.store.counts import lock_daily_counts, rebuild_daily_counts, recount_days
from bot.store.db import INSERT_BATCH_ROWS, record_of, values_of
from bot.store.models import Occurrence, OccurrenceLink, UTCDateTime


@dataclass(frozen=True)
class NewOccurrence:
    source: str
    source_id: str
    occurred_at: datetime  # aware
    strand: str  # slug
    category: str | None = None
    links: tuple[tuple[str, str, str], ...] = ()  # (kind, ref, role)


def replace_source(session: Session, source: str, occurrences: Iterable[NewOccurrence], tz: ZoneInfo) -> int:
    """Replace all of `source`'s occurrences with `occurrences` (links cascade); returns how many were stored.

    The daily counts are rebuilt for `tz` (the force's time zone)."""
    lock_daily_counts(session)
    strand_ids = strand_id_map(session)
    session.execute(delete(Occurrence.__table__).where(Occurrence.__table__.c.source == source))
    stored = 0
    batch: list[NewOccurrence] = []
    for occurrence in occurrences:
        batch.append(occurrence)
        if len(batch) == INSERT_BATCH_ROWS:
            stored += _insert_batch(session, batch, strand_ids)
            batch = []
    if batch:
        stored += _insert_batch(session, batch, strand_ids)
    rebuild_daily_counts(session, tz)
    return stored


def _insert_batch(session: Session, batch: list[NewOccurrence], strand_ids: dict[str, int]) -> int:
    ids = session.scalars(
        insert(Occurrence).returning(Occurrence.id, sort_by_parameter_order=True),
        [
            {
                "source": o.source,
                "source_id": o.source_id,
                "occurred_at": o.occurred_at,
                "strand_id": strand_ids[o.strand],
                "category": o.category,
            }
            for o in batch
        ],
    ).all()
    links = [
        {"occurrence_id": occurrence_id, "kind": kind, "ref": ref, "role": role}
        for occurrence_id, o in zip(ids, batch, strict=True)
        for kind, ref, role in dict.fromkeys(o.links)
    ]
    for start in range(0, len(links), INSERT_BATCH_ROWS):
        session.execute(insert(OccurrenceLink), links[start : start + INSERT_BATCH_ROWS])
    return len(batch)


def other_sources_count(session: Session, source: str) -> int:
    """How many occurrences came from any source but `source`."""
    return session.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.source != source)) or 0


# --- Imports: rows are staged in a temporary table, then merged set-based in one statement each. ---

_staging_metadata = MetaData()
STAGING = Table(
    "import_staging",
    _staging_metadata,
    Column("line", BigInteger),
    Column("source_id", String(100)),
    Column("occurred_at", UTCDateTime()),
    Column("strand_id", Integer),
    Column("category", String(500)),
    Column("person_ref", String(100)),
    Column("person_role", String(32)),
    Column("location_ref", String(100)),
    prefixes=["TEMPORARY"],
)
# The last row of each occurrence in the file: a later row corrects an earlier one.
LATEST = Table(
    "import_latest",
    _staging_metadata,
    Column("source_id", String(100), primary_key=True),
    Column("occurred_at", UTCDateTime()),
    Column("strand_id", Integer),
    Column("category", String(500)),
    prefixes=["TEMPORARY"],
)
# The links the file gives, one row each, to compare with those stored.
WANTED_LINKS = Table(
    "import_links",
    _staging_metadata,
    Column("occurrence_id", BigInteger),
    Column("kind", String(16)),
    Column("ref", String(100)),
    Column("role", String(32)),
    prefixes=["TEMPORARY"],
)
STAGED_COLUMNS = [c.name for c in STAGING.columns]
LINK_COLUMNS = [c.name for c in WANTED_LINKS.columns]
LOCATION_ROLE = "scene"


@dataclass(frozen=True)
class MergeCounts:
    inserted: int
    updated: int
    unchanged: int
    person_links: int
    location_links: int


def start_staging(session: Session) -> None:
    connection = session.connection()
    for table in (STAGING, LATEST, WANTED_LINKS):
        table.drop(connection, checkfirst=True)  # a pooled SQLite connection may keep an old one
        table.create(connection)


def stage_rows(session: Session, rows: list[tuple]) -> None:
    """Add validated rows (in STAGED_COLUMNS order) to the staging table: COPY on PostgreSQL."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        with (
            connection.connection.driver_connection.cursor() as cursor,
            cursor.copy(f"COPY import_staging ({', '.join(STAGED_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    for start in range(0, len(rows), INSERT_BATCH_ROWS):
        session.execute(
            insert(STAGING),
            [dict(zip(STAGED_COLUMNS, r, strict=True)) for r in rows[start : start + INSERT_BATCH_ROWS]],
        )


def merge_staged(session: Session, source: str, tz: ZoneInfo) -> MergeCounts:
    """Upsert the staged occurrences of `source` and replace their links with the staged ones; recount
    the days (local to `tz`, the force's time zone) from the earliest to the latest that an occurrence was
    added to, moved from or moved to."""
    on_postgresql = session.connection().dialect.name == "postgresql"
    if on_postgresql:
        session.execute(text("ANALYZE import_staging"))  # temporary tables get no statistics otherwise
    last = select(STAGING.c.source_id, func.max(STAGING.c.line).label("line")).group_by(STAGING.c.source_id).subquery()
    session.execute(
        insert(LATEST).from_select(
            ["source_id", "occurred_at", "strand_id", "category"],
            select(STAGING.c.source_id, STAGING.c.occurred_at, STAGING.c.strand_id, STAGING.c.category).join(
                last, and_(STAGING.c.source_id == last.c.source_id, STAGING.c.line == last.c.line)
            ),
        )
    )
    if on_postgresql:
        session.execute(text("ANALYZE import_latest"))
    stored = and_(Occurrence.source == source, Occurrence.source_id == LATEST.c.source_id)
    total = session.scalar(select(func.count()).select_from(LATEST)) or 0
    existing = session.scalar(select(func.count()).select_from(LATEST).join(Occurrence, stored)) or 0
    updated = (
        session.scalar(select(func.count()).select_from(LATEST).join(Occurrence, stored).where(_differs(LATEST.c))) or 0
    )

    # Before anything changes: the times of occurrences that are new or will change, old and new.
    lock_daily_counts(session)
    moved = union_all(
        select(LATEST.c.occurred_at.label("at"))
        .outerjoin(Occurrence, stored)
        .where(or_(Occurrence.id.is_(None), _differs(LATEST.c))),
        select(Occurrence.occurred_at.label("at")).join(LATEST, stored).where(_differs(LATEST.c)),
    ).subquery()
    first, last = session.execute(select(func.min(moved.c.at), func.max(moved.c.at))).one()

    dialect_insert = postgresql_insert if on_postgresql else sqlite_insert
    upsert = dialect_insert(Occurrence.__table__).from_select(
        ["source", "source_id", "occurred_at", "strand_id", "category"],
        # WHERE true: SQLite needs it to tell the upsert's ON CONFLICT from a join's ON.
        select(literal(source), LATEST.c.source_id, LATEST.c.occurred_at, LATEST.c.strand_id, LATEST.c.category).where(
            true()
        ),
    )
    excluded = upsert.excluded
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["source", "source_id"],
            set_={"occurred_at": excluded.occurred_at, "strand_id": excluded.strand_id, "category": excluded.category},
            where=_differs(excluded),
        )
    )
    if first is not None:
        recount_days(session, tz, first, last)

    # The links the file wants, then only the difference is applied: a nightly re-load of the
    # same export deletes and inserts nothing.
    joined = and_(Occurrence.source == source, Occurrence.source_id == STAGING.c.source_id)
    people = (
        select(Occurrence.id, literal("person"), STAGING.c.person_ref, STAGING.c.person_role)
        .join(Occurrence, joined)
        .where(STAGING.c.person_ref.is_not(None))
    )
    places = (
        select(Occurrence.id, literal("location"), STAGING.c.location_ref, literal(LOCATION_ROLE))
        .join(Occurrence, joined)
        .where(STAGING.c.location_ref.is_not(None))
    )
    session.execute(insert(WANTED_LINKS).from_select(LINK_COLUMNS, union(people, places)))
    if on_postgresql:
        session.execute(text("ANALYZE import_links"))
    links = OccurrenceLink.__table__
    in_file = select(Occurrence.id).join(LATEST, stored)
    wanted = (
        select(WANTED_LINKS.c.occurrence_id)
        .where(*[WANTED_LINKS.c[name] == links.c[name] for name in LINK_COLUMNS])
        .exists()
    )
    session.execute(delete(links).where(links.c.occurrence_id.in_(in_file), ~wanted))
    session.execute(
        dialect_insert(links).from_select(LINK_COLUMNS, select(WANTED_LINKS).where(true())).on_conflict_do_nothing()
    )
    link_counts = dict(session.execute(select(WANTED_LINKS.c.kind, func.count()).group_by(WANTED_LINKS.c.kind)).all())
    # Fresh planner statistics for what just changed. SQLite never gathers them itself: without them a
    # repeat-contact list on a million freshly loaded occurrences took 10 s instead of 60 ms.
    for table in ("occurrences", "occurrence_links", "daily_counts"):
        session.execute(text(f"ANALYZE {table}"))
    return MergeCounts(
        inserted=total - existing,
        updated=updated,
        unchanged=existing - updated,
        person_links=link_counts.get("person", 0),
        location_links=link_counts.get("location", 0),
    )


def _differs(new) -> ColumnElement[bool]:
    """A stored occurrence differs from `new` (staged columns, or an upsert's `excluded`)."""
    stored = Occurrence.__table__.c
    return or_(
        stored.occurred_at != new.occurred_at,
        stored.strand_id != new.strand_id,
        stored.category.is_distinct_from(new.category),
    )


def end_staging(session: Session) -> None:
    connection = session.connection()
    for table in (WANTED_LINKS, LATEST, STAGING):
        table.drop(connection, checkfirst=True)


def record_import(session: Session, record: ImportRecord) -> None:
    session.add(models.ImportRecord(**values_of(record)))


def earlier_load(session: Session, sha256: str, source: str) -> ImportRecord | None:
    """The latest earlier load of a file with the same content into the same source, if any."""
    stored = models.ImportRecord
    row = session.scalars(
        select(stored).where(stored.file_sha256 == sha256, stored.source == source).order_by(stored.id.desc()).limit(1)
    ).first()
    return None if row is None else record_of(ImportRecord, row)


def recent_imports(session: Session, limit: int) -> list[ImportRecord]:
    rows = session.scalars(select(models.ImportRecord).order_by(models.ImportRecord.id.desc()).limit(limit))
    return [record_of(ImportRecord, row) for row in rows]
