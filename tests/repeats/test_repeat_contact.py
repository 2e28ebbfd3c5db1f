"""Repeat-contact lists from a real database, with hand-built occurrences whose answer is known."""

import json
from datetime import date, datetime, timedelta

import pytest
from conftest import LONDON, local, settings_for, store
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.admin.access import NotAllowed
from bot.admin.dispatch import perform
from bot.admin.request import AdminRequest
from bot.audit.log import Actor, review
from bot.errors import InvalidRequest, UnknownStrand
from bot.repeats.request import RepeatRequest
from bot.repeats.service import RepeatTrend, TrendMonth, repeat_list, repeat_list_page, repeat_trend

ADMIN = Actor("U0ADMIN", team="T0FORCE", channel="C0ADMIN")
ANALYST = Actor("U0ANALYST", team="T0FORCE", channel="C0MH")
OFFICER = Actor("U0OFFICER", team="T0FORCE", channel="C0MH")
REASON = "MARAC preparation, 14 Nov"


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, STRANDBOT_ADMINS="U0ADMIN")


@pytest.fixture
def analyst(database, settings) -> Actor:
    perform(
        database, settings, ADMIN, AdminRequest("/strand-admin role U0ANALYST analyst", "role", "U0ANALYST", "analyst")
    )
    return ANALYST


def seen(slug: str, day: str, clock: str = "12:00", *links: tuple[str, str, str]) -> tuple:
    return (slug, local(day, clock), list(links))


def person(ref: str, role: str = "subject") -> tuple[str, str, str]:
    return ("person", ref, role)


def ask(database, settings, actor, command: str = "", **fields) -> object:
    request = RepeatRequest(command=command or f"/repeats {fields}", reason=fields.pop("reason", REASON), **fields)
    return repeat_list(database, settings, request, actor)


def refs(listed) -> dict[str, int]:
    return {e.ref: e.occurrences for e in listed.entries}


def test_three_in_the_month_is_on_the_list_and_two_is_not(database, settings, analyst):
    store(
        database,
        [seen("mental-health", f"2024-10-{d:02d}", "12:00", person("P-THREE")) for d in (3, 12, 25)]
        + [seen("mental-health", f"2024-10-{d:02d}", "12:00", person("P-TWO")) for d in (4, 20)],
    )
    listed = ask(database, settings, analyst, strand="mental health", period="2024-10")
    assert refs(listed) == {"P-THREE": 3}
    assert listed.query.min_occurrences == 3  # mental health's own rule
    assert (listed.people, listed.mean_occurrences) == (1, 3.0)


def test_three_spread_across_a_month_boundary_is_on_neither_months_list(database, settings, analyst):
    store(
        database,
        [seen("mental-health", day, "12:00", person("P-SPLIT")) for day in ("2024-10-30", "2024-10-31", "2024-11-01")],
    )
    assert refs(ask(database, settings, analyst, strand="mental-health", period="2024-10")) == {}
    assert refs(ask(database, settings, analyst, strand="mental-health", period="2024-11")) == {}


def test_an_occurrence_linking_a_person_twice_counts_once(database, settings, analyst):
    store(
        database,
        [
            seen("mental-health", "2024-10-02", "12:00", person("P-TWICE", "victim"), person("P-TWICE", "subject")),
            seen("mental-health", "2024-10-09", "12:00", person("P-TWICE")),
        ],
    )
    assert refs(ask(database, settings, analyst, strand="mental-health", period="2024-10")) == {}
    assert refs(ask(database, settings, analyst, strand="mental-health", period="2024-10", min_occurrences="2")) == {
        "P-TWICE": 2
    }


