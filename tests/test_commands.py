"""Parsing the text after /strand, /repeats and /strand-admin."""

from datetime import date

import pytest

from bot.charts.request import ChartRequest
from bot.commands import StrandCommand, parse_repeats_command, parse_strand_command, take_area
from bot.errors import InvalidRequest
from bot.repeats.request import RepeatRequest
from bot.slack.commands import parse_admin_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", StrandCommand("all")),
        ("  all ", StrandCommand("all")),
        ("help", StrandCommand("help")),
        ("list", StrandCommand("list")),
        ("hate-crime", StrandCommand("strand", "hate-crime")),
        ("domestic abuse 2025-03-31", StrandCommand("strand", "domestic abuse", date(2025, 3, 31))),
        ("DA as of 2025-3-1", StrandCommand("strand", "DA", date(2025, 3, 1))),
        ("all 2024-06-30", StrandCommand("all", as_of=date(2024, 6, 30))),
    ],
)
def test_strand_command_text(text, expected):
    assert parse_strand_command(text) == expected


def test_an_impossible_date_says_how_to_write_one():
    with pytest.raises(InvalidRequest, match="not a real date; write it as YYYY-MM-DD"):
        parse_strand_command("hate-crime 2025-02-30")


def test_a_day_first_date_asks_for_an_unambiguous_one():
    with pytest.raises(InvalidRequest, match="YYYY-MM-DD"):
        parse_strand_command("hate crime 03/06/2025")


def test_five_thousand_characters_are_refused_with_an_example():
    with pytest.raises(InvalidRequest, match="5,000 characters.*`/strand hate-crime`"):
        parse_strand_command("x" * 5000)


def test_a_repeats_request_reads_strand_period_options_and_a_quoted_reason():
    request = parse_repeats_command('mental health oct min=4 role=victim reason:"MARAC prep, 14 Nov: min=9 by=x"')
    assert request == RepeatRequest(
        command='/repeats mental health oct min=4 role=victim reason:"MARAC prep, 14 Nov: min=9 by=x"',
        strand="mental health",
        period="oct",
        min_occurrences="4",
        role="victim",
        reason="MARAC prep, 14 Nov: min=9 by=x",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hate-crime reason: repeat victims review", "repeat victims review"),
        ("hate-crime reason:“smart quotes from a phone”", "smart quotes from a phone"),
        ("hate-crime Reason='single quotes'", "single quotes"),
        ('hate-crime reason:"never closed', "never closed"),
    ],
)
def test_a_reason_may_be_written_several_ways(text, reason):
    assert parse_repeats_command(text).reason == reason


def test_a_rolling_window_may_end_on_a_date_and_trend_is_a_keyword():
    request = parse_repeats_command("DA 12m 2025-03-31")
    assert (request.strand, request.period, request.as_of) == ("DA", "12m", "2025-03-31")
    assert parse_repeats_command("mental-health trend").trend


@pytest.mark.parametrize(
    ("text", "strand", "area"),
    [
        ('hate-crime area=north reason:"review"', "hate-crime", "north"),
        ('hate-crime area="North Ward 1" 12m reason:"review"', "hate-crime", "North Ward 1"),
        ("hate-crime area=“Brooklyn South” reason: review", "hate-crime", "Brooklyn South"),
        ('hate-crime area= reason:"review"', "hate-crime", ""),  # the domain asks which area
    ],
)
def test_a_repeats_area_is_read_as_strand_reads_it(text, strand, area):
    request = parse_repeats_command(text)
    assert (request.strand, request.area) == (strand, area)


@pytest.mark.parametrize("text", ["", "help", "  ?  "])
def test_an_empty_repeats_request_asks_for_help(text):
    assert parse_repeats_command(text) is None


@pytest.mark.parametrize(
    ("text", "strand", "period"),
    [
        ("mh last month", "mh", "last-month"),
        ("mh this month", "mh", "this-month"),
        ("mh sept", "mh", "sept"),
        ("mental health October 2024", "mental health", "2024-10"),
        ("mh oct 2024", "mh", "2024-10"),
        ("mh period=12m", "mh", "12m"),
    ],
)
def test_periods_can_be_written_as_people_say_them(text, strand, period):
    request = parse_repeats_command(text)
    assert (request.strand, request.period) == (strand, period)


