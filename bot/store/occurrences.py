"""Data access: every query strandbot runs. Aggregates in the database; returns counts, not rows."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
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
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from bot.audit.chain import CHAINED_COLUMNS, row_hash
from bot.domain.catalogue import Catalogue, StrandDefinition, in_display_order, validate
from bot.domain.periods import Window
from bot.store.models import (
    AlertDelivery,
    AlertSchedule,
    AlertSubscription,
    AuditChainHead,
    AuditDisclosure,
    AuditEntry,
    BreachThreshold,
    DailyCount,
    DailyCountsZone,
    ImportRecord,
    JobRun,
    Occurrence,
    OccurrenceLink,
    StoredRepeatRule,
    Strand,
    StrandAlias,
    UserRole,
    UTCDateTime,
)

log = logging.getLogger(__name__)

# Rows per INSERT: large enough to be fast, small enough for SQLite's 32,766 bound-parameter limit.
INSERT_BATCH_ROWS = 4000


def load_catalogue(session: Session) -> Catalogue:
    strands = session.scalars(select(Strand).options(selectinload(Strand.aliases)).order_by(Strand.position)).all()
    slug_of = {s.id: s.slug for s in strands}
    return Catalogue(
        in_display_order(
            StrandDefinition(s.slug, s.name, slug_of.get(s.parent_id), tuple(a.alias for a in s.aliases))
            for s in strands
        )
    )


@dataclass(frozen=True)
class CatalogueChange:
    added: list[str]
    updated: list[str]
    kept: list[str]  # in the database but not in the file: left as they are, since occurrences point at them


def save_catalogue(session: Session, definitions: list[StrandDefinition]) -> CatalogueChange:
    """Add and update strands from `definitions`; strands the file leaves out are kept, never deleted.

    A file listing every strand sets the display order; a partial file keeps existing strands where they
    are and puts new ones last among their siblings. The merged catalogue is validated before any write."""
    existing = load_catalogue(session)
    incoming = {d.slug for d in definitions}
    validate(definitions + [s for s in existing if s.slug not in incoming])
    rows = {s.slug: s for s in session.scalars(select(Strand)).all()}
    reorder = incoming >= rows.keys()
    next_position = max((s.position for s in rows.values()), default=0) + 10
    added, updated = [], []
    for index, definition in enumerate(definitions, start=1):
        strand = rows.get(definition.slug)
        if strand is None:
            strand = rows[definition.slug] = Strand(slug=definition.slug, position=next_position)
            next_position += 10
            session.add(strand)
            added.append(definition.slug)
        elif existing.get(definition.slug) != definition or (reorder and strand.position != index * 10):
            updated.append(definition.slug)
        if reorder:
            strand.position = index * 10
        strand.name = definition.name
        # Keep alias rows that stay, so re-adding one never trips the (strand, alias) unique key.
        current = {a.alias: a for a in strand.aliases}
        strand.aliases = [current.get(a) or StrandAlias(alias=a) for a in dict.fromkeys(definition.aliases)]
    session.flush()
    for definition in definitions:
        parent = rows[definition.parent] if definition.parent else None
        rows[definition.slug].parent_id = parent.id if parent else None
    kept = [s.slug for s in existing if s.slug not in incoming]
    return CatalogueChange(added, updated, kept)


def _family_ids(slugs: Sequence[str]):
    """The IDs of the strands `slugs`, as a subquery."""
    return select(Strand.id).where(Strand.slug.in_(slugs))


def window_counts(
    session: Session, windows: Mapping[str, Window], tz: ZoneInfo, slugs: Sequence[str] | None = None
) -> pd.DataFrame:
    """Occurrences per strand (own, not rolled up) in each named window: slug index, one column per window.

    Summed from `daily_counts` when it holds the days of `tz`; counted from `occurrences` otherwise (slowly,
    but right), which is also how the summary itself counts."""
    if daily_counts_zone(session) == tz.key:
        strand_id, amount = DailyCount.strand_id, func.sum(DailyCount.occurrences)

        def within(window: Window) -> list[ColumnElement[bool]]:
            return [DailyCount.day >= window.start, DailyCount.day <= window.end]
    else:
        log.warning("daily_counts is not for %s; counting occurrences directly (run `strandbot db upgrade`)", tz.key)
        strand_id, amount = Occurrence.strand_id, func.count()

        def within(window: Window) -> list[ColumnElement[bool]]:
            start, end = window.utc_bounds(tz)
            return [Occurrence.occurred_at >= start, Occurrence.occurred_at < end]

    parts = []
    for name, window in windows.items():
        query = select(literal(name).label("window"), strand_id, amount.label("n")).where(*within(window))
        if slugs is not None:
            query = query.where(strand_id.in_(_family_ids(slugs)))
        parts.append(query.group_by(strand_id))
    counted = union_all(*parts).subquery()
    rows = session.execute(
        select(counted.c.window, Strand.slug, counted.c.n).join(Strand, Strand.id == counted.c.strand_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["window", "slug", "n"])
    table = frame.pivot_table(index="slug", columns="window", values="n", aggfunc="sum", fill_value=0)
    return table.reindex(columns=list(windows), fill_value=0).astype("int64")


# --- The daily counts summary: changed in the same transaction as the occurrences it counts. ---


def lock_daily_counts(session: Session) -> str:
    """Take the daily counts' lock, held to the end of the transaction, and return the time zone whose
    days they hold ("" if never built).

    Every writer of occurrences takes it before reading them, so writers (imports, purges, rebuilds) go
    one at a time and each recounts what the one before it committed."""
    return session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1).with_for_update()) or ""


def recount_days(session: Session, tz: ZoneInfo, first: datetime, last: datetime) -> None:
    """Bring `daily_counts` up to date for every strand on each local day from `first`'s to `last`'s.

    A summary for another time zone (or none) is rebuilt whole."""
    if lock_daily_counts(session) != tz.key:
        rebuild_daily_counts(session, tz)
        return
    days = Window(first.astimezone(tz).date(), last.astimezone(tz).date())
    session.execute(delete(DailyCount.__table__).where(DailyCount.day >= days.start, DailyCount.day <= days.end))
    _count_days(session, tz, days)


def rebuild_daily_counts(session: Session, tz: ZoneInfo) -> None:
    """Count every day again, for `tz`'s days."""
    lock_daily_counts(session)
    session.execute(delete(DailyCount.__table__))
    _count_days(session, tz, None)
    if session.connection().dialect.name == "postgresql":
        session.execute(text("ANALYZE daily_counts"))  # its statistics would otherwise describe the old rows
    session.merge(DailyCountsZone(id=1, time_zone=tz.key, rebuilt_at=datetime.now(UTC)))


