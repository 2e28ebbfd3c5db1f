"""Occurrences in several strands, areas, and hate crime's five monitored strands.

- `occurrence_strands` links an occurrence to each strand it belongs to; every stored occurrence keeps
  the one strand it had, and `occurrences.strand_id` goes.
- `areas` (nesting like strands, with aliases) and `occurrences.area_id`.
- `daily_counts` now counts each strand with its sub-strands, distinct; `daily_area_counts` splits it by
  area. Both are emptied here and rebuilt by `strandbot db upgrade` for the force's time zone.
- A channel's subscription may be for one area.
- Each load records its rows out of scope and the areas it added.
- Hate crime's monitored strands join the catalogue as its sub-strands (where the force has not already
  used their slugs or labels).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from bot.domain.catalogue import CatalogueEntry, in_display_order, normalise

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# slug, name, aliases: the five strands of hate crime the Home Office monitors, labelled as forces do.
HATE_STRANDS = [
    ("hate-race", "Race", ["Racially motivated", "Race/ethnicity"]),
    ("hate-religion", "Religion", ["Faith", "Religiously motivated"]),
    ("hate-sexual-orientation", "Sexual orientation", []),
    ("hate-disability", "Disability", []),
    ("hate-transgender", "Transgender identity", ["Transgender"]),
]


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["areas.id"], name="fk_areas_parent_id_areas", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_areas"),
        sa.UniqueConstraint("slug", name="uq_areas_slug"),
    )
    op.create_table(
        "area_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name="fk_area_aliases_area_id_areas", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_area_aliases"),
        sa.UniqueConstraint("area_id", "alias", name="uq_area_aliases_area_id_alias"),
    )

    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "occurrence_strands",
        sa.Column("occurrence_id", big_id, nullable=False),
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["occurrences.id"],
            name="fk_occurrence_strands_occurrence_id_occurrences",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_occurrence_strands_strand_id_strands", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "strand_id", name="pk_occurrence_strands"),
    )
    op.execute(
        "INSERT INTO occurrence_strands (occurrence_id, strand_id, occurred_at) "
        "SELECT id, strand_id, occurred_at FROM occurrences"
    )
    op.create_index(
        "ix_occurrence_strands_strand_id_occurred_at",
        "occurrence_strands",
        ["strand_id", "occurred_at"],
        postgresql_include=["occurrence_id"],
    )

    op.drop_index("ix_occurrences_strand_id_occurred_at", table_name="occurrences")
    # On SQLite this rebuilds the table: migrations run with foreign keys off (migrations/env.py), so
    # dropping the old copy cascades to nothing.
    with op.batch_alter_table("occurrences") as batch:
        batch.drop_constraint("fk_occurrences_strand_id_strands", type_="foreignkey")
        batch.drop_column("strand_id")
        batch.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_occurrences_area_id_areas", "areas", ["area_id"], ["id"], ondelete="RESTRICT")
    op.create_index("ix_occurrences_area_id_occurred_at", "occurrences", ["area_id", "occurred_at"])

    # Counts now roll sub-strands up, distinct: what is stored counts each strand alone.
    op.execute("DELETE FROM daily_counts")
    op.execute("UPDATE daily_counts_zone SET time_zone = '', rebuilt_at = NULL")
    op.create_table(
        "daily_area_counts",
        sa.Column("strand_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strand_id"], ["strands.id"], name="fk_daily_area_counts_strand_id_strands", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name="fk_daily_area_counts_area_id_areas", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("strand_id", "area_id", "day", name="pk_daily_area_counts"),
    )
    op.create_index(
        "ix_daily_area_counts_strand_id_day_area_id_occurrences",
        "daily_area_counts",
        ["strand_id", "day", "area_id", "occurrences"],
    )
    op.create_index(
        "ix_daily_area_counts_area_id_day_strand_id_occurrences",
        "daily_area_counts",
        ["area_id", "day", "strand_id", "occurrences"],
    )

    with op.batch_alter_table("alert_subscriptions") as batch:
        batch.add_column(sa.Column("area", sa.String(64), nullable=False, server_default=""))
        batch.drop_constraint("pk_alert_subscriptions", type_="primary")
        batch.create_primary_key("pk_alert_subscriptions", ["channel", "scope", "area"])

    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("out_of_scope", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("areas_added", sa.Integer(), nullable=False, server_default="0"))

    _add_hate_strands()


def _add_hate_strands() -> None:
    """Each monitored strand under hate crime, unless its slug is taken; a label another strand already
    answers to is left off, so no label comes to name two strands."""
    connection = op.get_bind()
    strands = sa.table(
        "strands",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("parent_id", sa.Integer),
        sa.column("position", sa.Integer),
    )
    aliases = sa.table("strand_aliases", sa.column("strand_id", sa.Integer), sa.column("alias", sa.String))
    hate = connection.execute(sa.select(strands.c.id, strands.c.position).where(strands.c.slug == "hate-crime")).first()
    if hate is None:  # the force removed or renamed hate crime's slug: its catalogue is its own business
        return
    rows = connection.execute(sa.select(strands.c.slug, strands.c.name)).all()
    taken = {normalise(label) for row in rows for label in row}
    taken |= {normalise(a) for (a,) in connection.execute(sa.select(aliases.c.alias))}
    for offset, (slug, name, alias_list) in enumerate(HATE_STRANDS, start=1):
        labels = [label for label in (name, *alias_list) if normalise(label) not in taken]
        if normalise(slug) in taken or not labels:
            continue
        taken |= {normalise(slug), *(normalise(label) for label in labels)}
        strand_id = connection.execute(
            sa.insert(strands)
            .values(slug=slug, name=labels[0], parent_id=hate.id, position=hate.position + offset)
            .returning(strands.c.id)
        ).scalar_one()
        for alias in labels[1:]:
            connection.execute(sa.insert(aliases).values(strand_id=strand_id, alias=alias))
    # Number every strand afresh in display order, as a full `strands load` would: an export then loads back
    # with nothing "updated".
    rows = connection.execute(
        sa.select(strands.c.id, strands.c.slug, strands.c.parent_id).order_by(strands.c.position, strands.c.id)
    ).all()
    slug_of = {row.id: row.slug for row in rows}
    id_of = {row.slug: row.id for row in rows}
    ordered = in_display_order(CatalogueEntry(row.slug, row.slug, slug_of.get(row.parent_id)) for row in rows)
    for index, entry in enumerate(ordered, start=1):
        connection.execute(sa.update(strands).where(strands.c.id == id_of[entry.slug]).values(position=index * 10))


def downgrade() -> None:
    """Back to one strand per occurrence: each keeps its first strand by ID (a hate crime motivation becomes
    hate crime), and loses the others, its area, and area subscriptions; the motivations leave the
    catalogue. Only for going back before upgrading again: restore a backup to undo for real."""
    with op.batch_alter_table("occurrences") as batch:
        batch.add_column(sa.Column("strand_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE occurrences SET strand_id = "
        "(SELECT min(strand_id) FROM occurrence_strands WHERE occurrence_id = occurrences.id)"
    )
    # Only the strands this migration could have added: a force's own `hate-*` strand elsewhere stays.
    motivations = ", ".join(f"'{slug}'" for slug, _, _ in HATE_STRANDS)
    motivation_ids = (
        f"SELECT id FROM strands WHERE slug IN ({motivations}) "
        "AND parent_id = (SELECT id FROM strands WHERE slug = 'hate-crime')"
    )
    op.execute(
        "UPDATE occurrences SET strand_id = (SELECT id FROM strands WHERE slug = 'hate-crime') "
        f"WHERE strand_id IN ({motivation_ids})"
    )
    op.drop_index("ix_occurrences_area_id_occurred_at", table_name="occurrences")
    with op.batch_alter_table("occurrences") as batch:
        batch.drop_constraint("fk_occurrences_area_id_areas", type_="foreignkey")
        batch.drop_column("area_id")
        batch.alter_column("strand_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_occurrences_strand_id_strands", "strands", ["strand_id"], ["id"], ondelete="RESTRICT"
        )
    op.create_index(
        "ix_occurrences_strand_id_occurred_at",
        "occurrences",
        ["strand_id", "occurred_at"],
        postgresql_include=["id"],
    )
    op.drop_table("occurrence_strands")
    op.drop_table("daily_area_counts")
    op.execute(f"DELETE FROM daily_counts WHERE strand_id IN ({motivation_ids})")
    op.execute(f"DELETE FROM strand_aliases WHERE strand_id IN ({motivation_ids})")
    op.execute(f"DELETE FROM strands WHERE id IN ({motivation_ids})")
    op.execute("DELETE FROM daily_counts")
    op.execute("UPDATE daily_counts_zone SET time_zone = '', rebuilt_at = NULL")
    op.execute("DELETE FROM alert_subscriptions WHERE area <> ''")
    with op.batch_alter_table("alert_subscriptions") as batch:
        batch.drop_constraint("pk_alert_subscriptions", type_="primary")
        batch.create_primary_key("pk_alert_subscriptions", ["channel", "scope"])
        batch.drop_column("area")
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("areas_added")
        batch.drop_column("out_of_scope")
    op.drop_table("area_aliases")
    op.drop_table("areas")