def test_the_date_may_come_before_or_after_the_window():
    assert parse_repeats_command("DA 2025-03-31 12m").as_of == "2025-03-31"
    assert parse_repeats_command("DA 2025-03-31 12m").period == "12m"


@pytest.mark.parametrize(
    "text", ["mh reason: MARAC prep min=4", 'mh reason:“MARAC prep" min=4', "mh reason=MARAC prep min=4 by=person"]
)
def test_options_after_an_unquoted_reason_are_still_options(text):
    request = parse_repeats_command(text)
    assert (request.reason, request.min_occurrences) == ("MARAC prep", "4")


def test_empty_option_values_are_kept_for_the_domain_to_refuse():
    request = parse_repeats_command("mh min= by=")
    assert (request.min_occurrences, request.by) == ("", "")


def test_unknown_options_are_kept_for_the_domain_to_refuse():
    assert parse_repeats_command("DA mn=3").unknown == ("mn=3",)


@pytest.mark.parametrize(
    ("text", "action", "user", "role"),
    [
        ("role <@U0ALEX|alex> analyst", "role", "U0ALEX", "analyst"),
        ("role <@W0ALEX> none", "role", "W0ALEX", "none"),
        ("role U0ALEX supervisor", "role", "U0ALEX", "supervisor"),
        ("roles", "roles", None, None),
        ("", "help", None, None),
    ],
)
def test_admin_commands_read_people_from_slack_mentions(text, action, user, role):
    request = parse_admin_command(text)
    assert (request.action, request.user, request.role) == (action, user, role)


def test_a_person_typed_as_plain_text_gets_told_to_mention_them():
    request = parse_admin_command("role @alex analyst")
    assert request.action == "invalid" and "mention them" in request.problem


def test_repeat_rule_commands():
    change = parse_admin_command("repeats hate crime min=3 period=12m")
    assert (change.action, change.strand, change.min_occurrences, change.period) == ("rule", "hate crime", "3", "12m")
    assert parse_admin_command("repeats reset DA").action == "rule-reset"
    bare = parse_admin_command("repeats hate crime last month")
    assert (bare.strand, bare.period) == ("hate crime", "last-month")
    assert parse_admin_command("repeats show").action == "rules"
    assert "is not something" in parse_admin_command("promote U0ALEX").problem


@pytest.mark.parametrize(
    ("text", "area", "left"),
    [
        ("hate-crime area=brooklyn-south", "brooklyn-south", "hate-crime"),
        ("area=North hate crime 2025-03-31", "North", "hate crime 2025-03-31"),
        ("hate-crime AREA:north", "north", "hate-crime"),
        ('hate-crime area="Brooklyn South" trend', "Brooklyn South", "hate-crime trend"),
        ('hate-crime area=“Brooklyn South" trend', "Brooklyn South", "hate-crime trend"),
        ("hate-crime area='unclosed quote runs on", "unclosed quote runs on", "hate-crime"),
        ("hate crime in brooklyn south", "brooklyn south", "hate crime"),
        ("hate crime In Brooklyn South min=3", "Brooklyn South", "hate crime min=3"),
        ("persons in crisis in north", "north", "persons in crisis"),
        ("persons in crisis area=north", "north", "persons in crisis"),
        ("hate-crime", None, "hate-crime"),
        ("hate-crime inner", None, "hate-crime inner"),
    ],
)
def test_an_area_is_taken_out_of_a_commands_words(text, area, left):
    words = text.split()
    assert (take_area(words), " ".join(words)) == (area, left)


