"""Migration 0015 (alerts as news, counting-rule breaks): thresholds set before it follow the shipped reminder,
break and early-year rules, and going back down keeps every other part."""

from datetime import UTC, date, datetime

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from bot.alerts.records import CountingBreak
from bot.alerts.thresholds import threshold_for
from bot.store.alerts import add_counting_break, counting_breaks, stored_thresholds
from bot.store.catalogue import load_catalogue
from bot.store.db import Database, downgrade, upgrade


def test_thresholds_set_before_follow_the_shipped_news_rules_and_survive_the_way_back_down(database_url: URL):
    downgrade(database_url, "0014")
    database = Database(database_url)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO breach_thresholds (scope, percent, direction, changed_by, changed_at) "
                "VALUES ('hate-crime', 15, 'up', 'U0ADMIN', :at)"
            ),
            {"at": datetime(2026, 11, 1, tzinfo=UTC)},
        )
    upgrade(database_url)
    with database.session() as session:
        stored = stored_thresholds(session)
        assert (stored["hate-crime"].remind_weeks, stored["hate-crime"].breaks) == (None, None)
        threshold = threshold_for("hate-crime", load_catalogue(session), stored)
        assert (threshold.percent, threshold.remind_weeks, threshold.breaks, threshold.early_weeks) == (
            15.0, 4, "mark", 8
        )  # fmt: skip
        change = CountingBreak("domestic-abuse", date(2023, 6, 1), "Home Office rules", "U0ADMIN", datetime.now(UTC))
        assert add_counting_break(session, change)
        assert not add_counting_break(session, change)  # one a day
    with database.session() as session:
        assert [b.day for b in counting_breaks(session)] == [date(2023, 6, 1)]

    downgrade(database_url, "0014")
    assert "counting_breaks" not in inspect(database.engine).get_table_names()
    with database.engine.connect() as connection:
        kept = connection.execute(text("SELECT scope, percent, direction FROM breach_thresholds")).all()
    assert kept == [("hate-crime", 15.0, "up")]
    upgrade(database_url)
    database.dispose()
