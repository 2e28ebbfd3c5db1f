"""The database schema (SQLAlchemy 2.0). Alembic's migrations in `migrations/` create it; this module
describes it for queries and for Alembic's autogenerate."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.domain.harm import OFFENCE_CODE_LENGTH

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite's INTEGER PRIMARY KEY is its rowid (auto-incrementing); BIGINT would not be.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC: timestamptz on PostgreSQL, naive UTC text on SQLite (which has no zones).

    Accepts only aware datetimes, so a local time can never be stored by mistake."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime {value!r}: give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Strand(Base):
    """One area of vulnerability. The catalogue is data: forces add, rename and alias strands."""

    __tablename__ = "strands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("strands.id", ondelete="RESTRICT"))
    # Display order: the dashboard lists strands in the force's order, each parent before its sub-strands.
    position: Mapped[int] = mapped_column(Integer, default=0)

    aliases: Mapped[list[StrandAlias]] = relationship(
        back_populates="strand", cascade="all, delete-orphan", order_by="StrandAlias.id"
    )


class StrandAlias(Base):
    """Another label people type or exports carry for a strand (e.g. 'DA', 'MSHT')."""

    __tablename__ = "strand_aliases"
    __table_args__ = (UniqueConstraint("strand_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strand_id: Mapped[int] = mapped_column(ForeignKey("strands.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200))

    strand: Mapped[Strand] = relationship(back_populates="aliases")


class Area(Base):
    """A place teams answer for (division, sector, ward; borough, precinct). Nests like strands; data too."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    aliases: Mapped[list[AreaAlias]] = relationship(
        back_populates="area", cascade="all, delete-orphan", order_by="AreaAlias.id"
    )


