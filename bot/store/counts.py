"""Occurrence counts per strand (or area) and window, and the daily summaries behind them."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from bot.domain.periods import Window, split_into_months
from bot.store.models import (
    Area,
    DailyAreaCount,
    DailyCount,
    DailyCountsZone,
    DailyTotal,
    MonthlyAreaCount,
    MonthlyCount,
    MonthlyTotal,
    Occurrence,
    OccurrenceStrand,
    Strand,
)

log = logging.getLogger(__name__)


def strand_closure():
    """Each strand with itself and every strand above it: (strand_id, ancestor_id) pairs, a recursive CTE.
    Joining an occurrence's strands to it gives every strand that counts the occurrence."""
    strands = Strand.__table__
    closure = select(strands.c.id.label("strand_id"), strands.c.id.label("ancestor_id")).cte(
        "strand_closure", recursive=True
    )
    return closure.union_all(
        select(closure.c.strand_id, strands.c.parent_id)
        .join(strands, strands.c.id == closure.c.ancestor_id)
        .where(strands.c.parent_id.is_not(None))
    )


def ids_of(session: Session, model, slugs: Sequence[str]) -> list[int]:
    """The IDs of the strands or areas `slugs`. Looked up first, not joined: with the IDs as values the
    planner picks the narrowest index range of the summaries (5 ms, not 11, for a strand family in a
    division of 10 areas at 10 million occurrences)."""
    return list(session.scalars(select(model.id).where(model.slug.in_(slugs))))


EVERY_STRAND = "all"  # the key of counts of every strand together (`together=True`): each occurrence once


def window_counts(
    session: Session,
    windows: Mapping[str, Window],
    tz: ZoneInfo,
    slugs: Sequence[str] | None = None,
    areas: Sequence[str] | None = None,
    by_area: bool = False,
    together: bool = False,
) -> pd.DataFrame:
    """Distinct occurrences in each named window: one column per window, one row per strand (each counting
    its sub-strands, an occurrence once) or, `by_area`, per area (each its own occurrences, not its
    sub-areas', of the one strand in `slugs`, or of every strand `together`). Only the strands `slugs`
    (default all); only occurrences in the areas `areas` (every one to count, sub-areas included; default:
    everywhere, and those with no area). `together`: every strand as one, keyed EVERY_STRAND unless by area.

    Summed from the daily summaries when they hold the days of `tz`; counted from occurrences otherwise
    (slowly, but right), which is also how the summaries themselves count."""
    rows = _window_rows(session, windows, tz, slugs, areas, by_area, together, by_code=False)
    return counts_by_window(rows, list(windows))


def counts_by_window(code_counts: pd.DataFrame, windows: list[str]) -> pd.DataFrame:
    """`window_code_counts`' long rows as `window_counts` gives them: a row per slug, a column per window."""
    pivoted = code_counts.pivot_table(index="slug", columns="window", values="n", aggfunc="sum", fill_value=0)
    return pivoted.reindex(columns=windows, fill_value=0).astype("int64")


def window_code_counts(
    session: Session,
    windows: Mapping[str, Window],
    tz: ZoneInfo,
    slugs: Sequence[str] | None = None,
    areas: Sequence[str] | None = None,
    by_area: bool = False,
    together: bool = False,
) -> pd.DataFrame:
    """`window_counts` by offence code too, long: columns window, slug, offence_code ("" for none), n (rows
    with n = 0 left out). What harm is weighed from: an occurrence has one code."""
    return _window_rows(session, windows, tz, slugs, areas, by_area, together, by_code=True)


def _window_rows(
    session: Session,
    windows: Mapping[str, Window],
    tz: ZoneInfo,
    slugs: Sequence[str] | None,
    areas: Sequence[str] | None,
    by_area: bool,
    together: bool,
    by_code: bool,
) -> pd.DataFrame:
    """Long rows window, slug, [offence_code,] n: one query, a part per window."""
    if by_area and not together and (slugs is None or len(slugs) != 1):
        # Summing strands together would count an occurrence in two of them twice.
        raise ValueError("window_counts by area counts one strand at a time, or every strand together")
    source = _CountSource(session, tz, areas is not None or by_area, together)
    named = Area if by_area else Strand
    strand_ids = None if slugs is None or together else ids_of(session, Strand, slugs)
    area_ids = None if areas is None else ids_of(session, Area, areas)
    if by_area and together and area_ids is None:
        # Every area by name: daily_totals leads with the area, so each is one range of days.
        area_ids = list(session.scalars(select(Area.id)))
    parts = []
    for name, window in windows.items():
        rows = source.rows([window], strand_ids, area_ids, placed_only=by_area)
        key = rows.area_id if by_area else rows.strand_id
        query = rows.query.add_columns(
            literal(name).label("window"),
            (literal(EVERY_STRAND) if key is None else key).label("key"),
            (rows.code if by_code else literal("")).label("offence_code"),
            rows.amount.label("n"),
        )
        parts.append(query.group_by(*([] if key is None else [key]), *([rows.code] if by_code else [])))
    union = union_all(*parts).subquery()
    if together and not by_area:
        found = session.execute(select(union.c.window, union.c.key, union.c.offence_code, union.c.n)).all()
    else:
        found = session.execute(
            select(union.c.window, named.slug, union.c.offence_code, union.c.n).join(named, named.id == union.c.key)
        ).all()
    frame = pd.DataFrame(found, columns=["window", "slug", "offence_code", "n"])
    return frame.astype({"n": "int64"}) if by_code else frame.drop(columns="offence_code").astype({"n": "int64"})


