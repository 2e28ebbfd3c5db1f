"""A first load on PostgreSQL builds the keys of what it writes after writing it: the schema it leaves, committed
or rolled back, is the one the migrations made."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError

from bot.cli import main
from bot.store.db import Database
from bot.store.models import Base, OccurrenceLink

HEADER = "occurrence_id,occurred_at,strand,category,person_ref,person_role,location_ref"


@pytest.fixture
def run(postgres_url, tmp_path, monkeypatch):
    """`strandbot ARGS` against the PostgreSQL test database (the bulk way is PostgreSQL's alone)."""
    monkeypatch.chdir(tmp_path)
    environment = {"DATABASE_URL": postgres_url.render_as_string(hide_password=False)}
    return lambda *args: CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def schema_differences(url) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()


def export(tmp_path, name: str, rows: int, start: int = 0):
    path = tmp_path / name
    lines = [f"A{i},2024-05-{1 + i % 28:02d},DA;rape,,P{i % 50},victim,L{i % 9}" for i in range(start, start + rows)]
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.mark.postgres
@pytest.mark.parametrize("how", [(), ("--dry-run",)], ids=["committed", "dry-run"])
def test_a_first_load_leaves_every_key_and_index_as_migrated(run, postgres_url, tmp_path, how):
    result = run("import", str(export(tmp_path, "first.csv", 300)), *how)
    assert result.exit_code == 0, result.output
    assert schema_differences(postgres_url) == []
    database = Database(postgres_url)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(OccurrenceLink)) == (0 if how else 600)
        with pytest.raises(IntegrityError), database.engine.begin() as connection:  # the foreign key holds again
            connection.execute(text("INSERT INTO occurrence_links VALUES (987654321, 'person', 'P1', 'victim')"))
    finally:
        database.dispose()


@pytest.mark.postgres
def test_a_later_load_bigger_than_what_is_stored_keeps_what_was_there(run, postgres_url, tmp_path):
    assert run("import", str(export(tmp_path, "small.csv", 20))).exit_code == 0
    result = run("import", str(export(tmp_path, "big.csv", 200, start=20)))
    assert "200 occurrences inserted" in result.output, result.output
    assert schema_differences(postgres_url) == []
    result = run("stats", "domestic-abuse", "--as-of", "2024-05-31", "--format", "json")
    assert '"current": 220' in result.output
