"""`/strand-admin`'s forms end to end: opened from `/strand-admin` with nothing typed (a chooser, the form pushed
over it) or from an admin's Home tab, submitted as signed `view_submission`s, carried out by the same code as
the typed commands (and audited the same), and refused on the field a bad value was given in."""

from __future__ import annotations

import uuid

import pytest
from conftest import Served, all_text, stocked_database
from slack_sdk.models.views import View

from bot.slack.standin import SlackStandIn, signed_command
from bot.slack.testing import DispatchedApp

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ADMIN, OFFICER = "U0FADMIN", "U0FOFFICER"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    with stocked_database(request, request.param, []) as url:
        app = DispatchedApp(
            url.render_as_string(hide_password=False),
            slack,
            SECRET,
            environment={"STRANDBOT_ADMINS": f"{ADMIN},U0FADMIN2"},
        )
        yield Served(app, url)
        app.stop()


def valid(view: dict) -> dict:
    kept_by_slack = ("id", "team_id", "app_id", "bot_id", "hash", "state")
    View(**{k: v for k, v in view.items() if k not in kept_by_slack}).validate_json()
    return view


def strand_admin(served: Served, slack: SlackStandIn, user: str) -> dict:
    """`/strand-admin` with nothing typed, from `user`: the view it opened."""
    trigger = uuid.uuid4().hex
    body, headers = signed_command(SECRET, "/strand-admin", "", user, slack.response_url(), trigger_id=trigger)
    status, answer = served.app.post(body, headers)
    assert status == 200 and answer == ""
    return valid(slack.opened_with(trigger))


def press(served: Served, slack: SlackStandIn, user: str, button: dict, view: dict) -> dict:
    """Press `button` in `view` (a modal, or a Home tab): the view it opened or pushed."""
    trigger = uuid.uuid4().hex
    status, _ = served.app.interact(
        {
            "type": "block_actions",
            "user": {"id": user, "team_id": "T0STANDIN"},
            "container": {"type": "view", "view_id": view["id"]},
            "view": view,
            "trigger_id": trigger,
            "actions": [{**button, "block_id": "b", "action_ts": "1"}],
        }
    )
    assert status == 200
    return valid(slack.opened_with(trigger))


def form(served: Served, slack: SlackStandIn, name: str) -> dict:
    chooser = strand_admin(served, slack, ADMIN)
    button = next(e for b in chooser["blocks"] if b["type"] == "actions" for e in b["elements"] if e["value"] == name)
    return press(served, slack, ADMIN, button, chooser)


def submit(served: Served, who: str, view: dict, **fields: dict) -> dict:
    values = {block: {block: element} for block, element in fields.items()}
    status, answer = served.app.interact(
        {
            "type": "view_submission",
            "user": {"id": who, "team_id": "T0STANDIN"},
            "trigger_id": uuid.uuid4().hex,
            "view": {**view, "state": {"values": values}},
        }
    )
    assert status == 200
    return answer