def code_counts_on_any_day(
    session: Session,
    windows: Mapping[str, Window],
    tz: ZoneInfo,
    slug: str | None,
    areas: Sequence[str] | None = None,
) -> dict[str, int]:
    """Distinct occurrences of strand `slug` (sub-strands included; None: every strand together) on any day
    of any of `windows`, by offence code ("" for none); only in `areas` if given. Each occurrence counts
    once however many windows hold it."""
    if not windows:
        return {}
    source = _CountSource(session, tz, areas is not None, slug is None)
    rows = source.rows(
        list(windows.values()),
        None if slug is None else ids_of(session, Strand, [slug]),
        None if areas is None else ids_of(session, Area, areas),
    )
    query = rows.query.add_columns(rows.code, rows.amount).group_by(rows.code)
    return {code: int(n) for code, n in session.execute(query).all() if n}


@dataclass(frozen=True)
class _Rows:
    """A query over the rows that count occurrences in some windows, to add columns and groups to: its
    `strand_id` (None when every strand is together), `area_id` (None when not by area), offence `code`, and
    the `amount` of occurrences they count."""

    query: Select
    strand_id: ColumnElement | None
    area_id: ColumnElement | None
    code: ColumnElement
    amount: ColumnElement


class _CountSource:
    """Where counts come from: the summaries when they hold `tz`'s days (a window's whole months from the
    monthly ones, its other days from the daily ones), else the occurrences themselves.

    `placed`: only the summaries by area can answer (an area is asked for, or counts are by area);
    `together`: every strand as one, each occurrence once (no strand column)."""

    def __init__(self, session: Session, tz: ZoneInfo, placed: bool, together: bool):
        self.tz = tz
        self.together = together
        self.summarised = daily_counts_zone(session) == tz.key
        # Every strand together for the whole force: the totals' own rows for it, those with no area.
        self.whole_force_rows = together and not placed
        if self.summarised:
            self.daily, self.monthly = (
                (DailyTotal, MonthlyTotal)
                if together
                else (DailyAreaCount, MonthlyAreaCount)
                if placed
                else (DailyCount, MonthlyCount)
            )
            return
        log.warning("daily_counts is not for %s; counting occurrences directly (run `strandbot db upgrade`)", tz.key)
        self.closure = strand_closure()  # one for every window's part of a query

    def rows(
        self,
        windows: list[Window],
        strand_ids: list[int] | None = None,
        area_ids: list[int] | None = None,
        placed_only: bool = False,
    ) -> _Rows:
        """The rows counting occurrences on any day of `windows` (a day in two counts once), only of the
        strands `strand_ids` (each with its sub-strands) and in the areas `area_ids` if given, only those
        with an area if `placed_only`."""
        if not self.summarised:
            return self._occurrence_rows(windows, strand_ids, area_ids, placed_only)
        split = split_into_months(windows)
        readings = [(self.daily, split.days, "day"), (self.monthly, split.months, "month")]
        parts = []
        for table, ranges, period in [r for r in readings if r[1]] or readings[:1]:
            columns = table.__table__.c
            part = select(*[c for c in columns if c.name not in (period, "occurrences")], columns.occurrences).where(
                or_(false(), *[and_(columns[period] >= r.start, columns[period] <= r.end) for r in ranges])
            )
            if strand_ids is not None:
                part = part.where(columns.strand_id.in_(strand_ids))
            if area_ids is not None:
                part = part.where(columns.area_id.in_(area_ids))
            if placed_only:
                part = part.where(columns.area_id.is_not(None))
            if self.whole_force_rows:
                part = part.where(columns.area_id.is_(None))
            parts.append(part)
        counted = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        return _Rows(
            select().select_from(counted),
            counted.c.get("strand_id"),
            counted.c.get("area_id"),
            counted.c.offence_code,
            func.sum(counted.c.occurrences),
        )

    def _occurrence_rows(
        self, windows: list[Window], strand_ids: list[int] | None, area_ids: list[int] | None, placed_only: bool
    ) -> _Rows:
        code = func.coalesce(Occurrence.offence_code, "")
        if self.together:
            strand_id, amount, instant = None, func.count(), Occurrence.occurred_at
            query = (
                select()
                .select_from(Occurrence)
                .where(
                    select(OccurrenceStrand.occurrence_id)
                    .where(OccurrenceStrand.occurrence_id == Occurrence.id)
                    .exists()
                )
            )
        else:
            closure = self.closure
            strand_id = closure.c.ancestor_id
            amount = func.count(func.distinct(OccurrenceStrand.occurrence_id))
            instant = OccurrenceStrand.occurred_at
            query = (
                select()
                .select_from(OccurrenceStrand)
                .join(closure, closure.c.strand_id == OccurrenceStrand.strand_id)
                .join(Occurrence, Occurrence.id == OccurrenceStrand.occurrence_id)
            )
        bounds = [w.utc_bounds(self.tz) for w in windows]
        query = query.where(or_(*[and_(instant >= start, instant < end) for start, end in bounds]))
        if strand_ids is not None and strand_id is not None:
            query = query.where(strand_id.in_(strand_ids))
        if area_ids is not None:
            query = query.where(Occurrence.area_id.in_(area_ids))
        if placed_only:
            query = query.where(Occurrence.area_id.is_not(None))
        return _Rows(query, strand_id, Occurrence.area_id, code, amount)


