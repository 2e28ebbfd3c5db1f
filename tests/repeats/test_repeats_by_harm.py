"""Prioritisation lists: repeat contact ranked by the harm each person (or place) contributed, from a real
database, checked against sums worked out here from the very rows stored."""

import json
import random
from collections import defaultdict
from datetime import date

import pytest
from conftest import LONDON, load_weights, local, settings_for, store

from bot.admin.dispatch import perform
from bot.admin.request import AdminRequest
from bot.audit.log import Actor, disclosures, review
from bot.catalogues import update_catalogue
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.domain.periods import Window
from bot.errors import InvalidRequest, NoHarmWeights
from bot.render.repeats import share_sentence, weights_sentence
from bot.repeats.request import RepeatRequest
from bot.repeats.service import repeat_list, repeat_list_page, repeat_trend
from bot.store.harm import current_weight_set_id
from bot.store.repeats import RepeatScope, harm_ranking

ADMIN = Actor("U0ADMIN", team="T0FORCE", channel="C0ADMIN")
ANALYST = Actor("U0ANALYST", team="T0FORCE", channel="C0DA")
REASON = "Offender management meeting, 14 Nov"
WEIGHTS = {"8Q": 1.5, "19C": 200.0, "105A": 30.0, "8N": 12.0, "3B": 20.0, "5D": 0.3, "9A": 0.1}
CODES = [*WEIGHTS, "8L", None]  # 8L has no weight, and some occurrences have no code


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, STRANDBOT_ADMINS="U0ADMIN")


@pytest.fixture
def analyst(database, settings) -> Actor:
    perform(
        database, settings, ADMIN, AdminRequest("/strand-admin role U0ANALYST analyst", "role", "U0ANALYST", "analyst")
    )
    return ANALYST


def ask(database, settings, actor, page_size=None, **fields):
    fields = {"strand": "domestic-abuse", "period": "2024-10", "rank": "harm", "reason": REASON, **fields}
    request = RepeatRequest(command=f"/repeats {fields}", **fields)
    return repeat_list(database, settings, request, actor, page_size)


def offender(ref: str) -> tuple[str, str, str]:
    return ("person", ref, "offender")


def victim(ref: str) -> tuple[str, str, str]:
    return ("person", ref, "victim")


def da(day: int, code: str | None, *links, strand="domestic-abuse", area=None, month="2024-10") -> tuple:
    return (strand, local(f"{month}-{day:02d}"), list(links), area, code)


def ranked(listed) -> list[tuple[str, int, float]]:
    return [(e.ref, e.occurrences, e.harm) for e in listed.entries]


def random_october(seed: int) -> list[tuple]:
    """300 occurrences: domestic abuse in October 2024 (a few linking one person in two roles), domestic abuse
    in September (outside the period) and hate crime in October (another strand), each with one to three of
    40 people in random roles and a random code, weighted or not."""
    rng = random.Random(seed)
    rows = []
    for _ in range(300):
        strand, month = rng.choice(
            [("domestic-abuse", "2024-10")] * 6 + [("domestic-abuse", "2024-09"), ("hate-crime", "2024-10")]
        )
        people = rng.sample([f"P{n:02d}" for n in range(40)], rng.randint(1, 3))
        links = [("person", ref, rng.choice(["offender", "victim", "witness"])) for ref in people]
        if rng.random() < 0.1:
            links.append(("person", people[0], "offender" if links[0][2] != "offender" else "victim"))
        rows.append(da(rng.randint(1, 30), rng.choice(CODES), *links, strand=strand, month=month))
    return rows