def daily_counts_zone(session: Session) -> str:
    """The time zone whose days the summary holds ("" if never built)."""
    return session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1)) or ""


def _local_day(session: Session, tz: ZoneInfo) -> ColumnElement:
    """An occurrence's local date in the database's own time zone rules (the summary's days are these)."""
    if session.connection().dialect.name == "postgresql":
        return cast(func.timezone(tz.key, Occurrence.occurred_at), Date)
    return func.local_date(Occurrence.occurred_at, tz.key, type_=Date)  # registered by bot.store.db


def _on_local_days(query, local_day: ColumnElement, days: Window, tz: ZoneInfo):
    """`query` limited to occurrences on `days`, by the database's local day.

    Python's and the database's time zone rules may be releases apart: look a day either side of the
    window's UTC bounds (so the index narrows the scan) and let the database's local day decide."""
    start, end = days.utc_bounds(tz)
    return query.where(
        Occurrence.occurred_at >= start - timedelta(days=1),
        Occurrence.occurred_at < end + timedelta(days=1),
        local_day >= days.start,
        local_day <= days.end,
    )


def _count_days(session: Session, tz: ZoneInfo, days: Window | None) -> None:
    local_day = _local_day(session, tz)
    counted = select(Occurrence.strand_id, local_day, func.count()).group_by(Occurrence.strand_id, local_day)
    if days is not None:
        counted = _on_local_days(counted, local_day, days, tz)
    session.execute(insert(DailyCount).from_select(["strand_id", "day", "occurrences"], counted))


