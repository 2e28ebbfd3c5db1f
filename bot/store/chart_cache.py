"""The chart cache: drawn charts and fitted forecasts, in the database so every worker and replica shares
them. What goes in it, and under which key, is `bot.charts.cache`'s business; this module only stores.

A chart is stored with the data version it was drawn from (`data_version`, counted up by every writer of
occurrences in its own transaction: see `bot.store.counts.lock_daily_counts`), and its key includes that
version, so no chart drawn before an import or purge is found after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store.models import ChartCacheEntry, DailyCountsZone

# Charts for yesterday's as-of date are asked for again today under another key: a week keeps the cache
# small without a sweeper, and anything older is simply drawn again.
KEPT_FOR = timedelta(days=7)


def data_version(session: Session) -> int:
    """The data's version: up by one with every import, purge or recount. Read it before the data a chart
    is drawn from, so a chart is never filed under a version newer than its data."""
    return session.scalar(select(DailyCountsZone.data_version).where(DailyCountsZone.id == 1)) or 0


def cached(session: Session, key: str) -> tuple[str, bytes | None] | None:
    """The stored body and image under `key`, if any."""
    row = session.execute(select(ChartCacheEntry.body, ChartCacheEntry.image).where(ChartCacheEntry.key == key)).first()
    return None if row is None else (row.body, row.image)


def keep(session: Session, key: str, kind: str, body: str, image: bytes | None, version: int | None) -> None:
    """Store an entry (a worker that got there first wins: both drew the same thing), and forget images of
    older data versions and anything more than a week old."""
    now = datetime.now(UTC)
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    entry = {"key": key, "kind": kind, "data_version": version, "created_at": now, "body": body, "image": image}
    session.execute(dialect_insert(ChartCacheEntry).values(**entry).on_conflict_do_nothing())
    stale = ChartCacheEntry.created_at < now - KEPT_FOR
    if version is not None:
        stale = or_(stale, ChartCacheEntry.data_version < version)
    # Rows another worker is deleting or writing are left to it: waiting on them could deadlock for nothing.
    doomed = select(ChartCacheEntry.key).where(stale).with_for_update(skip_locked=True)
    session.execute(delete(ChartCacheEntry).where(ChartCacheEntry.key.in_(doomed)))
