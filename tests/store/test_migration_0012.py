"""Migration 0012 (offence codes on occurrence_strands): the codes already stored are carried over."""

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import URL

from bot.store.db import Database, downgrade, upgrade


def test_each_strand_row_gets_its_occurrences_code(database_url: URL):
    downgrade(database_url, "0011")
    database = Database(database_url)
    with database.engine.begin() as connection:
        ids = dict(connection.execute(text("SELECT slug, id FROM strands")).all())
        for source_id, code in (("R1", "19C"), ("R2", None)):
            connection.execute(
                text(
                    "INSERT INTO occurrences (source, source_id, occurred_at, offence_code) "
                    "VALUES ('records', :sid, :at, :code)"
                ),
                {"sid": source_id, "at": datetime(2024, 5, 1, 12, tzinfo=UTC), "code": code},
            )
        connection.execute(
            text(
                "INSERT INTO occurrence_strands (occurrence_id, strand_id, occurred_at) "
                "SELECT o.id, s.id, o.occurred_at FROM occurrences o, strands s WHERE s.id IN (:da, :rape)"
            ),
            {"da": ids["domestic-abuse"], "rape": ids["rape"]},
        )
    upgrade(database_url)
    with database.engine.connect() as connection:
        carried = connection.execute(
            text(
                "SELECT o.source_id, s.slug, os.offence_code FROM occurrence_strands os "
                "JOIN occurrences o ON o.id = os.occurrence_id JOIN strands s ON s.id = os.strand_id "
                "ORDER BY o.source_id, s.slug"
            )
        ).all()
    assert carried == [
        ("R1", "domestic-abuse", "19C"),
        ("R1", "rape", "19C"),
        ("R2", "domestic-abuse", None),
        ("R2", "rape", None),
    ]
    database.dispose()