# --- Series for charts and forecasts: one strand family's counts, summed in the database. ---


def daily_totals(session: Session, days: Window, tz: ZoneInfo, slugs: Sequence[str]) -> pd.Series:
    """Occurrences of the strands `slugs` together on each local day of `days` that had any, by date.

    From the daily counts summary when it holds `tz`'s days, else counted from occurrences the same way."""
    if daily_counts_zone(session) == tz.key:
        day, amount = DailyCount.day, func.sum(DailyCount.occurrences)
        query = select(day, amount).where(
            DailyCount.day >= days.start, DailyCount.day <= days.end, DailyCount.strand_id.in_(_family_ids(slugs))
        )
    else:
        day = _local_day(session, tz)
        query = _on_local_days(select(day, func.count()), day, days, tz)
        query = query.where(Occurrence.strand_id.in_(_family_ids(slugs)))
    rows = session.execute(query.group_by(day)).all()
    return pd.Series({row[0]: int(row[1]) for row in rows}, dtype="int64")


def first_occurrence_day(session: Session, tz: ZoneInfo) -> date | None:
    """The local date of the earliest occurrence held (of any strand): where the data begins."""
    earliest = session.scalar(select(func.min(Occurrence.occurred_at)))
    return None if earliest is None else earliest.astimezone(tz).date()


def hour_of_week_counts(session: Session, days: Window, tz: ZoneInfo, slugs: Sequence[str]) -> pd.Series:
    """Occurrences of the strands `slugs` in `days` by local hour of the week: 0 is Monday 00:00-00:59,
    167 Sunday 23:00-23:59. Hours without any are left out."""
    if session.connection().dialect.name == "postgresql":
        local = func.timezone(tz.key, Occurrence.occurred_at)
        hour = (func.extract("isodow", local) - 1) * 24 + func.extract("hour", local)
    else:
        hour = func.local_hour_of_week(Occurrence.occurred_at, tz.key, type_=Integer)  # registered by bot.store.db
    start, end = days.utc_bounds(tz)
    query = (
        select(hour, func.count())
        .where(
            Occurrence.occurred_at >= start,
            Occurrence.occurred_at < end,
            Occurrence.strand_id.in_(_family_ids(slugs)),
        )
        .group_by(hour)
    )
    return pd.Series({int(row[0]): int(row[1]) for row in session.execute(query)}, dtype="int64")


def strand_id_map(session: Session) -> dict[str, int]:
    return {slug: id_ for slug, id_ in session.execute(select(Strand.slug, Strand.id))}


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
    session.add(record)


def earlier_load(session: Session, sha256: str, source: str) -> ImportRecord | None:
    """The latest earlier load of a file with the same content into the same source, if any."""
    return session.scalars(
        select(ImportRecord)
        .where(ImportRecord.file_sha256 == sha256, ImportRecord.source == source)
        .order_by(ImportRecord.id.desc())
        .limit(1)
    ).first()


def recent_imports(session: Session, limit: int) -> list[ImportRecord]:
    return list(session.scalars(select(ImportRecord).order_by(ImportRecord.id.desc()).limit(limit)))


@dataclass(frozen=True)
class PurgeCounts:
    occurrences: int
    links: int