# --- The daily counts summary: changed in the same transaction as the occurrences it counts. ---

DAILY_SUMMARIES = (DailyCount.__table__, DailyAreaCount.__table__, DailyTotal.__table__)
# Each daily summary's monthly sums, in the same order.
MONTHLY_SUMMARIES = (MonthlyCount.__table__, MonthlyAreaCount.__table__, MonthlyTotal.__table__)
SUMMARIES = DAILY_SUMMARIES + MONTHLY_SUMMARIES


def lock_daily_counts(session: Session) -> str:
    """Take the daily counts' lock, held to the end of the transaction, and return the time zone whose
    days they hold ("" if never built).

    Every writer of occurrences takes it before reading them, so writers (imports, purges, rebuilds) go
    one at a time and each recounts what the one before it committed. Taking it also counts a new version
    of the data, committed with the writer's changes or not at all: cached charts key on it."""
    zone = session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1).with_for_update()) or ""
    version = DailyCountsZone.data_version
    session.execute(update(DailyCountsZone).where(DailyCountsZone.id == 1).values(data_version=version + 1))
    return zone


def recount_days(session: Session, tz: ZoneInfo, first: datetime, last: datetime) -> None:
    """Bring the daily summaries up to date for every strand on each local day from `first`'s to `last`'s.

    A summary for another time zone (or none) is rebuilt whole."""
    if lock_daily_counts(session) != tz.key:
        rebuild_daily_counts(session, tz)
        return
    days = Window(first.astimezone(tz).date(), last.astimezone(tz).date())
    for table in DAILY_SUMMARIES:
        session.execute(delete(table).where(table.c.day >= days.start, table.c.day <= days.end))
    _count_days(session, tz, days)
    _sum_months(session, Window(days.start.replace(day=1), days.end.replace(day=1)))


def rebuild_daily_counts(session: Session, tz: ZoneInfo) -> None:
    """Count every day again, for `tz`'s days."""
    lock_daily_counts(session)
    for table in SUMMARIES:
        session.execute(delete(table))
    _count_days(session, tz, None)
    _sum_months(session, None)
    if session.connection().dialect.name == "postgresql":
        for table in SUMMARIES:  # their statistics would otherwise describe the old rows
            session.execute(text(f"ANALYZE {table.name}"))
    session.merge(DailyCountsZone(id=1, time_zone=tz.key, rebuilt_at=datetime.now(UTC)))


