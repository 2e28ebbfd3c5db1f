"""End to end: `/repeats` and `/strand-admin` signed as Slack signs them and dispatched to the Bolt app in
process, with the local Slack stand-in recording everything the app sends back."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from click.testing import CliRunner
from conftest import Served, all_text, local, stocked_database

from bot.cli import main
from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp

SECRET = "3e1b2d6f0a9c48b7a5d4c3b2a1f0e9d8"
ADMIN, ANALYST, SUPERVISOR, OFFICER = "U0ADMIN", "U0ANALYST", "U0SUPER", "U0OFFICER"
REASON = "MARAC preparation, 14 Nov"
# October 2024: 60 people with 3 mental-health occurrences each (three pages of 25), one with 2 (not listed).
OCTOBER = [
    ("mental-health", local(f"2024-10-{day:02d}"), [("person", f"P{n:02d}", "subject")])
    for n in range(60)
    for day in (2, 12, 22)
] + [("mental-health", local(f"2024-10-{day:02d}"), [("person", "P-TWO", "subject")]) for day in (5, 6)]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    with stocked_database(request, request.param, OCTOBER) as url:
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        for user, role in ((ANALYST, "analyst"), (SUPERVISOR, "supervisor")):
            status, answer = app.command(slack, f"role <@{user}|someone> {role}", ADMIN, command="/strand-admin")
            assert status == 200 and f"<@{user}> is now a" in answer["text"], answer
        yield Served(app, url)
        app.stop()


def posted(slack: SlackStandIn) -> list:
    return [r for r in slack.received if r.api_method == "chat.postMessage"]


def test_an_officer_is_refused_politely_and_the_refusal_recorded(served, slack):
    typed = f'mental-health 2024-10 reason:"{REASON}"'
    status, answer = served.app.command(slack, typed, OFFICER, command="/repeats")
    assert status == 200
    assert answer["response_type"] == "ephemeral"
    assert "repeat-contact lists are for analysts, supervisors and admins" in answer["text"]
    assert "P00" not in all_text(answer)
    row = served.audit()[-1]
    assert (row.via, row.actor, row.team, row.channel, row.action, row.outcome) == (
        "slack",
        OFFICER,
        "T0STANDIN",
        "C0STANDIN",
        "repeats.list",
        "refused",
    )
    assert (row.command, row.reason, row.returned) == (f"/repeats {typed}", None, None)


def test_an_analyst_gets_a_private_list_and_the_access_is_recorded_exactly(served, slack):
    typed = f'mental-health 2024-10 reason:"{REASON}"'
    status, answer = served.app.command(slack, typed, ANALYST, command="/repeats")
    assert status == 200
    assert answer["response_type"] == "ephemeral"
    shown = all_text(answer)
    assert "Repeat contact: Mental health" in shown
    assert "*60 people* on the list, *3.0* occurrences each on average" in shown
    assert "October 2024" in shown and "people with 3 or more occurrences" in shown
    assert "P00" in shown and "P-TWO" not in shown
    assert "Page 1 of 3" in shown
    actions = [e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["repeats_next_page"]  # no share button: a list never goes to a channel
    assert posted(slack) == []
    row = served.audit()[-1]
    assert (row.actor, row.team, row.channel, row.action, row.outcome) == (
        ANALYST,
        "T0STANDIN",
        "C0STANDIN",
        "repeats.list",
        "shown",
    )
    assert (row.command, row.reason, row.returned) == (f"/repeats {typed}", REASON, 25)
    parameters = json.loads(row.parameters)
    assert (parameters["start"], parameters["end"], parameters["min"], parameters["people"]) == (
        "2024-10-01",
        "2024-10-31",
        3,
        60,
    )


def button(message: dict, label: str) -> dict:
    return next(
        e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == label
    )


def fresh(name: str) -> str:
    """A response-URL name not used before: the stand-in outlives each backend's run of the module."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


def turn(served, slack, message: dict, label: str) -> dict:
    """Press a page button under `message`; the page Slack would show in its place."""
    name = fresh("page")
    status, _ = served.app.press(slack, button(message, label), ANALYST, slack.response_url(name))
    assert status == 200
    page = slack.wait_for(lambda r: r.path == f"/response/{name}").body
    assert (page["response_type"], page["replace_original"]) == ("ephemeral", True)
    return page