@dataclass(frozen=True)
class PurgeScope:
    """What a purge before an instant would remove, against everything stored, in enough detail to check."""

    removed: PurgeCounts
    stored: PurgeCounts
    first: datetime | None  # earliest and latest occurrence touched (UTC)
    last: datetime | None
    links_by_kind: tuple[tuple[str, int], ...]  # ("location", 12), ("person", 40)
    occurrences_by_strand: tuple[tuple[str, int], ...]  # strand name, occurrences (whole-occurrence purges)


def purge_scope(session: Session, before: datetime, whole_occurrences: bool) -> PurgeScope:
    """What a purge of everything that occurred before `before` (UTC) would remove."""
    old = select(Occurrence.id).where(Occurrence.occurred_at < before)
    by_kind = session.execute(
        select(OccurrenceLink.kind, func.count())
        .where(OccurrenceLink.occurrence_id.in_(old))
        .group_by(OccurrenceLink.kind)
        .order_by(OccurrenceLink.kind)
    ).all()
    touched = (
        select(func.count(), func.min(Occurrence.occurred_at), func.max(Occurrence.occurred_at))
        .where(Occurrence.occurred_at < before)
        .where(Occurrence.id.in_(select(OccurrenceLink.occurrence_id)) if not whole_occurrences else true())
    )
    occurrences, first, last = session.execute(touched).one()
    by_strand = []
    if whole_occurrences:
        by_strand = session.execute(
            select(Strand.name, func.count())
            .join(Occurrence, Occurrence.strand_id == Strand.id)
            .where(Occurrence.occurred_at < before)
            .group_by(Strand.name, Strand.position)
            .order_by(Strand.position)
        ).all()
    stored = PurgeCounts(
        session.scalar(select(func.count()).select_from(Occurrence)) or 0,
        session.scalar(select(func.count()).select_from(OccurrenceLink)) or 0,
    )
    links = sum(n for _, n in by_kind)
    return PurgeScope(
        PurgeCounts(occurrences if whole_occurrences else 0, links),
        stored,
        first,
        last,
        tuple((kind, n) for kind, n in by_kind),
        tuple((name, n) for name, n in by_strand),
    )


def purge(session: Session, before: datetime, whole_occurrences: bool, tz: ZoneInfo) -> PurgeCounts:
    """Remove links (and, if asked, occurrences) from before `before` (UTC); what was removed."""
    old = select(Occurrence.id).where(Occurrence.occurred_at < before)
    # Core tables, not ORM entities: an ORM delete would fetch every deleted row into memory.
    links = session.execute(
        delete(OccurrenceLink.__table__).where(OccurrenceLink.__table__.c.occurrence_id.in_(old))
    ).rowcount
    occurrences = 0
    if whole_occurrences:
        lock_daily_counts(session)
        earliest = session.scalar(select(func.min(Occurrence.occurred_at)))
        occurrences = session.execute(
            delete(Occurrence.__table__).where(Occurrence.__table__.c.occurred_at < before)
        ).rowcount
        if earliest is not None and earliest < before:
            recount_days(session, tz, earliest, before - timedelta(microseconds=1))
    return PurgeCounts(occurrences, links)


# Repeat contact: people and places linked to several occurrences of a strand within a period.


@dataclass(frozen=True)
class RepeatScope:
    """Which links count: occurrences of these strands between two instants, links of one kind (and role)."""

    slugs: tuple[str, ...]
    start: datetime
    end: datetime
    kind: str  # person | location
    role: str | None  # None: any role
    min_occurrences: int


@dataclass(frozen=True)
class RepeatRow:
    ref: str
    occurrences: int
    first: datetime
    last: datetime


