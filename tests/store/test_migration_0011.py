"""Migration 0011 (thresholds may watch harm): every threshold set before it keeps watching counts, and going
back down keeps every other part."""

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import URL

from bot.alerts.records import BreachThreshold
from bot.alerts.thresholds import threshold_for
from bot.store.alerts import store_threshold, stored_thresholds
from bot.store.catalogue import load_catalogue
from bot.store.db import Database, downgrade, upgrade


def test_thresholds_set_before_watch_counts_and_survive_the_way_back_down(database_url: URL):
    downgrade(database_url, "0010")
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
        assert stored["hate-crime"].measure is None
        assert threshold_for("hate-crime", load_catalogue(session), stored).measure == "count"
        row = BreachThreshold("domestic-abuse", measure="harm", changed_by="U0ADMIN", changed_at=datetime.now(UTC))
        store_threshold(session, "domestic-abuse", row)

    downgrade(database_url, "0010")
    with database.engine.connect() as connection:
        kept = connection.execute(text("SELECT scope, percent, direction FROM breach_thresholds ORDER BY scope")).all()
    assert kept == [("domestic-abuse", None, None), ("hate-crime", 15.0, "up")]
    upgrade(database_url)
    database.dispose()
