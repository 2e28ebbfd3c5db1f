"""End to end: `/repeats … rank=harm top=20` signed as Slack signs it and dispatched to the Bolt app in process."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import LONDON, Served, all_text, load_weights, stocked_database
from slack_sdk.models.blocks import Block

from bot.slack.testing import DispatchedApp
from bot.store.db import Database

SECRET = "5b7d9f1a3c5e7a9b1d3f5a7c9e1b3d5f"
ADMIN, ANALYST = "U0ADMIN", "U0ANALYST"
REASON = "Offender management meeting, 14 Nov"
# A name with Slack markup in it: the weights' name is an administrator's text, shown escaped.
WEIGHTS_NAME = "Force index <!channel> & co"
# 25 offenders in the last 12 months: P00 … P24, each twice with their own code weighing (n + 1), so P24 did
# the most harm; P24 also once more with a code that has no weight. Each occurrence has a victim too, and
# three occurrences have nobody linked: they are in the strand's harm but nobody's.
WEIGHTS = {f"C{n:02d}": float(n + 1) for n in range(25)} | {"NOBODY": 10.0}


def days_ago(days: int) -> datetime:
    return datetime.now(LONDON).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=days)


OCCURRENCES = (
    [
        (
            "domestic-abuse",
            days_ago(10 + 7 * n + day),
            [("person", f"P{n:02d}", "offender"), ("person", f"V{n:02d}", "victim")],
            None,
            f"C{n:02d}",
        )
        for n in range(25)
        for day in (0, 3)
    ]
    + [("domestic-abuse", days_ago(5), [("person", "P24", "offender")], None, "8L")]
    + [("domestic-abuse", days_ago(20 + day), [], None, "NOBODY") for day in range(3)]
)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, slack):
    with stocked_database(request, request.param, OCCURRENCES) as url:
        database = Database(url)
        load_weights(database, WEIGHTS, WEIGHTS_NAME)
        database.dispose()
        app = DispatchedApp(
            url.render_as_string(hide_password=False), slack, SECRET, environment={"STRANDBOT_ADMINS": ADMIN}
        )
        status, answer = app.command(slack, f"role <@{ANALYST}|analyst> analyst", ADMIN, command="/strand-admin")
        assert status == 200 and "is now an analyst" in answer["text"], answer
        yield Served(app, url)
        app.stop()


def table_lines(message: dict) -> list[str]:
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    return [line for text in sections if text.startswith("```") for line in text.strip("`").splitlines()]


def test_the_offenders_who_did_the_most_harm_with_their_share_of_the_strands(served, slack):
    typed = f'domestic-abuse 12m by=person role=offender rank=harm top=20 reason:"{REASON}"'
    status, answer = served.app.command(slack, typed, ANALYST, command="/repeats")
    assert status == 200 and answer["response_type"] == "ephemeral"
    shown = all_text(answer)
    assert "Repeat contact: Domestic abuse" in shown
    assert "people with 2 or more occurrences (as offender), the 20 with the most harm" in shown
    assert "*25 people* on the list" in shown
    listed_harm = sum(2 * (n + 1) for n in range(5, 25))  # the 20 listed: P05 … P24
    strand_harm = sum(2 * (n + 1) for n in range(25)) + 3 * 10
    share = round(100 * listed_harm / strand_harm)
    assert f"These 20 account for {share}% of domestic-abuse harm ({listed_harm:,}.0 of {strand_harm:,}.0)." in shown
    assert (
        "Harm weighed with “Force index &lt;!channel&gt; &amp; co”. 1 of their occurrences has no weight: 8L 1."
        in shown
    )
    lines = table_lines(answer)
    assert lines[0].split()[:5] == ["#", "Reference", "Occurrences", "Harm", "Share"]
    rows = [line.split() for line in lines[2:]]
    assert [row[1] for row in rows] == [f"P{n:02d}" for n in range(24, 4, -1)]
    assert rows[0][:5] == ["1", "P24", "3", "50.0", f"{100 * 50 / strand_harm:.1f}%"]
    assert "V0" not in shown and "P04" not in shown
    assert [b["type"] for b in answer["blocks"]].count("actions") == 0  # 20 fit on one page: no buttons
    assert len(Block.parse_all(answer["blocks"])) == len(answer["blocks"]) <= 50


def test_the_audit_row_records_the_rank_and_top_and_the_twenty_shown(served, slack):
    typed = f'domestic-abuse 12m by=person role=offender rank=harm top=20 reason:"{REASON}"'
    served.app.command(slack, typed, ANALYST, command="/repeats")
    row = served.audit()[-1]
    assert (row.actor, row.action, row.outcome, row.command, row.reason, row.returned) == (
        ANALYST,
        "repeats.list",
        "shown",
        f"/repeats {typed}",
        REASON,
        20,
    )
    parameters = json.loads(row.parameters)
    assert (parameters["rank"], parameters["top"], parameters["weights"], parameters["people"]) == (
        "harm",
        20,
        WEIGHTS_NAME,
        25,
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (f'domestic-abuse 12m rank=worst reason:"{REASON}"', "rank=worst is not known"),
        (f'domestic-abuse 12m rank=harm top=0 reason:"{REASON}"', "top=0 is out of range: from 1 to 500"),
        (f'domestic-abuse 12m rank=harm top=lots reason:"{REASON}"', "top=lots is not a whole number"),
        ("domestic-abuse trend rank=harm", "rank= and top= order and cut one list"),
    ],
)
def test_bad_rank_and_top_values_get_a_short_answer_and_show_nobody(served, slack, typed, expected):
    before = len(served.audit())
    status, answer = served.app.command(slack, typed, ANALYST, command="/repeats")
    assert status == 200
    assert expected in all_text(answer)
    assert "P2" not in all_text(answer) and "Traceback" not in all_text(answer)
    assert len(served.audit()) == before


def test_the_help_shows_rank_and_top(served, slack):
    _, answer = served.app.command(slack, "help", ANALYST, command="/repeats")
    assert "rank=count|harm" in all_text(answer) and "top=N" in all_text(answer)
