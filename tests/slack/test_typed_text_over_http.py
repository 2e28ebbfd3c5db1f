"""What people type reaches strandbot escaped by Slack (`&` as `&amp;`, `<` as `&lt;`): it is read as typed, and
stored as typed. `strandbot serve` as a real process, signed requests over HTTP exactly as Slack sends them."""

from __future__ import annotations

import json

import pytest
from conftest import Served, all_text, local, stocked_database

from bot.slack.standin import as_slack_sends
from bot.slack.testing import ServedApp

SECRET = "f00dfeed8888abcd99yyyzzz85a5c0de"
ADMIN = "U0ADMIN5"
REASON = "a & b <x>"
# Modern slavery: 4 this financial year to 30 June 2024; a person with 3 mental-health occurrences in October 2024.
ROWS = [("modern-slavery", local("2024-05-15"))] * 4 + [
    ("mental-health", local(f"2024-10-{day:02d}"), [("person", "P01", "subject")]) for day in (2, 12, 22)
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    with stocked_database(request, request.param, ROWS) as url:
        server = ServedApp(
            url.render_as_string(hide_password=False),
            slack,
            SECRET,
            workers=1,
            threads=4,
            environment={"STRANDBOT_ADMINS": ADMIN},
        )
        yield Served(server, url)  # type: ignore[arg-type]  # a served process answers the same requests
        server.stop()


def test_a_strand_named_with_an_ampersand_is_found_as_typed(served, slack):
    sent = as_slack_sends("Modern Slavery & Human Trafficking 2024-06-30")
    assert sent == "Modern Slavery &amp; Human Trafficking 2024-06-30"  # as the README's own example arrives
    status, answer = served.app.command(slack, sent, ADMIN)
    assert status == 200
    assert answer["blocks"][0]["text"]["text"] == "Modern slavery & human trafficking"  # the header, plain text
    assert "No strand is called" not in all_text(answer)


def test_a_reason_is_stored_in_the_audit_log_as_typed(served, slack):
    typed = f'mental-health 2024-10 reason:"{REASON}"'
    status, answer = served.app.command(slack, as_slack_sends(typed), ADMIN, command="/repeats")
    assert status == 200 and "Repeat contact" in answer["text"], answer
    row = served.audit()[-1]
    assert (row.action, row.reason, row.command) == ("repeats.list", REASON, f"/repeats {typed}")


def test_an_admin_command_is_read_and_recorded_as_typed(served, slack):
    typed = "threshold Modern Slavery & Human Trafficking 15% direction=up"
    status, answer = served.app.command(slack, as_slack_sends(typed), ADMIN, command="/strand-admin")
    assert status == 200
    assert "now works to +15%" in answer["text"], answer
    row = served.audit()[-1]
    assert (row.action, row.command) == ("threshold.change", f"/strand-admin {typed}")
    assert json.loads(row.parameters)["scope"] == "modern-slavery"
