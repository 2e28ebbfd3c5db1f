"""`strandbot harm load`, `export` and `show` as an administrator runs them, on SQLite and PostgreSQL: sets kept
on record, the newest in use, and files with mistakes refused whole, naming their lines."""

import json
from pathlib import Path

import pytest

ONS = "offence_code,weight,description\n8L,12.5,Harassment\n19C,1500,Rape of a female aged 16 and over\n105A,0.1,\n"
CAMBRIDGE = "offence_code,weight\n8L,2\n8Q,30\n"


def weights_file(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def shown(run, *args: str) -> dict:
    result = run("harm", "show", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_loaded_set_is_shown_with_who_loaded_it_and_exports_to_a_file_that_loads_back_identical(
    run, tmp_path, monkeypatch
):
    monkeypatch.setenv("USER", "analyst.jones")
    monkeypatch.setenv("LOGNAME", "analyst.jones")
    loaded = run("harm", "load", str(weights_file(tmp_path, "ons.csv", ONS)), "--name", "ONS CSS 2016")
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output == "Loaded 3 weights as “ONS CSS 2016” (set 1); it is now the set in use.\n"

    table = run("harm", "show").output
    assert "Harm weights in use: “ONS CSS 2016” (set 1)" in table
    assert "3 offence codes, loaded by analyst.jones on" in table and str(tmp_path / "ons.csv") in table
    assert [line.split()[:2] for line in table.splitlines() if line.startswith(("8L", "19C", "105A"))] == [
        ["8L", "12.5"],
        ["19C", "1500"],
        ["105A", "0.1"],
    ]
    as_json = shown(run)["set"]
    assert (as_json["name"], as_json["loaded_by"], as_json["codes"], as_json["in_use"]) == (
        "ONS CSS 2016",
        "analyst.jones",
        3,
        True,
    )

    exported = run("harm", "export", str(tmp_path / "out.csv"))
    assert exported.output == f"Wrote the 3 weights of “ONS CSS 2016” (set 1) to {tmp_path / 'out.csv'}.\n"
    again = run("harm", "load", str(tmp_path / "out.csv"), "--name", "ONS CSS 2016")
    assert (
        again.output
        == "“ONS CSS 2016” (set 1) is already the set in use, with exactly these weights: nothing changed.\n"
    )
    assert len(shown(run)["sets"]) == 1
    assert (
        shown(run)["set"]["weights"]
        == as_json["weights"]
        == [
            {"offence_code": "8L", "weight": 12.5, "description": "Harassment"},
            {"offence_code": "19C", "weight": 1500.0, "description": "Rape of a female aged 16 and over"},
            {"offence_code": "105A", "weight": 0.1, "description": None},
        ]
    )


def test_the_newest_set_is_in_use_and_names_every_harm_figure_while_the_old_ones_stay_listed(run, tmp_path):
    run("harm", "load", str(weights_file(tmp_path, "ons.csv", ONS)), "--name", "ONS CSS 2016")
    loaded = run("harm", "load", str(weights_file(tmp_path, "cchi-2016.csv", CAMBRIDGE)))
    assert loaded.output == (
        "Loaded 2 weights as “cchi-2016” (set 2); it is now the set in use. The earlier set stays on record "
        "(`strandbot harm show`).\n"
    )
    on_record = shown(run)
    assert on_record["set"]["name"] == "cchi-2016"
    assert [(s["id"], s["name"], s["in_use"]) for s in on_record["sets"]] == [
        (2, "cchi-2016", True),
        (1, "ONS CSS 2016", False),
    ]
    stats = json.loads(run("stats", "hate-crime", "--measure", "harm", "--format", "json").output)
    assert stats["weights"] == "cchi-2016"

    earlier = run("harm", "show", "--set", "1").output
    assert "Harm weight set 1, “ONS CSS 2016”: on record, not in use (“cchi-2016” (set 2) is)" in earlier
    run("harm", "export", str(tmp_path / "ons-again.csv"), "--set", "1")
    assert (tmp_path / "ons-again.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "8L,12.5,Harassment",
        "19C,1500,Rape of a female aged 16 and over",
        "105A,0.1,",
    ]
    assert "There is no weight set 7; the sets on record are 1, 2." in run("harm", "show", "--set", "7").output


def test_the_same_weights_under_another_name_are_a_new_set(run, tmp_path):
    path = weights_file(tmp_path, "ons.csv", ONS)
    run("harm", "load", str(path), "--name", "ONS CSS 2016")
    assert "(set 2); it is now the set in use" in run("harm", "load", str(path), "--name", "ONS CSS 2016/17").output


def test_a_bom_and_windows_1252_are_read_as_excel_wrote_them(run, tmp_path):
    bom = weights_file(tmp_path, "bom.csv", "Offence Code,Weight\r\n8L,2\r\n", "utf-8-sig")
    assert "Loaded 1 weight as “bom” (set 1)" in run("harm", "load", str(bom)).output
    latin = weights_file(tmp_path, "latin.csv", "offence_code,weight,description\n8L,3,Harcèlement – £5\n", "cp1252")
    assert "(set 2)" in run("harm", "load", str(latin)).output
    assert shown(run)["set"]["weights"] == [{"offence_code": "8L", "weight": 3.0, "description": "Harcèlement – £5"}]


BAD_FILES = [
    ("offence_code,weight\n8L,1\n8Q,high\n", "line 3: the weight of 8Q, “high”, is not a number"),
    ("offence_code,weight\n8L,-1\n", "line 2: the weight of 8L, -1, is negative: weights are 0 or more"),
    ("offence_code,weight\n8q,1\n9A,1\n8Q ,2\n", "lines 2 and 4: the same offence code, 8Q (written “8Q ” and “8q”)"),
    ('offence_code,weight\n8L,"1,234"\n', "line 2: the weight of 8L, “1,234”, has a comma"),
    ("offence_code,weight\n8L,1,extra\n", "line 2: 3 cells where the header has 2"),
    ("code,weight\n8L,1\n", "has a column “code”, which is not one it can have"),
    ("offence_code,description\n8L,Harassment\n", "has no weight column"),
    ("offence_code,weight\n", "holds no weights, only its header"),
    ("", "is empty (0 bytes): nothing to load"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_file_with_a_mistake_is_refused_naming_it_and_the_sets_on_record_stay_as_they_were(
    run, tmp_path, text, message
):
    run("harm", "load", str(weights_file(tmp_path, "ons.csv", ONS)), "--name", "ONS CSS 2016")
    before = shown(run)
    result = run("harm", "load", str(weights_file(tmp_path, "bad.csv", text)), "--name", "Bad")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert shown(run) == before


def test_a_windows_1252_file_with_a_mistake_names_its_line_too(run, tmp_path):
    latin = weights_file(tmp_path, "latin.csv", "offence_code,weight,description\n8L,beaucoup,Harcèlement\n", "cp1252")
    result = run("harm", "load", str(latin))
    assert "line 2: the weight of 8L, “beaucoup”, is not a number" in result.output
    assert shown(run) == {"set": None, "sets": []}


def test_a_missing_path_a_folder_and_a_bad_name_are_refused(run, tmp_path):
    assert f"No file at {tmp_path / 'nope.csv'}" in run("harm", "load", str(tmp_path / "nope.csv")).output
    assert "is a folder" in run("harm", "load", str(tmp_path)).output
    path = weights_file(tmp_path, "ons.csv", ONS)
    assert "A weight set needs a name" in run("harm", "load", str(path), "--name", "  ").output
    assert "The set's name is 201 characters; at most 200" in run("harm", "load", str(path), "--name", "N" * 201).output
    assert shown(run) == {"set": None, "sets": []}


def test_with_no_set_loaded_show_and_export_say_how_to_load_one(run, tmp_path):
    show = run("harm", "show")
    assert show.exit_code == 0
    assert "No harm weights are loaded yet. Load a set with `strandbot harm load WEIGHTS.csv" in show.output
    export = run("harm", "export", str(tmp_path / "out.csv"))
    assert export.exit_code == 1
    assert "nothing to export. Load a set with `strandbot harm load" in export.output
    assert not (tmp_path / "out.csv").exists()


def test_a_file_far_too_big_and_one_in_no_encoding_excel_writes_are_refused(run, tmp_path):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as file:
        file.truncate(65 * 1024 * 1024)
    assert (
        "huge.csv is 65 MB; a weights file is a few kilobytes (at most 64 MB)" in run("harm", "load", str(huge)).output
    )
    undefined = tmp_path / "odd.csv"
    undefined.write_bytes(b"offence_code,weight,description\n8L,1,Harassment \x81\n")
    result = run("harm", "load", str(undefined))
    assert "odd.csv is neither UTF-8 nor Windows-1252 text (byte 0x81 at" in result.output
    assert shown(run) == {"set": None, "sets": []}
