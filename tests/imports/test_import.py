"""Loading exports as analysts really get them: Excel's files, re-runs, corrections and mistakes."""

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.store.models import ImportRecord, Occurrence, OccurrenceLink, PurgeRecord

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADER = " Occurrence_ID ,occurred_at , STRAND,category,person_ref,person_role,location_ref"


def excel_csv(path: Path, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    """Write rows the way Excel does: CRLF line ends, and the encoding it was asked for."""
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def table(database, model) -> list:
    with database.session() as session:
        return list(session.scalars(select(model)))


def occurrences(database) -> dict[str, Occurrence]:
    return {o.source_id: o for o in table(database, Occurrence)}


def links(database) -> set[tuple[str, str, str]]:
    ids = {o.id: o.source_id for o in table(database, Occurrence)}
    return {(ids[link.occurrence_id], link.ref, link.role) for link in table(database, OccurrenceLink)}


EXCEL_ROWS = [
    HEADER,
    'H1,30/06/2024 23:30,Hate Crime,"Racially or religiously aggravated harassment, public order",P1,Victim,L1',
    'H1,30/06/2024 23:30,Hate Crime,"Racially or religiously aggravated harassment, public order",P2,offender,L1',
    'H1,30/06/2024 23:30,Hate Crime,"Racially or religiously aggravated harassment, public order",P2,offender,L1',
    'D1,2024-06-01T08:00:00+01:00,DA,"Note over\r\ntwo lines",P3,victim,',
    "M1,2024-05-02,msht,Café owner — Zoë,P4,,",
    ",,,,,,",
    "",
]


def test_an_excel_export_loads_every_row_once(run, database, tmp_path):
    path = excel_csv(tmp_path / "export.csv", EXCEL_ROWS)
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "5 rows read: 3 occurrences inserted, 0 updated, 0 unchanged; 4 person and 1 location link; 0 out of" in (
        result.output
    )
    stored = occurrences(database)
    assert stored["H1"].occurred_at == datetime(2024, 6, 30, 22, 30, tzinfo=UTC)  # 23:30 BST, day first
    assert stored["H1"].category == "Racially or religiously aggravated harassment, public order"
    assert stored["D1"].occurred_at == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    assert stored["D1"].category == "Note over\r\ntwo lines"
    assert stored["M1"].category == "Café owner — Zoë"
    assert links(database) == {
        ("H1", "P1", "victim"),
        ("H1", "P2", "offender"),
        ("H1", "L1", "scene"),
        ("D1", "P3", "victim"),
        ("M1", "P4", "other"),
    }


def test_windows_1252_files_are_detected(run, database, tmp_path):
    path = excel_csv(tmp_path / "ansi.csv", [HEADER, "W1,2024-05-02,Hate,Café – £5 taken,,,"], encoding="cp1252")
    assert run("import", str(path)).exit_code == 0
    assert occurrences(database)["W1"].category == "Café – £5 taken"


def test_loading_twice_changes_nothing_and_a_corrected_copy_updates(run, database, tmp_path):
    path = excel_csv(tmp_path / "export.csv", EXCEL_ROWS)
    run("import", str(path))
    again = run("import", str(path))
    assert "3 unchanged" in again.output and "0 occurrences inserted, 0 updated" in again.output
    assert "the same file was loaded on" in again.output
    corrected = excel_csv(
        tmp_path / "corrected.csv",
        [
            HEADER,
            "H1,30/06/2024 23:30,Stalking,Harassment,P1,victim,L1",  # re-classified; P2 no longer linked
            'D1,2024-06-01T08:00:00+01:00,DA,"Note over\r\ntwo lines",P3,victim,',
        ],
    )
    result = run("import", str(corrected))
    assert "0 occurrences inserted, 1 updated, 1 unchanged" in result.output
    stored = occurrences(database)
    assert len(stored) == 3
    with database.session() as session:
        slug = session.scalar(select(func.count()).select_from(Occurrence).where(Occurrence.category == "Harassment"))
    assert slug == 1
    assert ("H1", "P2", "offender") not in links(database)
    assert len(table(database, ImportRecord)) == 3


def test_two_sources_may_reuse_an_id(run, database, tmp_path):
    path = excel_csv(tmp_path / "a.csv", [HEADER, "X1,2024-05-02,DA,,,,"])
    run("import", str(path), "--source", "niche")
    run("import", str(path), "--source", "athena")
    assert sorted(o.source for o in table(database, Occurrence)) == ["athena", "niche"]


def test_rejected_rows_are_kept_beside_the_file_with_row_and_reason(run, database, tmp_path):
    path = excel_csv(
        tmp_path / "mixed.csv",
        [
            HEADER,
            "G1,2024-05-02,DA,,,,",
            ",2024-05-02,DA,,,,",
            "B2,31/02/2024,DA,,,,",
            "B3,2099-01-01,DA,,,,",
            "B4,2024-05-02,hate crme,,,,",
            "B5,2024-05-02,DA,,P9,suspect,",
            "B6,2024-05-02,DA,,,,,surplus",
        ],
    )
    result = run("import", str(path))
    assert result.exit_code == 0
    assert "1 occurrence inserted" in result.output and "6 rows rejected" in result.output
    with (tmp_path / "mixed.rejects.csv").open(encoding="utf-8-sig", newline="") as rejects:
        rows = list(csv.DictReader(rejects))
    assert [(r["row"], r["Occurrence_ID"]) for r in rows] == [
        ("3", ""),
        ("4", "B2"),
        ("5", "B3"),
        ("6", "B4"),
        ("7", "B5"),
        ("8", "B6"),
    ]
    reasons = [r["reason"] for r in rows]
    assert reasons[0] == "missing occurrence_id"
    assert reasons[1].startswith("occurred_at “31/02/2024” is not a date")
    assert reasons[2] == "occurred_at “2099-01-01” is in the future"
    assert "Did you mean `hate-crime`" in reasons[3]
    assert reasons[4].startswith("person_role “suspect” is not one of")
    assert reasons[5].startswith("the row has more cells than the header")


def test_strict_commits_nothing_when_a_row_is_rejected(run, database, tmp_path):
    path = excel_csv(tmp_path / "strict.csv", [HEADER, "G1,2024-05-02,DA,,,,", "B1,not a date,DA,,,,"])
    result = run("import", str(path), "--strict")
    assert result.exit_code == 1
    assert "--strict: nothing was committed" in result.output
    assert table(database, Occurrence) == [] and table(database, ImportRecord) == []
    assert (tmp_path / "strict.rejects.csv").exists()  # so the export can be fixed


def test_a_dry_run_writes_nothing(run, database, tmp_path):
    path = excel_csv(tmp_path / "dry.csv", [HEADER, "G1,2024-05-02,DA,,,,", "B1,not a date,DA,,,,"])
    result = run("import", str(path), "--dry-run")
    assert result.exit_code == 0
    assert "would insert 1 occurrence" in result.output and "Dry run: nothing was written" in result.output
    assert "occurrences inserted" not in result.output  # nothing was
    assert table(database, Occurrence) == [] and table(database, ImportRecord) == []
    assert not (tmp_path / "dry.rejects.csv").exists()


def test_a_narrative_longer_than_the_csv_modules_cell_limit_loads_with_the_rest(run, database, tmp_path):
    narrative = "The caller described " + "a long account. " * 12_000  # ~190,000 characters, past csv's 131,072
    path = tmp_path / "narrative.csv"
    path.write_text(
        f'occurrence_id,occurred_at,strand,narrative\nN1,2024-05-02,DA,"{narrative}"\nN2,2024-05-03,DA,short\n',
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "2 occurrences inserted" in result.output and "0 rows rejected" in result.output
    assert set(occurrences(database)) == {"N1", "N2"}


def test_a_quote_left_open_names_its_line_and_loads_nothing(run, database, tmp_path):
    path = tmp_path / "open-quote.csv"
    swallowed = "A3,2024-05-04,DA,swallowed by the open quote\n" * 400_000  # 17 MB, past any real narrative
    path.write_text(
        'occurrence_id,occurred_at,strand,category\nA1,2024-05-02,DA,fine\nA2,2024-05-03,DA,"never closed\n'
        + swallowed,
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "row starting on line 3 has a cell longer than 16,777,216 characters" in result.output
    assert "Traceback" not in result.output
    assert table(database, Occurrence) == []


def test_local_times_across_the_clock_changes(run, database, tmp_path):
    path = excel_csv(
        tmp_path / "dst.csv",
        [
            HEADER,
            "GAP,2024-03-31 01:30,DA,,,,",  # never happened in London: read as 02:30 BST
            "OVERLAP,2024-10-27 01:30,DA,,,,",  # happened twice: the first (BST)
            "UTC,2024-10-27T01:30:00Z,DA,,,,",
        ],
    )
    assert run("import", str(path)).exit_code == 0
    stored = occurrences(database)
    assert stored["GAP"].occurred_at == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert stored["OVERLAP"].occurred_at == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert stored["UTC"].occurred_at == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty (0 bytes)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
        (b"name,date\r\nx,y\r\n", "has no occurrence_id, occurred_at, strand columns"),
    ],
)
def test_files_that_cannot_be_loaded_say_why_and_write_nothing(run, database, tmp_path, content, says):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = run("import", str(path))
    assert result.exit_code == 1
    assert says in result.output
    assert table(database, Occurrence) == [] and table(database, ImportRecord) == []


def test_a_missing_file_and_a_header_only_file(run, tmp_path):
    assert "No file at" in run("import", str(tmp_path / "nope.csv")).output
    header_only = excel_csv(tmp_path / "empty.csv", [HEADER])
    result = run("import", str(header_only))
    assert result.exit_code == 0
    assert "0 rows read" in result.output


def test_the_home_office_mapping_puts_each_occurrence_in_every_strand_it_belongs_to(run, database, tmp_path):
    export = shutil.copy(EXAMPLES / "exports" / "niche-sample.csv", tmp_path)
    loaded = run("import", str(export), "--mapping", str(EXAMPLES / "mappings" / "uk-home-office.toml"))
    assert loaded.exit_code == 0, loaded.output
    assert "8 occurrences inserted" in loaded.output  # once each, however many strands
    assert "1 out of scope; 0 rows rejected" in loaded.output  # the theft
    assert "added 3 new areas" in loaded.output  # the wards, met for the first time
    assert not (tmp_path / "niche-sample.rejects.csv").exists()
    with database.session() as session:
        from bot.store.models import Area, OccurrenceStrand, Strand

        strands_of = session.execute(
            select(Occurrence.source_id, Strand.slug)
            .join(OccurrenceStrand, OccurrenceStrand.occurrence_id == Occurrence.id)
            .join(Strand, Strand.id == OccurrenceStrand.strand_id)
        ).all()
        areas = dict(session.execute(select(Area.slug, Area.name)).all())
    grouped: dict[str, set[str]] = {}
    for source_id, slug in strands_of:
        grouped.setdefault(source_id, set()).add(slug)
    assert grouped == {
        "14/2024/0001": {"rape", "domestic-abuse"},
        "14/2024/0002": {"stalking-harassment"},
        "14/2024/0003": {"stalking-harassment"},
        "14/2024/0004": {"hate-crime", "hate-race", "hate-religion"},
        "14/2024/0005": {"modern-slavery"},
        "14/2024/0006": {"domestic-abuse"},
        "14/2024/0007": {"domestic-abuse"},
        "14/2024/0008": {"other-sexual-offences"},
    }
    assert areas == {"abbey": "Abbey", "castle": "Castle", "riverside": "Riverside"}


def test_the_home_office_mapping_stores_each_occurrences_ho_code_for_harm(run, database, tmp_path):
    export = shutil.copy(EXAMPLES / "exports" / "niche-sample.csv", tmp_path)
    run("import", str(export), "--mapping", str(EXAMPLES / "mappings" / "uk-home-office.toml"))
    codes = {o.source_id: o.offence_code for o in table(database, Occurrence)}
    assert codes == {
        "14/2024/0001": "19C",
        "14/2024/0002": "8Q",
        "14/2024/0003": "8L",
        "14/2024/0004": "8M",
        "14/2024/0005": "106",
        "14/2024/0006": "8U",
        "14/2024/0007": "105A",
        "14/2024/0008": "17A",
    }


def test_the_canonical_sample_loads_cleanly(run, database):
    result = run("import", str(EXAMPLES / "exports" / "canonical-sample.csv"), "--dry-run")
    assert "7 rows read: would insert 5 occurrences" in result.output and "0 rows rejected" in result.output


def test_strict_fails_on_a_reload_with_rejects_without_a_traceback(run, database, tmp_path):
    path = excel_csv(tmp_path / "again.csv", [HEADER, "G1,2024-05-02,DA,,,,", "B1,not a date,DA,,,,"])
    run("import", str(path))
    result = run("import", str(path), "--strict")
    assert result.exit_code == 1
    assert "the same file was loaded on" in result.output and "nothing was committed" in result.output


def test_a_mapping_with_mistakes_names_each_line_before_reading_rows(run, database, tmp_path):
    export = shutil.copy(EXAMPLES / "exports" / "niche-sample.csv", tmp_path)
    mapping = tmp_path / "typo.toml"
    mapping.write_text(
        '[source]\nname = "x"\n\n[columns]\noccurrence_id = "Occurence No"\noccurred_at = "Reported Date"\n\n'
        '[[strand.rules]]\ncolumn = "HO Code"\npattern = "^19[C-H"\nstrand = "rape"\n\n'
        '[[strand.rules]]\ncolumn = "HO Code"\npattern = "^8Q$"\nstrand = "stalkng"\n'
    )
    result = run("import", str(export), "--mapping", str(mapping))
    assert result.exit_code == 1
    assert "line 5: the export has no column “Occurence No”; did you mean “Occurrence No”?" in result.output
    assert "line 10: pattern “^19[C-H” is not a regular expression" in result.output
    assert "line 16: No strand is called “stalkng”" in result.output
    assert table(database, Occurrence) == []


def test_purge_removes_old_links_then_occurrences_and_records_it(run, database, tmp_path):
    path = excel_csv(tmp_path / "old.csv", [HEADER, "O1,2019-05-02,DA,,P1,victim,L1", "N1,2024-05-02,DA,,P2,victim,"])
    run("import", str(path))
    result = run("purge", "--before", "2020-01-01", "--yes")
    assert "Removed 0 occurrences and 2 links" in result.output
    assert links(database) == {("N1", "P2", "victim")}
    assert len(occurrences(database)) == 2
    declined = run("purge", "--before", "2020-01-01", "--occurrences", input="n\n")
    assert "Nothing removed" in declined.output and len(occurrences(database)) == 2
    run("purge", "--before", "2020-01-01", "--occurrences", "--yes")
    assert set(occurrences(database)) == {"N1"}
    records = table(database, PurgeRecord)
    assert [(r.whole_occurrences, r.occurrences_removed, r.links_removed) for r in records] == [
        (False, 0, 2),
        (True, 1, 0),
    ]


def test_an_import_leaves_fresh_planner_statistics(run, database, tmp_path):
    run("import", str(excel_csv(tmp_path / "a.csv", EXCEL_ROWS)))
    with database.session() as session:
        if session.connection().dialect.name == "sqlite":
            analysed = session.scalars(text("SELECT tbl FROM sqlite_stat1")).all()
        else:
            analysed = session.scalars(
                text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
            ).all()
    assert {"occurrences", "occurrence_links", "daily_counts"} <= set(analysed)


def test_imports_lists_each_load(run, tmp_path):
    assert "No files have been loaded yet" in run("imports").output
    run("import", str(excel_csv(tmp_path / "one.csv", [HEADER, "X1,2024-05-02,DA,,,,"])))
    listing = run("imports").output
    assert "one.csv" in listing and "records" in listing


def test_a_source_name_that_could_not_be_stored_is_refused(run, database, tmp_path):
    path = excel_csv(tmp_path / "s.csv", [HEADER, "X1,2024-05-02,DA,,,,"])
    result = run("import", str(path), "--source", "x" * 101)
    assert result.exit_code == 1 and "--source" in result.output
    assert table(database, Occurrence) == []


def test_a_quote_never_closed_loads_nothing_rather_than_swallowing_the_rows_after_it(run, database, tmp_path):
    path = excel_csv(
        tmp_path / "unclosed.csv",
        [HEADER, "K1,2024-05-02,DA,fine,,,", 'K2,2024-05-03,DA,"he said ""go away,,,', "K3,2024-05-04,DA,,,,",
         "K4,2024-05-05,DA,,,,"],
    )  # fmt: skip
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "the row starting on line 3 opens a quote that is never closed" in result.output
    assert "nothing was loaded" in result.output and table(database, Occurrence) == []
