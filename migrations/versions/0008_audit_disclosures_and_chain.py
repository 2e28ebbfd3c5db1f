"""The audit log names every reference it disclosed, and is hash-chained so tampering shows.

- `audit_disclosures`: one row per person or location reference shown by an audited action, written in
  the same transaction as its audit row; append-only like the log.
- `audit_log.seq`, `prev_hash`, `row_hash`: each row's place in the chain and its hash (bot/audit_chain.py).
  Rows written before this migration are chained here, in the order they were written.
- `audit_chain_head`: one row holding the chain's length and last hash. Writers lock it to append, so
  concurrent writers queue instead of forking the chain, and `audit verify` compares it with the log's end.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from bot.audit.chain import GENESIS, row_hash

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_log rows cannot be changed or deleted"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("row_hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_disclosures",
        sa.Column("audit_id", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit_log.id"], name="fk_audit_disclosures_audit_id_audit_log"),
        sa.PrimaryKeyConstraint("audit_id", "kind", "ref", name="pk_audit_disclosures"),
    )
    op.create_index("ix_audit_disclosures_ref_kind", "audit_disclosures", ["ref", "kind"])
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_chain_head_one_row"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_chain_head"),
    )
    seq, head = _chain_existing_rows()
    op.create_index("ix_audit_log_seq", "audit_log", ["seq"], unique=True)
    op.execute(sa.text("INSERT INTO audit_chain_head (id, seq, head_hash) VALUES (1, :seq, :head)").bindparams(
        seq=seq, head=head
    ))  # fmt: skip
    _refuse_changes("audit_disclosures")
    _refuse_head_removal()


def _chain_existing_rows() -> tuple[int, str]:
    """Hash the rows already in the log, oldest first (they disclosed no recorded references)."""
    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        *(sa.column(name) for name in ("id", "seq", "via", "actor", "operator", "team", "channel", "action")),
        *(sa.column(name) for name in ("outcome", "command", "parameters", "reason", "returned")),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("prev_hash"),
        sa.column("row_hash"),
    )
    rows = bind.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    if not rows:
        return 0, GENESIS
    _allow_changes(bind, allow=True)
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        chained = {**row, "seq": seq}
        digest = row_hash(prev, chained, ())
        bind.execute(log.update().where(log.c.id == row["id"]).values(seq=seq, prev_hash=prev, row_hash=digest))
        prev = digest
    _allow_changes(bind, allow=False)
    return len(rows), prev


def _allow_changes(bind, allow: bool) -> None:
    """Lift the append-only triggers for the one-off chaining of old rows, and put them back."""
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_log {'DISABLE' if allow else 'ENABLE'} TRIGGER audit_log_append_only")
    elif allow:
        op.execute("DROP TRIGGER audit_log_no_update")
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _refuse_changes(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def _refuse_head_removal() -> None:
    """The head row is updated by every append, but never removed: without it the chain's end is unknown."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_chain_head_kept BEFORE DELETE ON audit_chain_head "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_disclosures_ref_kind", table_name="audit_disclosures")
    op.drop_table("audit_disclosures")  # its triggers go with it
    op.drop_index("ix_audit_log_seq", table_name="audit_log")
    for column in ("row_hash", "prev_hash", "seq"):
        op.drop_column("audit_log", column)
