"""`strandbot repeats STRAND --rank harm --top N` against a real database: the table, CSV and JSON, the audit
row, and the answers to bad values."""

import csv
import io
import json

from conftest import load_weights, local, store

REASON = "Offender management meeting, 14 Nov"
WEIGHTS = {"19C": 200.0, "105A": 30.0, "8N": 12.0}


def offended(ref: str, day: int, code: str | None) -> tuple:
    return ("domestic-abuse", local(f"2024-10-{day:02d}"), [("person", ref, "offender")], None, code)


# P-GRAVE: 2 occurrences, 230; P-MANY: 4, 24 (and one without a code); P-LOW: 2, 12 (one 8L, not weighted).
OCTOBER = [
    offended("P-GRAVE", 1, "19C"),
    offended("P-GRAVE", 2, "105A"),
    *(offended("P-MANY", day, "8N") for day in (3, 4)),
    offended("P-MANY", 5, None),
    offended("P-MANY", 6, "8L"),
    offended("P-LOW", 7, "8N"),
    offended("P-LOW", 8, "8L"),
    offended("P-ONCE", 9, "19C"),  # once: not a repeat
]


def repeats(run, *options: str):
    return run("repeats", "domestic abuse", "--month", "2024-10", "--role", "offender", "--reason", REASON, *options)


def test_the_json_ranks_by_harm_and_carries_each_ones_harm_the_share_and_the_weights(run, database):
    store(database, OCTOBER)
    load_weights(database, WEIGHTS, name="ONS Crime Severity Score 2016")
    result = repeats(run, "--rank", "harm", "--top", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [(e["ref"], e["occurrences"], e["harm"]) for e in listed["entries"]] == [
        ("P-GRAVE", 2, 230.0),
        ("P-MANY", 4, 24.0),
    ]
    assert {key: listed[key] for key in ("rank", "top", "count", "listed", "weights")} == {
        "rank": "harm",
        "top": 2,
        "count": 3,
        "listed": 2,
        "weights": "ONS Crime Severity Score 2016",
    }
    assert (listed["listed_harm"], listed["strand_harm"]) == (254.0, 466.0)
    assert listed["share"] == 254.0 / 466.0
    assert (listed["unweighted"], listed["unweighted_codes"]) == (2, {"": 1, "8L": 1})


def test_the_json_of_a_list_ranked_by_count_is_as_before_with_its_rank(run, database):
    store(database, OCTOBER)
    load_weights(database, WEIGHTS)
    listed = json.loads(repeats(run, "--format", "json").output)
    assert [e["ref"] for e in listed["entries"]] == ["P-MANY", "P-LOW", "P-GRAVE"]  # then the most recent first
    assert (listed["rank"], listed["top"]) == ("count", None)
    assert "harm" not in listed["entries"][0] and "weights" not in listed and "share" not in listed


def test_the_table_says_what_share_of_the_strands_harm_the_list_holds_and_with_which_weights(run, database):
    store(database, OCTOBER)
    load_weights(database, WEIGHTS, name="ONS Crime Severity Score 2016")
    result = repeats(run, "--rank", "harm", "--top", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "Domestic abuse (domestic-abuse), October 2024: people with 2 or more occurrences (as offender), "
        "the 2 with the most harm."
    )
    assert lines[2] == "These 2 account for 55% of domestic-abuse harm (254.0 of 466.0)."
    assert lines[3] == (
        "Harm weighed with “ONS Crime Severity Score 2016”. 2 of their occurrences have no weight: no code 1, 8L 1."
    )
    assert lines[5].split() == ["#", "Reference", "Occurrences", "Harm", "Share", "First", "Last", "Also", "in"]
    assert lines[7].split()[:5] == ["1", "P-GRAVE", "2", "230.0", "49.4%"]
    assert "P-LOW" not in result.output


def test_the_csv_has_a_harm_column(run, database):
    store(database, OCTOBER)
    load_weights(database, WEIGHTS)
    result = repeats(run, "--rank", "harm", "--top", "1", "--format", "csv")
    assert result.output.splitlines() == [
        "reference,occurrences,harm,first,last,other_strands",
        "P-GRAVE,2,230.0,2024-10-01,2024-10-02,",
    ]


def test_the_audit_row_spells_out_the_rank_and_top_asked_for(run, database):
    store(database, OCTOBER)
    load_weights(database, WEIGHTS)
    repeats(run, "--rank", "harm", "--top", "2")
    [row] = list(csv.DictReader(io.StringIO(run("audit", "--format", "csv").output)))
    assert "--rank harm --top 2" in row["command"]
    assert row["returned"] == "2"


def test_a_bad_top_is_named_and_nothing_is_shown_or_recorded(run, database):
    store(database, OCTOBER)
    load_weights(database, WEIGHTS)
    result = repeats(run, "--rank", "harm", "--top", "1000")
    assert result.exit_code == 1
    assert "top=1000 is out of range: from 1 to 500" in result.output
    assert "P-" not in result.output
    assert run("audit").output.strip() == "No audit rows match."


def test_harm_without_weights_says_how_to_load_them(run, database):
    store(database, OCTOBER)
    result = repeats(run, "--rank", "harm")
    assert result.exit_code == 1
    assert "No harm weights are loaded yet" in result.output and "strandbot harm load" in result.output
    assert "Traceback" not in result.output


def test_a_corrected_offence_code_in_a_later_import_weighs_the_list_again(run, database, tmp_path):
    load_weights(database, WEIGHTS)
    export = tmp_path / "export.csv"
    header = "occurrence_id,occurred_at,strand,offence_code,person_ref,person_role"
    rows = ["D1,2024-10-01 12:00,DA,8N,P1,offender", "D2,2024-10-02 12:00,DA,8N,P1,offender"]
    export.write_text("\n".join([header, *rows]) + "\n")
    assert run("import", str(export)).exit_code == 0

    def harm_of_p1() -> float:
        listed = json.loads(repeats(run, "--rank", "harm", "--format", "json").output)
        return listed["entries"][0]["harm"]

    assert harm_of_p1() == 24.0
    export.write_text("\n".join([header, rows[0].replace("8N", " 19c "), rows[1]]) + "\n")  # the code corrected
    assert run("import", str(export)).exit_code == 0
    assert harm_of_p1() == 212.0