def test_the_role_filter_counts_only_occurrences_in_that_role(database, settings, analyst):
    store(
        database,
        [
            seen("hate-crime", "2024-10-02", "12:00", person("P-BOTH", "victim")),
            seen("hate-crime", "2024-10-09", "12:00", person("P-BOTH", "offender")),
            seen("hate-crime", "2024-10-10", "12:00", person("P-VICTIM", "victim")),
            seen("hate-crime", "2024-10-11", "12:00", person("P-VICTIM", "victim")),
        ],
    )
    anyone = ask(database, settings, analyst, strand="hate-crime", period="2024-10")
    victims = ask(database, settings, analyst, strand="hate-crime", period="2024-10", role="victim")
    offenders = ask(database, settings, analyst, strand="hate-crime", period="2024-10", role="offender")
    assert refs(anyone) == {"P-BOTH": 2, "P-VICTIM": 2}
    assert refs(victims) == {"P-VICTIM": 2}
    assert refs(offenders) == {}


def test_months_end_at_local_midnight_even_on_a_clock_change(database, settings, analyst):
    # London: 31 March 2024 is the day the clocks went forward. 23:30 BST on the 31st is 22:30 UTC (March);
    # 00:30 BST on 1 April is 23:30 UTC on 31 March, but belongs to April.
    store(
        database,
        [
            seen("mental-health", day, "12:00", person(ref))
            for ref in ("P-LATE", "P-EARLY")
            for day in ("2024-03-05", "2024-03-06")
        ]
        + [
            seen("mental-health", "2024-03-31", "23:30", person("P-LATE")),
            seen("mental-health", "2024-04-01", "00:30", person("P-EARLY")),
        ],
    )
    listed = ask(database, settings, analyst, strand="mental-health", period="2024-03")
    assert refs(listed) == {"P-LATE": 3}
    assert [(e.first.isoformat(), e.last.isoformat()) for e in listed.entries] == [("2024-03-05", "2024-03-31")]


def test_a_month_in_summer_time_starts_at_local_midnight_an_hour_before_utcs(database, settings, analyst):
    # 00:30 BST on 1 October 2024 is 23:30 UTC on 30 September: October's, not September's.
    store(
        database,
        [seen("mental-health", d, "12:00", person("P-BST")) for d in ("2024-10-10", "2024-10-20")]
        + [seen("mental-health", "2024-10-01", "00:30", person("P-BST"))],
    )
    october = ask(database, settings, analyst, strand="mental-health", period="2024-10")
    assert refs(october) == {"P-BST": 3}
    assert october.entries[0].first.isoformat() == "2024-10-01"


def test_a_rolling_window_uses_the_strands_rule_and_ends_on_the_date_given(database, settings, analyst):
    store(
        database,
        [
            seen("domestic-abuse", "2024-04-01", "12:00", person("P-DA", "victim")),
            seen("domestic-abuse", "2025-03-31", "12:00", person("P-DA", "victim")),
            seen("domestic-abuse", "2024-03-31", "12:00", person("P-OLD", "victim")),  # one day too early
            seen("domestic-abuse", "2025-01-01", "12:00", person("P-OLD", "victim")),
        ],
    )
    listed = ask(database, settings, analyst, strand="DA", as_of="2025-03-31")
    assert listed.query.period.text == "12m" and listed.query.min_occurrences == 2
    assert refs(listed) == {"P-DA": 2}


def test_a_parent_strand_counts_its_sub_strands_and_lists_other_strands(database, settings, analyst):
    store(
        database,
        [
            seen("cse", "2024-10-02", "12:00", person("P-CP")),
            seen("missing-children", "2024-10-03", "12:00", person("P-CP")),
            seen("mental-health", "2024-10-04", "12:00", person("P-CP")),
            seen("mental-health", "2023-10-04", "12:00", person("P-CP")),
        ],
    )
    listed = ask(database, settings, analyst, strand="child protection", period="2024-10")
    assert refs(listed) == {"P-CP": 2}
    assert listed.entries[0].other_strands == ("mental-health",)


def test_places_are_listed_by_location(database, settings, analyst):
    place = ("location", "L-PUB", "scene")
    store(database, [seen("hate-crime", f"2024-10-{d:02d}", "12:00", place, person(f"P{d}")) for d in (1, 2)])
    listed = ask(database, settings, analyst, strand="hate-crime", period="2024-10", by="location")
    assert refs(listed) == {"L-PUB": 2}