def test_an_area_after_in_ends_where_the_caller_says_something_else_begins():
    words = ["hate", "crime", "in", "north", "sector", "trend", "36m"]
    assert take_area(words, lambda rest: rest[0] == "trend") == "north sector"
    assert words == ["hate", "crime", "trend", "36m"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hate-crime area=", "Which area"),
        ("hate-crime area=north area=south", "One area at a time"),
        ("hate-crime in", "Which area"),
        ("hate-crime in min=3", "Which area"),
    ],
)
def test_an_area_left_out_or_given_twice_is_explained(text, problem):
    with pytest.raises(InvalidRequest, match=problem):
        take_area(text.split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hate-crime area=brooklyn-south", StrandCommand("strand", "hate-crime", area="brooklyn-south")),
        ("hate crime in brooklyn south", StrandCommand("strand", "hate crime", area="brooklyn south")),
        (
            "hate-crime 2024-06-30 area=north",
            StrandCommand("strand", "hate-crime", date(2024, 6, 30), area="north"),
        ),
        (
            "hate crime in north sector as of 2024-06-30",
            StrandCommand("strand", "hate crime", date(2024, 6, 30), area="north sector"),
        ),
        ("all area=north", StrandCommand("all", area="north")),
        ("in north 2024-06-30", StrandCommand("all", as_of=date(2024, 6, 30), area="north")),
        ("hate-crime by=area", StrandCommand("by-area", "hate-crime")),
        ("DA by=area 2024-06-30", StrandCommand("by-area", "DA", date(2024, 6, 30))),
        ("hate-crime by=area in brooklyn south", StrandCommand("by-area", "hate-crime", area="brooklyn south")),
        ("areas", StrandCommand("areas")),
        ("Areas", StrandCommand("areas")),
        ("all by=area", StrandCommand("by-area", "all")),
        ("by=area in north", StrandCommand("by-area", "all", area="north")),
    ],
)
def test_strand_commands_with_an_area(text, expected):
    assert parse_strand_command(text) == expected


@pytest.mark.parametrize(
    ("text", "chart"),
    [
        ("hate-crime trend area=north", ChartRequest("trend", "hate-crime", None, None, "north")),
        ("hate crime in north sector trend 36m", ChartRequest("trend", "hate crime", "36m", None, "north sector")),
        ("hate crime trend 36m in north", ChartRequest("trend", "hate crime", "36m", None, "north")),
        (
            "rasso heat map October 2024 in N01 2024-11-30",
            ChartRequest("heatmap", "rasso", "2024-10", date(2024, 11, 30), "N01"),
        ),
        ("DA forecast years=3 area=south", ChartRequest("forecast", "DA", "years=3", None, "south")),
    ],
)
def test_charts_with_an_area(text, chart):
    assert parse_strand_command(text) == StrandCommand("chart", chart=chart)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hate-crime by=strand", "“by=strand” is not a breakdown"),
        ("hate-crime trend by=area", "A chart is drawn for one area at a time"),
        ("hate-crime in", "Which area"),
        ("hate-crime in 2024-06-30", "Which area"),
        ("hate-crime area=north area=south", "One area at a time"),
        ("hate-crime in north 30/06/2024", "YYYY-MM-DD"),
    ],
)
def test_strand_commands_with_an_area_wrongly_said_get_told_how(text, problem):
    with pytest.raises(InvalidRequest, match=problem):
        parse_strand_command(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hate-crime harm", StrandCommand("strand", "hate-crime", measure="harm")),
        ("Hate crime HARM", StrandCommand("strand", "Hate crime", measure="harm")),
        ("all harm", StrandCommand("all", measure="harm")),
        ("harm", StrandCommand("all", measure="harm")),
        ("all by=area harm", StrandCommand("by-area", "all", measure="harm")),
        ("DA by=area harm in north", StrandCommand("by-area", "DA", area="north", measure="harm")),
        ("hate crime in north harm", StrandCommand("strand", "hate crime", area="north", measure="harm")),
        ("DA harm 2024-06-30", StrandCommand("strand", "DA", date(2024, 6, 30), measure="harm")),
        ("DA 2024-06-30 harm", StrandCommand("strand", "DA", date(2024, 6, 30), measure="harm")),
        ("measure=harm hate-crime", StrandCommand("strand", "hate-crime", measure="harm")),
        ("hate-crime measure=count", StrandCommand("strand", "hate-crime")),
    ],
)
def test_harm_is_asked_for_with_a_word(text, expected):
    assert parse_strand_command(text) == expected


def test_a_strand_whose_name_ends_in_harm_keeps_it():
    is_strand = {"self harm"}.__contains__
    assert parse_strand_command("self harm", is_strand) == StrandCommand("strand", "self harm")
    assert parse_strand_command("self harm harm", is_strand) == StrandCommand("strand", "self harm", measure="harm")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hate-crime trend harm", "not with charts"),
        ("list harm", "not with charts or lists"),
        ("hate-crime measure=weight", "“measure=weight” is not a measure"),
    ],
)
def test_harm_where_it_has_no_meaning_is_explained(text, problem):
    with pytest.raises(InvalidRequest, match=problem):
        parse_strand_command(text)
