"""Retention purges: guarded against dates that cannot be meant, exact about what goes, and audited."""

import json
from datetime import date, datetime, timedelta

from conftest import LONDON, local, store
from sqlalchemy import func, select

from bot.store.models import AuditEntry, Occurrence, OccurrenceLink

# Ten occurrences: three from 2019 (one with two people), seven from 2024 (one with a place).
OLD = [("hate-crime", local("2019-05-02"), [("person", "P1", "victim"), ("person", "P2", "offender")])]
OLD += [("domestic-abuse", local("2019-06-01"))] * 2
NEW = [("domestic-abuse", local("2024-05-02"), [("location", "L1", "")])] + [("hate-crime", local("2024-06-01"))] * 6


def counts(database) -> tuple[int, int]:
    with database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Occurrence)),
            session.scalar(select(func.count()).select_from(OccurrenceLink)),
        )


def today() -> date:
    return datetime.now(LONDON).date()


def test_a_purge_dated_in_the_future_removes_nothing(run, database):
    store(database, OLD + NEW)
    result = run("purge", "--before", "2999-01-01", "--occurrences", "--yes", "--i-understand")
    assert result.exit_code == 1
    assert "--before 2999-01-01 is in the future" in result.output and "Give a date up to yesterday" in result.output
    assert counts(database) == (10, 3)


def test_a_purge_dated_today_removes_nothing(run, database):
    store(database, OLD + NEW)
    result = run("purge", "--before", today().isoformat(), "--occurrences", "--yes", "--i-understand")
    assert result.exit_code == 1 and f"--before {today().isoformat()} is today" in result.output
    assert counts(database) == (10, 3)


def test_yesterday_is_the_latest_purge_date_accepted(run, database):
    store(database, NEW)
    result = run("purge", "--before", (today() - timedelta(days=1)).isoformat(), "--yes")
    assert result.exit_code == 0 and "Removed 0 occurrences and 1 links" in result.output


def test_removing_more_than_half_of_the_occurrences_needs_i_understand(run, database):
    store(database, OLD + NEW)
    under_half = run("purge", "--before", "2024-06-01", "--occurrences", "--yes")  # 4 of 10
    assert under_half.exit_code == 0 and counts(database) == (6, 0)
    store(database, OLD + NEW)
    refused = run("purge", "--before", "2024-06-02", "--occurrences", "--yes")
    assert refused.exit_code == 1
    assert "That is 100% of the stored occurrences, more than half: nothing was removed" in refused.output
    assert "--i-understand" in refused.output and counts(database) == (10, 3)
    done = run("purge", "--before", "2024-06-02", "--occurrences", "--yes", "--i-understand")
    assert done.exit_code == 0 and "Removed 10 occurrences and 3 links" in done.output
    assert counts(database) == (0, 0)


def test_interactively_a_large_purge_goes_only_when_its_size_is_typed(run, database):
    store(database, OLD + NEW)
    declined = run("purge", "--before", "2024-06-02", "--occurrences", input="yes\n")
    assert "To remove them anyway, type 10" in declined.output and "Nothing removed." in declined.output
    assert declined.exit_code == 1 and counts(database) == (10, 3)  # a script sees that nothing happened
    done = run("purge", "--before", "2024-06-02", "--occurrences", input="10\n")
    assert "Removed 10 occurrences" in done.output and counts(database) == (0, 0)
    with database.session() as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge")).one()
    assert audited.command == "strandbot purge --before 2024-06-02 --occurrences"  # as typed: no flag invented
    assert json.loads(audited.parameters)["large_share_confirmed_by"] == "the number 10 typed at the terminal"


def test_when_only_occurrences_are_left_a_links_purge_says_so(run, database):
    store(database, OLD)
    run("purge", "--before", "2020-01-01", "--yes")
    again = run("purge", "--before", "2020-01-01", "--dry-run")
    assert "No person or location links are left from before 2020-01-01" in again.output
    assert "--occurrences" in again.output and counts(database) == (3, 0)


def test_a_dry_run_shows_exactly_what_would_go_and_removes_nothing(run, database):
    store(database, OLD + NEW)
    result = run("purge", "--before", "2020-01-01", "--occurrences", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 of 10 stored occurrences (30%), occurred 02 May 2019 – 01 Jun 2019" in result.output
    assert "    Domestic abuse: 2\n    Hate crime: 1\n" in result.output
    assert "and their 2 of 3 stored person and location links (67%): 2 person" in result.output
    assert "Dry run: nothing was removed." in result.output
    assert counts(database) == (10, 3)
    links_only = run("purge", "--before", "2020-01-01", "--dry-run")
    assert "2 of 3 stored person and location links (67%): 2 person, on occurrences of 02 May 2019" in (
        links_only.output
    )
    assert "The occurrences themselves are kept" in links_only.output and counts(database) == (10, 3)


def test_every_purge_is_in_the_audit_log_with_who_when_cutoff_and_what_went(run, database, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "records.manager")
    store(database, OLD + NEW)
    run("purge", "--before", "2020-01-01", "--yes")
    run("purge", "--before", "2020-01-01", "--occurrences", "--yes")
    with database.session() as session:
        purges = session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge")).all()
    assert [(e.actor, e.via, e.outcome) for e in purges] == [("records.manager", "cli", "removed")] * 2
    assert [json.loads(e.parameters) for e in purges] == [
        {"before": "2020-01-01", "whole_occurrences": False, "occurrences_removed": 0, "links_removed": 2,
         "share_removed": 0.0},
        {"before": "2020-01-01", "whole_occurrences": True, "occurrences_removed": 3, "links_removed": 0,
         "share_removed": 0.3},
    ]  # fmt: skip
    assert purges[1].command == "strandbot purge --before 2020-01-01 --occurrences --yes"
    listed = run("audit").output
    assert listed.count("retention.purge") == 2 and "records.manager" in listed