def _sum_months(session: Session, months: Window | None) -> None:
    """Sum the daily summaries into the monthly ones for `months` (the first days of the first and last
    month; None: every month), replacing what those months held."""
    for daily, monthly in zip(DAILY_SUMMARIES, MONTHLY_SUMMARIES, strict=True):
        month = _first_of_month(session, daily.c.day).label("month")
        keys = [c for c in daily.c if c.name not in ("day", "occurrences")]
        sums = select(month, *keys, func.sum(daily.c.occurrences)).group_by(month, *keys)
        if months is not None:
            session.execute(delete(monthly).where(monthly.c.month >= months.start, monthly.c.month <= months.end))
            last_day = (months.end + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            sums = sums.where(daily.c.day >= months.start, daily.c.day <= last_day)
        session.execute(insert(monthly).from_select(["month", *[c.name for c in keys], "occurrences"], sums))


def _first_of_month(session: Session, day: ColumnElement) -> ColumnElement:
    if session.connection().dialect.name == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month", type_=Date)


def daily_counts_zone(session: Session) -> str:
    """The time zone whose days the summaries hold ("" if never built)."""
    return session.scalar(select(DailyCountsZone.time_zone).where(DailyCountsZone.id == 1)) or ""


def local_day_column(session: Session, tz: ZoneInfo, instant: ColumnElement) -> ColumnElement:
    """The local date of `instant` (a stored UTC time column) in the database's own time zone rules (the
    summaries' days are these)."""
    if session.connection().dialect.name == "postgresql":
        return cast(func.timezone(tz.key, instant), Date)
    return func.local_date(instant, tz.key, type_=Date)  # registered by bot.store.db


def on_local_days(query, instant: ColumnElement, local_day: ColumnElement, days: Window, tz: ZoneInfo):
    """`query` limited to rows whose `instant` falls on `days`, by the database's local day.

    Python's and the database's time zone rules may be releases apart: look a day either side of the
    window's UTC bounds (so the index narrows the scan) and let the database's local day decide."""
    start, end = days.utc_bounds(tz)
    return query.where(
        instant >= start - timedelta(days=1),
        instant < end + timedelta(days=1),
        local_day >= days.start,
        local_day <= days.end,
    )


def _count_days(session: Session, tz: ZoneInfo, days: Window | None) -> None:
    """Fill the summaries for `days` (None: all): each strand counts the distinct occurrences in it or any
    strand below it; `daily_totals` each occurrence of any strand once."""
    closure = strand_closure()
    code = func.coalesce(Occurrence.offence_code, "").label("offence_code")
    instant = OccurrenceStrand.occurred_at
    local_day = local_day_column(session, tz, instant).label("day")
    counts = (
        select(closure.c.ancestor_id.label("strand_id"), OccurrenceStrand.occurrence_id, local_day, code)
        .join(closure, closure.c.strand_id == OccurrenceStrand.strand_id)
        .join(Occurrence, Occurrence.id == OccurrenceStrand.occurrence_id)
    )
    if days is not None:
        counts = on_local_days(counts, instant, local_day, days, tz)
    # An occurrence in two sub-strands reaches their parent twice: count each (strand, occurrence, day) once.
    pairs = counts.distinct().subquery()
    session.execute(
        insert(DailyCount).from_select(
            ["strand_id", "day", "offence_code", "occurrences"],
            select(pairs.c.strand_id, pairs.c.day, pairs.c.offence_code, func.count()).group_by(
                pairs.c.strand_id, pairs.c.day, pairs.c.offence_code
            ),
        )
    )
    placed = counts.add_columns(Occurrence.area_id).where(Occurrence.area_id.is_not(None)).distinct().subquery()
    session.execute(
        insert(DailyAreaCount).from_select(
            ["strand_id", "area_id", "day", "offence_code", "occurrences"],
            select(placed.c.strand_id, placed.c.area_id, placed.c.day, placed.c.offence_code, func.count()).group_by(
                placed.c.strand_id, placed.c.area_id, placed.c.day, placed.c.offence_code
            ),
        )
    )
    occurrence_day = local_day_column(session, tz, Occurrence.occurred_at).label("day")
    in_any_strand = select(OccurrenceStrand.occurrence_id).where(OccurrenceStrand.occurrence_id == Occurrence.id)
    totals = select(occurrence_day, code, func.count()).where(in_any_strand.exists())
    if days is not None:
        totals = on_local_days(totals, Occurrence.occurred_at, occurrence_day, days, tz)
    columns = ["day", "offence_code", "occurrences", "area_id"]
    placed = totals.add_columns(Occurrence.area_id).where(Occurrence.area_id.is_not(None))
    whole_force = totals.add_columns(null())
    session.execute(insert(DailyTotal).from_select(columns, placed.group_by(occurrence_day, code, Occurrence.area_id)))
    session.execute(insert(DailyTotal).from_select(columns, whole_force.group_by(occurrence_day, code)))
