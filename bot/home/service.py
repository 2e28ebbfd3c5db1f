"""App Home: each person's own dashboard (the strands they follow, in the area they chose, with the last chart
drawn for it) and, for admins, the weekly alerts' schedule, next run and last digests.

The figures are the dashboard's (the same daily counts `/strand all` sums), so a Home tab costs what one
`/strand all` does. Follows, the area and the chart are stored per person (bot/store/home.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.admin.access import ADMINS, LIST_READERS, Role, role_of
from bot.alerts.history import History, delivery_history, job_runs
from bot.alerts.records import JobRun
from bot.alerts.schedule_settings import ScheduleView, schedule_view
from bot.dashboard.service import full_dashboard
from bot.domain.catalogue import CatalogueEntry
from bot.domain.stats import Dashboard
from bot.errors import AmbiguousArea, InvalidRequest, UnknownArea
from bot.home.records import HomeChart, HomeTab
from bot.settings import Settings
from bot.store.catalogue import load_areas, load_catalogue
from bot.store.db import Database
from bot.store.home import (
    follow_strand,
    followed_strands,
    home_tab,
    mark_home_published,
    stale_homes,
    store_home_area,
    store_home_chart,
    unfollow_strand,
)
from jobs.schedule import JOB

RECENT_DIGESTS = 5
# A Home tab holds at most 100 blocks; each followed strand takes one, and the rest of the page about 30.
MAX_FOLLOWS = 40
# Home tabs published again per scheduler tick after an import (Slack allows views.publish 100 a minute).
REFRESH_BATCH = 90


@dataclass(frozen=True)
class AdminHome:
    """What an admin sees of the weekly alerts: the schedule and its next runs, the last run, the last digests."""

    schedule: ScheduleView
    last_run: JobRun | None
    digests: History


@dataclass(frozen=True)
class Home:
    """One person's Home tab: their role, the followed strands' figures (in `dashboard`, in the order they
    followed them), the chart last drawn for them, and for admins the weekly alerts."""

    user: str
    role: Role
    dashboard: Dashboard
    tab: HomeTab
    admin: AdminHome | None

    @property
    def area(self) -> CatalogueEntry | None:
        return self.dashboard.area

    @property
    def reads_lists(self) -> bool:
        return self.role in LIST_READERS


def home(database: Database, settings: Settings, user: str) -> Home:
    """`user`'s Home tab as of yesterday: the strands they follow (gone from the catalogue: left out)."""
    with database.session() as session:
        follows = followed_strands(session, user)
        tab = home_tab(session, user)
    try:
        dashboard = full_dashboard(database, settings, None, tab.area)
    except (UnknownArea, AmbiguousArea):  # the area has left the catalogue since it was chosen
        tab = replace(tab, area=None)
        dashboard = full_dashboard(database, settings, None, None)
    rows = {row.slug: row for row in dashboard.strands}
    followed = replace(dashboard, strands=tuple(rows[slug] for slug in follows if slug in rows))
    role = role_of(database, settings, user)
    admin = None
    if role in ADMINS:
        runs = job_runs(database, JOB, 1)
        admin = AdminHome(
            schedule_view(database, settings.timezone),
            runs[0] if runs else None,
            delivery_history(database, None, RECENT_DIGESTS),
        )
    return Home(user, role, followed, tab, admin)


def follow(database: Database, user: str, strand_text: str) -> CatalogueEntry:
    """`user` follows the strand named (found loosely, as `/strand` finds it); the strand."""
    with database.session() as session:
        strand = load_catalogue(session).resolve(strand_text)
        following = followed_strands(session, user)
        if len(following) >= MAX_FOLLOWS and strand.slug not in following:
            raise InvalidRequest(
                f"You follow {MAX_FOLLOWS} strands already, as many as a Home tab can show; unfollow one first."
            )
        follow_strand(session, user, strand.slug, datetime.now(UTC))
    return strand


def unfollow(database: Database, user: str, strand: str) -> None:
    with database.session() as session:
        unfollow_strand(session, user, strand)


def choose_area(database: Database, user: str, area_slug: str | None) -> None:
    """Show the whole force (None) or one area (a slug, which must be in the area catalogue) on `user`'s Home."""
    with database.session() as session:
        if area_slug is not None and area_slug not in {area.slug for area in load_areas(session)}:
            raise InvalidRequest(f"“{area_slug}” is not an area; `/strand areas` lists them.")
        store_home_area(session, user, area_slug)


def home_area(database: Database, user: str) -> str | None:
    """The area `user`'s Home tab shows (a slug; None: the whole force)."""
    with database.session() as session:
        return home_tab(session, user).area


def keep_chart(database: Database, user: str, chart: HomeChart) -> None:
    with database.session() as session:
        store_home_chart(session, user, chart)


def published(database: Database, user: str) -> None:
    with database.session() as session:
        mark_home_published(session, user, datetime.now(UTC))


def homes_to_refresh(database: Database, limit: int = REFRESH_BATCH) -> list[str]:
    """People whose Home tab an import has made stale (a batch: the rest on the next tick)."""
    with database.session() as session:
        return stale_homes(session, limit)
