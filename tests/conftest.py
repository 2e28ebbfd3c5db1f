"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, and hand-built occurrences.

PostgreSQL is required, not optional: if the server is unreachable the PostgreSQL tests fail, saying
how to point them elsewhere (STRANDBOT_TEST_POSTGRES_URL) or to deselect them (-m "not postgres").
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from bot.admin.dispatch import perform
from bot.alerts.records import AlertSchedule
from bot.alerts.subscriptions import Channel
from bot.audit.log import Actor, review
from bot.cli import main
from bot.harm.records import CodeWeight
from bot.settings import Settings, load_settings
from bot.slack.commands import parse_admin_command
from bot.slack.testing import DispatchedApp
from bot.slack.testing import FaultySlackStandIn as SlackStandIn
from bot.store.alerts import store_schedule
from bot.store.db import Database, upgrade
from bot.store.harm import add_weight_set
from bot.store.occurrences import NewOccurrence, replace_source

POSTGRES_URL = os.environ.get("STRANDBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
LONDON = ZoneInfo("Europe/London")


def settings_for(database_url: URL | str, **overrides: str) -> Settings:
    environ = {
        "DATABASE_URL": str(database_url)
        if isinstance(database_url, str)
        else database_url.render_as_string(hide_password=False),
        **overrides,
    }
    return load_settings(environ, dotenv_path=None)


def local(day: str, clock: str = "12:00", tz: ZoneInfo = LONDON) -> datetime:
    """An aware datetime from a local date and time in the force's zone."""
    return datetime.combine(datetime.fromisoformat(day).date(), time.fromisoformat(clock), tzinfo=tz)


def store(database: Database, rows: list[tuple], source: str = "test", tz: ZoneInfo = LONDON) -> None:
    """Store occurrences given as (strand slug or slugs, aware datetime[, links[, area slug[, offence code]]]),
    replacing any earlier from `source`; the daily counts are for `tz` (the settings' time zone).

    Links are (kind, ref, role) tuples, e.g. ("person", "P1", "victim"). Areas must be in the catalogue (None
    for no area, e.g. before a code)."""
    occurrences = [
        NewOccurrence(
            source,
            f"{source}-{i}",
            row[1],
            (row[0],) if isinstance(row[0], str) else tuple(row[0]),
            area=row[3] if len(row) > 3 else None,
            links=tuple(row[2]) if len(row) > 2 else (),
            offence_code=row[4] if len(row) > 4 else None,
        )
        for i, row in enumerate(rows)
    ]
    with database.session() as session:
        replace_source(session, source, occurrences, tz)


def load_weights(database: Database, weights: dict[str, float], name: str = "Test weights") -> None:
    """Load a harm weight set, by offence code, as `strandbot harm load` would: it becomes the set in use."""
    with database.session() as session:
        add_weight_set(
            session,
            name,
            "weights.csv",
            "0" * 64,
            "tester",
            datetime.now(UTC),
            [CodeWeight(code, weight, None) for code, weight in weights.items()],
        )


@pytest.fixture
def admin_here(database, settings) -> Callable:
    """`/strand-admin TEXT` performed in process as U0ADMIN, whom the module's `settings` must name an admin."""

    def run(text: str):
        command = parse_admin_command(text)
        return perform(database, settings, Actor("U0ADMIN"), command, channels=Directory())

    return run


def fresh_channel() -> str:
    """A channel no other test posts to: the stand-in is shared by both backends' servers."""
    return "C" + uuid.uuid4().hex[:10].upper()


@dataclass
class Served:
    """The Slack app serving a test database, and that database's audit log."""

    app: DispatchedApp
    url: URL

    def audit(self) -> list:
        database = Database(self.url)
        try:
            return review(database, settings_for(self.url))
        finally:
            database.dispose()


class Directory:
    """Slack's answer about channels, for subscribing outside a Slack request: strandbot is in every one."""

    def channel(self, channel_id: str) -> Channel:
        return Channel(channel_id, channel_id.lower(), True)


def schedule_due(database: Database, due: datetime) -> None:
    """The weekly schedule at `due` (its weekday and local time, to the minute), as if an admin set it last week."""
    with database.session() as session:
        store_schedule(
            session,
            AlertSchedule(
                id=1,
                weekday=due.weekday(),
                at_time=f"{due:%H:%M}",
                paused=False,
                quiet_note=True,
                changed_by="U0ADMIN",
                changed_at=due.astimezone(UTC) - timedelta(days=7),
            ),
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(make_url(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test copies (CREATE DATABASE … TEMPLATE is fast)."""
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        pytest.fail(
            f"PostgreSQL is unreachable at {POSTGRES_URL} ({str(error.orig).strip()}). Start it, set "
            "STRANDBOT_TEST_POSTGRES_URL, or deselect these tests with -m 'not postgres'.",
            pytrace=False,
        )
    name = f"strandbot_template_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(make_url(POSTGRES_URL).set(database=name))
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def copied_postgres(template: str) -> Iterator[URL]:
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"strandbot_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def copied_sqlite(template: Path, directory: Path) -> URL:
    path = directory / "strandbot.db"
    shutil.copy(template, path)
    return make_url(f"sqlite:///{path}")


@contextmanager
def stocked_database(
    request: pytest.FixtureRequest,
    backend: str,
    rows: list[tuple],
    prepare: Callable[[Database, URL], None] = lambda database, url: None,
) -> Iterator[URL]:
    """A migrated copy on `backend` ("sqlite" or "postgres") holding `rows` (see `store`), after `prepare`
    (catalogues, weights) has run on it: for servers that a whole module shares, one per backend."""
    with ExitStack() as stack:
        if backend == "sqlite":
            directory = request.getfixturevalue("tmp_path_factory").mktemp("served")
            url = copied_sqlite(request.getfixturevalue("sqlite_template"), directory)
        else:
            url = stack.enter_context(copied_postgres(request.getfixturevalue("postgres_template")))
        database = Database(url)
        prepare(database, url)
        store(database, rows)
        database.dispose()
        yield url


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    """The local stand-in for Slack's Web API and response URLs, shared by a module's tests."""
    with SlackStandIn() as stand_in:
        yield stand_in


def all_text(payload: dict) -> str:
    """A Slack payload as one string, to look for what a person would read in it."""
    return json.dumps(payload, ensure_ascii=False)


@pytest.fixture
def postgres_url(postgres_template) -> Iterator[URL]:
    with copied_postgres(postgres_template) as url:
        yield url


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> URL:
    return copied_sqlite(sqlite_template, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request) -> URL:
    """A migrated, empty database (default catalogue loaded): each test runs on SQLite and PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def settings(database_url) -> Settings:
    return settings_for(database_url)


def utc(text_value: str) -> datetime:
    return datetime.fromisoformat(text_value).replace(tzinfo=UTC)


@pytest.fixture
def run(database_url, tmp_path, monkeypatch):
    """Run `strandbot ARGS` against the test database, from an empty directory (no stray .env)."""
    monkeypatch.chdir(tmp_path)
    url = database_url.render_as_string(hide_password=False)

    def invoke(*args: str, input: str | None = None, **env: str):  # noqa: A002 - click's name for stdin
        return CliRunner().invoke(
            main, list(args), input=input, env={"DATABASE_URL": url, **env}, catch_exceptions=False
        )

    return invoke