def test_the_list_is_compared_with_the_previous_period(database, settings, analyst):
    store(
        database,
        [seen("mental-health", f"2024-09-{d:02d}", "12:00", person(ref)) for ref in ("A", "B") for d in (1, 2, 3)]
        + [seen("mental-health", f"2024-10-{d:02d}", "12:00", person("A")) for d in (1, 2, 3, 4)],
    )
    listed = ask(database, settings, analyst, strand="mental-health", period="2024-10")
    assert (listed.change.current, listed.change.previous, listed.change.pct) == (1, 2, -50)
    assert listed.query.period.previous_label == "September 2024"


def test_the_list_is_recorded_in_the_audit_log_exactly(database, settings, analyst):
    store(database, [seen("mental-health", f"2024-10-{d:02d}", "12:00", person("P1")) for d in (1, 2, 3)])
    typed = '/repeats mental-health 2024-10 reason:"MARAC preparation, 14 Nov"'
    listed = ask(database, settings, analyst, command=typed, strand="mental-health", period="2024-10")
    row = review(database, settings)[-1]
    assert row.id == listed.list_id
    assert (row.via, row.actor, row.team, row.channel) == ("slack", "U0ANALYST", "T0FORCE", "C0MH")
    assert (row.action, row.outcome, row.command, row.reason, row.returned) == (
        "repeats.list",
        "shown",
        typed,
        REASON,
        1,
    )
    parameters = json.loads(row.parameters)
    assert parameters["strand"] == "mental-health" and parameters["min"] == 3
    assert (parameters["start"], parameters["end"], parameters["people"]) == ("2024-10-01", "2024-10-31", 1)


def test_an_officer_is_refused_and_the_refusal_recorded(database, settings):
    store(database, [seen("mental-health", f"2024-10-{d:02d}", "12:00", person("P1")) for d in (1, 2, 3)])
    with pytest.raises(NotAllowed, match="for analysts, supervisors and admins"):
        ask(database, settings, OFFICER, command="/repeats mental-health", strand="mental-health")
    row = review(database, settings)[-1]
    assert (row.actor, row.action, row.outcome, row.command, row.returned) == (
        "U0OFFICER",
        "repeats.list",
        "refused",
        "/repeats mental-health",
        None,
    )


def test_an_officer_is_refused_whatever_they_type(database, settings):
    with pytest.raises(NotAllowed):
        ask(database, settings, OFFICER, strand="no such strand", min_occurrences="abc", reason=None)
    assert review(database, settings)[-1].outcome == "refused"


def test_without_a_reason_nothing_is_shown_or_recorded(database, settings, analyst):
    before = len(review(database, settings))
    with pytest.raises(InvalidRequest, match="needs a reason"):
        ask(database, settings, analyst, strand="mental-health", reason=None)
    assert len(review(database, settings)) == before


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"strand": "mentl helth"}, UnknownStrand),
        ({"strand": "mental-health", "min_occurrences": "0"}, "min=0 is out of range"),
        ({"strand": "mental-health", "min_occurrences": "abc"}, "min=abc is not a whole number"),
        ({"strand": "mental-health", "min_occurrences": ""}, "min= is not a whole number"),
        ({"strand": "mental-health", "by": ""}, "by= is not known"),
        ({"strand": "mental-health", "period": "2999-01"}, "January 2999 is in the future"),
        ({"strand": "mental-health", "reason": "x" * 10_000}, "10,000 characters"),
        ({"strand": "mental-health", "reason": "x"}, "too short"),
        ({"strand": "mental-health", "by": "car"}, "by=car is not known"),
        ({"strand": "mental-health", "by": "location", "role": "victim"}, "places have no role"),
        ({"strand": "mental-health", "role": "bystander"}, "role=bystander is not known"),
        ({"strand": "mental-health", "unknown": ("mn=3",)}, "“mn=3” is not an option"),
        ({"strand": "mental-health 12 months"}, "`mental-health` is a strand, but “12 months” is not a period"),
        ({"strand": "mental-health trnd", "reason": None}, "“trnd” is not a period or option"),
    ],
)
def test_bad_requests_get_a_clear_answer_and_show_nothing(database, settings, analyst, fields, expected):
    before = len(review(database, settings))
    with pytest.raises(UnknownStrand if expected is UnknownStrand else InvalidRequest) as caught:
        ask(database, settings, analyst, **fields)
    if isinstance(expected, str):
        assert expected in str(caught.value)
    assert len(review(database, settings)) == before