def text(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def chosen(value: str | None, kind: str = "static_select") -> dict:
    return {"type": kind, "selected_option": None if value is None else {"value": value}}


def test_strand_admin_with_nothing_typed_offers_the_forms(served, slack):
    chooser = strand_admin(served, slack, ADMIN)
    buttons = [e["value"] for b in chooser["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["thresholds", "subscriptions", "schedule", "roles"]


def test_anyone_but_an_admin_is_refused_and_recorded(served, slack):
    view = strand_admin(served, slack, OFFICER)
    assert "only admins can do that" in all_text(view) and not any(b["type"] == "input" for b in view["blocks"])
    row = served.audit()[-1]
    assert (row.actor, row.action, row.outcome) == (OFFICER, "admin.help", "refused")


def test_a_threshold_set_by_form_is_audited_as_the_typed_command(served, slack):
    view = form(served, slack, "thresholds")
    assert slack.calls("views.push")  # over the chooser
    answer = submit(
        served,
        ADMIN,
        view,
        strand=chosen("hate-crime", "external_select"),
        percent=text("15 %"),
        window={"type": "checkboxes", "selected_options": [{"value": "fytd"}, {"value": "rolling12"}]},
        direction=chosen("up"),
        min=text(None),
        significance=chosen(None),
        measure=chosen(None),
    )
    assert answer["response_action"] == "update"
    assert "15%" in all_text(valid(answer["view"]))
    row = served.audit()[-1]
    assert (row.actor, row.action, row.outcome) == (ADMIN, "threshold.change", "changed")
    assert row.command == "/strand-admin threshold hate-crime 15% window=fytd,rolling12 direction=up"


@pytest.mark.parametrize(("percent", "minimum", "field"), [("abc%", None, "percent"), ("15%", "lots", "min")])
def test_a_bad_threshold_is_refused_on_its_field_and_nothing_is_saved(served, slack, percent, minimum, field):
    view = form(served, slack, "thresholds")
    before = len(served.audit())
    answer = submit(
        served, ADMIN, view, strand=chosen(None, "external_select"), percent=text(percent), min=text(minimum)
    )
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [field], answer
    assert len(served.audit()) == before


def test_a_role_given_by_form_and_an_impossible_one_refused_on_the_person(served, slack):
    person = "U" + uuid.uuid4().hex[:8].upper()
    view = form(served, slack, "roles")
    answer = submit(served, ADMIN, view, user={"type": "users_select", "selected_user": person}, role=chosen("analyst"))
    assert f"<@{person}> is now an analyst" in all_text(answer["view"])
    answer = submit(served, ADMIN, view, user={"type": "users_select", "selected_user": ADMIN}, role=chosen("analyst"))
    assert answer["response_action"] == "errors" and "STRANDBOT_ADMINS" in answer["errors"]["user"]


def test_the_schedule_form_starts_from_the_schedule_and_changes_it(served, slack):
    view = form(served, slack, "schedule")
    initial = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert initial["day"]["initial_option"]["value"] == "mon" and initial["time"]["initial_time"] == "08:00"
    answer = submit(
        served,
        ADMIN,
        view,
        day=chosen("tue"),
        time={"type": "timepicker", "selected_time": "09:30"},
        state=chosen("pause"),
        quiet=chosen("on"),
    )
    shown = all_text(answer["view"])
    assert "weekly on Tuesday at 09:30" in shown and "paused" in shown
    assert [r.action for r in served.audit()[-2:]] == ["schedule.change", "schedule.change"]


def test_a_subscription_by_form_and_an_unknown_strand_refused_on_the_strands(served, slack):
    channel = "C" + uuid.uuid4().hex[:8].upper()
    view = form(served, slack, "subscriptions")
    picked = {"type": "conversations_select", "selected_conversation": channel}
    answer = submit(served, ADMIN, view, channel=picked, change=chosen("subscribe"), strands=text("hate-crime"))
    assert answer["response_action"] == "update" and channel in all_text(answer["view"])
    assert served.audit()[-1].command == f"/strand-admin subscribe <#{channel}> hate-crime"
    answer = submit(served, ADMIN, view, channel=picked, change=chosen("subscribe"), strands=text("nonsensical"))
    assert answer["response_action"] == "errors" and "nonsensical" in answer["errors"]["strands"]


def test_an_admins_home_tab_opens_the_forms(served, slack):
    admin = "U0FADMIN2"  # in STRANDBOT_ADMINS, and nobody else's Home tab in this module
    before = slack.publish_count(admin)  # the stand-in serves both backends' apps
    served.app.event({"type": "app_home_opened", "user": admin, "tab": "home", "view": {"id": "V0"}})
    home = slack.home(admin, publishes=before + 1)
    button = next(
        e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"] if e.get("value") == "roles"
    )
    view = press(served, slack, admin, button, home)
    assert view["callback_id"] == "admin_form_roles"
