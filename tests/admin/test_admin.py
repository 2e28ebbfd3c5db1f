"""What admins change from Slack: roles and repeat-contact rules, each checked, applied whole and audited."""

import json
import re
from datetime import UTC, datetime

import pytest
from conftest import settings_for

from bot.admin.access import NotAllowed, Role, role_of
from bot.admin.dispatch import HANDLERS, perform
from bot.admin.roles import RoleChange, RoleList, RuleChange, RuleList
from bot.admin.verbs import AUDITED_AS
from bot.audit.log import Actor, review
from bot.errors import InvalidRequest, UnknownStrand
from bot.slack.commands import parse_admin_command
from bot.store.harm import add_weight_set

ADMIN = Actor("U0ADMIN", team="T0FORCE", channel="C0ADMIN")


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, STRANDBOT_ADMINS="U0ADMIN")


def admin(database, settings, text: str, actor: Actor = ADMIN):
    return perform(database, settings, actor, parse_admin_command(text))


def test_an_admin_gives_a_role_and_it_is_recorded(database, settings):
    change = admin(database, settings, "role <@U0ALEX|alex> analyst")
    assert change == RoleChange("U0ALEX", Role.OFFICER, Role.ANALYST)
    assert role_of(database, settings, "U0ALEX") == Role.ANALYST
    row = review(database, settings)[-1]
    assert (row.actor, row.action, row.outcome, row.command) == (
        "U0ADMIN",
        "role.change",
        "changed",
        "/strand-admin role <@U0ALEX|alex> analyst",
    )
    assert json.loads(row.parameters) == {"user": "U0ALEX", "before": "officer", "after": "analyst"}


def test_none_takes_a_role_away(database, settings):
    admin(database, settings, "role U0ALEX supervisor")
    assert admin(database, settings, "role U0ALEX none") == RoleChange("U0ALEX", Role.SUPERVISOR, Role.OFFICER)
    assert role_of(database, settings, "U0ALEX") == Role.OFFICER


def test_roles_lists_the_settings_admins_then_everyone_given_a_role(database, settings):
    admin(database, settings, "role U0ALEX analyst")
    admin(database, settings, "role U0SAM admin")
    listed = admin(database, settings, "roles")
    assert isinstance(listed, RoleList)
    assert [(h.user, h.role) for h in listed.holders] == [
        ("U0ADMIN", Role.ADMIN),
        ("U0SAM", Role.ADMIN),
        ("U0ALEX", Role.ANALYST),
    ]


def test_a_new_admin_can_give_roles_too(database, settings):
    admin(database, settings, "role U0SAM admin")
    admin(database, settings, "role U0ALEX analyst", Actor("U0SAM"))
    assert role_of(database, settings, "U0ALEX") == Role.ANALYST


def test_anyone_else_is_refused_and_the_refusal_recorded(database, settings):
    admin(database, settings, "role U0ALEX supervisor")
    with pytest.raises(NotAllowed, match="only admins"):
        admin(database, settings, "role U0ALEX admin", Actor("U0ALEX"))
    assert role_of(database, settings, "U0ALEX") == Role.SUPERVISOR
    row = review(database, settings)[-1]
    assert (row.actor, row.action, row.outcome) == ("U0ALEX", "role.change", "refused")


def test_a_command_nobody_understands_is_recorded_as_refused_for_non_admins(database, settings):
    with pytest.raises(NotAllowed):
        admin(database, settings, "role @bob", Actor("U0OFFICER"))
    row = review(database, settings)[-1]
    assert (row.actor, row.action, row.outcome, row.command) == (
        "U0OFFICER",
        "admin.invalid",
        "refused",
        "/strand-admin role @bob",
    )
    with pytest.raises(InvalidRequest, match="Give a person and a role"):
        admin(database, settings, "role @bob")


def test_giving_someone_the_role_they_have_changes_and_records_nothing(database, settings):
    admin(database, settings, "role U0ALEX analyst")
    rows = len(review(database, settings))
    assert admin(database, settings, "role U0ALEX analyst") == RoleChange("U0ALEX", Role.ANALYST, Role.ANALYST)
    assert len(review(database, settings)) == rows


def test_the_settings_admins_cannot_be_changed_from_slack(database, settings):
    with pytest.raises(InvalidRequest, match="STRANDBOT_ADMINS"):
        admin(database, settings, "role U0ADMIN none")
    assert role_of(database, settings, "U0ADMIN") == Role.ADMIN


