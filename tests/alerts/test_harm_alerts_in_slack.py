"""Weekly alerts on harm (`threshold … measure=harm`): the digest weighs a strand's occurrences by offence code
when its threshold says so, names the weights, and says so plainly when none are loaded.

As of Sunday 16 November 2025 every comparison is June against June (baseline 2019/20 level with 2025/26).
Test weights: 105A weighs 10, 8Q weighs 1, 8L has no weight.
- Hate crime: 43 occurrences against 40 (+8%, within 10%), but harm 220 against 130 (+69%): 20 × 105A,
  20 × 8Q and 3 × 8L against 10 × 105A and 30 × 8Q.
- Stalking and harassment: 40 against 22 (+82%), but harm 40 against 40: 40 × 8Q against 20 × 8Q and
  2 × 105A."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import LONDON, all_text, fresh_channel, local, settings_for, stocked_database, store
from sqlalchemy import event, select

from bot.alerts.digest import weekly_digests
from bot.domain import clock
from bot.errors import NoHarmWeights
from bot.harm.records import CodeWeight
from bot.slack.blocks.alerts import alert_message, digest_message
from bot.slack.standin import SlackStandIn
from bot.slack.testing import DispatchedApp
from bot.store.db import Database
from bot.store.harm import add_weight_set
from bot.store.models import AlertDelivery

SECRET = "9a8b7c6d5e4f30211f2e3d4c5b6a7980"
ADMIN = "U0ADMIN"
WEIGHTS = [CodeWeight("105A", 10.0, "Assault with injury"), CodeWeight("8Q", 1.0, "Malicious communications")]
WEIGHT_SET = "Test index 2026"


def occurrences(slug: str, day: str, codes: dict[str, int]) -> list[tuple]:
    return [
        (slug, local(day, f"{10 + n % 10}:00"), [], None, code) for code, count in codes.items() for n in range(count)
    ]


HATE_NOW = {"105A": 20, "8Q": 20, "8L": 3}
STALKING_NOW = {"8Q": 40}
ROWS = (
    occurrences("hate-crime", "2025-06-01", HATE_NOW)
    + occurrences("hate-crime", "2024-06-01", {"105A": 10, "8Q": 30})
    + occurrences("hate-crime", "2019-06-01", HATE_NOW)
    + occurrences("stalking-harassment", "2025-06-04", STALKING_NOW)
    + occurrences("stalking-harassment", "2024-06-04", {"8Q": 20, "105A": 2})
    + occurrences("stalking-harassment", "2019-06-04", STALKING_NOW)
)
AS_OF = date(2025, 11, 16)

HATE_CRIME_ON_HARM = (
    "*Hate crime*\n"
    ":red_circle: ↑ *New* · FYTD 2025/26 vs last year: harm *220.0* vs 130.0 (+69%), past ±10% · "
    f"weights “{WEIGHT_SET}”, 43 vs 40 occurrences (3 vs 0 without a weight) · no significance test for weighted harm\n"
    ":red_circle: ↑ *New* · Rolling 12 months vs the 12 before: harm *220.0* vs 130.0 (+69%), past ±10% · "
    f"weights “{WEIGHT_SET}”, 43 vs 40 occurrences (3 vs 0 without a weight) · no significance test for weighted harm"
)


def load_weights(database: Database) -> None:
    with database.session() as session:
        add_weight_set(session, WEIGHT_SET, "weights.csv", "0" * 64, ADMIN, datetime.now(UTC), WEIGHTS)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    with stocked_database(request, request.param, ROWS, lambda database, url: load_weights(database)) as url:
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        yield app, url
        app.stop()


def admin(served, slack: SlackStandIn, text: str) -> str:
    app, _ = served
    status, answer = app.command(slack, text, ADMIN, command="/strand-admin")
    assert status == 200, answer
    return all_text(answer)


@pytest.fixture
def run_job(tmp_path, monkeypatch, served, slack):
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": served[1].render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": "xoxb-stand-in",
        "SLACK_API_URL": slack.api_url,
    }

    def run(as_of: str) -> None:
        result = CliRunner().invoke(
            main, ["jobs", "run", "weekly-breaches", "--as-of", as_of], env=env, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output

    return run


def ledger_breaches(served, channel: str) -> list:
    database = Database(served[1])
    try:
        with database.session() as session:
            [row] = session.scalars(select(AlertDelivery).where(AlertDelivery.channel == channel))
            return json.loads(row.breaches)
    finally:
        database.dispose()


def test_a_strand_watched_on_harm_is_posted_for_its_harm_naming_the_weights(served, slack, run_job):
    channel = fresh_channel()
    admin(served, slack, f"subscribe <#{channel}|safeguarding> hate-crime, stalking")
    admin(served, slack, "threshold stalking significance=post")  # its p = 0.03 is chance at the alerts' 1%
    reply = admin(served, slack, "threshold hate-crime measure=harm")
    try:
        assert (
            "`hate-crime` now works to ±10% in harm on 7d, 28d, fytd, rolling12; both counts at least 10; "
            "no significance test for weighted harm; remind every 4w; across a counting-rule change: mark; FYTD from "
            "week 8 (was ±10% in counts on 7d, 28d, fytd, rolling12; both counts at least 10; not significant: hold;"
        ) in reply
        assert "No harm weights are loaded" not in reply
        listed = admin(served, slack, "thresholds")
        assert re.search(r"\\nhate-crime +±10% +7d,28d,fytd,rolling12 +harm +10 +\(untested\) +4w +measure\\n", listed)
        run_job("2025-11-16")
        [digest] = slack.calls("chat.postMessage", channel)
        sections = digest.body["text"].split("\n*")
        assert sections[0] == (
            ":rotating_light: *Weekly threshold alerts* for data to Sunday 16 November 2025: "
            "4 new breaches in 2 of the 7 strands this channel follows"
        )
        assert "*" + sections[1] == HATE_CRIME_ON_HARM  # on counts, 43 against 40 is within 10%
        assert sections[2].startswith(  # on counts, as before
            "Stalking and harassment*\n:red_circle: ↑ *New* · FYTD 2025/26 vs last year: *40* vs 22 (+82%), "
            "past ±10% · could be chance (p = "
        )
        assert [(b["strand"], b["comparison"]) for b in ledger_breaches(served, channel)["standing"]] == [
            ("hate-crime", "fytd"),
            ("hate-crime", "rolling12"),
            ("stalking-harassment", "fytd"),
            ("stalking-harassment", "rolling12"),
        ]
    finally:
        admin(served, slack, "threshold reset hate-crime")
        admin(served, slack, "threshold reset stalking")


def test_a_rise_in_count_that_weighs_no_more_is_no_breach_on_harm(served, slack, run_job):
    channel = fresh_channel()
    admin(served, slack, f"subscribe <#{channel}|stalking-team> stalking")
    admin(served, slack, "threshold stalking measure=harm")
    try:
        run_job("2025-11-16")
        assert slack.calls("chat.postMessage", channel) == []  # nothing to say, and a quiet week stays quiet
    finally:
        admin(served, slack, "threshold reset stalking")


# Without Slack's HTTP round trip: the digest as the job builds and renders it, on each backend.


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, STRANDBOT_ADMINS=ADMIN)


def digest_text(database: Database, settings, channel: str) -> str:
    [digest] = weekly_digests(database, settings, AS_OF, AS_OF.isoformat(), channel)
    return digest_message(digest).text


def test_without_weights_a_harm_threshold_is_accepted_and_each_digest_says_it_went_unchecked(
    database, settings, admin_here
):
    store(database, ROWS)
    admin_here("subscribe <#C0SAFE|safeguarding> hate-crime, stalking")
    admin_here("threshold stalking significance=post")  # its p = 0.03 is chance at the alerts' 1%
    change = admin_here("threshold hate-crime measure=harm")
    confirmation = alert_message(change, LONDON).text
    assert confirmation.startswith("`hate-crime` now works to ±10% in harm")
    assert confirmation.endswith(
        "\n:warning: No harm weights are loaded yet: until they are, a threshold on harm is not checked, and each "
        'digest says so. An administrator loads a set with `strandbot harm load WEIGHTS.csv --name "ONS CSS 2016"`.'
    )
    assert "No harm weights are loaded yet" in alert_message(admin_here("thresholds"), LONDON).blocks[0]["text"]["text"]

    unchecked = digest_text(database, settings, "C0SAFE")
    assert unchecked.count(":warning: Not checked:") == 1
    assert (
        ":warning: Not checked: Hate crime, Race, Religion, Sexual orientation, "
        "Disability and Transgender identity. Their thresholds are on harm, and no harm weights are loaded"
    ) in unchecked
    assert "*Stalking and harassment*" in unchecked  # still watched on counts
    assert "*Hate crime*" not in unchecked

    load_weights(database)
    weighed = digest_text(database, settings, "C0SAFE")
    assert "Not checked" not in weighed
    assert HATE_CRIME_ON_HARM in weighed


def test_a_harm_digest_names_a_strand_unchecked_even_in_a_week_with_nothing_else_to_say(database, settings, admin_here):
    store(database, ROWS)
    admin_here("subscribe <#C0SAFE|safeguarding> stalking")
    admin_here("threshold stalking measure=harm")
    [digest] = weekly_digests(database, settings, AS_OF, AS_OF.isoformat(), "C0SAFE")
    assert not digest.quiet  # posted even when quiet weeks post nothing: nobody is watching this strand
    assert digest.unweighed == ("Stalking and harassment",)


def executed(database: Database, run: Callable[[], object]) -> list[str]:
    """The SQL statements `run` sends to `database`."""
    statements: list[str] = []

    def note(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
    return statements


def test_the_digest_weighs_harm_only_when_a_threshold_watches_it_and_in_one_query_however_many_do(
    database, settings, admin_here
):
    store(database, ROWS)
    load_weights(database)
    admin_here("subscribe <#C0SAFE|safeguarding> all")

    def digests() -> list[str]:
        return executed(database, lambda: weekly_digests(database, settings, AS_OF, AS_OF.isoformat()))

    on_counts = digests()
    assert not [s for s in on_counts if "harm_weights" in s]
    admin_here("threshold hate-crime measure=harm")
    one_on_harm = digests()
    admin_here("threshold default measure=harm")
    all_on_harm = digests()
    assert len([s for s in one_on_harm if "FROM harm_weights" in s]) == 1
    assert len(all_on_harm) == len(one_on_harm)  # not a query per strand


def test_a_backtest_replays_a_harm_threshold_with_todays_weights(database, settings, admin_here):
    # 30 days ago, against the same day a year before: harm 220 against 130 in flat counts, as above.
    day = clock.today(settings.timezone) - timedelta(days=30)
    year_before = day.replace(year=day.year - 1, day=min(day.day, 28))
    store(
        database,
        occurrences("hate-crime", day.isoformat(), HATE_NOW)
        + occurrences("hate-crime", year_before.isoformat(), {"105A": 10, "8Q": 30}),
    )
    with pytest.raises(NoHarmWeights):
        admin_here("backtest hate-crime measure=harm window=rolling12")
    admin_here("threshold hate-crime measure=harm")
    on_counts = admin_here("backtest hate-crime measure=count window=rolling12")
    assert on_counts.posted_now is None
    assert "(with its current rules, ±10% in harm: not replayed, as no harm weights are loaded.)" in (
        alert_message(on_counts, LONDON).text
    )
    admin_here("threshold reset hate-crime")
    load_weights(database)

    tried = admin_here("backtest hate-crime measure=harm window=rolling12")
    assert tried.new == 1  # the rise, once: the runs after it are reminders at most
    assert tried.resolved == 0
    assert all(t.breach.harm is not None for run in tried.runs for t in run.news.told)
    assert tried.posted_now is not None  # replayed on counts too (where the spree shows in the last 7 and 28 days)
    text = alert_message(tried, LONDON).text
    assert f"Harm weighed with “{WEIGHT_SET}”, the set in use today, in every week." in text
    assert "3 occurrences without a weight: 8L 3." in text
    assert admin_here("backtest hate-crime window=rolling12").posted == 0
