"""Imports of real force data: several strands per occurrence, exports of everything, and areas."""

import csv
from pathlib import Path

from sqlalchemy import select

from bot.store.models import Area, ImportRecord, Occurrence, OccurrenceStrand, Strand

HEADER = "occurrence_id,occurred_at,strand,area,person_ref"


def export(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def strands_of(database) -> dict[str, set[str]]:
    with database.session() as session:
        rows = session.execute(
            select(Occurrence.source_id, Strand.slug)
            .join(OccurrenceStrand, OccurrenceStrand.occurrence_id == Occurrence.id)
            .join(Strand, Strand.id == OccurrenceStrand.strand_id)
        ).all()
    found: dict[str, set[str]] = {}
    for source_id, slug in rows:
        found.setdefault(source_id, set()).add(slug)
    return found


def area_of(database) -> dict[str, str | None]:
    with database.session() as session:
        rows = session.execute(select(Occurrence.source_id, Area.slug).outerjoin(Area)).all()
    return dict(rows)


def rejects(path: Path) -> list[dict[str, str]]:
    rejects_file = path.with_name(path.stem + ".rejects.csv")
    if not rejects_file.exists():
        return []
    with rejects_file.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_a_strand_cell_may_name_several_strands_loosely(run, database, tmp_path):
    path = export(
        tmp_path / "flags.csv",
        "A1,2024-05-01,rape;domestic-abuse,,",
        "A2,2024-05-02,Hate Crime; Race ;RACIALLY MOTIVATED;;Religion;,,",  # a strand named twice counts once
        "A3,2024-05-03,DA;;,,",
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "3 occurrences inserted" in result.output and "0 rows rejected" in result.output
    assert strands_of(database) == {
        "A1": {"rape", "domestic-abuse"},
        "A2": {"hate-crime", "hate-race", "hate-religion"},
        "A3": {"domestic-abuse"},
    }


def test_one_unknown_strand_among_several_rejects_the_row_naming_it(run, database, tmp_path):
    path = export(tmp_path / "typo.csv", "B1,2024-05-01,rape;domestik abuse,,", "B2,2024-05-01,rape,,")
    result = run("import", str(path))
    assert "1 row rejected" in result.output
    [rejected] = rejects(path)
    assert rejected["occurrence_id"] == "B1" and "“domestik abuse”" in rejected["reason"]
    assert "domestic-abuse" in rejected["reason"]  # did you mean
    assert strands_of(database) == {"B2": {"rape"}}


def test_rows_in_no_strand_are_out_of_scope_not_rejects(run, database, tmp_path):
    path = export(
        tmp_path / "everything.csv",
        "T1,2024-05-01,,,",
        "T2,2024-05-01,,North,",
        "C1,2024-05-01,stalking,,",
        "X1,not a date,,,",  # out of scope whatever else is wrong with it: nothing to fix for strandbot
    )
    result = run("import", str(path))
    assert "1 occurrence inserted" in result.output and "3 out of scope; 0 rows rejected" in result.output
    assert rejects(path) == []
    with database.session() as session:
        assert session.scalars(select(Area.slug)).all() == []  # an out-of-scope row adds no area
        record = session.scalars(select(ImportRecord)).one()
    assert (record.rows_read, record.inserted, record.out_of_scope, record.rejected) == (4, 1, 3, 0)


def test_a_mapping_can_reject_what_no_rule_matches(run, database, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Ref,When,Code\nR1,2024-05-01,19C\nR2,2024-05-01,49\n", encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[columns]\noccurrence_id = "Ref"\noccurred_at = "When"\n\n[strand]\nunmatched = "reject"\n\n'
        '[[strand.rules]]\ncolumn = "Code"\npattern = "^19"\nstrand = "rape"\n',
        encoding="utf-8",
    )
    result = run("import", str(path), "--mapping", str(mapping))
    assert "0 out of scope; 1 row rejected" in result.output
    assert [r["Ref"] for r in rejects(path)] == ["R2"]
    mapping.write_text(mapping.read_text().replace('unmatched = "reject"', 'unmatched = "sometimes"'))
    refused = run("import", str(path), "--mapping", str(mapping))
    assert refused.exit_code == 1 and "unmatched should be “out-of-scope” or “reject”" in refused.output


def test_every_matching_rule_adds_its_strand_and_the_default_only_fills_in(run, database, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Ref,When,Code,DA,Hate\n"
        "R1,2024-05-01,19C,Y,\n"  # rape, flagged domestic
        "R2,2024-05-01,8M,N,Race; Disability\n"  # hate crime with two motivations
        "R3,2024-05-01,8M,N,\n"  # a hate crime with no motivation recorded
        "R4,2024-05-01,49,N,\n",  # no rule: the default
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[columns]\noccurrence_id = "Ref"\noccurred_at = "When"\n\n[strand]\ndefault = "adult-at-risk"\n\n'
        '[[strand.rules]]\ncolumn = "Code"\npattern = "^19"\nstrand = "rape"\n\n'
        '[[strand.rules]]\ncolumn = "Code"\npattern = "^8M$"\nstrand = "hate-crime"\n\n'
        '[[strand.rules]]\ncolumn = "DA"\npattern = "^Y$"\nstrand = "domestic-abuse"\n\n'
        '[[strand.rules]]\ncolumn = "Hate"\npattern = "(?i)race"\nstrand = "hate-race"\n\n'
        '[[strand.rules]]\ncolumn = "Hate"\npattern = "(?i)disab"\nstrand = "hate-disability"\n',
        encoding="utf-8",
    )
    assert run("import", str(path), "--mapping", str(mapping)).exit_code == 0
    assert strands_of(database) == {
        "R1": {"rape", "domestic-abuse"},
        "R2": {"hate-crime", "hate-race", "hate-disability"},
        "R3": {"hate-crime"},
        "R4": {"adult-at-risk"},
    }


def test_reloading_changes_nothing_and_a_changed_flag_is_an_update(run, database, tmp_path):
    first = export(tmp_path / "day1.csv", "D1,2024-05-01,rape;DA,,", "D2,2024-05-02,rape,,")
    run("import", str(first))
    again = run("import", str(first))
    assert "0 occurrences inserted, 0 updated, 2 unchanged" in again.output
    corrected = export(tmp_path / "day2.csv", "D1,2024-05-01,rape,,", "D2,2024-05-02,rape;hate crime,,")
    result = run("import", str(corrected))
    assert "0 occurrences inserted, 2 updated, 0 unchanged" in result.output
    assert strands_of(database) == {"D1": {"rape"}, "D2": {"rape", "hate-crime"}}
    stats = run("stats", "domestic-abuse", "--as-of", "2024-05-31", "--format", "json")
    assert '"current": 0' in stats.output  # D1 no longer counts under domestic abuse


def test_an_unknown_area_is_added_once_however_it_is_written(run, database, tmp_path):
    path = export(
        tmp_path / "areas.csv",
        "G1,2024-05-01,rape,Brooklyn South,",
        "G2,2024-05-01,rape,brooklyn-south,",
        "G3,2024-05-01,rape,BROOKLYN  SOUTH!,",
        "G4,2024-05-01,rape,Downtown Core,",
        "G5,2024-05-01,rape,,",
        "G6,2024-05-01,rape,???,",
    )
    result = run("import", str(path))
    assert "added 2 new areas" in result.output and "1 row rejected" in result.output
    assert area_of(database) == {
        "G1": "brooklyn-south",
        "G2": "brooklyn-south",
        "G3": "brooklyn-south",
        "G4": "downtown-core",
        "G5": None,
    }
    assert "has no letters or digits" in rejects(path)[0]["reason"]
    with database.session() as session:
        assert dict(session.execute(select(Area.slug, Area.name)).all()) == {
            "brooklyn-south": "Brooklyn South",
            "downtown-core": "Downtown Core",
        }
    second = export(tmp_path / "more.csv", "G7,2024-05-02,rape,Brooklyn South,")
    assert "new area" not in run("import", str(second)).output  # known now


def test_a_dry_run_adds_no_area(run, database, tmp_path):
    path = export(tmp_path / "dry.csv", "H1,2024-05-01,rape,Queens North,")
    result = run("import", str(path), "--dry-run")
    assert "would add 1 new area" in result.output
    with database.session() as session:
        assert session.scalars(select(Area)).all() == []


def test_an_export_with_a_row_per_motivation_gives_the_occurrence_every_one(run, database, tmp_path):
    # Many exports are "long": one row per flag or bias motive. The occurrence is in every strand its rows
    # give, while its time, area and category come from its last row.
    path = export(
        tmp_path / "long.csv",
        "M1,2024-05-01,hate-crime;hate-race,Abbey,P1",
        "M1,2024-05-01,hate-crime;hate-religion,Abbey,P1",
        "M1,2024-05-01,hate-crime,Castle,P2",
    )
    result = run("import", str(path))
    assert "1 occurrence inserted" in result.output
    assert strands_of(database) == {"M1": {"hate-crime", "hate-race", "hate-religion"}}
    assert area_of(database) == {"M1": "castle"}