def test_pages_turn_forward_and_back_privately_and_each_is_recorded(served, slack):
    _, first = served.app.command(slack, f'mh 2024-10 reason:"{REASON}"', ANALYST, command="/repeats")
    second = turn(served, slack, first, "Next page")
    third = turn(served, slack, second, "Next page")
    back = turn(served, slack, third, "Previous page")
    assert "Page 2 of 3" in all_text(second) and "26   P" in all_text(second)  # ranks carry on
    assert "Page 3 of 3" in all_text(third) and "60   P" in all_text(third)
    assert [e["text"]["text"] for b in third["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Previous page"
    ]
    assert all_text(back) == all_text(second)
    assert posted(slack) == []
    rows = served.audit()[-3:]
    assert [(r.action, r.reason, r.returned, json.loads(r.parameters)["page"]) for r in rows] == [
        ("repeats.page", REASON, 25, 2),
        ("repeats.page", REASON, 10, 3),
        ("repeats.page", REASON, 25, 2),
    ]


@pytest.mark.parametrize(
    ("someone", "expected"), [(SUPERVISOR, "expired"), (OFFICER, "for analysts, supervisors and admins")]
)
def test_a_page_button_pressed_by_someone_else_shows_them_nothing(served, slack, someone, expected):
    _, answer = served.app.command(slack, f'mh 2024-10 reason:"{REASON}"', ANALYST, command="/repeats")
    name = fresh("stolen")
    served.app.press(slack, button(answer, "Next page"), someone, slack.response_url(name))
    page = slack.wait_for(lambda r: r.path == f"/response/{name}").body
    assert expected in all_text(page)
    assert "P2" not in all_text(page)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (f'mentl helth reason:"{REASON}"', "Did you mean `mental-health`"),
        (f'mh min=0 reason:"{REASON}"', "min=0 is out of range"),
        (f'mh min=abc reason:"{REASON}"', "min=abc is not a whole number"),
        (f'mh 2999-01 reason:"{REASON}"', "January 2999 is in the future"),
        ('mh reason:"' + "x" * 10_000 + '"', "That reason is 10,000 characters"),
        ("mh 2024-10", "needs a reason"),
        ("help", "Repeat contact"),  # nothing typed opens the form (tests/slack/test_modals.py)
    ],
)
def test_bad_requests_get_a_short_answer_and_show_nobody(served, slack, typed, expected):
    before = len(served.audit())
    status, answer = served.app.command(slack, typed, ANALYST, command="/repeats")
    assert status == 200
    assert expected in all_text(answer)
    assert "Traceback" not in all_text(answer) and "P00" not in all_text(answer)
    assert len(served.audit()) == before


@pytest.mark.parametrize(
    ("typed", "action"), [(f"role <@{OFFICER}> admin", "role.change"), ("role @me admin", "admin.invalid")]
)
def test_an_officer_cannot_use_strand_admin_and_is_recorded(served, slack, typed, action):
    status, answer = served.app.command(slack, typed, OFFICER, command="/strand-admin")
    assert status == 200 and "only admins can do that" in answer["text"]
    row = served.audit()[-1]
    assert (row.actor, row.action, row.outcome, row.command) == (OFFICER, action, "refused", f"/strand-admin {typed}")


def test_who_saw_a_person_is_answered_from_the_references_each_page_showed(served, slack):
    _, first = served.app.command(slack, f'mh 2024-10 reason:"{REASON}"', ANALYST, command="/repeats")
    turn(served, slack, first, "Next page")
    url = served.url.render_as_string(hide_password=False)

    def who_saw(ref: str) -> list[dict]:
        result = CliRunner().invoke(main, ["audit", "--ref", ref, "--format", "csv"], env={"DATABASE_URL": url})
        assert result.exit_code == 0, result.output
        return list(csv.DictReader(io.StringIO(result.output)))

    on_first_page, on_second_page = who_saw("P00"), who_saw("P30")
    assert on_first_page[-1] | {"at": ""} == {
        "audit_id": on_first_page[-1]["audit_id"], "at": "", "actor": ANALYST, "operator": "", "via": "slack",
        "team": "T0STANDIN", "channel": "C0STANDIN", "kind": "person", "ref": "P00", "action": "repeats.list",
        "reason": REASON, "command": f'/repeats mh 2024-10 reason:"{REASON}"',
    }  # fmt: skip
    assert on_second_page[-1]["action"] == "repeats.page" and on_second_page[-1]["actor"] == ANALYST
    assert int(on_second_page[-1]["audit_id"]) > int(on_first_page[-1]["audit_id"])
    assert who_saw("P-TWO") == []  # never on a list, so never disclosed
    assert who_saw("p00") == on_first_page  # a data-protection officer may type it in any case
    refused = CliRunner().invoke(main, ["audit", "--ref", "P00"], env={"DATABASE_URL": url})
    assert OFFICER not in refused.output  # a refusal disclosed nobody
