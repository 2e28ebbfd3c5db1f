"""Connections, sessions and schema migrations: the one place that knows how to reach the database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import DatabaseNotReady, DatabaseRefused, DatabaseUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# Services type-hint their sessions with this name; only the store imports SQLAlchemy.
__all__ = ["URL", "Database", "Session"]

Record = TypeVar("Record")

# Rows per INSERT: large enough to be fast, small enough for SQLite's 32,766 bound-parameter limit.
INSERT_BATCH_ROWS = 4000

SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")

# A database that is down should answer within the 3 seconds Slack allows, not hang.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 2


def record_of(cls: type[Record], row: Any) -> Record:
    """The plain dataclass `cls` with the fields of the stored `row`: rows never leave the store."""
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


def values_of(record: Any) -> dict[str, Any]:
    """A dataclass's fields by name, to build the row that stores it."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def parse_database_url(raw: str, problems: list[str]) -> URL | None:
    """DATABASE_URL as a URL strandbot can use, or None with what is wrong added to `problems`."""
    expected = "expected e.g. sqlite:///strandbot.db or postgresql://user:password@host:5432/dbname"
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        problems.append(f"DATABASE_URL {raw!r} is not a database URL; {expected}.")
        return None
    # We ship psycopg 3; a bare postgresql:// URL would make SQLAlchemy look for psycopg2.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in SUPPORTED_DRIVERS:
        problems.append(f"DATABASE_URL uses {url.drivername!r}, which strandbot does not support; {expected}.")
        return None
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        problems.append(f"DATABASE_URL {raw!r} is an in-memory database, which keeps nothing; {expected}.")
        return None
    return url


def make_engine(url: URL, create: bool = False) -> Engine:
    """An engine for `url`. A SQLite file is created only when `create` is set (migrations): anything else
    that finds no file must say so, not leave an empty database behind in whatever folder it ran from."""
    if url.get_backend_name() == "sqlite":
        if not create and url.database and url.database != ":memory:" and "uri" not in url.query:
            url = url.set(database=f"file:{quote(url.database)}", query={**url.query, "mode": "rw", "uri": "true"})
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={
            "connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS,
            # No JIT compilation: strandbot's queries run in milliseconds to a second, and compiling them cost
            # 100 to 600 ms each whenever a misestimated plan (the strand closure's) crossed jit_above_cost.
            "options": "-c jit=off",
        },
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # SQLite ignores foreign keys unless asked, per connection
    cursor.execute("PRAGMA journal_mode = WAL")  # readers (the bot) don't block the writer (imports)
    cursor.close()
    # The local date of a stored UTC time, for the daily counts summary: PostgreSQL has AT TIME ZONE,
    # SQLite has no time zones.
    dbapi_connection.create_function("local_date", 2, _local_date, deterministic=True)
    dbapi_connection.create_function("local_hour_of_week", 2, _local_hour_of_week, deterministic=True)


def _local_time(stored: str, zone: str) -> datetime:
    moment = datetime.fromisoformat(stored)  # strandbot stores naive UTC; another writer may add an offset
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(zone))


def _local_date(stored: str, zone: str) -> str:
    return _local_time(stored, zone).date().isoformat()


def _local_hour_of_week(stored: str, zone: str) -> int:
    """0 for Monday 00:00-00:59 local time, up to 167 for Sunday 23:00-23:59."""
    local = _local_time(stored, zone)
    return local.weekday() * 24 + local.hour


class Database:
    """An engine and its session factory. One `Database` per process; one session per request or job."""

    def __init__(self, url: URL):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed if the block succeeds, rolled back if it raises.

        Database failures surface as DatabaseUnavailable or DatabaseNotReady, which callers can show users."""
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as error:
            log.error("database error", exc_info=True)
            raise _classify(error, self.url) from error

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            log.warning("database ping failed", exc_info=True)
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def describe(url: URL) -> str:
    """Which database this is, for people: a SQLite file's full path, or the URL without its password."""
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


def _classify(error: SQLAlchemyError, url: URL) -> Exception:
    # The driver's own words when there are any; an empty message would otherwise leave nothing to show.
    message = str(getattr(error, "orig", None) or error).strip()
    detail = message.splitlines()[0] if message else type(error).__name__
    lowered = detail.lower()
    missing_file = url.get_backend_name() == "sqlite" and not Path(url.database or ":memory:").exists()
    if missing_file or "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return DatabaseNotReady(describe(url))
    if isinstance(error, IntegrityError | DataError):
        return DatabaseRefused(detail)
    return DatabaseUnavailable(detail, _configuration_fix(lowered, url))


# PostgreSQL refusals that no retry mends: the server is up, but DATABASE_URL names the wrong thing.
_CONFIGURATION_FIXES = (
    ("database", "does not exist", "create the database (e.g. `createdb`), or correct the name in DATABASE_URL"),
    ("role", "does not exist", "create that user in PostgreSQL, or correct the user in DATABASE_URL"),
    ("password authentication failed", "", "correct the password in DATABASE_URL"),
    ("permission denied", "", "grant that user CONNECT (and the tables' rights), or use another in DATABASE_URL"),
)


def _configuration_fix(lowered_detail: str, url: URL) -> str:
    for first, second, fix in _CONFIGURATION_FIXES:
        if first in lowered_detail and second in lowered_detail:
            return f"{fix} ({describe(url)})."
    return ""


# Alembic is imported by the functions below, not at the top: every command imports this module, and only
# those that migrate or read the schema's revision need Alembic.


def alembic_config(url: URL) -> Config:
    """Alembic's configuration, built in code so migrations run from any directory and from a wheel."""
    from alembic.config import Config

    import migrations

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    # Alembic's config is an ini parser: a literal % (URL-encoded passwords) must be doubled.
    config.set_main_option("sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(url: URL, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: URL, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: URL) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
