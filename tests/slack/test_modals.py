"""Modals end to end: `/repeats` with nothing after it, its form's submission and the list paged inside the
modal (every page audited), and the "Strand statistics" shortcuts; signed as Slack signs them and dispatched to
the Bolt app in process. Every view is checked by the stand-in as Slack would, and again here with slack_sdk's
models."""

from __future__ import annotations

import uuid

import pytest
from conftest import Served, all_text, local, stocked_database
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.slack.blocks.modals import repeats_form
from bot.slack.standin import SlackStandIn, signed_command
from bot.slack.testing import DispatchedApp

SECRET = "9d8c7b6a5f4e3d2c1b0a99887766554f"
ADMIN, ANALYST, OFFICER = "U0MADMIN", "U0MANALYST", "U0MOFFICER"
REASON = "MARAC preparation, 14 Nov"
# October 2024: 60 people with 3 mental-health occurrences each (three pages of 25).
OCTOBER = [
    ("mental-health", local(f"2024-10-{day:02d}"), [("person", f"P{n:02d}", "subject")])
    for n in range(60)
    for day in (2, 12, 22)
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    with stocked_database(request, request.param, OCTOBER) as url:
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        status, answer = app.command(slack, f"role <@{ANALYST}|someone> analyst", ADMIN, command="/strand-admin")
        assert status == 200 and "is now an analyst" in answer["text"], answer
        yield Served(app, url)
        app.stop()


def valid(view: dict) -> dict:
    """`view` as Slack takes it: slack_sdk's models check the type, the limits and every block."""
    View(
        **{k: v for k, v in view.items() if k not in ("id", "team_id", "app_id", "bot_id", "hash", "state")}
    ).validate_json()
    return view


def opened(slack: SlackStandIn, trigger: str) -> dict:
    """The view opened with `trigger` (views.open), as the stand-in kept it (with its ID)."""
    return valid(slack.opened_with(trigger))


def updated(slack: SlackStandIn, view_id: str, count: int = 1, timeout: float = 30) -> dict:
    """The `count`-th update of view `view_id` (views.update), waiting for it."""

    def enough(_) -> bool:
        return len([c for c in slack.calls("views.update") if c.body.get("view_id") == view_id]) >= count

    slack.wait_for(enough, timeout=timeout)
    return valid([c for c in slack.calls("views.update") if c.body.get("view_id") == view_id][count - 1].body["view"])


def command_with_trigger(served: Served, slack: SlackStandIn, user: str, text: str = "") -> tuple[int, object, str]:
    """`/repeats text` from `user`, with a trigger of its own: the status, the acknowledgement, the trigger."""
    trigger = uuid.uuid4().hex
    body, headers = signed_command(SECRET, "/repeats", text, user, slack.response_url(), trigger_id=trigger)
    status, answer = served.app.post(body, headers)
    return status, answer, trigger


def state(**fields: dict) -> dict:
    """A submitted view's state: each field (block ID) holding one element's value, as Slack sends it."""
    return {"values": {block: {block: element} for block, element in fields.items()}}


def submit(served: Served, user: str, view: dict, values: dict) -> tuple[int, dict | str]:
    return served.app.interact(
        {
            "type": "view_submission",
            "user": {"id": user, "team_id": "T0STANDIN"},
            "trigger_id": uuid.uuid4().hex,
            "view": {**view, "state": values},
        }
    )


def press(served: Served, user: str, view_id: str, element: dict) -> int:
    status, _ = served.app.interact(
        {
            "type": "block_actions",
            "user": {"id": user, "team_id": "T0STANDIN"},
            "container": {"type": "view", "view_id": view_id},
            "view": {"id": view_id, "type": "modal"},
            "trigger_id": uuid.uuid4().hex,
            "actions": [{**element, "block_id": "b", "action_ts": "1"}],
        }
    )
    return status


def filled(reason: str | None = REASON, period: str | None = "2024-10") -> dict:
    fields = {
        "strand": {"type": "external_select", "selected_option": {"value": "mental-health"}},
        "period": {"type": "plain_text_input", "value": period},
        "role": {"type": "static_select", "selected_option": None},
        "by": {"type": "static_select", "selected_option": {"value": "person"}},
        "area": {"type": "external_select", "selected_option": None},
        "reason": {"type": "plain_text_input", "value": reason},
    }
    return state(**fields)


def test_repeats_with_nothing_typed_opens_a_form_with_a_required_reason(served, slack):
    status, answer, trigger = command_with_trigger(served, slack, ANALYST)
    assert status == 200 and answer == ""  # acknowledged with nothing to leave behind
    view = opened(slack, trigger)
    assert view["type"] == "modal" and view["callback_id"] == "repeats_form"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["strand", "period", "role", "by", "area", "reason"]
    assert not inputs["reason"].get("optional") and inputs["reason"]["element"]["type"] == "plain_text_input"
    assert inputs["strand"]["element"]["type"] == "external_select"  # type-ahead: a catalogue of any size
    assert inputs["area"]["element"]["type"] == "external_select"


def test_an_officer_gets_a_refusal_in_the_modal_and_it_is_recorded(served, slack):
    status, _, trigger = command_with_trigger(served, slack, OFFICER)
    assert status == 200
    view = opened(slack, trigger)
    assert "repeat-contact lists are for analysts, supervisors and admins" in all_text(view)
    assert not any(b["type"] == "input" for b in view["blocks"])
    row = served.audit()[-1]
    assert (row.actor, row.action, row.outcome) == (OFFICER, "repeats.list", "refused")


@pytest.mark.parametrize(
    ("reason", "period", "field", "words"),
    [
        (None, "2024-10", "reason", "needs a reason on record"),
        ("short", "2024-10", "reason", "too short"),
        (REASON, "2024-13", "period", "has no month 13"),
    ],
)
def test_a_bad_field_is_refused_on_that_field_and_nothing_is_shown_or_recorded(
    served, slack, reason, period, field, words
):
    _, _, trigger = command_with_trigger(served, slack, ANALYST)
    view = opened(slack, trigger)
    before = len(served.audit())
    status, answer = submit(served, ANALYST, view, filled(reason, period))
    assert status == 200
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [field]
    assert words in answer["errors"][field]
    assert len(served.audit()) == before
    assert not [c for c in slack.calls("views.update") if c.body.get("view_id") == view["id"]]


def test_the_list_is_shown_and_paged_inside_the_modal_and_every_page_audited(served, slack):
    _, _, trigger = command_with_trigger(served, slack, ANALYST)
    view = opened(slack, trigger)
    status, answer = submit(served, ANALYST, view, filled())
    assert status == 200 and answer["response_action"] == "update"  # a loading state at once
    valid(answer["view"])
    first = updated(slack, view["id"])
    shown = all_text(first)
    assert "*60 people* on the list" in shown and "Page 1 of 3" in shown and "P00" in shown
    row = served.audit()[-1]
    assert (row.actor, row.action, row.outcome, row.reason, row.returned) == (
        ANALYST,
        "repeats.list",
        "shown",
        REASON,
        25,
    )
    assert row.command.startswith("/repeats (form) mental-health 2024-10 by=person")
    buttons = [e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["modal_repeats_next_page"]
    assert press(served, ANALYST, view["id"], buttons[0]) == 200
    second = all_text(updated(slack, view["id"], 2))
    assert "Page 2 of 3" in second and "P25" in second and "P00" not in second
    page = served.audit()[-1]
    assert (page.actor, page.action, page.outcome, page.reason) == (ANALYST, "repeats.page", "shown", REASON)


def test_someone_else_cannot_page_a_list_shown_to_an_analyst(served, slack):
    _, _, trigger = command_with_trigger(served, slack, ANALYST)
    view = opened(slack, trigger)
    submit(served, ANALYST, view, filled())
    first = updated(slack, view["id"])
    button = next(e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"])
    press(served, ADMIN, view["id"], button)
    assert "That list has expired" in all_text(updated(slack, view["id"], 2))


@pytest.mark.parametrize(
    ("payload", "callback"),
    [
        ({"type": "shortcut", "callback_id": "strand_statistics"}, "strand_statistics"),
        (
            {
                "type": "message_action",
                "callback_id": "strand_statistics_message",
                "channel": {"id": "C0STANDIN"},
                "message": {"ts": "1.2", "text": "in a thread"},
                "response_url": "https://hooks.slack.com/app/T/1/x",
            },
            "strand_statistics_message",
        ),
    ],
)
def test_the_shortcuts_open_a_form_and_answer_with_the_strands_statistics(served, slack, payload, callback):
    trigger = uuid.uuid4().hex
    status, _ = served.app.interact({**payload, "trigger_id": trigger, "user": {"id": ANALYST, "team_id": "T0STANDIN"}})
    assert status == 200
    view = opened(slack, trigger)
    assert view["callback_id"] == "statistics_form" and view["title"]["text"] == "Strand statistics"
    chosen = state(strand={"type": "external_select", "selected_option": {"value": "mental-health"}})
    status, answer = submit(served, ANALYST, view, chosen)
    assert status == 200 and answer["response_action"] == "update"
    shown = updated(slack, view["id"])
    assert shown["blocks"][0]["text"]["text"] == "Mental health"
    assert "Financial year to date" in all_text(shown) or "FY" in all_text(shown)
    assert not any(b["type"] == "actions" for b in shown["blocks"])  # no buttons needing a response URL


def test_the_statistics_form_without_a_strand_asks_for_one_on_the_field(served, slack):
    trigger = uuid.uuid4().hex
    served.app.interact(
        {"type": "shortcut", "callback_id": "strand_statistics", "trigger_id": trigger, "user": {"id": OFFICER}}
    )
    view = opened(slack, trigger)
    status, answer = submit(served, OFFICER, view, state(strand={"type": "external_select", "selected_option": None}))
    assert status == 200 and answer["response_action"] == "errors" and list(answer["errors"]) == ["strand"]


def test_the_stand_in_refuses_views_as_slack_would(slack):
    client = WebClient(token="xoxb-stand-in-token", base_url=slack.api_url)
    form = repeats_form()
    too_long = {**form, "title": {"type": "plain_text", "text": "A title longer than 24 chars"}}
    too_many = {**form, "blocks": form["blocks"] * 17}
    home = {"type": "home", "blocks": form["blocks"][:1]}
    for call, problem in (
        (lambda: client.views_open(trigger_id="", view=form), "trigger_id is required"),
        (lambda: client.views_open(trigger_id="t", view=too_long), "title must be between 1 and 24 characters"),
        (lambda: client.views_open(trigger_id="t", view=too_many), "between 1 and 100 blocks"),
        (lambda: client.views_open(trigger_id="t", view=home), "view.type must be modal"),
        (lambda: client.views_publish(user_id="U1", view=form), "view.type must be home"),
        (lambda: client.views_open(trigger_id="t", view={**form, "submit": None}), "needs a submit button"),
    ):
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == "invalid_arguments"
        assert any(problem in message for message in refused.value.response["response_metadata"]["messages"])
    with pytest.raises(SlackApiError) as refused:
        client.views_update(view_id="V-NOBODY", view=form)
    assert refused.value.response["error"] == "not_found"
