"""App Home end to end: `app_home_opened` events and presses on the Home tab, signed as Slack signs them and
dispatched to the Bolt app in process; the stand-in checks every view published as Slack would and keeps it.
Every view is validated again here with slack_sdk's models."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import all_text, local, settings_for, stocked_database
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.imports.load import import_file
from bot.slack.home import refresh_stale_homes
from bot.slack.listeners.shortcuts import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT
from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp, ServedApp
from bot.store.db import Database
from bot.store.home import store_home_area

SECRET = "5c1e0d7f3b2a49c8a7d6e5f4c3b2a190"
ADMIN = "U0HOMEADMIN"
TODAY = datetime.now(UTC).date()

# Hate crime and domestic abuse over the last three years, in two areas; enough months for a trend chart.
OCCURRENCES = [
    (strand, local((TODAY - timedelta(days=day)).isoformat()), (), area)
    for day in range(2, 3 * 365, 9)
    for strand, area in (("hate-race", "north"), ("domestic-abuse", "south"))
]
AREA_CATALOGUE = [CatalogueEntry("north", "North Sector"), CatalogueEntry("south", "South Sector")]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    def prepare(database: Database, url) -> None:
        update_catalogue(database, settings_for(url), AREA_CATALOGUE, AREAS)

    with stocked_database(request, request.param, OCCURRENCES, prepare) as url:
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        app.url = url
        yield app
        app.stop()


def someone() -> str:
    """A person nobody else in the module is: each test's Home tab starts empty."""
    return "U" + uuid.uuid4().hex[:10].upper()


def valid(view: dict) -> dict:
    """`view` as Slack takes it: slack_sdk's models check the type, the limits and every block."""
    View(**{k: v for k, v in view.items() if k not in ("id", "team_id", "app_id", "bot_id", "hash")}).validate_json()
    return view


def published(slack: SlackStandIn, user: str, count: int = 1) -> list[dict]:
    """The first `count` views published to `user`'s Home tab, waiting for them."""
    slack.wait_for(lambda r: len([c for c in slack.calls("views.publish") if c.body["user_id"] == user]) >= count)
    return [valid(c.body["view"]) for c in slack.calls("views.publish") if c.body["user_id"] == user]


def open_home(app: DispatchedApp, user: str, seen_before: bool = True) -> int:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"}
    if seen_before:
        event["view"] = {"id": "V0EARLIER", "type": "home"}
    status, _ = app.event(event)
    return status


def choose(app: DispatchedApp, user: str, action_id: str, value: str, kind: str = "external_select") -> int:
    """A choice from a menu, or (`kind` "button") a press, on `user`'s Home tab."""
    action = {"type": kind, "action_id": action_id, "block_id": "b", "action_ts": "1"}
    action |= {"value": value} if kind == "button" else {"selected_option": {"value": value}}
    status, _ = app.interact(
        {
            "type": "block_actions",
            "user": {"id": user, "team_id": "T0STANDIN"},
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home", "blocks": []},
            "trigger_id": "1.2.3",
            "actions": [action],
        }
    )
    return status


def suggest(app: DispatchedApp, action_id: str, typed: str) -> dict:
    status, answer = app.interact(
        {
            "type": "block_suggestion",
            "user": {"id": someone(), "team_id": "T0STANDIN"},
            "action_id": action_id,
            "block_id": "b",
            "value": typed,
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home"},
        }
    )
    assert status == 200
    return answer