def expected_ranking(rows: list[tuple], role: str | None, minimum: int) -> list[tuple[str, int, float]]:
    """Worked out from the rows alone: each person's distinct October domestic-abuse occurrences (in `role`)
    and the sum of their weights, most harm first, then most occurrences, then by reference."""
    occurrences = defaultdict(set)
    for index, (strand, when, links, _area, _code) in enumerate(rows):
        if strand == "domestic-abuse" and when.month == 10:
            for _kind, ref, link_role in links:
                if role is None or link_role == role:
                    occurrences[ref].add(index)
    harm = {ref: sum(WEIGHTS.get(rows[i][4], 0.0) for i in found) for ref, found in occurrences.items()}
    listed = [(ref, len(found), round(harm[ref], 6)) for ref, found in occurrences.items() if len(found) >= minimum]
    return sorted(listed, key=lambda entry: (-entry[2], -entry[1], entry[0]))


@pytest.mark.parametrize("role", ["offender", None])
def test_people_are_ranked_by_the_sum_of_their_occurrences_weights(database, settings, analyst, role):
    rows = random_october(seed=17)
    store(database, rows)
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst, role=role)
    expected = expected_ranking(rows, role, minimum=2)  # domestic abuse's rule: 2 or more
    assert len(expected) > 10  # the data gives the ranking something to do
    assert ranked(listed) == expected
    assert listed.people == len(expected)
    assert listed.occurrences == sum(n for _, n, _ in expected)


def test_an_occurrence_counts_once_for_a_person_linked_twice_or_in_two_sub_strands(database, settings, analyst):
    store(
        database,
        [
            da(1, "19C", offender("P-TWICE"), victim("P-TWICE"), strand=("hate-race", "hate-religion")),
            da(2, "8Q", offender("P-TWICE"), strand="hate-religion"),
        ],
    )
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst, strand="hate-crime")
    assert ranked(listed) == [("P-TWICE", 2, 201.5)]
    assert listed.harm.strand == 201.5


def test_equal_harm_goes_to_more_occurrences_then_to_the_reference(database, settings, analyst):
    store(
        database,
        [da(day, "105A", offender(ref)) for ref in ("P-B", "P-A") for day in (1, 2)]  # 60 in two each
        + [da(day, "3B", offender("P-C")) for day in (3, 4, 5)]  # 60 in three
        + [da(6, "5D", offender("P-D")), da(7, "8L", offender("P-D")), da(8, "8L", offender("P-D"))]  # 0.3
        + [da(day, "9A", offender("P-E")) for day in (9, 10, 11)],  # 0.1 three times: 0.30000000000000004
    )
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst)
    assert [e.ref for e in listed.entries] == ["P-C", "P-A", "P-B", "P-D", "P-E"]
    assert [e.harm for e in listed.entries] == [60.0, 60.0, 60.0, 0.3, 0.3]


def test_the_share_is_of_the_strands_harm_counting_an_occurrence_two_listed_people_share_once(
    database, settings, analyst
):
    store(
        database,
        [
            da(1, "19C", offender("P-A"), offender("P-B")),  # 200, shared by the two listed
            da(2, "105A", offender("P-A")),  # 30
            da(3, "105A", offender("P-B")),  # 30
            da(4, "19C", offender("P-ONCE")),  # 200: once only, so not on the list
            da(5, "8N", victim("P-VICTIM")),  # 12: no offender at all
            da(6, "8N"),  # 12: nobody linked
            da(7, "19C", offender("P-A"), month="2024-09"),  # outside the period
        ],
    )
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst, role="offender")
    assert ranked(listed) == [("P-A", 2, 230.0), ("P-B", 2, 230.0)]
    assert (listed.harm.listed, listed.harm.strand) == (260.0, 484.0)
    assert share_sentence(listed) == "These 2 account for 54% of domestic-abuse harm (260.0 of 484.0)."


def test_top_keeps_the_first_n_and_pages_stay_within_them(database, settings, analyst):
    store(database, [da(day, "8N", offender(f"P{n}")) for n in range(7) for day in range(1, n + 3)])
    load_weights(database, WEIGHTS)
    first = ask(database, settings, analyst, top="5", page_size=2)
    assert [e.ref for e in first.entries] == ["P6", "P5"]
    assert (first.people, first.listed, first.pages) == (7, 5, 3)
    last = repeat_list_page(database, settings, first.list_id, 3, analyst, page_size=2)
    assert (last.first_rank, [e.ref for e in last.entries]) == (5, ["P2"])
    assert share_sentence(last).startswith("These 5 account for")


