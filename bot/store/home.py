"""App Home: the strands each person follows, and their Home tab's area, chart and freshness."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.home.records import HomeChart, HomeTab
from bot.store import models


def followed_strands(session: Session, user: str) -> list[str]:
    """The slugs `user` follows, in the order they followed them."""
    follow = models.StrandFollow
    query = select(follow.strand).where(follow.user_id == user).order_by(follow.followed_at, follow.strand)
    return list(session.scalars(query))


def _insert_new(session: Session, model, **values) -> bool:
    """Insert the row unless its key is taken (two presses at once may both try); whether it was inserted."""
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return session.execute(dialect_insert(model).values(**values).on_conflict_do_nothing()).rowcount == 1


def follow_strand(session: Session, user: str, strand: str, at: datetime) -> bool:
    """`user` follows `strand`; False if they already did."""
    return _insert_new(session, models.StrandFollow, user_id=user, strand=strand, followed_at=at)


def unfollow_strand(session: Session, user: str, strand: str) -> None:
    follow = models.StrandFollow
    session.execute(delete(follow).where(follow.user_id == user, follow.strand == strand))


def home_tab(session: Session, user: str) -> HomeTab:
    """`user`'s Home tab as stored (an empty one if they have never opened it)."""
    row = session.get(models.HomeTab, user)
    if row is None:
        return HomeTab(user)
    chart = None
    if row.chart_url and row.chart_strand:
        chart = HomeChart(row.chart_strand, row.chart_title or "", row.chart_alt_text or "", row.chart_url)
    return HomeTab(user, row.area, chart, row.published_at, row.stale)


def _update(session: Session, user: str, **values) -> None:
    """Set `values` on `user`'s Home tab row, made first if need be."""
    _insert_new(session, models.HomeTab, user_id=user, stale=False)
    session.execute(update(models.HomeTab).where(models.HomeTab.user_id == user).values(**values))


def store_home_area(session: Session, user: str, area: str | None) -> None:
    _update(session, user, area=area)


def store_home_chart(session: Session, user: str, chart: HomeChart) -> None:
    _update(
        session,
        user,
        chart_strand=chart.strand,
        chart_title=chart.title,
        chart_alt_text=chart.alt_text,
        chart_url=chart.url,
    )


def mark_home_published(session: Session, user: str, at: datetime) -> None:
    _update(session, user, published_at=at, stale=False)


def mark_homes_stale(session: Session) -> int:
    """Every published Home tab needs publishing again (new data was imported); how many."""
    tab = models.HomeTab
    return session.execute(update(tab).where(tab.published_at.is_not(None)).values(stale=True)).rowcount


def stale_homes(session: Session, limit: int) -> list[str]:
    """Up to `limit` people whose Home tab is stale, longest-published first."""
    tab = models.HomeTab
    query = select(tab.user_id).where(tab.stale.is_(True)).order_by(tab.published_at).limit(limit)
    return list(session.scalars(query))
