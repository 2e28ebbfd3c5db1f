"""Migration 0009 (occurrences in several strands, areas): a force's database upgrades without loss."""

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import URL

from bot.store.catalogue import load_catalogue
from bot.store.db import Database, downgrade, upgrade


def test_every_stored_occurrence_keeps_its_strand_and_hate_crime_gains_its_motivations(database_url: URL):
    downgrade(database_url, "0008")
    database = Database(database_url)
    with database.engine.begin() as connection:
        ids = dict(connection.execute(text("SELECT slug, id FROM strands")).all())
        # A force that already calls something "Race": the motivation must not take that label from it.
        connection.execute(
            text("INSERT INTO strand_aliases (strand_id, alias) VALUES (:id, 'Race')"), {"id": ids["prevent"]}
        )
        for n, slug in enumerate(["hate-crime", "rape", "domestic-abuse", "hate-crime"]):
            connection.execute(
                text(
                    "INSERT INTO occurrences (source, source_id, occurred_at, strand_id) "
                    "VALUES ('records', :sid, :at, :strand)"
                ),
                {"sid": f"R{n}", "at": datetime(2024, 5, 1 + n, 12, tzinfo=UTC), "strand": ids[slug]},
            )
        connection.execute(
            text(
                "INSERT INTO occurrence_links (occurrence_id, kind, ref, role) "
                "SELECT id, 'person', 'P1', 'victim' FROM occurrences"
            )
        )
    upgrade(database_url)
    with database.engine.connect() as connection:
        kept = connection.execute(
            text(
                "SELECT o.source_id, s.slug FROM occurrences o JOIN occurrence_strands os "
                "ON os.occurrence_id = o.id JOIN strands s ON s.id = os.strand_id ORDER BY o.source_id"
            )
        ).all()
        links = connection.scalar(text("SELECT count(*) FROM occurrence_links"))
    assert kept == [("R0", "hate-crime"), ("R1", "rape"), ("R2", "domestic-abuse"), ("R3", "hate-crime")]
    assert links == 4  # rebuilding the occurrences table on SQLite cascades to nothing
    with database.session() as session:
        catalogue = load_catalogue(session)
    assert [s.slug for s in catalogue.children("hate-crime")] == [
        "hate-race",
        "hate-religion",
        "hate-sexual-orientation",
        "hate-disability",
        "hate-transgender",
    ]
    race = catalogue.get("hate-race")
    assert (race.name, race.aliases) == ("Racially motivated", ("Race/ethnicity",))  # "Race" stays with prevent
    assert catalogue.resolve("race").slug == "prevent"
    database.dispose()
