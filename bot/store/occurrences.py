"""Occurrences in: a source replaced whole (demo data), and imports staged then merged set-based."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
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
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from bot.domain.harm import OFFENCE_CODE_LENGTH
from bot.imports.records import ImportRecord
from bot.store import models
from bot.store.catalogue import area_id_map, strand_id_map
from bot.store.counts import lock_daily_counts, rebuild_daily_counts, recount_days
from bot.store.db import INSERT_BATCH_ROWS, record_of, values_of
from bot.store.models import Occurrence, OccurrenceLink, OccurrenceStrand, UTCDateTime


@dataclass(frozen=True)
class NewOccurrence:
    source: str
    source_id: str
    occurred_at: datetime  # aware
    strands: tuple[str, ...]  # slugs, at least one
    area: str | None = None  # slug
    category: str | None = None
    links: tuple[tuple[str, str, str], ...] = ()  # (kind, ref, role)
    offence_code: str | None = None


def replace_source(session: Session, source: str, occurrences: Iterable[NewOccurrence], tz: ZoneInfo) -> int:
    """Replace all of `source`'s occurrences with `occurrences` (links cascade); returns how many were stored.

    The daily counts are rebuilt for `tz` (the force's time zone)."""
    lock_daily_counts(session)
    ids = _Ids(strand_id_map(session), area_id_map(session))
    session.execute(delete(Occurrence.__table__).where(Occurrence.__table__.c.source == source))
    stored = 0
    batch: list[NewOccurrence] = []
    for occurrence in occurrences:
        batch.append(occurrence)
        if len(batch) == INSERT_BATCH_ROWS:
            stored += _insert_batch(session, batch, ids)
            batch = []
    if batch:
        stored += _insert_batch(session, batch, ids)
    rebuild_daily_counts(session, tz)
    return stored


@dataclass(frozen=True)
class _Ids:
    strands: dict[str, int]
    areas: dict[str, int]


def _insert_batch(session: Session, batch: list[NewOccurrence], ids: _Ids) -> int:
    occurrence_ids = session.scalars(
        insert(Occurrence).returning(Occurrence.id, sort_by_parameter_order=True),
        [
            {
                "source": o.source,
                "source_id": o.source_id,
                "occurred_at": o.occurred_at,
                "area_id": ids.areas[o.area] if o.area else None,
                "category": o.category,
                "offence_code": o.offence_code,
            }
            for o in batch
        ],
    ).all()
    strands = [
        {
            "occurrence_id": occurrence_id,
            "strand_id": ids.strands[slug],
            "occurred_at": o.occurred_at,
            "offence_code": o.offence_code,
        }
        for occurrence_id, o in zip(occurrence_ids, batch, strict=True)
        for slug in dict.fromkeys(o.strands)
    ]
    links = [
        {"occurrence_id": occurrence_id, "kind": kind, "ref": ref, "role": role}
        for occurrence_id, o in zip(occurrence_ids, batch, strict=True)
        for kind, ref, role in dict.fromkeys(o.links)
    ]
    for table, rows in ((OccurrenceStrand, strands), (OccurrenceLink, links)):
        for start in range(0, len(rows), INSERT_BATCH_ROWS):
            session.execute(insert(table), rows[start : start + INSERT_BATCH_ROWS])
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
    Column("area_id", Integer),
    Column("category", String(500)),
    Column("offence_code", String(OFFENCE_CODE_LENGTH)),
    Column("person_ref", String(100)),
    Column("person_role", String(32)),
    Column("location_ref", String(100)),
    prefixes=["TEMPORARY"],
)
# Each staged row's strands, one row each.
STAGED_STRANDS = Table(
    "import_staged_strands",
    _staging_metadata,
    Column("source_id", String(100)),
    Column("strand_id", Integer),
    prefixes=["TEMPORARY"],
)
# The last row of each occurrence in the file: a later row corrects an earlier one.
LATEST = Table(
    "import_latest",
    _staging_metadata,
    Column("source_id", String(100), primary_key=True),
    Column("occurred_at", UTCDateTime()),
    Column("area_id", Integer),
    Column("category", String(500)),
    Column("offence_code", String(OFFENCE_CODE_LENGTH)),
    prefixes=["TEMPORARY"],
)
# Each occurrence's strands: all those its rows give (exports often give one row per flag or motivation).
WANTED_STRANDS = Table(
    "import_strands",
    _staging_metadata,
    Column("source_id", String(100), primary_key=True),
    Column("strand_id", Integer, primary_key=True),
    prefixes=["TEMPORARY"],
)
# Occurrences the load adds or changes (time, area, category, offence code or strands): only these are rewritten and
# have their days recounted, so re-loading the same export changes nothing.
CHANGED = Table(
    "import_changed",
    _staging_metadata,
    Column("source_id", String(100), primary_key=True),
    prefixes=["TEMPORARY"],
)
# The links the file gives, one row each, to compare with those stored. Keyed, so that SQLite finds a stored
# link among them by the key: without it, a re-load of 30,000 rows into SQLite took 70 s comparing every pair.
WANTED_LINKS = Table(
    "import_links",
    _staging_metadata,
    Column("occurrence_id", BigInteger, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("ref", String(100), primary_key=True),
    Column("role", String(32), primary_key=True),
    prefixes=["TEMPORARY"],
)
STAGING_TABLES = (STAGING, STAGED_STRANDS, LATEST, WANTED_STRANDS, CHANGED, WANTED_LINKS)
STAGED_COLUMNS = [c.name for c in STAGING.columns]
STAGED_STRAND_COLUMNS = [c.name for c in STAGED_STRANDS.columns]
LINK_COLUMNS = [c.name for c in WANTED_LINKS.columns]
LOCATION_ROLE = "scene"
# An occurrence's own columns, which a later load may correct.
OWN_COLUMNS = ("occurred_at", "area_id", "category", "offence_code")


@dataclass(frozen=True)
class MergeCounts:
    inserted: int
    updated: int
    unchanged: int
    person_links: int
    location_links: int


# Memory each sort or hash of the merge may use before it spills to disk (PostgreSQL's default is 4 MB: a
# first load of 300,000 rows spilled every aggregate of the summaries' recount), for this transaction only.
MERGE_WORK_MEM = "64MB"
# A table is analysed after a load that wrote more than this share of its rows: planner statistics change
# little otherwise (PostgreSQL's autovacuum analyses at 10% too), and ANALYZE of 10 million rows costs seconds.
ANALYZE_SHARE = 0.1


@contextmanager
def _keys_built_after(session: Session, table: Table, bulk: bool) -> Iterator[None]:
    """Inside: `table` without its foreign keys and secondary indexes, which are built again, whole, on the
    way out, if `bulk` (PostgreSQL only). Inserting 173,000 links with them kept up a row at a time took
    7.5 s; without, and building both after, 2.8 s. Their DDL is part of the load's transaction, so a
    rollback restores them; it also holds ACCESS EXCLUSIVE locks to the commit, which is why only loads
    larger than what is stored (first loads) take this way."""
    if not bulk:
        yield
        return
    connection = session.connection()
    keys, indexes = list(table.foreign_key_constraints), list(table.indexes)
    for key in keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        connection.execute(DropIndex(index))
    yield
    for index in indexes:
        connection.execute(CreateIndex(index))
    for key in keys:
        connection.execute(AddConstraint(key))


def start_staging(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'"))
    for table in STAGING_TABLES:
        table.drop(connection, checkfirst=True)  # a pooled SQLite connection may keep an old one
        table.create(connection)


def stage_rows(session: Session, rows: pd.DataFrame, strands: pd.DataFrame) -> None:
    """Add validated rows (STAGED_COLUMNS, None for an empty cell; occurred_at aware) and their strands
    (source_id, strand_id) to the staging tables: COPY of CSV text on PostgreSQL, written by pyarrow in one
    call per chunk rather than a row at a time; one executemany per chunk on SQLite."""
    for table, frame in ((STAGING, rows), (STAGED_STRANDS, strands)):
        if len(frame):
            _stage(session, table, frame[[c.name for c in table.columns]])


def _stage(session: Session, table: Table, frame: pd.DataFrame) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        text_rows = io.BytesIO()
        # Empty text is written quoted and NULL unquoted, which is how COPY's CSV format tells them apart.
        pa_csv.write_csv(
            pa.Table.from_pandas(frame, preserve_index=False),
            text_rows,
            pa_csv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        with (
            connection.connection.driver_connection.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(text_rows.getbuffer())
        return
    values = frame.astype(object).where(frame.notna(), None)
    if "occurred_at" in values:  # as SQLAlchemy stores an instant in SQLite: naive UTC text
        values["occurred_at"] = frame["occurred_at"].dt.tz_convert(UTC).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    placeholders = ", ".join("?" for _ in frame.columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(frame.columns)}) VALUES ({placeholders})",
        list(values.itertuples(index=False, name=None)),
    )


def merge_staged(session: Session, source: str, tz: ZoneInfo) -> MergeCounts:
    """Upsert the staged occurrences of `source`, replace their strands and links with the staged ones, and
    recount the days (local to `tz`, the force's time zone) from the earliest to the latest that an
    occurrence was added to, moved from, moved to or changed on."""
    on_postgresql = session.connection().dialect.name == "postgresql"
    if on_postgresql:
        session.execute(text("ANALYZE import_staging"))  # temporary tables get no statistics otherwise
    latest_columns = ["source_id", "occurred_at", "area_id", "category", "offence_code"]
    if on_postgresql:  # one sort, where the join to each occurrence's last line is two passes and a hash
        last_rows = (
            select(*[STAGING.c[name] for name in latest_columns])
            .ext(distinct_on(STAGING.c.source_id))
            .order_by(STAGING.c.source_id, STAGING.c.line.desc())
        )
    else:
        last_row = (
            select(STAGING.c.source_id, func.max(STAGING.c.line).label("line")).group_by(STAGING.c.source_id).subquery()
        )
        last_rows = select(*[STAGING.c[name] for name in latest_columns]).join(
            last_row, and_(STAGING.c.source_id == last_row.c.source_id, STAGING.c.line == last_row.c.line)
        )
    session.execute(insert(LATEST).from_select(latest_columns, last_rows))
    session.execute(
        insert(WANTED_STRANDS).from_select(
            ["source_id", "strand_id"],
            select(STAGED_STRANDS.c.source_id, STAGED_STRANDS.c.strand_id).distinct(),
        )
    )
    if on_postgresql:
        session.execute(text("ANALYZE import_latest"))
        session.execute(text("ANALYZE import_strands"))
    stored = _stored(source, LATEST)
    # How many occurrences there were (about: IDs are not reused), from the primary key alone.
    existing_before = session.scalar(select(func.max(Occurrence.id))) or 0
    total = session.scalar(select(func.count()).select_from(LATEST)) or 0
    existing = session.scalar(select(func.count()).select_from(LATEST).join(Occurrence, stored)) or 0

    # Before anything changes: which occurrences are new or change, and their times, old and new.
    lock_daily_counts(session)
    same_strand = and_(
        OccurrenceStrand.occurrence_id == Occurrence.id, OccurrenceStrand.strand_id == WANTED_STRANDS.c.strand_id
    )
    strand_added = (
        select(WANTED_STRANDS.c.source_id)
        .join(Occurrence, _stored(source, WANTED_STRANDS))
        .outerjoin(OccurrenceStrand, same_strand)
        .where(OccurrenceStrand.occurrence_id.is_(None))
    )
    strand_dropped = (
        select(LATEST.c.source_id)
        .join(Occurrence, stored)
        .join(OccurrenceStrand, OccurrenceStrand.occurrence_id == Occurrence.id)
        .outerjoin(
            WANTED_STRANDS,
            and_(
                WANTED_STRANDS.c.source_id == LATEST.c.source_id,
                WANTED_STRANDS.c.strand_id == OccurrenceStrand.strand_id,
            ),
        )
        .where(WANTED_STRANDS.c.source_id.is_(None))
    )
    fields_differ = (
        select(LATEST.c.source_id).outerjoin(Occurrence, stored).where(or_(Occurrence.id.is_(None), _differs(LATEST.c)))
    )
    session.execute(insert(CHANGED).from_select(["source_id"], union(strand_added, strand_dropped, fields_differ)))
    changed = session.scalar(select(func.count()).select_from(CHANGED)) or 0
    is_changed = LATEST.c.source_id.in_(select(CHANGED.c.source_id))
    moved = union_all(
        select(LATEST.c.occurred_at.label("at")).where(is_changed),
        select(Occurrence.occurred_at.label("at")).join(LATEST, stored).where(is_changed),
    ).subquery()
    first, last = session.execute(select(func.min(moved.c.at), func.max(moved.c.at))).one()

    dialect_insert = postgresql_insert if on_postgresql else sqlite_insert
    upsert = dialect_insert(Occurrence.__table__).from_select(
        ["source", *latest_columns],
        # WHERE true: SQLite needs it to tell the upsert's ON CONFLICT from a join's ON.
        select(literal(source), *[LATEST.c[name] for name in latest_columns]).where(true()),
    )
    excluded = upsert.excluded
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["source", "source_id"],
            set_={name: excluded[name] for name in OWN_COLUMNS},
            where=_differs(excluded),
        )
    )

    # Changed occurrences get their strands afresh (each strand row carries the occurrence's time and code).
    changed_ids = select(Occurrence.id).join(CHANGED, _stored(source, CHANGED))
    strand_rows = OccurrenceStrand.__table__
    # A load bigger than everything stored builds the keys of what it writes once, after writing it.
    bulk = on_postgresql and total - existing > existing_before
    session.execute(delete(strand_rows).where(strand_rows.c.occurrence_id.in_(changed_ids)))
    with _keys_built_after(session, strand_rows, bulk):
        session.execute(
            insert(strand_rows).from_select(
                ["occurrence_id", "strand_id", "occurred_at", "offence_code"],
                select(Occurrence.id, WANTED_STRANDS.c.strand_id, Occurrence.occurred_at, Occurrence.offence_code)
                .join(CHANGED, CHANGED.c.source_id == WANTED_STRANDS.c.source_id)
                .join(Occurrence, _stored(source, WANTED_STRANDS)),
            )
        )
    if first is not None:
        recount_days(session, tz, first, last)

    # The links the file wants, then only the difference is applied: a nightly re-load of the
    # same export deletes and inserts nothing.
    joined = _stored(source, STAGING)
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
    with _keys_built_after(session, links, bulk):
        session.execute(
            dialect_insert(links).from_select(LINK_COLUMNS, select(WANTED_LINKS).where(true())).on_conflict_do_nothing()
        )
    link_counts = dict(session.execute(select(WANTED_LINKS.c.kind, func.count()).group_by(WANTED_LINKS.c.kind)).all())
    inserted = total - existing
    # Fresh planner statistics when a load changed much. SQLite never gathers them itself: without them a
    # repeat-contact list on a million freshly loaded occurrences took 10 s instead of 60 ms.
    if changed > ANALYZE_SHARE * existing_before:
        for table in (
            "occurrences",
            "occurrence_strands",
            "occurrence_links",
            "daily_counts",
            "daily_area_counts",
            "daily_totals",
            "monthly_counts",
            "monthly_area_counts",
            "monthly_totals",
        ):
            session.execute(text(f"ANALYZE {table}"))
    return MergeCounts(
        inserted=inserted,
        updated=changed - inserted,
        unchanged=existing - (changed - inserted),
        person_links=link_counts.get("person", 0),
        location_links=link_counts.get("location", 0),
    )


def _stored(source: str, staged: Table) -> ColumnElement[bool]:
    """A stored occurrence is the one `staged` (a staging table) names: same source, same ID."""
    return and_(Occurrence.source == source, Occurrence.source_id == staged.c.source_id)


def _differs(new) -> ColumnElement[bool]:
    """A stored occurrence's own columns differ from `new`'s (staged columns, or an upsert's `excluded`)."""
    stored = Occurrence.__table__.c
    return or_(*[stored[name].is_distinct_from(new[name]) for name in OWN_COLUMNS])


def end_staging(session: Session) -> None:
    connection = session.connection()
    for table in reversed(STAGING_TABLES):
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