def test_an_unknown_role_is_refused_and_changes_nothing(database, settings):
    with pytest.raises(InvalidRequest, match="“boss” is not a role"):
        admin(database, settings, "role U0ALEX boss")
    assert role_of(database, settings, "U0ALEX") == Role.OFFICER
    assert review(database, settings) == []


def rules(database, settings) -> dict[str, tuple[int, str, str]]:
    listed = admin(database, settings, "repeats")
    assert isinstance(listed, RuleList)
    return {r.slug: (r.rule.min_occurrences, r.rule.period, r.rule.scope) for r in listed.rules}


def test_shipped_rules_follow_domain_md(database, settings):
    shown = rules(database, settings)
    assert shown["mental-health"] == (3, "last-month", "mental-health")
    assert shown["hate-crime"] == (2, "12m", "hate-crime")
    assert shown["domestic-abuse"] == (2, "12m", "domestic-abuse")
    assert shown["prevent"] == (2, "last-month", "*")


def test_a_strands_rule_changes_and_its_sub_strands_follow(database, settings):
    change = admin(database, settings, "repeats child protection min=4 period=30d")
    assert isinstance(change, RuleChange)
    assert (change.before.min_occurrences, change.after.min_occurrences, change.after.period) == (2, 4, "30d")
    assert rules(database, settings)["cse"] == (4, "30d", "child-protection")
    row = review(database, settings)[-1]
    assert (row.action, json.loads(row.parameters)["after"]) == ("repeats.rule", {"min": 4, "period": "30d"})


def test_setting_the_rule_a_strand_already_has_changes_and_records_nothing(database, settings):
    change = admin(database, settings, "repeats hate crime 12m min=2")
    assert change.before == change.after
    assert review(database, settings) == []


def test_reset_returns_a_strand_to_its_shipped_rule(database, settings):
    admin(database, settings, "repeats mental-health min=5")
    assert rules(database, settings)["mental-health"][0] == 5
    admin(database, settings, "repeats reset mh")
    assert rules(database, settings)["mental-health"] == (3, "last-month", "mental-health")


def test_the_force_default_can_change_without_touching_strands_with_their_own(database, settings):
    admin(database, settings, "repeats default min=3 period=month")
    shown = rules(database, settings)
    assert shown["prevent"] == (3, "last-month", "*")
    assert shown["hate-crime"] == (2, "12m", "hate-crime")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("repeats hate-crime min=1", "min=1 is out of range"),
        ("repeats hate-crime min=x", "min=x is not a whole number"),
        ("repeats hate-crime min=", "min= is not a whole number"),
        ("repeats hate-crime period=2024-10", "can't be a rule's period"),
        ("repeats hate-crime period=999m", "out of range"),
        ("repeats hate-crime", "Say what to change"),
        ("repeats reset prevent", "nothing to reset"),
        ("repeats hate-crme min=3", "Did you mean `hate-crime`"),
    ],
)
def test_bad_rule_changes_are_refused_and_change_nothing(database, settings, text, error):
    with pytest.raises((InvalidRequest, UnknownStrand), match=error):
        admin(database, settings, text)
    assert rules(database, settings)["hate-crime"] == (2, "12m", "hate-crime")
    assert [r for r in review(database, settings) if r.action == "repeats.rule"] == []


# Weekly alerts: every change checked, with a reply that says what would do.


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("threshold hate-crme 15%", "Did you mean `hate-crime`?"),
        ("threshold hate-crime 150%", "runs from 0.1% to 100%"),
        ("threshold hate-crime -5%", "negative"),
        ("threshold hate-crime min=x", "min=x is not a whole number"),
        ("threshold hate-crime direction=sideways", "direction=sideways is not one of up, down, either"),
        ("threshold hate-crime colour=red", "“colour=red” is not an option here"),
        ("threshold hate-crime measure=weight", "measure=weight is not one of count, harm"),
        ("threshold hate-crime", "Say what to change"),
        ("subscribe #safeguarding hate-crime", "type # and pick the channel from the list"),
        ("subscribe <#C0SAFE|safeguarding>", "Which strands?"),
        ("schedule weekly mon 8pm", "neither a day nor a time"),
        ("quiet-weeks maybe", "`quiet-weeks on`"),
        ("backtest default 15%", "one strand at a time"),
    ],
)
def test_a_wrong_alert_setting_is_refused_with_what_would_do(database, settings, typed, message):
    with pytest.raises((InvalidRequest, UnknownStrand), match=message):
        admin(database, settings, typed)
    assert all(row.outcome != "changed" for row in review(database, settings))


