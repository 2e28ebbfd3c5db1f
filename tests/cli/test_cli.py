"""The command line, run as a user would (in-process through click, real database, real settings)."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import POSTGRES_URL, local, store
from sqlalchemy.engine import make_url

from bot.cli import main

HATE = [("hate-crime", local("2024-05-15"))] * 3 + [("hate-crime", local("2023-05-15"))] * 2


def test_stats_json_has_every_dashboard_number(run, database):
    store(database, HATE + [("cse", local("2024-06-01"))])
    result = run("stats", "--as-of", "2024-06-30", "--format", "json")
    assert result.exit_code == 0
    output = json.loads(result.output)
    assert output["as_of"] == "2024-06-30"
    assert len(output["strands"]) == 28
    hate = next(s for s in output["strands"] if s["slug"] == "hate-crime")
    assert hate == {
        "slug": "hate-crime",
        "name": "Hate crime",
        "parent": None,
        "fytd": {"current": 3, "previous": 2, "change": 1, "pct": 50, "direction": "up", "rag": "red"},
        "baseline": {"current": 3, "previous": 0, "change": 3, "pct": None, "direction": "up", "rag": "red"},
        "rolling12": {"current": 3, "previous": 2, "change": 1, "pct": 50, "direction": "up", "rag": "red"},
    }
    cse = next(s for s in output["strands"] if s["slug"] == "cse")
    assert cse["parent"] == "child-protection"
    prevent = next(s for s in output["strands"] if s["slug"] == "prevent")
    assert prevent["fytd"] == {"current": 0, "previous": 0, "change": 0, "pct": 0, "direction": "none", "rag": "amber"}


def test_stats_for_one_strand_prints_a_table_with_its_sub_strands(run, database):
    store(database, [("cse", local("2024-06-01"))])
    result = run("stats", "child protection", "--as-of", "2024-06-30")
    assert result.exit_code == 0
    assert "Child protection, CSE/A & missing children" in result.output
    assert "↳ CSE" in result.output and "Hate crime" not in result.output


def test_an_unknown_strand_exits_1_with_a_suggestion(run):
    result = run("stats", "stalkng")
    assert result.exit_code == 1
    assert "Did you mean `stalking-harassment`" in result.output


def test_a_wrong_setting_exits_2_naming_it(run):
    result = run("stats", STRANDBOT_FY_START_MONTH="April")
    assert result.exit_code == 2
    assert "STRANDBOT_FY_START_MONTH 'April' is not a whole number" in result.output


def test_an_unmigrated_database_says_to_run_db_upgrade(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["stats"], env={"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"})
    assert result.exit_code == 1
    assert "`strandbot db upgrade`" in result.output


@pytest.mark.parametrize("command", [["stats"], ["audit"], ["imports"], ["strands", "list"], ["jobs", "status"]])
def test_a_command_run_where_there_is_no_database_names_it_and_creates_no_file(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, command, env={"DATABASE_URL": "sqlite:///strandbot.db"})
    assert result.exit_code == 1
    assert f"({tmp_path / 'strandbot.db'}) has not been set up yet" in result.output
    assert "`strandbot db upgrade`" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_unready_postgres_database_is_named_without_its_password(tmp_path, monkeypatch, postgres_template):
    monkeypatch.chdir(tmp_path)
    url = make_url(POSTGRES_URL).set(database="postgres", password="s3cret")
    result = CliRunner().invoke(main, ["stats"], env={"DATABASE_URL": url.render_as_string(hide_password=False)})
    assert result.exit_code == 1
    assert "/postgres) has not been set up yet" in result.output and "s3cret" not in result.output


def test_a_negative_demo_seed_is_refused_in_one_line(run):
    result = run("demo", "--seed", "-1")
    assert result.exit_code == 2
    assert "'--seed': -1 is not in the range x>=0" in result.output and "Traceback" not in result.output


def test_stats_all_is_the_whole_dashboard(run):
    result = run("stats", "all", "--as-of", "2024-06-30", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.output)["strands"]) == 28


def test_a_database_that_is_down_gets_one_clear_line_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "stats"],
        env={**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "can't be reached right now" in result.stderr
    assert "detail: " in result.stderr  # the driver's words, for the administrator
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.postgres
def test_a_database_url_naming_no_database_says_what_to_change_not_to_wait(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "stats"],
        env={**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/strandbot_no_such_database"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "waiting won't mend it" in result.stderr and "try again" not in result.stderr
    assert 'database "strandbot_no_such_database" does not exist' in result.stderr
    assert "to fix: create the database" in result.stderr and "DATABASE_URL" in result.stderr


def test_serve_says_when_slack_cannot_be_reached(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "3999"],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Can't reach Slack's Web API at http://127.0.0.1:9/api/" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_prints_what_slack_would_show(run, database):
    store(database, HATE)
    result = run("ask", "/strand hate-crime 2024-06-30")
    assert result.exit_code == 0, result.output
    assert "Hate crime\n==========" in result.output
    assert "🔴 ↑ 3 vs 2 (+1, +50%)" in result.output
    assert "[Share in channel]" in result.output


def test_ask_says_where_slack_would_open_a_form_and_what_to_type_instead(run):
    # With nothing typed, /repeats opens a form in Slack; a terminal has none, and printed nothing at all.
    result = run("ask", "/repeats")
    assert result.exit_code == 0, result.output
    assert "opens the form “Repeat contact”" in result.output and 'strandbot ask "/repeats help"' in result.output


def test_strands_can_be_renamed_and_aliased_without_code(run, tmp_path):
    export = tmp_path / "strands.csv"
    assert run("strands", "export", str(export)).exit_code == 0
    text = export.read_text(encoding="utf-8")
    text = text.replace("hate-crime,Hate crime,,Hate", "hate-crime,Hate crime,,Hate; Hate incidents; HC")
    text += "online-hate,Online hate,hate-crime,\n"
    export.write_text(text, encoding="utf-8-sig")  # as Excel saves "CSV UTF-8"
    result = run("strands", "load", str(export))
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated" in result.output
    assert "↳ online-hate" in run("ask", "/strand HC").output  # the sub-strand table
    assert "online-hate" in run("strands", "list").output


def test_a_partial_catalogue_file_keeps_the_dashboard_order(run, tmp_path):
    partial = tmp_path / "partial.csv"
    partial.write_text("slug,name,parent,aliases\nhate-crime,Hate crime,,Hate; HC\nonline-hate,Online,hate-crime,\n")
    assert run("strands", "load", str(partial)).exit_code == 0
    slugs = [line.split(",")[0] for line in run("strands", "list").output.splitlines()[1:]]
    assert slugs[:4] == ["adult-at-risk", "child-at-risk", "domestic-abuse", "hate-crime"]
    assert slugs[slugs.index("hate-transgender") + 1 : slugs.index("mappa")] == ["online-hate"]  # last sub-strand


def test_a_catalogue_row_with_extra_cells_is_explained(run, tmp_path):
    extra = tmp_path / "extra.csv"
    extra.write_text("slug,name,parent,aliases\nhate-crime,Hate crime,,Hate,HC\n")
    result = run("strands", "load", str(extra))
    assert result.exit_code == 1
    assert "Line 2 of the catalogue file has more cells than the header" in result.output


def test_a_broken_catalogue_file_changes_nothing(run, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("slug,name,parent\nrape,Rape,no-such-parent\n", encoding="utf-8")
    result = run("strands", "load", str(broken))
    assert result.exit_code == 1
    assert "parent `no-such-parent`, which is not in the catalogue" in result.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("slug,name\nhate-crime,Hate crime – £\n".encode("cp1252"))
    assert "not UTF-8" in run("strands", "load", str(latin)).output
    assert run("strands", "list").output.count("\n") == 29  # header and the 28 strands, untouched


def test_demo_is_reproducible_and_keeps_out_of_real_data(run, database):
    first = run("demo", "--seed", "3", "--as-of", "2020-05-31")
    assert first.exit_code == 0, first.output
    # From the start of the earliest window: the previous rolling 12 months.
    assert "demo occurrences from 2018-06-01 to 2020-05-31 (seed 3)" in first.output
    stats_first = run("stats", "--as-of", "2020-05-31", "--format", "json").output
    assert run("demo", "--seed", "3", "--as-of", "2020-05-31").exit_code == 0
    assert run("stats", "--as-of", "2020-05-31", "--format", "json").output == stats_first
    store(database, HATE, source="records-system")
    refused = run("demo", "--as-of", "2020-05-31")
    assert refused.exit_code == 1
    assert "5 occurrences from real sources" in refused.output


MH_OCTOBER = [("mental-health", local(f"2024-10-{d:02d}"), [("person", "P1", "subject")]) for d in (1, 2, 3)]


def test_repeats_prints_the_list_and_records_the_operating_system_user(run, database, monkeypatch):
    monkeypatch.setenv("USER", "analyst.jones")
    monkeypatch.setenv("LOGNAME", "analyst.jones")
    store(database, MH_OCTOBER)
    result = run("repeats", "mental health", "--month", "2024-10", "--reason", "Monthly MH review")
    assert result.exit_code == 0, result.output
    assert "1 person on the list, 3.0 occurrences each on average" in result.output
    assert "P1" in result.output
    audit = run("audit", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(audit.output)))
    assert [(r["via"], r["actor"], r["action"], r["reason"], r["returned"]) for r in rows] == [
        ("cli", "analyst.jones", "repeats.list", "Monthly MH review", "1")
    ]
    assert rows[0]["command"] == (
        "strandbot repeats 'mental health' --period 2024-10 --reason 'Monthly MH review' --by person --role any "
        "--format table"
    )


def test_repeats_csv_and_json_carry_every_reference(run, database):
    store(database, MH_OCTOBER)
    as_csv = run("repeats", "mh", "--month", "2024-10", "--reason", "Monthly MH review", "--format", "csv")
    assert as_csv.output.splitlines() == [
        "reference,occurrences,first,last,other_strands",
        "P1,3,2024-10-01,2024-10-03,",
    ]
    as_json = json.loads(
        run("repeats", "mh", "--month", "2024-10", "--reason", "Monthly MH review", "--format", "json").output
    )
    assert (as_json["count"], as_json["entries"][0]["ref"], as_json["rule"]["min"]) == (1, "P1", 3)


def test_repeats_without_a_reason_shows_nothing_and_says_why(run, database):
    store(database, MH_OCTOBER)
    result = run("repeats", "mh", "--month", "2024-10")
    assert result.exit_code == 1
    assert "needs a reason" in result.output and "P1" not in result.output
    assert run("audit").output.strip() == "No audit rows match."


def test_audit_can_be_narrowed_to_one_user(run, database):
    store(database, MH_OCTOBER)
    run("repeats", "mh", "--month", "2024-10", "--reason", "Monthly MH review", USER="someone")
    assert "No audit rows match." in run("audit", "--user", "U0NOBODY").output
    assert "repeats.list" in run("audit", "--since", "2020-01-01").output


def test_ask_records_the_operator_beside_the_slack_user_it_plays(run, database, monkeypatch):
    monkeypatch.setenv("USER", "sergeant.ops")
    monkeypatch.setenv("LOGNAME", "sergeant.ops")
    store(database, MH_OCTOBER)
    refused = run("ask", '/repeats mh 2024-10 reason:"Monthly MH review"', "--user", "U0OFFICER")
    assert "for analysts, supervisors and admins" in refused.output
    rows = list(csv.DictReader(io.StringIO(run("audit", "--format", "csv").output)))
    assert [(r["via"], r["actor"], r["operator"], r["outcome"]) for r in rows] == [
        ("ask", "U0OFFICER", "sergeant.ops", "refused")
    ]
    assert "U0OFFICER (played by sergeant.ops)" in run("audit", "--user", "sergeant.ops").output
    assert "U0OFFICER (played by sergeant.ops)" in run("audit", "--user", "U0OFFICER").output