def _per_ref(scope: RepeatScope, label: str | None = None):
    """One row per reference meeting the rule: ref, its distinct occurrences, first and last (UTC).

    Counted by distinct occurrence, so one occurrence linking a person twice (two roles) counts once."""
    n = func.count(func.distinct(Occurrence.id))
    columns = [OccurrenceLink.ref, n.label("n"), func.min(Occurrence.occurred_at), func.max(Occurrence.occurred_at)]
    if label is not None:
        columns.insert(0, literal(label).label("period"))
    query = (
        select(*columns)
        .join(OccurrenceLink, OccurrenceLink.occurrence_id == Occurrence.id)
        .where(
            Occurrence.strand_id.in_(select(Strand.id).where(Strand.slug.in_(scope.slugs)).scalar_subquery()),
            Occurrence.occurred_at >= scope.start,
            Occurrence.occurred_at < scope.end,
            OccurrenceLink.kind == scope.kind,
        )
        .group_by(OccurrenceLink.ref)
        .having(n >= scope.min_occurrences)
    )
    if scope.role is not None:
        query = query.where(OccurrenceLink.role == scope.role)
    return query


def repeat_rows(session: Session, scope: RepeatScope) -> list[RepeatRow]:
    """Everyone (or everywhere) meeting the rule, most occurrences first, then most recent."""
    counted = _per_ref(scope).subquery()
    ref, n, first, last = counted.c
    rows = session.execute(select(ref, n, first, last).order_by(n.desc(), last.desc(), ref)).all()
    return [RepeatRow(*row) for row in rows]


def repeat_totals(session: Session, scopes: dict[str, RepeatScope]) -> dict[str, tuple[int, int]]:
    """For each named scope: how many references meet the rule, and their occurrences between them."""
    parts = [_per_ref(scope, label) for label, scope in scopes.items()]
    counted = union_all(*parts).subquery()
    rows = session.execute(
        select(counted.c.period, func.count(), func.sum(counted.c.n)).group_by(counted.c.period)
    ).all()
    found = {label: (people, int(total or 0)) for label, people, total in rows}
    return {label: found.get(label, (0, 0)) for label in scopes}


def other_strands(session: Session, refs: Sequence[str], scope: RepeatScope) -> dict[str, list[str]]:
    """The strands outside `scope.slugs` each reference appears in (any role) within the scope's period."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(refs), INSERT_BATCH_ROWS):
        batch = refs[start : start + INSERT_BATCH_ROWS]
        rows = session.execute(
            select(OccurrenceLink.ref, Strand.slug)
            .join(Occurrence, Occurrence.id == OccurrenceLink.occurrence_id)
            .join(Strand, Strand.id == Occurrence.strand_id)
            .where(
                OccurrenceLink.kind == scope.kind,
                OccurrenceLink.ref.in_(batch),
                Occurrence.occurred_at >= scope.start,
                Occurrence.occurred_at < scope.end,
                Strand.slug.not_in(scope.slugs),
            )
            .group_by(OccurrenceLink.ref, Strand.slug, Strand.position)
            .order_by(OccurrenceLink.ref, Strand.position)
        ).all()
        for ref, slug in rows:
            found.setdefault(ref, []).append(slug)
    return found


# Roles, repeat-contact rules and the audit log.


def stored_role(session: Session, user_id: str) -> str | None:
    return session.scalar(select(UserRole.role).where(UserRole.user_id == user_id))


def store_role(session: Session, user_id: str, role: str | None, by: str, at: datetime) -> None:
    """Give `user_id` a role, or take it away (None)."""
    session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    if role is not None:
        session.add(UserRole(user_id=user_id, role=role, granted_by=by, granted_at=at))


def stored_roles(session: Session) -> list[UserRole]:
    return list(session.scalars(select(UserRole).order_by(UserRole.role, UserRole.user_id)))


def stored_repeat_rules(session: Session) -> dict[str, StoredRepeatRule]:
    return {rule.scope: rule for rule in session.scalars(select(StoredRepeatRule))}


def store_repeat_rule(session: Session, scope: str, rule: StoredRepeatRule | None) -> None:
    """Set the rule for `scope` (a strand slug or '*'), or remove it (None)."""
    session.execute(delete(StoredRepeatRule).where(StoredRepeatRule.scope == scope))
    if rule is not None:
        session.add(rule)


def append_audit(session: Session, entry: AuditEntry, disclosed: Sequence[tuple[str, str]] = ()) -> AuditEntry:
    """Add `entry` and the (kind, ref) pairs it disclosed to the end of the hash chain.

    The UPDATE of the chain's head row comes first: it locks that row until commit (PostgreSQL) or takes
    the database's write lock (SQLite), so concurrent writers queue here and each chains onto the last."""
    seq, prev = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.head_hash)
    ).one()
    disclosed = sorted(set(disclosed))
    entry.seq, entry.prev_hash = seq, prev
    entry.row_hash = row_hash(prev, {name: getattr(entry, name) for name in CHAINED_COLUMNS}, disclosed)
    session.add(entry)
    session.flush()  # assigns the id, which paging buttons and disclosures refer to
    if disclosed:
        session.execute(
            insert(AuditDisclosure.__table__),
            [{"audit_id": entry.id, "kind": kind, "ref": ref} for kind, ref in disclosed],
        )
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(head_hash=entry.row_hash))
    return entry


