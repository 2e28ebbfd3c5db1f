"""The audit log: appended to a hash chain, with the references each action disclosed, and its reviews."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.audit.chain import CHAINED_COLUMNS, row_hash
from bot.audit.records import AuditEntry
from bot.errors import AuditLogBroken
from bot.store.db import record_of, values_of
from bot.store.models import AuditChainHead, AuditDisclosure
from bot.store.models import AuditEntry as AuditRow


def append_audit(session: Session, record: AuditEntry, disclosed: Sequence[tuple[str, str]] = ()) -> AuditEntry:
    """Add `record` and the (kind, ref) pairs it disclosed to the end of the hash chain.

    The UPDATE of the chain's head row comes first: it locks that row until commit (PostgreSQL) or takes
    the database's write lock (SQLite), so concurrent writers queue here and each chains onto the last."""
    head = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.head_hash)
    ).one_or_none()
    if head is None:
        raise AuditLogBroken()
    seq, prev = head
    disclosed = sorted(set(disclosed))
    entry = AuditRow(**values_of(record))
    entry.seq, entry.prev_hash = seq, prev
    entry.row_hash = row_hash(prev, {name: getattr(entry, name) for name in CHAINED_COLUMNS}, disclosed)
    session.add(entry)
    session.flush()  # assigns the id, which paging buttons and disclosures refer to
    if disclosed:
        session.execute(
            insert(AuditDisclosure.__table__),
            [{"audit_id": entry.id, "kind": kind, "ref": ref} for kind, ref in disclosed],
        )
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(head_hash=entry.row_hash))
    return record_of(AuditEntry, entry)


def audit_entry(session: Session, entry_id: int) -> AuditEntry | None:
    row = session.get(AuditRow, entry_id)
    return None if row is None else record_of(AuditEntry, row)


def audit_entries(session: Session, since: datetime | None, actor: str | None, limit: int | None) -> list[AuditEntry]:
    """Oldest first, as a reviewer reads them."""
    query = select(AuditRow)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if actor is not None:
        query = query.where(or_(AuditRow.actor == actor, AuditRow.operator == actor))
    if limit is not None:
        newest = query.order_by(AuditRow.id.desc()).limit(limit).subquery()
        query = select(AuditRow).join(newest, newest.c.id == AuditRow.id)
    return [record_of(AuditEntry, row) for row in session.scalars(query.order_by(AuditRow.id))]


@dataclass(frozen=True)
class Disclosure:
    """One reference shown by one audited action."""

    entry: AuditEntry
    kind: str
    ref: str


def disclosures_of(session: Session, ref: str, kind: str | None, since: datetime | None) -> list[Disclosure]:
    """Every time `ref` (in any case) was shown (as a person or location, or either), oldest first."""
    query = (
        select(AuditRow, AuditDisclosure.kind, AuditDisclosure.ref)
        .join(AuditDisclosure, AuditDisclosure.audit_id == AuditRow.id)
        .where(func.lower(AuditDisclosure.ref) == ref.lower())  # a DPO may type a reference in any case
        .order_by(AuditRow.id, AuditDisclosure.kind)
    )
    if kind is not None:
        query = query.where(AuditDisclosure.kind == kind)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    return [Disclosure(record_of(AuditEntry, row), kind, ref) for row, kind, ref in session.execute(query)]


@dataclass(frozen=True)
class UserActivity:
    """One user's use of personal data in a period, for a data-protection officer's review."""

    user: str
    lists: int  # repeat-contact lists shown (first pages)
    pages: int  # further pages of them
    references: int  # distinct people and places shown
    refusals: int
    reasons: tuple[str, ...]  # distinct reasons given, oldest first


def user_activity(session: Session, since: datetime) -> list[UserActivity]:
    """Per user (the actor of each audit row), from `since`: lists, pages, distinct references, refusals."""
    recent = AuditRow.at >= since
    counted = session.execute(
        select(
            AuditRow.actor,
            func.count().filter(AuditRow.action == "repeats.list", AuditRow.outcome == "shown"),
            func.count().filter(AuditRow.action == "repeats.page", AuditRow.outcome == "shown"),
            func.count().filter(AuditRow.outcome == "refused"),
        )
        .where(recent)
        .group_by(AuditRow.actor)
    ).all()
    seen = (
        select(AuditRow.actor, AuditDisclosure.kind, AuditDisclosure.ref)
        .join(AuditDisclosure, AuditDisclosure.audit_id == AuditRow.id)
        .where(recent)
        .distinct()
        .subquery()
    )
    references = dict(session.execute(select(seen.c.actor, func.count()).group_by(seen.c.actor)).all())
    reasons: dict[str, list[str]] = {}
    for actor, reason in session.execute(
        select(AuditRow.actor, AuditRow.reason)
        .where(recent, AuditRow.reason.is_not(None))
        .group_by(AuditRow.actor, AuditRow.reason)
        .order_by(AuditRow.actor, func.min(AuditRow.id))
    ):
        reasons.setdefault(actor, []).append(reason)
    return [
        UserActivity(actor, lists, pages, references.get(actor, 0), refusals, tuple(reasons.get(actor, ())))
        for actor, lists, pages, refusals in counted
    ]


@dataclass(frozen=True)
class ChainLink:
    """One audit row as the chain sees it: what was stored, and the references stored beside it."""

    id: int
    seq: int | None
    prev_hash: str | None
    row_hash: str | None
    content: dict
    disclosed: tuple[tuple[str, str], ...]


def audit_chain(session: Session, batch: int = 5000) -> Iterator[ChainLink]:
    """Every audit row in the order written (by id: ids are drawn while the chain's head is locked), a batch
    at a time, each with the references recorded beside it."""
    after = -1
    while True:
        entries = session.scalars(select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id).limit(batch)).all()
        if not entries:
            return
        disclosed: dict[int, list[tuple[str, str]]] = {}
        for audit_id, kind, ref in session.execute(
            select(AuditDisclosure.audit_id, AuditDisclosure.kind, AuditDisclosure.ref).where(
                AuditDisclosure.audit_id.between(entries[0].id, entries[-1].id)
            )
        ):
            disclosed.setdefault(audit_id, []).append((kind, ref))
        for entry in entries:
            content = {name: getattr(entry, name) for name in CHAINED_COLUMNS}
            yield ChainLink(
                entry.id, entry.seq, entry.prev_hash, entry.row_hash, content, tuple(disclosed.get(entry.id, ()))
            )
        after = entries[-1].id
        session.expunge_all()  # a long log must not pile up in the session


def audit_chain_head(session: Session) -> tuple[int, str] | None:
    """The chain's length and last hash as the head row records them."""
    head = session.get(AuditChainHead, 1)
    return None if head is None else (head.seq, head.head_hash)
