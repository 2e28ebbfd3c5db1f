"""The default strand catalogue (National Vulnerability Action Plan strands, as forces label them).

The catalogue is data: after this migration, forces change it with `strandbot strands load`.
This revision is a snapshot and must not change once released.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# slug, parent slug, name, aliases: parents come before their sub-strands.
DEFAULT_CATALOGUE = [
    ("adult-at-risk", None, "Adult at risk", ["Adult At Risk PPNs", "AAR"]),
    ("child-at-risk", None, "Child at risk", ["Child At Risk PPNs", "CAR"]),
    ("domestic-abuse", None, "Domestic abuse", ["Domestic Abuse Crime", "DA"]),
    ("hate-crime", None, "Hate crime", ["Hate"]),
    ("mappa", None, "MAPPA nominals", ["MOSOVO", "Management of sexual or violent offenders"]),
    ("mental-health", None, "Mental health", ["MH"]),
    ("modern-slavery", None, "Modern slavery & human trafficking", ["MSHT", "Human trafficking"]),
    ("prevent", None, "Prevent", []),
    ("stalking-harassment", None, "Stalking and harassment", ["Stalking"]),
    ("child-protection", None, "Child protection, CSE/A & missing children", []),
    ("child-abuse", "child-protection", "Child abuse", []),
    ("cse", "child-protection", "CSE", ["Child sexual exploitation", "CSEA"]),
    ("missing-children", "child-protection", "Missing children", ["Missing"]),
    ("harmful-practices", None, "Harmful practices", []),
    ("fgm", "harmful-practices", "FGM", ["Female genital mutilation"]),
    ("forced-marriage", "harmful-practices", "Forced marriage", []),
    ("hbv", "harmful-practices", "HBV", ["HBA", "Honour-based violence", "Honour-based abuse"]),
    ("sexual-offences", None, "Rape and other sexual offences", ["RASSO"]),
    ("rape", "sexual-offences", "Rape", []),
    ("other-sexual-offences", "sexual-offences", "Other sexual offences", []),
    ("suicide", None, "Suicide and attempted suicide", ["Suicides & attempted suicide"]),
    ("suicides", "suicide", "Suicides", []),
    ("attempted-suicides", "suicide", "Attempted suicides", []),
]

strands = sa.table(
    "strands",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("name", sa.String),
    sa.column("parent_id", sa.Integer),
    sa.column("position", sa.Integer),
)
strand_aliases = sa.table("strand_aliases", sa.column("strand_id", sa.Integer), sa.column("alias", sa.String))


def upgrade() -> None:
    connection = op.get_bind()
    ids: dict[str, int] = {}
    for position, (slug, parent, name, aliases) in enumerate(DEFAULT_CATALOGUE, start=1):
        ids[slug] = connection.execute(
            sa.insert(strands)
            .values(slug=slug, name=name, parent_id=ids.get(parent), position=position * 10)
            .returning(strands.c.id)
        ).scalar_one()
        for alias in aliases:
            connection.execute(sa.insert(strand_aliases).values(strand_id=ids[slug], alias=alias))


def downgrade() -> None:
    connection = op.get_bind()
    slugs = [slug for slug, *_ in DEFAULT_CATALOGUE]
    ids = sa.select(strands.c.id).where(strands.c.slug.in_(slugs))
    connection.execute(sa.delete(strand_aliases).where(strand_aliases.c.strand_id.in_(ids)))
    # Sub-strands first: a parent cannot go while its children point at it.
    for slug in reversed(slugs):
        connection.execute(sa.delete(strands).where(strands.c.slug == slug))