def audit_entry(session: Session, entry_id: int) -> AuditEntry | None:
    return session.get(AuditEntry, entry_id)


def audit_entries(session: Session, since: datetime | None, actor: str | None, limit: int | None) -> list[AuditEntry]:
    """Oldest first, as a reviewer reads them."""
    query = select(AuditEntry)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if actor is not None:
        query = query.where(or_(AuditEntry.actor == actor, AuditEntry.operator == actor))
    if limit is not None:
        newest = query.order_by(AuditEntry.id.desc()).limit(limit).subquery()
        return list(
            session.scalars(select(AuditEntry).join(newest, newest.c.id == AuditEntry.id).order_by(AuditEntry.id))
        )
    return list(session.scalars(query.order_by(AuditEntry.id)))


@dataclass(frozen=True)
class Disclosure:
    """One reference shown by one audited action."""

    entry: AuditEntry
    kind: str
    ref: str


def disclosures_of(session: Session, ref: str, kind: str | None, since: datetime | None) -> list[Disclosure]:
    """Every time `ref` was shown (as a person or location, or either), oldest first."""
    query = (
        select(AuditEntry, AuditDisclosure.kind, AuditDisclosure.ref)
        .join(AuditDisclosure, AuditDisclosure.audit_id == AuditEntry.id)
        .where(AuditDisclosure.ref == ref)
        .order_by(AuditEntry.id, AuditDisclosure.kind)
    )
    if kind is not None:
        query = query.where(AuditDisclosure.kind == kind)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return [Disclosure(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class UserActivity:
    """One user's use of personal data in a period, for a data-protection officer's review."""

    user: str
    lists: int  # repeat-contact lists shown (first pages)
    pages: int  # further pages of them
    references: int  # distinct people and places shown
    refusals: int
    reasons: tuple[str, ...]  # distinct reasons given, oldest first


def user_activity(session: Session, since: datetime) -> list[UserActivity]:
    """Per user (the actor of each audit row), from `since`: lists, pages, distinct references, refusals."""
    recent = AuditEntry.at >= since
    counted = session.execute(
        select(
            AuditEntry.actor,
            func.count().filter(AuditEntry.action == "repeats.list", AuditEntry.outcome == "shown"),
            func.count().filter(AuditEntry.action == "repeats.page", AuditEntry.outcome == "shown"),
            func.count().filter(AuditEntry.outcome == "refused"),
        )
        .where(recent)
        .group_by(AuditEntry.actor)
    ).all()
    seen = (
        select(AuditEntry.actor, AuditDisclosure.kind, AuditDisclosure.ref)
        .join(AuditDisclosure, AuditDisclosure.audit_id == AuditEntry.id)
        .where(recent)
        .distinct()
        .subquery()
    )
    references = dict(session.execute(select(seen.c.actor, func.count()).group_by(seen.c.actor)).all())
    reasons: dict[str, list[str]] = {}
    for actor, reason in session.execute(
        select(AuditEntry.actor, AuditEntry.reason)
        .where(recent, AuditEntry.reason.is_not(None))
        .group_by(AuditEntry.actor, AuditEntry.reason)
        .order_by(AuditEntry.actor, func.min(AuditEntry.id))
    ):
        reasons.setdefault(actor, []).append(reason)
    return [
        UserActivity(actor, lists, pages, references.get(actor, 0), refusals, tuple(reasons.get(actor, ())))
        for actor, lists, pages, refusals in counted
    ]


@dataclass(frozen=True)
class ChainLink:
    """One audit row as the chain sees it: what was stored, and the references stored beside it."""

    id: int
    seq: int | None
    prev_hash: str | None
    row_hash: str | None
    content: dict
    disclosed: tuple[tuple[str, str], ...]


def audit_chain(session: Session, batch: int = 5000) -> Iterator[ChainLink]:
    """Every audit row in the order written (by id: ids are drawn while the chain's head is locked), a batch
    at a time, each with the references recorded beside it."""
    after = -1
    while True:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not entries:
            return
        disclosed: dict[int, list[tuple[str, str]]] = {}
        for audit_id, kind, ref in session.execute(
            select(AuditDisclosure.audit_id, AuditDisclosure.kind, AuditDisclosure.ref).where(
                AuditDisclosure.audit_id.between(entries[0].id, entries[-1].id)
            )
        ):
            disclosed.setdefault(audit_id, []).append((kind, ref))
        for entry in entries:
            content = {name: getattr(entry, name) for name in CHAINED_COLUMNS}
            yield ChainLink(
                entry.id, entry.seq, entry.prev_hash, entry.row_hash, content, tuple(disclosed.get(entry.id, ()))
            )
        after = entries[-1].id
        session.expunge_all()  # a long log must not pile up in the session


def audit_chain_head(session: Session) -> tuple[int, str] | None:
    """The chain's length and last hash as the head row records them."""
    head = session.get(AuditChainHead, 1)
    return None if head is None else (head.seq, head.head_hash)


# Weekly breach alerts: thresholds, subscriptions, the schedule, the delivery ledger and job runs.


def stored_thresholds(session: Session) -> dict[str, BreachThreshold]:
    return {row.scope: row for row in session.scalars(select(BreachThreshold))}


def store_threshold(session: Session, scope: str, row: BreachThreshold | None) -> None:
    """Set the threshold for `scope` (a strand slug or '*'), or remove it (None)."""
    session.execute(delete(BreachThreshold).where(BreachThreshold.scope == scope))
    if row is not None:
        session.add(row)


def subscriptions(session: Session) -> list[AlertSubscription]:
    return list(session.scalars(select(AlertSubscription).order_by(AlertSubscription.channel, AlertSubscription.scope)))


def add_subscriptions(session: Session, rows: list[AlertSubscription], by: str, at: datetime) -> None:
    for row in rows:
        row.added_by, row.added_at = by, at
    session.add_all(rows)


def remove_subscriptions(session: Session, channel: str, scopes: Iterable[str]) -> None:
    session.execute(
        delete(AlertSubscription).where(AlertSubscription.channel == channel, AlertSubscription.scope.in_(list(scopes)))
    )


def stored_schedule(session: Session) -> AlertSchedule | None:
    return session.get(AlertSchedule, 1)


def store_schedule(session: Session, row: AlertSchedule) -> None:
    session.merge(row)


def _insert_new(session: Session, model, values: dict, returning):
    """INSERT unless the row's unique key is taken: the `returning` column if inserted, else None.

    This is what elects one process among several: the database lets exactly one insert win."""
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(model).values(**values).on_conflict_do_nothing().returning(returning)
    return session.execute(statement).scalar()


def claim_job_run(session: Session, run: dict, abandoned_before: datetime) -> int | None:
    """Record the start of a run: its id, or None if a scheduled run for the same time is already recorded
    and did not fail or get abandoned (still `running` since before `abandoned_before`). A failed or
    abandoned scheduled run is taken over, so its channels still get their digest."""
    run_id = _insert_new(session, JobRun, run, returning=JobRun.id)
    if run_id is not None or run["scheduled_for"] is None:
        return run_id
    taken = session.execute(
        update(JobRun)
        .where(
            JobRun.job == run["job"],
            JobRun.scheduled_for == run["scheduled_for"],
            or_(JobRun.outcome == "failed", and_(JobRun.outcome == "running", JobRun.started_at < abandoned_before)),
        )
        .values(host=run["host"], started_at=run["started_at"], outcome="running")
        .returning(JobRun.id)
    )
    return taken.scalar()


def finish_job_run(session: Session, run_id: int, **outcome) -> None:
    session.execute(update(JobRun).where(JobRun.id == run_id).values(**outcome))


def recent_job_runs(session: Session, job: str, limit: int) -> list[JobRun]:
    return list(session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(limit)))


def has_job_runs(session: Session, job: str) -> bool:
    return session.scalar(select(JobRun.id).where(JobRun.job == job).limit(1)) is not None


def claim_delivery(session: Session, delivery: dict) -> int | None:
    """Write a ledger row before posting: its id, or None if the channel already has one for the period."""
    return _insert_new(session, AlertDelivery, delivery, returning=AlertDelivery.id)


def update_delivery(session: Session, delivery_id: int, **values) -> None:
    session.execute(update(AlertDelivery).where(AlertDelivery.id == delivery_id).values(**values))


def retryable_deliveries(
    session: Session, created_after: datetime, failed_before: datetime, stale_before: datetime
) -> list[AlertDelivery]:
    """Posts that failed, or may have arrived (unknown), before `failed_before`, and posts whose sender vanished
    mid-send (claimed before `stale_before`), created since `created_after`."""
    return list(
        session.scalars(
            select(AlertDelivery)
            .where(
                AlertDelivery.created_at >= created_after,
                or_(
                    and_(AlertDelivery.status.in_(["failed", "unknown"]), AlertDelivery.claimed_at < failed_before),
                    and_(AlertDelivery.status == "sending", AlertDelivery.claimed_at < stale_before),
                ),
            )
            .order_by(AlertDelivery.id)
        )
    )


def claim_retry(session: Session, delivery: AlertDelivery, by: str, at: datetime) -> bool:
    """Take a failed, unknown or stale delivery to retry, unless another process took it first since it was read."""
    claimed = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery.id,
            AlertDelivery.status == delivery.status,
            AlertDelivery.claimed_at == delivery.claimed_at,
        )
        .values(status="sending", claimed_by=by, claimed_at=at)
    )
    return claimed.rowcount == 1


def last_posted_breaches(session: Session, before_period: str) -> dict[str, list]:
    """Per channel, the breaches its latest digest before `before_period` told it about (delivered or quiet)."""
    told = (
        select(AlertDelivery.channel, func.max(AlertDelivery.period).label("period"))
        .where(AlertDelivery.period < before_period, AlertDelivery.status.in_(["sent", "quiet"]))
        .group_by(AlertDelivery.channel)
        .subquery()
    )
    rows = session.execute(
        select(AlertDelivery.channel, AlertDelivery.breaches).join(
            told, and_(told.c.channel == AlertDelivery.channel, told.c.period == AlertDelivery.period)
        )
    )
    return {channel: json.loads(breaches) for channel, breaches in rows}


def recent_deliveries(session: Session, channel: str | None, limit: int) -> list[AlertDelivery]:
    query = select(AlertDelivery).order_by(AlertDelivery.id.desc()).limit(limit)
    if channel is not None:
        query = query.where(AlertDelivery.channel == channel)
    return list(session.scalars(query))
