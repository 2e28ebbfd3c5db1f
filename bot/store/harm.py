"""Harm weight sets: every set a force loads, kept; the newest is the one in use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.domain.harm import WeightSet
from bot.harm.records import CodeWeight, WeightSetRecord
from bot.store.models import HarmWeight, HarmWeightSet


def current_weights(session: Session) -> WeightSet | None:
    """The newest set, the one every harm figure uses; None if none was ever loaded."""
    newest = _newest(session)
    return None if newest is None else _weight_set(session, newest)


def current_weight_set_id(session: Session) -> int | None:
    """The newest set's id: what a query that weighs in SQL joins `harm_weights` on, and records so that it
    can be run again with the same weights."""
    newest = _newest(session)
    return None if newest is None else newest.id


def weight_set(session: Session, set_id: int) -> WeightSet | None:
    """Set `set_id`, in use or kept on record; None if there is no such set."""
    row = session.get(HarmWeightSet, set_id)
    return None if row is None else _weight_set(session, row)


def add_weight_set(
    session: Session,
    name: str,
    file_name: str,
    file_sha256: str,
    loaded_by: str,
    loaded_at: datetime,
    weights: Iterable[CodeWeight],
) -> WeightSetRecord:
    """Store a new set, which becomes the one in use; the sets before it stay on record."""
    rows = list(weights)
    record = HarmWeightSet(
        name=name,
        file_name=file_name,
        file_sha256=file_sha256,
        loaded_by=loaded_by,
        loaded_at=loaded_at,
        codes=len(rows),
    )
    session.add(record)
    session.flush()
    if rows:
        session.execute(
            insert(HarmWeight),
            [
                {"set_id": record.id, "offence_code": w.offence_code, "weight": w.weight, "description": w.description}
                for w in rows
            ],
        )
    return _record(record)


def weight_sets(session: Session) -> list[WeightSetRecord]:
    """Every set ever loaded, newest (the one in use) first."""
    return [_record(row) for row in session.scalars(select(HarmWeightSet).order_by(HarmWeightSet.id.desc()))]


def stored_weights(session: Session, set_id: int) -> list[CodeWeight]:
    """One set's weights (in no particular order: collations differ)."""
    rows = session.execute(
        select(HarmWeight.offence_code, HarmWeight.weight, HarmWeight.description).where(HarmWeight.set_id == set_id)
    ).all()
    return [CodeWeight(*row) for row in rows]


def weight_set_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(HarmWeightSet)) or 0


def _newest(session: Session) -> HarmWeightSet | None:
    return session.scalars(select(HarmWeightSet).order_by(HarmWeightSet.id.desc()).limit(1)).first()


def _weight_set(session: Session, row: HarmWeightSet) -> WeightSet:
    weights = dict(
        session.execute(select(HarmWeight.offence_code, HarmWeight.weight).where(HarmWeight.set_id == row.id)).all()
    )
    return WeightSet(row.name, row.loaded_at, row.loaded_by, weights)


def _record(row: HarmWeightSet) -> WeightSetRecord:
    return WeightSetRecord(row.id, row.name, row.file_name, row.file_sha256, row.loaded_by, row.loaded_at, row.codes)