class AreaAlias(Base):
    """Another label for an area: the code an export carries ('NS01'), or how people say it."""

    __tablename__ = "area_aliases"
    __table_args__ = (UniqueConstraint("area_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200))

    area: Mapped[Area] = relationship(back_populates="aliases")


class Occurrence(Base):
    """One crime, incident or public-protection notice from a records system export. Its strands (one or
    more: flags overlap) are in `occurrence_strands`; its area, if the export gave one, is its own."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_occurrences_occurred_at", "occurred_at"),
        Index("ix_occurrences_area_id_occurred_at", "area_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    category: Mapped[str | None] = mapped_column(String(500))
    # The offence's code in the force's classification (Home Office code, UCR code…), as
    # `bot.domain.harm.offence_code` writes it: what harm weights are keyed by.
    offence_code: Mapped[str | None] = mapped_column(String(OFFENCE_CODE_LENGTH))


class OccurrenceStrand(Base):
    """An occurrence belongs to a strand (its own strand, not the parents: counts roll those up).

    Carries the occurrence's time and offence code, so a strand's occurrences in a period, and their
    weights, are one index range (repeat contact and its harm ranking, heat maps, counting without the
    summary) and never a join through `occurrences`."""

    __tablename__ = "occurrence_strands"
    __table_args__ = (
        Index(
            "ix_occurrence_strands_strand_id_occurred_at",
            "strand_id",
            "occurred_at",
            postgresql_include=["occurrence_id", "offence_code"],
        ),
    )

    occurrence_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("occurrences.id", ondelete="CASCADE"), primary_key=True
    )
    strand_id: Mapped[int] = mapped_column(ForeignKey("strands.id", ondelete="RESTRICT"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    offence_code: Mapped[str | None] = mapped_column(String(OFFENCE_CODE_LENGTH))


class DailyCount(Base):
    """Distinct occurrences per strand, local day and offence code ("" for none), each strand counting its
    sub-strands' too (an occurrence in two sub-strands counts once in the parent): the dashboard's windows are
    whole local days, so every window count is a sum over a few thousand of these rows; and a strand's harm
    is each code's count times that code's weight (an occurrence has one code).

    Kept current in the same transaction as every change to occurrences or their strands (import, demo,
    purge, a catalogue change that moves a strand)."""

    __tablename__ = "daily_counts"
    # The whole dashboard reads a range of days for every strand: this index answers it alone.
    __table_args__ = (
        Index(
            "ix_daily_counts_day_strand_id_offence_code_occurrences", "day", "strand_id", "offence_code", "occurrences"
        ),
    )

    strand_id: Mapped[int] = mapped_column(ForeignKey("strands.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    offence_code: Mapped[str] = mapped_column(String(OFFENCE_CODE_LENGTH), primary_key=True)
    occurrences: Mapped[int] = mapped_column(Integer)


class DailyAreaCount(Base):
    """`daily_counts` split by the occurrences' own area (not rolled up: an occurrence has one area, so a
    parent area's count is the sum of its sub-areas'). Occurrences with no area are only in `daily_counts`."""

    __tablename__ = "daily_area_counts"
    # One strand's days across every area (by=area); and every strand's days in a few areas (area=X), which
    # without the second index was a scan of the whole table (2 s for `/strand all area=…` at 10 million).
    __table_args__ = (
        Index(
            "ix_daily_area_counts_by_strand",
            "strand_id",
            "day",
            "area_id",
            "offence_code",
            "occurrences",
        ),
        Index(
            "ix_daily_area_counts_by_area",
            "area_id",
            "day",
            "strand_id",
            "offence_code",
            "occurrences",
        ),
    )

    strand_id: Mapped[int] = mapped_column(ForeignKey("strands.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    offence_code: Mapped[str] = mapped_column(String(OFFENCE_CODE_LENGTH), primary_key=True)
    occurrences: Mapped[int] = mapped_column(Integer)


class DailyTotal(Base):
    """Distinct occurrences of any strand per local day, area and offence code: every strand together, each
    occurrence once however many strands it is in (`/strand all by=area` ranks areas by these). The rows
    with no area are the whole force's (every occurrence, placed or not), so the force's total is a few
    rows a day, not every area's."""

    __tablename__ = "daily_totals"
    # Leading with the area: the whole force's rows, or one area's, are one range each.
    __table_args__ = (
        Index("ix_daily_totals_area_id_day_offence_code_occurrences", "area_id", "day", "offence_code", "occurrences"),
    )
    # A summary row has no identity of its own, and area_id is empty for the whole force, so the table has
    # no primary key; the mapper needs one to name rows.
    __mapper_args__ = {"primary_key": ["day", "area_id", "offence_code"]}

    day: Mapped[date] = mapped_column(Date)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    offence_code: Mapped[str] = mapped_column(String(OFFENCE_CODE_LENGTH))
    occurrences: Mapped[int] = mapped_column(Integer)


class MonthlyCount(Base):
    """`daily_counts` summed by calendar month (`month` its first day). A window of whole months reads these,
    and only its part months' days from the daily summary: a year is 12 rows a key instead of 365. Kept
    current with the daily summaries, from them."""

    __tablename__ = "monthly_counts"
    __table_args__ = (
        Index(
            "ix_monthly_counts_month_strand_id_offence_code_occurrences",
            "month",
            "strand_id",
            "offence_code",
            "occurrences",
        ),
    )

    strand_id: Mapped[int] = mapped_column(ForeignKey("strands.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    offence_code: Mapped[str] = mapped_column(String(OFFENCE_CODE_LENGTH), primary_key=True)
    occurrences: Mapped[int] = mapped_column(Integer)


class MonthlyAreaCount(Base):
    """`daily_area_counts` summed by calendar month, as `monthly_counts` is `daily_counts`."""

    __tablename__ = "monthly_area_counts"
    __table_args__ = (
        Index("ix_monthly_area_counts_by_strand", "strand_id", "month", "area_id", "offence_code", "occurrences"),
        Index("ix_monthly_area_counts_by_area", "area_id", "month", "strand_id", "offence_code", "occurrences"),
    )

    strand_id: Mapped[int] = mapped_column(ForeignKey("strands.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    offence_code: Mapped[str] = mapped_column(String(OFFENCE_CODE_LENGTH), primary_key=True)
    occurrences: Mapped[int] = mapped_column(Integer)


class MonthlyTotal(Base):
    """`daily_totals` summed by calendar month (the rows with no area again the whole force's)."""

    __tablename__ = "monthly_totals"
    __table_args__ = (
        Index(
            "ix_monthly_totals_area_id_month_offence_code_occurrences",
            "area_id",
            "month",
            "offence_code",
            "occurrences",
        ),
    )
    __mapper_args__ = {"primary_key": ["month", "area_id", "offence_code"]}

    month: Mapped[date] = mapped_column(Date)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    offence_code: Mapped[str] = mapped_column(String(OFFENCE_CODE_LENGTH))
    occurrences: Mapped[int] = mapped_column(Integer)


class HarmWeightSet(Base):
    """One loaded set of harm weights (ONS Crime Severity Score, Cambridge Crime Harm Index…). The newest is
    the one every harm figure uses and names; older sets stay on record: who loaded which, and when."""

    __tablename__ = "harm_weight_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    codes: Mapped[int] = mapped_column(Integer)


class HarmWeight(Base):
    """One offence code's weight in a set: the harm an occurrence with that code counts for."""

    __tablename__ = "harm_weights"

    set_id: Mapped[int] = mapped_column(ForeignKey("harm_weight_sets.id", ondelete="CASCADE"), primary_key=True)
    offence_code: Mapped[str] = mapped_column(String(OFFENCE_CODE_LENGTH), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(String(500))


class DailyCountsZone(Base):
    """The time zone whose days `daily_counts` holds ("" until first built), in the one row (id 1) that
    every writer of occurrences locks first. Counts for another zone come from `occurrences` directly
    until the summary is rebuilt for it."""

    __tablename__ = "daily_counts_zone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Up by one in every transaction that takes the lock to write occurrences: what cached charts key on.
    data_version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class OccurrenceLink(Base):
    """A pseudonymous person or location reference linked to an occurrence, with the role it played.

    Never a name: the records system's own person or location ID."""

    __tablename__ = "occurrence_links"
    __table_args__ = (
        CheckConstraint("kind IN ('person', 'location')", name="kind"),
        Index("ix_occurrence_links_kind_ref_occurrence_id", "kind", "ref", "occurrence_id"),
    )

    occurrence_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("occurrences.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ImportRecord(Base):
    """One load of a file: what, by whom, when, and what it did. `strandbot imports` lists them."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rows_read: Mapped[int] = mapped_column(BigInteger)
    inserted: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    unchanged: Mapped[int] = mapped_column(BigInteger)
    person_links: Mapped[int] = mapped_column(BigInteger)
    location_links: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[int] = mapped_column(BigInteger)
    out_of_scope: Mapped[int] = mapped_column(BigInteger, server_default="0")
    areas_added: Mapped[int] = mapped_column(Integer, server_default="0")


class PurgeRecord(Base):
    """One retention purge: personal links (and perhaps whole occurrences) removed before a date."""

    __tablename__ = "purges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purged_by: Mapped[str] = mapped_column(String(100))
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    before: Mapped[date] = mapped_column(Date)
    whole_occurrences: Mapped[bool] = mapped_column(Boolean)
    occurrences_removed: Mapped[int] = mapped_column(BigInteger)
    links_removed: Mapped[int] = mapped_column(BigInteger)


class UserRole(Base):
    """What a Slack user may see beyond strand statistics. No row means an officer."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint("role IN ('analyst', 'supervisor', 'admin')", name="role"),)

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoredRepeatRule(Base):
    """An admin's repeat-contact rule for one strand (or `*`, the force default): at least `min_occurrences`
    in `period` ('last-month', '30d', '12m'…). Strands without one follow their parent's, then the shipped rules."""

    __tablename__ = "repeat_rules"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    min_occurrences: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One access to personal data, refusal or privilege change (Data Protection Act 2018, s.62).

    Append-only: the bot never updates or deletes these rows, and database triggers refuse it."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_seq", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    via: Mapped[str] = mapped_column(String(16))  # slack | cli
    actor: Mapped[str] = mapped_column(String(100))  # Slack user ID, or the operating-system user
    operator: Mapped[str | None] = mapped_column(String(100))  # who at the command line played `actor` (ask)
    team: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(16))  # shown | refused | changed
    command: Mapped[str] = mapped_column(Text)  # exactly what was typed
    parameters: Mapped[str | None] = mapped_column(Text)  # the query as run, JSON
    reason: Mapped[str | None] = mapped_column(Text)
    returned: Mapped[int | None] = mapped_column(Integer)  # people or places shown
    # The hash chain (bot/audit/chain.py): position, the previous row's hash, this row's. Never empty for a
    # row strandbot wrote; nullable only because SQLite cannot add a NOT NULL column to a filled table.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class AuditDisclosure(Base):
    """One person or location reference shown by an audited action: who saw whom. Append-only, like the log."""

    __tablename__ = "audit_disclosures"
    __table_args__ = (Index("ix_audit_disclosures_ref_kind", "ref", "kind"),)

    audit_id: Mapped[int] = mapped_column(BigId, ForeignKey("audit_log.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # person | location
    ref: Mapped[str] = mapped_column(String(100), primary_key=True)


class AuditChainHead(Base):
    """The audit chain's length and last hash, in one row that every writer locks to append."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))


class BreachThreshold(Base):
    """An admin's breach threshold for one strand (or `*`, the force default). Each part left empty follows
    the parent strand's, then the force default's, then the shipped one (10%, every comparison, either way,
    on counts)."""

    __tablename__ = "breach_thresholds"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    percent: Mapped[float | None] = mapped_column(Float)
    comparisons: Mapped[str | None] = mapped_column(String(64))  # comma-separated: fytd,baseline,rolling12
    direction: Mapped[str | None] = mapped_column(String(8))  # up | down | either
    min_volume: Mapped[int | None] = mapped_column(Integer)
    significance: Mapped[str | None] = mapped_column(String(8))  # post | mark | hold
    measure: Mapped[str | None] = mapped_column(String(8))  # count | harm
    remind_weeks: Mapped[int | None] = mapped_column(Integer)  # 0: never remind
    breaks: Mapped[str | None] = mapped_column(String(8))  # mark | hold
    early_weeks: Mapped[int | None] = mapped_column(Integer)  # 0: FYTD never held early in the year
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CountingBreak(Base):
    """A counting-rule change for a strand (and its sub-strands) from `day` on: comparisons across it get a note."""

    __tablename__ = "counting_breaks"
    __table_args__ = (UniqueConstraint("strand", "day", name="uq_counting_breaks_strand_day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    strand: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertSubscription(Base):
    """A channel hears about a strand (and its sub-strands), or `*` for every strand, in one area (and its
    sub-areas) or, with area "", the whole force."""

    __tablename__ = "alert_subscriptions"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    channel_name: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertSchedule(Base):
    """When the weekly digest runs, in the force's time zone. One row; none means the shipped Monday 08:00."""

    __tablename__ = "alert_schedule"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM, local
    paused: Mapped[bool] = mapped_column(Boolean)
    quiet_note: Mapped[bool] = mapped_column(Boolean)  # post "no breaches" in a quiet week
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRun(Base):
    """One run of a job. A scheduled run's (job, scheduled_for) is unique: of several schedulers sharing the
    database, the one that inserts the row runs it."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "scheduled_for"), Index("ix_job_runs_started_at", "started_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | catch-up | manual | retry
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period: Mapped[str | None] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))  # running | ok | partial | failed | missed
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    already: Mapped[int] = mapped_column(Integer, default=0)  # channels already delivered for the period
    detail: Mapped[str | None] = mapped_column(Text)


class AlertDelivery(Base):
    """The delivery ledger: one row per channel and period, written before the post. The unique key is what
    makes a digest go out once, however many times or in however many processes the job runs."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("channel", "period"),
        Index("ix_alert_deliveries_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))  # the data's last day, e.g. 2026-11-15
    as_of: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))  # sending | sent | failed | unknown | undeliverable | quiet
    attempts: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)  # JSON text and blocks: a retry posts exactly this
    breaches: Mapped[str] = mapped_column(Text)  # JSON [slug, comparison] pairs posted, for "resolved" next time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)


class StrandFollow(Base):
    """A person follows a strand (its slug) on their App Home."""

    __tablename__ = "strand_follows"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    strand: Mapped[str] = mapped_column(String(64), primary_key=True)
    followed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HomeTab(Base):
    """A person's App Home: the area it shows (None: the whole force), the last chart drawn for it (Slack's
    permalink of the file, shown by an image block), and whether an import has made it stale."""

    __tablename__ = "home_tabs"
    __table_args__ = (Index("ix_home_tabs_stale", "stale"),)

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    area: Mapped[str | None] = mapped_column(String(64))
    chart_strand: Mapped[str | None] = mapped_column(String(64))
    chart_title: Mapped[str | None] = mapped_column(Text)
    chart_alt_text: Mapped[str | None] = mapped_column(Text)
    chart_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stale: Mapped[bool] = mapped_column(Boolean, default=False)


class ChartCacheEntry(Base):
    """A drawn chart (`kind` "image": PNG and its words) or a forecast ("forecast": JSON), under a hash of
    everything that determines it. Images carry the data version they were drawn from; forecasts are keyed
    on the very months they were fitted to, so any version may use them."""

    __tablename__ = "chart_cache"
    __table_args__ = (
        Index("ix_chart_cache_data_version", "data_version"),
        Index("ix_chart_cache_created_at", "created_at"),
    )

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    data_version: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    body: Mapped[str] = mapped_column(Text)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
