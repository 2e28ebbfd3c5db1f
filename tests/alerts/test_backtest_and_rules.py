"""The backtest that replays the weekly job (`strandbot alerts backtest`, `/strand-admin backtest`), the new threshold
parts (`remind=`, `breaks=`, `early=`, `window=28d`) and counting-rule breaks, on a real database (SQLite and
PostgreSQL): what admins type, what is stored, and what is refused with nothing stored."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from conftest import LONDON, local, settings_for, store

from bot.alerts.digest import weekly_digests
from bot.audit.log import review
from bot.domain import clock
from bot.errors import InvalidRequest, UnknownStrand
from bot.slack.blocks.alerts import alert_message, digest_message
from bot.store.alerts import counting_breaks, stored_thresholds

ADMIN = "U0ADMIN"
STEP_WEEKS_AGO = 6


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, STRANDBOT_ADMINS=ADMIN)


def daily(slug: str, first: date, last: date, per_day: int) -> list[tuple]:
    days = (last - first).days + 1
    return [
        (slug, local((first + timedelta(days=d)).isoformat(), f"{10 + n}:00"))
        for d in range(days)
        for n in range(per_day)
    ]


def series(today: date, step_day: date | None) -> list[tuple]:
    """Hate crime, two a day for three years to yesterday, five a day from `step_day` if given."""
    first, yesterday = today - timedelta(days=3 * 365), today - timedelta(days=1)
    if step_day is None:
        return daily("hate-crime", first, yesterday, 2)
    return daily("hate-crime", first, step_day - timedelta(days=1), 2) + daily("hate-crime", step_day, yesterday, 5)


def backtest_json(run, weeks: int = 20) -> dict:
    result = run("alerts", "backtest", "hate-crime", "--weeks", str(weeks), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_steady_series_posts_in_no_weekly_run(database, settings, run):
    store(database, series(clock.today(settings.timezone), None))
    replay = backtest_json(run)
    assert set(replay) == {"strand", "weeks", "posted", "new", "reminders", "resolved", "runs"}
    assert (replay["strand"], replay["weeks"], replay["posted"]) == ("hate-crime", 20, 0)
    assert (replay["new"], replay["reminders"], replay["resolved"]) == (0, 0, 0)
    assert len(replay["runs"]) == 20
    assert set(replay["runs"][0]) == {"as_of", "posted", "new", "reminder", "resolved"}
    days = [date.fromisoformat(r["as_of"]) for r in replay["runs"]]
    assert all(later - earlier == timedelta(weeks=1) for earlier, later in zip(days, days[1:], strict=False))
    assert days[-1] < clock.today(settings.timezone)  # each run's data ends the day before it


def test_a_step_rise_is_new_within_a_run_or_two_and_then_not_repeated_every_week(database, settings, run):
    today = clock.today(settings.timezone)
    step_day = today - timedelta(weeks=STEP_WEEKS_AGO)
    store(database, series(today, step_day))
    replay = backtest_json(run)
    after = [r for r in replay["runs"] if date.fromisoformat(r["as_of"]) >= step_day]
    first_new = next(n for n, r in enumerate(after, 1) if r["new"])
    assert first_new <= 2
    assert "7d" in after[first_new - 1]["new"]  # the week is where a rise shows first
    assert all(not r["posted"] for r in replay["runs"] if date.fromisoformat(r["as_of"]) < step_day)
    # The week's breach stands on: it is told as new once, and at most reminded after that.
    assert sum(r["new"].count("7d") for r in replay["runs"]) == 1
    assert replay["posted"] < len(after)


def test_the_table_says_what_each_posting_run_told(database, settings, run):
    today = clock.today(settings.timezone)
    store(database, series(today, today - timedelta(weeks=STEP_WEEKS_AGO)))
    result = run("alerts", "backtest", "hate-crime", "--weeks", "20", "--window", "7d")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Hate crime (hate-crime): Posted in ")
    assert "Data to" in result.output and "7d" in result.output


def test_a_backtest_with_rules_it_cannot_read_says_so_and_is_not_run(database, settings, run):
    assert "weeks=0 is out of range" in str(backtest_error(database, settings, weeks="0"))
    result = run("alerts", "backtest", "no-such-strand")
    assert result.exit_code != 0
    assert "no-such-strand" in result.output


def backtest_error(database, settings, **given):
    from bot.alerts.backtest import backtest

    with pytest.raises(InvalidRequest) as refused:
        backtest(database, settings, "hate-crime", None, {}, **given)
    return refused.value


def test_slack_backtest_takes_weeks_and_window(database, settings, admin_here):
    today = clock.today(settings.timezone)
    store(database, series(today, today - timedelta(weeks=STEP_WEEKS_AGO)))
    replay = admin_here("backtest hate crime window=7d weeks=12")
    assert (len(replay.runs), replay.threshold.comparisons) == (12, ("7d",))
    assert replay.new >= 1
    text = alert_message(replay, LONDON).text
    assert "*Backtest: Hate crime*" in text and "Posted in" in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("threshold hate-crime remind=0w", "remind=0w is out of range: use 1w to 52w"),
        ("threshold hate-crime remind=banana", "remind=banana is not a number of weeks"),
        ("threshold hate-crime early=banana", "early=banana is not a number of weeks"),
        ("threshold hate-crime breaks=maybe", "breaks=maybe is not one of mark, hold"),
    ],
)
def test_a_threshold_part_that_makes_no_sense_is_refused_and_nothing_stored(
    database, settings, admin_here, typed, message
):
    with pytest.raises(InvalidRequest, match=message):
        admin_here(typed)
    with database.session() as session:
        assert stored_thresholds(session) == {}
    assert not [row for row in review(database, settings) if row.action == "threshold.change"]


def test_reminders_breaks_and_the_early_weeks_are_set_per_strand(database, settings, admin_here):
    change = admin_here("threshold hate-crime remind=never breaks=hold early=6w")
    assert (change.after.remind_weeks, change.after.breaks, change.after.early_weeks) == (0, "hold", 6)
    assert admin_here("threshold hate-race remind=2w").after.breaks == "hold"  # follows its parent
    with database.session() as session:
        assert stored_thresholds(session)["hate-crime"].remind_weeks == 0


def test_a_compstat_window_on_a_strand_with_three_weeks_of_data_is_refused(database, settings, admin_here):
    yesterday = clock.yesterday(settings.timezone)
    store(database, daily("hate-crime", yesterday - timedelta(weeks=3), yesterday, 2))
    with pytest.raises(InvalidRequest, match=r"has 3 weeks of data .* window=28d .* needs 56 weeks\. Nothing changed"):
        admin_here("threshold hate-crime window=28d")
    with database.session() as session:
        assert stored_thresholds(session) == {}
    assert admin_here("threshold hate-crime window=fytd,rolling12").changed


def test_a_break_is_recorded_listed_and_removed_with_the_audit_log(database, settings, admin_here):
    store(database, daily("domestic-abuse", date(2022, 1, 1), date(2022, 1, 3), 1))
    added = admin_here('break DA 2022-01-02 "Home Office counting rules changed (about -7%)"')
    assert (added.change.strand, added.change.day) == ("domestic-abuse", date(2022, 1, 2))
    assert added.change.note == "Home Office counting rules changed (about -7%)"
    listed = alert_message(admin_here("break list"), LONDON).text
    assert "`domestic-abuse` from 2 Jan 2022: “Home Office counting rules changed (about -7%)”" in listed
    admin_here("break remove domestic abuse 2022-01-02")
    assert admin_here("breaks").breaks == ()
    recorded = [json.loads(r.parameters) for r in review(database, settings) if r.action == "break.change"]
    assert [list(r) for r in recorded] == [["added"], ["removed"]]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('break domestic-abuse 2099-06-01 "x"', "is in the future"),
        ('break domestic-abuse 2021-06-01 "x"', r"is not after the data begins \(1 Jan 2022"),
        ('break domestic-abuse 2022-01-02 "again"', "already has a break on 2 Jan 2022"),
        ('break domestic-abuse 2022-02-30 "x"', "2022-02-30 is not a real date"),
        ("break domestic-abuse 2022-01-03", "Say what changed"),
        ("break domestic-abuse", "Give the strand and the day"),
        ("break remove domestic-abuse 2022-01-03", "has no break on 3 Jan 2022"),
    ],
)
def test_a_break_that_makes_no_sense_is_refused_and_nothing_stored(database, settings, admin_here, typed, message):
    store(database, daily("domestic-abuse", date(2022, 1, 1), date(2022, 1, 3), 1))
    admin_here('break domestic-abuse 2022-01-02 "first"')
    with pytest.raises(InvalidRequest, match=message):
        admin_here(typed)
    with database.session() as session:
        assert [(b.day, b.note) for b in counting_breaks(session)] == [(date(2022, 1, 2), "first")]
    assert len([r for r in review(database, settings) if r.action == "break.change"]) == 1


def test_a_break_on_an_unknown_strand_gets_did_you_mean(database, settings, admin_here):
    with pytest.raises(UnknownStrand, match="domestc-abuse"):
        admin_here('break domestc-abuse 2023-06-01 "x"')
    with database.session() as session:
        assert counting_breaks(session) == []


# The digest: breaches across a break, and the financial year's first weeks.


def occurrences(slug: str, day: str, count: int) -> list[tuple]:
    return [(slug, local(day, f"{10 + n % 10}:00")) for n in range(count)]


def digest_text(database, settings, as_of: date, channel: str = "C0SAFE") -> str:
    [digest] = weekly_digests(database, settings, as_of, as_of.isoformat(), channel)
    return digest_message(digest).text


def test_a_breach_across_a_counting_rule_break_is_marked_by_default_and_held_if_the_admin_says(
    database, settings, admin_here
):
    store(database, occurrences("domestic-abuse", "2023-07-01", 60) + occurrences("domestic-abuse", "2022-07-01", 30))
    admin_here("subscribe <#C0SAFE|safeguarding> domestic abuse")
    admin_here('break domestic-abuse 2023-06-01 "Home Office counting rules changed (about -7%)"')
    marked = digest_text(database, settings, date(2023, 11, 19))
    assert (
        ":warning: crosses the counting-rule change of 1 Jun 2023 (Home Office counting rules changed (about -7%))"
    ) in marked
    admin_here("threshold domestic-abuse breaks=hold")
    held = digest_text(database, settings, date(2023, 11, 19))
    assert "*Domestic abuse*" not in held
    assert "held back: 2 across a counting-rule change" in held


def test_fytd_is_held_from_the_digest_in_the_first_weeks_of_the_year_with_a_line_saying_so(
    database, settings, admin_here
):
    store(database, occurrences("hate-crime", "2025-04-10", 60) + occurrences("hate-crime", "2024-04-10", 20))
    admin_here("subscribe <#C0SAFE|safeguarding> hate-crime")
    admin_here("threshold hate-crime window=fytd")
    early = digest_text(database, settings, date(2025, 4, 20))
    assert "*Hate crime*" not in early
    assert "Financial year to date is only 2 weeks old" in early
    admin_here("threshold hate-crime early=2w")
    assert "*Hate crime*\n:red_circle: ↑ *New* · FYTD 2025/26 vs last year: *60* vs 20" in digest_text(
        database, settings, date(2025, 4, 20)
    )