def test_top_cuts_a_list_ranked_by_count_in_todays_order(database, settings, analyst):
    store(
        database, [da(day, "19C" if n == 0 else "9A", offender(f"P{n}")) for n in range(4) for day in range(1, n + 3)]
    )
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst, rank=None, top="2")
    assert [(e.ref, e.occurrences, e.harm) for e in listed.entries] == [("P3", 5, None), ("P2", 4, None)]
    assert (listed.people, listed.listed, listed.harm) == (4, 2, None)


def test_the_strands_rule_still_applies_unless_min_is_given(database, settings, analyst):
    store(
        database,
        [da(day, "19C", ("person", "P-TWO-GRAVE", "subject"), strand="mental-health") for day in (1, 2)]
        + [da(day, "9A", ("person", "P-THREE-MINOR", "subject"), strand="mental-health") for day in (3, 4, 5)],
    )
    load_weights(database, WEIGHTS)
    by_rule = ask(database, settings, analyst, strand="mental-health")  # 3 or more in the month
    assert ranked(by_rule) == [("P-THREE-MINOR", 3, 0.3)]
    with_min = ask(database, settings, analyst, strand="mental-health", min_occurrences="2")
    assert ranked(with_min) == [("P-TWO-GRAVE", 2, 400.0), ("P-THREE-MINOR", 3, 0.3)]


def test_the_min_rule_counts_occurrences_without_a_weight_too(database, settings, analyst):
    store(database, [da(1, "19C", offender("P1")), da(2, "8L", offender("P1")), da(3, None, offender("P1"))])
    load_weights(database, WEIGHTS)
    assert ranked(ask(database, settings, analyst, min_occurrences="3")) == [("P1", 3, 200.0)]


def test_the_listed_peoples_occurrences_without_a_weight_are_counted_by_code(database, settings, analyst):
    store(
        database,
        [
            da(1, "8L", offender("P1"), offender("P2")),  # shared: one occurrence
            da(2, "8L", offender("P1")),
            da(3, None, offender("P2")),
            da(4, "19C", offender("P2")),
            da(5, "8L", offender("P-ONCE")),  # not on the list
        ],
    )
    load_weights(database, WEIGHTS, name="ONS Crime Severity Score 2016")
    listed = ask(database, settings, analyst)
    assert listed.harm.unweighted.by_code == (("8L", 2), ("", 1))
    assert weights_sentence(listed.harm) == (
        "Harm weighed with “ONS Crime Severity Score 2016”. 3 of their occurrences have no weight: 8L 2, no code 1."
    )


def test_when_nothing_in_the_strand_has_a_weight_there_is_no_share(database, settings, analyst):
    store(database, [da(day, "8L", offender("P1")) for day in (1, 2)])
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst)
    assert ranked(listed) == [("P1", 2, 0.0)]
    assert listed.harm.share is None
    assert share_sentence(listed) == (
        "No domestic-abuse occurrence in the period has a weight, so there is no harm to share."
    )


def test_without_weights_a_harm_list_says_how_to_load_them_and_records_nothing(database, settings, analyst):
    store(database, [da(day, "19C", offender("P1")) for day in (1, 2)])
    before = len(review(database, settings))
    with pytest.raises(NoHarmWeights, match="strandbot harm load"):
        ask(database, settings, analyst)
    assert len(review(database, settings)) == before
    assert [e.ref for e in ask(database, settings, analyst, rank="count").entries] == ["P1"]  # counts still work


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"rank": "severity"}, "rank=severity is not known; use rank=count"),
        ({"rank": ""}, "rank= is not known"),
        ({"top": "0"}, "top=0 is out of range: from 1 to 500"),
        ({"top": "501"}, "top=501 is out of range"),
        ({"top": "-3"}, "top=-3 is out of range"),
        ({"top": "twenty"}, "top=twenty is not a whole number; e.g. top=20."),
        ({"top": ""}, "top= is not a whole number"),
        ({"unknown": ("rnak=harm",)}, "the options are min=, by=, role=, area=, rank=, top= and"),
    ],
)
def test_bad_rank_and_top_values_are_named_and_show_nothing(database, settings, analyst, fields, expected):
    store(database, [da(day, "19C", offender("P1")) for day in (1, 2)])
    load_weights(database, WEIGHTS)
    before = len(review(database, settings))
    with pytest.raises(InvalidRequest) as caught:
        ask(database, settings, analyst, **fields)
    assert expected in str(caught.value)
    assert len(review(database, settings)) == before


