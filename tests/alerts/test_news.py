"""News, not states (pure): what a weekly run tells about a breach given what stood at the last run."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.alerts.news import News, Standing, news, standing_from_json, told_counts
from bot.alerts.thresholds import SHIPPED_THRESHOLD, Breach
from bot.domain.stats import compare

FIRST = date(2026, 10, 4)  # a Sunday: each run's data ends on one
WATCHED = {("hate-crime", "rolling12")}


def breach(held: str | None = None, remind_weeks: int = 4) -> Breach:
    threshold = replace(SHIPPED_THRESHOLD, remind_weeks=remind_weeks)
    return Breach("hate-crime", "Hate crime", "rolling12", compare(300, 200), threshold, held=held)


def weeks(found_each_week: list[list[Breach]]) -> list[News]:
    """Run week after week from FIRST, each handing on what stands, as the ledger does."""
    before: dict = {}
    told = []
    for n, found in enumerate(found_each_week):
        run = news(FIRST + timedelta(weeks=n), "", found, before, WATCHED)
        before = {s.key: s for s in run.standing}
        told.append(run)
    return told


def kinds(run: News) -> list[str]:
    return [t.kind for t in run.told] + ["resolved"] * len(run.resolved)


def test_a_breach_is_new_once_then_folded_until_its_reminder_is_due():
    runs = weeks([[breach()]] * 9)
    assert [kinds(r) for r in runs] == [
        ["new"], [], [], [], ["reminder"], [], [], [], ["reminder"]
    ]  # fmt: skip
    assert [len(r.ongoing) for r in runs[:4]] == [0, 1, 1, 1]
    assert runs[4].reminders[0].since == FIRST  # a reminder says since when


def test_never_reminds_when_the_strand_says_never():
    runs = weeks([[breach(remind_weeks=0)]] * 10)
    assert [kinds(r) for r in runs] == [["new"]] + [[]] * 9


def test_a_quiet_week_stays_quiet():
    assert all(r.quiet for r in weeks([[], [], []]))


def test_a_breach_resolves_after_two_runs_back_within_threshold_not_one():
    runs = weeks([[breach()], [], [breach()], [], []])
    # Back past it after one run within: still the same breach, not new again.
    assert [kinds(r) for r in runs] == [["new"], [], [], [], ["resolved"]]


def test_a_breach_that_becomes_chance_stands_on_untold_rather_than_resolving():
    runs = weeks([[breach()], [breach(held="chance")], [breach()]])
    assert [kinds(r) for r in runs] == [["new"], [], []]


def test_a_change_never_past_chance_is_never_news():
    assert all(r.quiet for r in weeks([[breach(held="chance")]] * 3))


def test_a_breach_held_early_in_the_year_is_dropped_without_a_word_and_new_again_once_judged():
    runs = weeks([[breach()], [breach(held="early")], [breach()]])
    assert [kinds(r) for r in runs] == [["new"], [], ["new"]]


def test_what_is_no_longer_watched_is_dropped_not_resolved():
    first = news(FIRST, "", [breach()], {}, WATCHED)
    before = {s.key: s for s in first.standing}
    later = news(FIRST + timedelta(weeks=1), "", [], before, watched=set())
    assert later.quiet and later.standing == ()


def test_an_area_is_told_apart_from_the_whole_force():
    first = news(FIRST, "north", [breach()], {}, WATCHED)
    assert [s.key for s in first.standing] == [("hate-crime", "rolling12", "north")]
    force = news(FIRST + timedelta(weeks=1), "", [], {s.key: s for s in first.standing}, WATCHED)
    assert force.resolved == ()  # the North's breach is not the force's to resolve


def test_the_ledger_keeps_what_stands_and_reads_rows_written_before_news():
    stood = Standing("hate-crime", "fytd", "north", FIRST, FIRST + timedelta(weeks=4), None)
    assert standing_from_json({"standing": [stood.as_json()]}, FIRST) == {stood.key: stood}
    old = standing_from_json([["hate-crime", "fytd"], ["hate-crime", "rolling12", "north"]], FIRST)
    assert old[("hate-crime", "fytd", "")] == Standing("hate-crime", "fytd", "", FIRST, FIRST)
    assert ("hate-crime", "rolling12", "north") in old
    assert told_counts({"standing": [], "new": [["a", "b", ""]], "reminder": [], "resolved": []}) == {
        "new": 1,
        "reminder": 0,
        "resolved": 0,
    }
    assert told_counts([]) is None
