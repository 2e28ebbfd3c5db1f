"""Files and failures an import meets in the wild: cut-off files, mixed encodings, files still being written,
and a database that goes away mid-load. Each loads nothing it should not, and says why."""

import csv
from pathlib import Path

import pytest
from conftest import settings_for
from sqlalchemy import create_engine, func, select, text

from bot.errors import InvalidRequest, LoadInterrupted
from bot.imports.load import import_file
from bot.store.db import Database
from bot.store.models import ImportRecord, Occurrence

HEADER = "occurrence_id,occurred_at,strand,category,person_ref,person_role,location_ref"


def stored(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Occurrence)) or 0


def imports(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(ImportRecord)) or 0


def rejects(path: Path) -> list[dict]:
    with path.with_name(path.stem + ".rejects.csv").open(encoding="utf-8-sig", newline="") as kept:
        return list(csv.DictReader(kept))


def test_a_file_that_ends_in_the_middle_of_a_row_rejects_that_row(run, database, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(f"{HEADER}\nA1,2024-05-02,DA,,P1,victim,L1\nA2,2024-05-03,DA,,P2".encode())  # no final line break
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 occurrence inserted" in result.output and "1 row rejected" in result.output
    [cut] = rejects(path)
    assert cut["row"] == "3" and cut["occurrence_id"] == "A2"
    assert cut["reason"].startswith("the file ends in the middle of this row")


def test_a_complete_last_row_without_a_final_line_break_loads(run, database, tmp_path):
    path = tmp_path / "complete.csv"
    path.write_bytes(f"{HEADER}\nA1,2024-05-02,DA,,P1,victim,L1\nA2,2024-05-03,DA,,P2,victim,L2".encode())
    result = run("import", str(path))
    assert "2 occurrences inserted" in result.output and "0 rows rejected" in result.output


def test_a_row_with_one_more_cell_is_rejected_among_rows_read_in_columns(run, database, tmp_path):
    rows = [f"R{i},2024-05-02,DA,,P{i},victim,L{i}" for i in range(1, 200)]
    rows[99] = "R100,2024-05-02,DA,Assault, with injury,P100,victim,L100"  # an unquoted comma
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    result = run("import", str(path))
    assert "198 occurrences inserted" in result.output and "1 row rejected" in result.output
    [wide] = rejects(path)
    assert wide["row"] == "101" and wide["reason"].startswith("the row has more cells than the header")


def test_row_numbers_count_line_breaks_in_cells_and_blank_rows(run, database, tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_bytes(
        (
            f'{HEADER}\r\nG1,2024-05-02,DA,"three\r\nline\r\nnote",,,\r\n\r\n,,,,,,\r\n'
            "B1,not a date,DA,,,,\r\nG2,2024-05-02,DA,,,,\r\n"
        ).encode()
    )
    run("import", str(path))
    assert [(r["row"], r["occurrence_id"]) for r in rejects(path)] == [("5", "B1")]


def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_both_lines(run, database, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(f"{HEADER}\nM1,2024-05-02,DA,Café,,,\n".encode() + b"M2,2024-05-02,DA,Caf\xe9,,,\n")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "mixes two encodings: line 2 is UTF-8 but line 3 is not" in result.output
    assert stored(database) == 0


def test_a_file_that_changes_while_it_is_read_loads_nothing(database, settings, tmp_path):
    path = tmp_path / "growing.csv"
    path.write_text(f"{HEADER}\nA1,2024-05-02,DA,,,,\n", encoding="utf-8")

    appended = []

    def still_being_written(_bytes_read: int) -> None:
        if not appended:  # the export's writer adds a row once strandbot has read the first
            appended.append(True)
            with path.open("a", encoding="utf-8") as export:
                export.write("A2,2024-05-03,DA,,,,\n")

    with pytest.raises(InvalidRequest, match="changed while it was being read"):
        import_file(database, settings, path, "tester", progress=still_being_written)
    assert stored(database) == 0 and imports(database) == 0
    assert "2 occurrences inserted" in import_file(database, settings, path, "tester").line()


@pytest.mark.postgres
def test_a_database_that_goes_down_mid_load_commits_nothing_and_the_rerun_loads_all(postgres_url, tmp_path):
    database, settings = Database(postgres_url), settings_for(postgres_url)
    path = tmp_path / "export.csv"
    path.write_text(
        "\n".join([HEADER, *(f"D{i},2024-05-02,DA,,P{i},victim,L{i}" for i in range(1, 1001))]) + "\n",
        encoding="utf-8",
    )
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    terminated = []

    def database_goes_down(_bytes_read: int) -> None:  # rows staged, not yet merged
        with admin.connect() as connection:
            terminated.extend(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalars()
            )

    try:
        with pytest.raises(LoadInterrupted, match="nothing from it was committed") as failed:
            import_file(database, settings, path, "tester", progress=database_goes_down)
        assert terminated and failed.value.detail
        assert stored(database) == 0 and imports(database) == 0
        assert "1,000 occurrences inserted" in import_file(database, settings, path, "tester").line()
        assert stored(database) == 1000 and imports(database) == 1
    finally:
        admin.dispose()
        database.dispose()


def test_a_misspelt_column_is_refused_naming_the_column_it_looks_like(run, database, tmp_path):
    # Loaded, `person_reference` would lose every person link without a word.
    path = tmp_path / "typo.csv"
    path.write_text(
        "occurrence_id,occurred_at,strand,category,person_reference,person_role,location_ref\n"
        "A1,2024-05-02,DA,,P1,victim,L1\n",
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code != 0
    assert "person_reference (did you mean person_ref?)" in result.output and "Nothing was loaded" in result.output
    assert stored(database) == 0 and imports(database) == 0


def test_a_column_strandbot_does_not_read_loads_the_rest_and_is_named(run, database, tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text(f"{HEADER},Notes\nA1,2024-05-02,DA,,P1,victim,L1,called back\n", encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 occurrence inserted" in result.output and "1 person" in result.output
    assert "ignored the column Notes (not one strandbot reads)" in result.output