def test_a_trend_takes_no_rank_or_top(database, settings, analyst):
    request = RepeatRequest("/repeats domestic-abuse trend rank=harm", "domestic-abuse", rank="harm", trend=True)
    with pytest.raises(InvalidRequest, match="rank= and top= order and cut one list"):
        repeat_trend(database, settings, request, analyst)


def test_the_audit_row_records_the_rank_the_top_and_the_weights_and_who_was_shown(database, settings, analyst):
    store(database, [da(day, code, offender(ref)) for ref, code in (("P1", "19C"), ("P2", "8Q")) for day in (1, 2)])
    load_weights(database, WEIGHTS, name="Cambridge Crime Harm Index 2016")
    listed = ask(database, settings, analyst, top="1")
    row = review(database, settings)[-1]
    assert (row.id, row.action, row.outcome, row.returned) == (listed.list_id, "repeats.list", "shown", 1)
    parameters = json.loads(row.parameters)
    assert (parameters["rank"], parameters["top"], parameters["weights"]) == (
        "harm",
        1,
        "Cambridge Crime Harm Index 2016",
    )
    assert isinstance(parameters["weight_set"], int) and parameters["people"] == 2
    ask(database, settings, analyst, rank="count")
    parameters = json.loads(review(database, settings)[-1].parameters)
    assert (parameters["rank"], parameters["top"], parameters["weight_set"]) == ("count", None, None)
    assert "weights" not in parameters


def test_the_audit_log_names_only_the_people_a_cut_list_showed(database, settings, analyst):
    store(database, [da(day, code, offender(ref)) for ref, code in (("P1", "19C"), ("P2", "8Q")) for day in (1, 2)])
    load_weights(database, WEIGHTS)
    ask(database, settings, analyst, top="1")
    assert [d.ref for d in disclosures(database, settings, "P1")] == ["P1"]
    assert disclosures(database, settings, "P2") == []


def test_a_later_page_weighs_with_the_set_the_list_was_first_shown_with(database, settings, analyst):
    store(database, [da(day, code, offender(ref)) for ref, code in (("P1", "19C"), ("P2", "8Q")) for day in (1, 2)])
    load_weights(database, WEIGHTS, name="First set")
    first = ask(database, settings, analyst, page_size=1)
    load_weights(database, {"8Q": 1000.0}, name="Second set")
    second = repeat_list_page(database, settings, first.list_id, 2, analyst, page_size=1)
    assert [e.ref for e in first.entries + second.entries] == ["P1", "P2"]
    assert (second.harm.weights.name, second.entries[0].harm) == ("First set", 3.0)
    assert json.loads(review(database, settings)[-1].parameters)["weights"] == "First set"
    assert ask(database, settings, analyst).entries[0].ref == "P2"  # a new list weighs with the newest


def test_places_are_ranked_by_harm(database, settings, analyst):
    store(
        database,
        [da(day, "9A", ("location", "L-BUSY", "scene")) for day in range(1, 11)]
        + [da(day, "19C", ("location", "L-GRAVE", "scene")) for day in (1, 2)],
    )
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst, by="location")
    assert ranked(listed) == [("L-GRAVE", 2, 400.0), ("L-BUSY", 10, 1.0)]
    assert share_sentence(listed) == "These 2 account for 100% of domestic-abuse harm (401.0 of 401.0)."