@pytest.mark.parametrize(
    "typed",
    [
        "threshold hate-crime 1e5%",
        "threshold hate-crime nan%",
        "threshold hate-crime inf%",
        "threshold hate-crime ٥%",  # an Arabic-Indic five: Python's float() would take it as 5
        "threshold hate-crime .5%",
        "backtest hate-crime 1e5%",
    ],
)
def test_a_percentage_not_in_ascii_decimals_is_refused_naming_it_and_nothing_is_stored(database, settings, typed):
    percent = typed.split()[-1]
    with pytest.raises(InvalidRequest, match=f"“{re.escape(percent)}” is not a percentage") as refused:
        admin(database, settings, typed)
    assert "strand" not in str(refused.value)  # the percentage is blamed, not the strand's name
    assert all(row.outcome != "changed" for row in review(database, settings))
    assert admin(database, settings, "thresholds").thresholds[0].threshold.percent == 10.0


def test_a_threshold_change_is_recorded_with_before_and_after_and_a_repeat_is_not(database, settings):
    change = admin(database, settings, "threshold hate crime 15% direction=up")
    assert (change.after.percent, change.after.direction) == (15.0, "up")
    admin(database, settings, "threshold hate-crime 15%")  # already so
    [row] = [r for r in review(database, settings) if r.action == "threshold.change"]
    assert json.loads(row.parameters)["before"]["percent"] == 10.0
    assert json.loads(row.parameters)["after"] == {
        "percent": 15.0,
        "comparisons": ["7d", "28d", "fytd", "rolling12"],
        "direction": "up",
        "min_volume": 10,
        "significance": "hold",
        "measure": "count",
        "remind_weeks": 4,
        "breaks": "mark",
        "early_weeks": 8,
    }


def test_an_officer_is_refused_every_alert_command_and_each_refusal_recorded(database, settings):
    officer = Actor("U0OFFICER")
    for typed in ("subscriptions", "preview", "history", "threshold default 5%"):
        with pytest.raises(NotAllowed):
            admin(database, settings, typed, officer)
    assert [r.outcome for r in review(database, settings, user="U0OFFICER")] == ["refused"] * 4


def test_a_strand_pinned_at_the_default_value_keeps_it_when_the_default_changes(database, settings):
    assert admin(database, settings, "threshold hate-crime 10%").changed
    admin(database, settings, "threshold default 15%")
    listed = {entry.slug: entry.threshold for entry in admin(database, settings, "threshold show").thresholds}
    assert (listed["hate-crime"].percent, listed["mental-health"].percent) == (10.0, 15.0)


def test_a_threshold_on_harm_is_inherited_listed_and_reset_part_by_part(database, settings):
    admin(database, settings, "threshold default measure=harm")
    admin(database, settings, "threshold hate-race measure=count")

    def measures() -> dict[str, tuple[str, bool]]:
        listed = admin(database, settings, "thresholds").thresholds
        return {e.slug: (e.threshold.measure, "measure" in e.threshold.own) for e in listed}

    shown = measures()
    assert (shown["*"], shown["hate-crime"], shown["hate-religion"]) == (
        ("harm", True),
        ("harm", False),
        ("harm", False),
    )
    assert shown["hate-race"] == ("count", True)
    assert admin(database, settings, "threshold reset hate-race").after.measure == "harm"
    admin(database, settings, "threshold reset default")
    assert set(measures().values()) == {("count", False)}


def test_a_threshold_on_harm_is_accepted_before_weights_are_loaded_and_says_so(database, settings):
    change = admin(database, settings, "threshold hate-crime 15% measure=harm")
    assert change.changed and change.weights_missing
    assert admin(database, settings, "thresholds").weights_missing
    with database.session() as session:
        add_weight_set(session, "Test index", "index.csv", "0" * 64, "U0ADMIN", datetime.now(UTC), [])
    assert not admin(database, settings, "threshold hate-crime measure=harm").weights_missing
    assert not admin(database, settings, "thresholds").weights_missing


def test_every_admin_action_the_parser_can_produce_has_a_handler_and_an_audit_name():
    assert set(HANDLERS) == set(AUDITED_AS)
