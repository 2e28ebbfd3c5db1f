"""The audit log as a data-protection officer relies on it: who saw whom, a periodic review that flags
outliers, and a hash chain that shows any row changed, removed or inserted behind the triggers' back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError

from bot.audit.log import Actor, activity_report, record, verify_chain
from bot.errors import AuditLogBroken
from bot.store.db import Database, upgrade


def write(database: Database, user: str, refs: list[str], action: str = "repeats.list", outcome: str = "shown"):
    """One audited action by `user` that disclosed `refs` (people)."""
    with database.session() as session:
        return record(
            session, Actor(user), action, outcome, f"/repeats mh reason:{user}", {"page": 1}, f"reason of {user}",
            len(refs), [("person", ref) for ref in refs],
        ).id  # fmt: skip


def behind_the_back(database: Database, *statements: str) -> None:
    """What a database administrator could do: lift the append-only triggers and run `statements`."""
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            connection.execute(text("ALTER TABLE audit_disclosures DISABLE TRIGGER USER"))
        else:
            for table in ("audit_log", "audit_disclosures"):
                for event in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER {table}_no_{event}"))
        for statement in statements:
            connection.execute(text(statement))


def test_the_review_counts_each_users_lists_references_refusals_and_reasons(database, settings):
    write(database, "U1", ["P1", "P2"])
    write(database, "U1", ["P2", "P3"], action="repeats.page")
    write(database, "U2", [], outcome="refused")
    (u1, u2) = activity_report(database, settings, datetime.now(UTC).date())
    assert (u1.activity.user, u1.activity.lists, u1.activity.pages, u1.activity.references) == ("U1", 1, 1, 3)
    assert (u1.activity.refusals, u1.activity.reasons) == (0, ("reason of U1",))
    assert (u2.activity.user, u2.activity.lists, u2.activity.references, u2.activity.refusals) == ("U2", 0, 0, 1)


def test_a_user_who_saw_far_more_people_than_their_peers_is_flagged(database, settings):
    for peer in ("U1", "U2", "U3"):
        write(database, peer, [f"{peer}-P{n}" for n in range(10)])
    write(database, "U-HEAVY", [f"P{n}" for n in range(31)])  # more than 3 x 10, and at least 20
    write(database, "U-BUSY", [f"B{n}" for n in range(30)])  # exactly 3 x 10: not more
    lines = {line.activity.user: line for line in activity_report(database, settings, datetime.now(UTC).date())}
    assert [user for user, line in lines.items() if line.flagged] == ["U-HEAVY"]
    assert lines["U-HEAVY"].peers_median == 10


def test_a_small_count_is_not_flagged_however_quiet_the_peers(database, settings):
    write(database, "U1", ["P1"])
    write(database, "U2", [f"P{n}" for n in range(19)])  # 19 times the peer, but under 20 references
    assert not any(line.flagged for line in activity_report(database, settings, datetime.now(UTC).date()))


def test_an_untouched_log_verifies_with_its_length_and_head(database):
    assert verify_chain(database).intact and verify_chain(database).length == 0
    for n in range(3):
        write(database, "U1", [f"P{n}"])
    checked = verify_chain(database)
    assert checked.intact and checked.length == 3 and len(checked.head_hash) == 64
    assert verify_chain(database, noted_head=checked.head_hash).intact


@pytest.mark.parametrize(
    ("tampering", "found"),
    [
        ("UPDATE audit_log SET reason = 'a better reason' WHERE id = {second}", "row {second} (or the references"),
        ("DELETE FROM audit_disclosures WHERE audit_id = {second}", "row {second} (or the references"),
        ("INSERT INTO audit_disclosures (audit_id, kind, ref) VALUES ({second}, 'person', 'PX')", "row {second} (or"),
        ("DELETE FROM audit_disclosures WHERE audit_id = {second}; DELETE FROM audit_log WHERE id = {second}",
         "breaks at row {third}: it claims place 3 where place 2 was due"),
        ("DELETE FROM audit_disclosures WHERE audit_id = {third}; DELETE FROM audit_log WHERE id = {third}",
         "the last 1 row(s) were removed"),
        ("INSERT INTO audit_log (at, via, actor, action, outcome, command) "
         "VALUES ('2026-01-01 00:00:00', 'cli', 'dba', 'repeats.list', 'shown', 'x')", "inserted behind strandbot"),
    ],
)  # fmt: skip
def test_a_row_changed_removed_or_inserted_behind_the_triggers_is_named(run, database, tampering, found):
    first, second, third = (write(database, "U1", [f"P{n}"]) for n in range(3))
    noted = verify_chain(database).head_hash
    ids = {"first": first, "second": second, "third": third}
    behind_the_back(database, *(s.format(**ids) for s in tampering.split("; ")))
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "the audit log has been tampered with" in result.output and found.format(**ids) in result.output
    assert not verify_chain(database, noted_head=noted).intact


def test_verify_prints_the_length_and_head_to_note_elsewhere(run, database):
    write(database, "U1", ["P1"])
    result = run("audit", "verify")
    assert result.exit_code == 0
    assert f"The audit log is intact: 1 row, head {verify_chain(database).head_hash}." in result.output


def test_the_chain_head_cannot_be_deleted_and_its_loss_is_reported(run, database):
    write(database, "U1", ["P1"])
    with pytest.raises(DatabaseError), database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_chain_head"))
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_chain_head DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_chain_head_no_delete"))
        connection.execute(text("DELETE FROM audit_chain_head"))
    result = run("audit", "verify")
    assert result.exit_code == 1 and "the chain's head record is missing (1 rows are on the log)" in result.output
    with pytest.raises(AuditLogBroken):
        write(database, "U1", ["P2"])  # nothing can be recorded, so nothing is shown


def test_a_noted_head_may_be_pasted_in_any_case_with_spaces_but_must_be_whole(run, database):
    write(database, "U1", ["P1"])
    head = verify_chain(database).head_hash
    assert run("audit", "verify", "--head", f"  {head.upper()} ").exit_code == 0
    result = run("audit", "verify", "--head", head[:12])
    assert result.exit_code == 1 and f"“{head[:12]}” is not a head hash" in result.output
    assert "tampered" not in result.output


def test_a_noted_head_that_is_no_longer_on_the_chain_is_reported(run, database):
    write(database, "U1", ["P1"])
    result = run("audit", "verify", "--head", "f" * 64)
    assert result.exit_code == 1 and f"the noted head {'f' * 64} is not on the chain" in result.output


@pytest.mark.postgres
def test_parallel_writers_on_postgresql_keep_one_unbroken_chain(postgres_url: URL):
    database = Database(postgres_url)
    errors: list[BaseException] = []

    def writer(user: str) -> None:
        try:
            for n in range(25):
                write(database, user, [f"{user}-P{n}", "SHARED"])
        except BaseException as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(f"U{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    checked = verify_chain(database)
    database.dispose()
    assert checked.intact, checked.problem
    assert checked.length == 150


def test_rows_written_before_the_chain_existed_are_chained_by_the_migration(database_url: URL):
    from bot.store.db import downgrade

    downgrade(database_url, "0007")
    database = Database(database_url)
    with database.engine.begin() as connection:
        for n in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, via, actor, action, outcome, command, returned) "
                    "VALUES (:at, 'slack', :actor, 'repeats.list', 'shown', '/repeats mh', 2)"
                ),
                {"at": datetime(2026, 11, 2, 9, n, 30, 123456), "actor": f"U{n}"},
            )
    upgrade(database_url)
    checked = verify_chain(database)
    assert checked.intact and checked.length == 3
    write(database, "U9", ["P1"])  # new rows chain onto the migrated ones
    assert verify_chain(database).length == 4 and verify_chain(database).intact
    database.dispose()