def test_a_first_visit_shows_a_loading_state_then_a_dashboard_with_a_way_to_follow_strands(served, slack):
    user = someone()
    assert open_home(served, user, seen_before=False) == 200
    loading, home = published(slack, user, 2)[:2]
    assert loading["type"] == "home" and "Working out your figures" in all_text(loading)
    assert "You follow no strands yet" in all_text(home)
    menus = [e["action_id"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert menus == ["home_follow", "home_area"]
    assert "Weekly alerts" not in all_text(home)  # an officer's Home has no admin part
    assert "Open a list" not in all_text(home)  # nor the repeat-contact form


def test_following_a_strand_shows_it_at_a_glance_and_is_kept(served, slack):
    user = someone()
    assert choose(served, user, "home_follow", "hate-crime") == 200
    home = published(slack, user)[-1]
    text = all_text(home)
    assert "*Hate crime* `hate-crime`" in text
    assert "FYTD " in text and "R12 " in text and any(arrow in text for arrow in "↑↓●")
    assert any(colour in text for colour in (":red_circle:", ":large_orange_circle:", ":large_green_circle:"))
    assert open_home(served, user) == 200  # opened again: the follow was stored
    assert "*Hate crime* `hate-crime`" in all_text(published(slack, user, 2)[-1])


def test_unfollowing_removes_the_strand(served, slack):
    user = someone()
    choose(served, user, "home_follow", "domestic-abuse")
    published(slack, user)
    choose(served, user, "home_unfollow", "domestic-abuse", kind="button")
    home = published(slack, user, 2)[-1]
    assert "domestic-abuse" not in all_text(home) and "You follow no strands yet" in all_text(home)


def test_following_an_unknown_strand_says_so_in_direct_messages_and_stores_nothing(served, slack):
    user = someone()
    choose(served, user, "home_follow", "no-such-strand")
    home = published(slack, user)[-1]
    assert "You follow no strands yet" in all_text(home)
    direct = "D" + user.removeprefix("U")
    slack.wait_for(lambda r: r.api_method == "chat.postMessage" and r.body.get("channel") == direct)
    assert "no-such-strand" in slack.posted(direct)[-1]["text"]


def test_choosing_an_area_shows_the_strands_in_that_area(served, slack):
    user = someone()
    choose(served, user, "home_follow", "hate-crime")
    published(slack, user)
    choose(served, user, "home_area", "north")
    home = published(slack, user, 2)[-1]
    assert home["blocks"][0]["text"]["text"] == "Your strands in North Sector"
    choose(served, user, "home_area", "*")
    assert published(slack, user, 3)[-1]["blocks"][0]["text"]["text"] == "Your strands"


def test_an_area_gone_from_the_catalogue_shows_the_whole_force(served, slack):
    user = someone()
    with served.services.database.session() as session:
        store_home_area(session, user, "gone")
    open_home(served, user)
    assert published(slack, user)[-1]["blocks"][0]["text"]["text"] == "Your strands"


def test_a_chart_drawn_from_the_home_tab_is_shown_there_from_the_file_slack_keeps(served, slack):
    user = someone()
    choose(served, user, "home_follow", "hate-crime")
    published(slack, user)
    before = len(slack.uploads())
    choose(served, user, "home_chart", "hate-crime", kind="static_select")
    home = published(slack, user, 2)[-1]
    upload = next(u for u in slack.uploads()[before:] if u.channel == "D" + user.removeprefix("U"))
    images = [b for b in home["blocks"] if b["type"] == "image"]
    assert len(images) == 1
    assert images[0]["slack_file"]["url"].endswith(upload.file_id)
    assert images[0]["alt_text"] == upload.alt_text


def test_an_admin_sees_the_schedule_the_next_run_and_the_last_digests(served, slack):
    before = slack.publish_count(ADMIN)  # the stand-in serves both backends' apps
    assert open_home(served, ADMIN) == 200
    text = all_text(published(slack, ADMIN, before + 1)[-1])
    assert "Weekly alerts (admins)" in text
    assert "The digest runs weekly on Monday at 08:00" in text and "Next runs" in text
    assert "No runs yet." in text and "No digests have been sent yet." in text
    assert "Open a list" in text  # admins may read repeat-contact lists


def test_strand_menus_type_ahead_from_what_was_typed(served, slack):
    answer = suggest(served, "home_follow", "hate")
    values = [o["value"] for o in answer["options"]]
    assert values[0] == "hate-crime" and "hate-race" in values and "domestic-abuse" not in values
    assert [o["value"] for o in suggest(served, "strand_choice", "msht")["options"]] == ["modern-slavery"]
    assert len(suggest(served, "strand_choice", "")["options"]) <= 100


def test_the_home_area_menu_offers_the_whole_force_first(served, slack):
    assert [o["value"] for o in suggest(served, "home_area", "")["options"]] == ["*", "north", "south"]
    assert [o["value"] for o in suggest(served, "area_choice", "sou")["options"]] == ["south"]


def test_an_import_marks_published_homes_stale_and_the_refresh_publishes_them_again(served, slack, tmp_path):
    user = someone()
    open_home(served, user)
    published(slack, user)
    database, settings = served.services.database, served.services.settings
    export = tmp_path / "export.csv"
    export.write_text(
        f"occurrence_id,occurred_at,strand\nHOME-1,{(TODAY - timedelta(days=3)).isoformat()} 10:00,hate crime\n",
        encoding="utf-8",
    )
    import_file(database, settings, export, "tester")
    client = WebClient(token="xoxb-stand-in-token", base_url=slack.api_url)
    assert refresh_stale_homes(database, settings, client) >= 1
    assert len(published(slack, user, 2)) == 2
    assert refresh_stale_homes(database, settings, client) == 0  # fresh again: nothing to publish


ROOT = Path(__file__).resolve().parents[2]


def test_the_manifest_declares_the_home_tab_its_event_and_the_shortcuts():
    manifest = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+home_tab_enabled: true$", manifest, re.MULTILINE)
    assert re.search(r"^\s+bot_events:\n\s+- app_home_opened$", manifest, re.MULTILINE)
    for callback_id in (GLOBAL_SHORTCUT, MESSAGE_SHORTCUT):
        assert re.search(rf"^\s+callback_id: {callback_id}$", manifest, re.MULTILINE), callback_id


def test_every_scope_in_the_manifest_is_explained_in_the_readme():
    manifest = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")
    bot_scopes = manifest.split("    bot:\n", 1)[1].split("\nsettings:", 1)[0]
    scopes = re.findall(r"^\s+- ([a-z:.]+)$", bot_scopes, re.MULTILINE)
    assert "commands" in scopes and "files:write" in scopes
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    explained = readme.split("### Permissions (scopes)", 1)[1].split("\n#", 1)[0]
    assert sorted(re.findall(r"^- `([a-z:.]+)`: ", explained, re.MULTILINE)) == sorted(scopes)


def test_strandbot_serve_publishes_the_home_tab_over_http(sqlite_url, slack):
    served = ServedApp(sqlite_url.render_as_string(), slack, SECRET)
    try:
        user = someone()
        status, _ = served.event({"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1.0"})
        assert status == 200
        home = published(slack, user, 2)[-1]
        assert "You follow no strands yet" in all_text(home)
    finally:
        served.stop()