def test_an_areas_list_weighs_and_shares_only_that_areas_occurrences(database, settings, analyst):
    places = [CatalogueEntry("north", "North Sector", None), CatalogueEntry("north-1", "North Ward 1", "north")]
    update_catalogue(database, settings, places + [CatalogueEntry("south", "South Sector", None)], AREAS)
    store(
        database,
        [
            da(1, "19C", offender("P1"), area="north-1"),
            da(2, "105A", offender("P1"), area="north"),
            da(3, "19C", offender("P1"), area="south"),  # not in the North
            da(4, "8N", offender("P-SOUTH"), area="north"),  # once in the North: not listed there
            da(5, "8N", offender("P-SOUTH"), area="south"),
        ],
    )
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst, area="north")
    assert ranked(listed) == [("P1", 2, 230.0)]
    assert (listed.harm.listed, listed.harm.strand) == (230.0, 242.0)
    assert (
        share_sentence(listed) == "This one accounts for 95% of domestic-abuse harm in North Sector (230.0 of 242.0)."
    )


def test_the_share_is_worked_out_from_the_rows_for_a_random_force(database, settings, analyst):
    rows = random_october(seed=4)
    store(database, rows)
    load_weights(database, WEIGHTS)
    listed = ask(database, settings, analyst, role="offender", top="5")
    top = {ref for ref, _, _ in expected_ranking(rows, "offender", 2)[:5]}
    in_period = [(index, row) for index, row in enumerate(rows) if row[0] == "domestic-abuse" and row[1].month == 10]
    theirs = [row for _, row in in_period if any(r in top and role == "offender" for _, r, role in row[2])]
    listed_harm = sum(WEIGHTS.get(row[4], 0.0) for row in theirs)
    strand_harm = sum(WEIGHTS.get(row[4], 0.0) for _, row in in_period)
    assert listed.harm.listed == pytest.approx(listed_harm)
    assert listed.harm.strand == pytest.approx(strand_harm)
    assert listed.harm.share == pytest.approx(listed_harm / strand_harm)
    assert listed.harm.unweighted.total == sum(1 for row in theirs if row[4] not in WEIGHTS)


def test_the_period_before_is_counted_as_for_a_list_ranked_by_count(database, settings, analyst):
    store(
        database,
        [da(day, "8N", offender(ref), month="2024-09") for ref in ("P-BOTH", "P-BEFORE") for day in (1, 2)]
        + [da(3, "8N", offender("P-ONCE-BEFORE"), month="2024-09")]
        + [da(day, "19C", offender(ref)) for ref in ("P-BOTH", "P-NOW", "P-NEW") for day in (1, 2)],
    )
    load_weights(database, WEIGHTS)
    by_harm, by_count = ask(database, settings, analyst), ask(database, settings, analyst, rank=None)
    assert (by_harm.change.current, by_harm.change.previous) == (3, 2)
    assert by_harm.change == by_count.change


def test_a_period_before_apart_from_the_current_one_leaves_out_the_days_between(database, settings, analyst):
    # `this-month` on the 11th: 1-10 October against 1-10 September.
    store(
        database,
        [da(day, "8N", offender("P-EARLY"), month="2024-09") for day in (2, 3)]
        + [da(day, "8N", offender("P-IN-THE-GAP"), month="2024-09") for day in (15, 20)]
        + [da(day, "19C", offender("P-NOW")) for day in (2, 3)],
    )
    load_weights(database, WEIGHTS)
    with database.session() as session:
        weights = current_weight_set_id(session)

        def scope(month: str) -> RepeatScope:
            start, end = Window(date.fromisoformat(f"{month}-01"), date.fromisoformat(f"{month}-10")).utc_bounds(LONDON)
            return RepeatScope(("domestic-abuse",), start, end, "person", "offender", 2)

        ranking = harm_ranking(session, scope("2024-10"), scope("2024-09"), weights, None)
    assert [r.ref for r in ranking.rows] == ["P-NOW"]
    assert ranking.previous_references == 1