def test_pages_follow_on_and_each_is_recorded(database, settings, analyst):
    store(
        database,
        [seen("mental-health", f"2024-10-{d:02d}", "12:00", person(f"P{n:02d}")) for n in range(7) for d in (1, 2, 3)],
    )
    request = RepeatRequest("/repeats mental-health 2024-10", "mental-health", "2024-10", reason=REASON)
    first = repeat_list(database, settings, request, analyst, page_size=3)
    assert (first.page, first.pages, first.people, len(first.entries)) == (1, 3, 7, 3)
    second = repeat_list_page(database, settings, first.list_id, 2, analyst, page_size=3)
    third = repeat_list_page(database, settings, second.list_id, 3, analyst, page_size=3)
    back = repeat_list_page(database, settings, third.list_id, 2, analyst, page_size=3)
    assert (third.page, third.first_rank, [e.ref for e in third.entries]) == (3, 7, ["P06"])
    assert [e.ref for e in back.entries] == [e.ref for e in second.entries]
    assert not set(refs(first)) & set(refs(second))
    assert first.list_id == second.list_id == third.list_id == back.list_id
    row = review(database, settings)[-1]
    assert (row.action, row.reason, row.returned) == ("repeats.page", REASON, 3)
    assert (json.loads(row.parameters)["page"], json.loads(row.parameters)["list"]) == (2, first.list_id)


def test_someone_else_cannot_page_through_your_list(database, settings, analyst):
    store(database, [seen("mental-health", f"2024-10-{d:02d}", "12:00", person("P1")) for d in (1, 2, 3)])
    listed = ask(database, settings, analyst, strand="mental-health", period="2024-10")
    perform(database, settings, ADMIN, AdminRequest("", "role", "U0OTHER", "supervisor"))
    with pytest.raises(InvalidRequest, match="expired"):
        repeat_list_page(database, settings, listed.list_id, 1, Actor("U0OTHER"), page_size=25)


def test_the_trend_counts_people_on_the_list_each_month(database, settings, analyst):
    last = datetime.now(LONDON).date().replace(day=1) - timedelta(days=1)  # the last complete month
    before = last.replace(day=1) - timedelta(days=1)
    store(
        database,
        [seen("mental-health", before.replace(day=d).isoformat(), "12:00", person(r)) for r in "AB" for d in (1, 2, 3)]
        + [seen("mental-health", last.replace(day=d).isoformat(), "12:00", person("A")) for d in (1, 2, 3, 4, 5)],
    )
    request = RepeatRequest("/repeats mental-health trend", "mental-health", trend=True)
    trend = repeat_trend(database, settings, request, analyst)
    assert len(trend.months) == 24
    assert trend.months[-1] == TrendMonth(last.replace(day=1), 1, 5)
    assert trend.months[-2] == TrendMonth(before.replace(day=1), 2, 6)
    assert all(m.people == 0 for m in trend.months[:-2])
    assert review(database, settings)[-1].action == "repeats.trend"


def test_the_typical_range_is_the_middle_half_of_the_last_twelve_months():
    months = tuple(TrendMonth(date(2025, 1, 1), n, 4 * n) for n in [3, 30] * 6 + [14, 15, 16, 14, 16, 15] * 2)
    trend = RepeatTrend(None, months)
    assert trend.typical_range() == (14, 16)
    assert trend.mean_occurrences() == 4.0


def test_audit_rows_cannot_be_changed_or_deleted_even_directly(database, settings, analyst):
    for statement in ("UPDATE audit_log SET reason = 'nothing to see'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="cannot be changed or deleted"), database.engine.begin() as connection:
            connection.execute(text(statement))
    assert review(database, settings)[-1].action == "role.change"
