"""Migrations: the same on SQLite and PostgreSQL, reversible, and matching the models."""

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.store.db import current_revision, downgrade, head_revision, upgrade
from bot.store.models import Base


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_nothing_and_back_up(database_url):
    downgrade(database_url, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    assert current_revision(engine) == head_revision(database_url)
    assert {"strands", "strand_aliases", "occurrences", "occurrence_links"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_db_upgrade_works_from_any_working_directory(tmp_path):
    database = tmp_path / "elsewhere.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=tmp_path / "..",
        env={"DATABASE_URL": f"sqlite:///{database}", "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "(the latest)" in result.stdout
    assert database.exists()
