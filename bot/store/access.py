"""Roles and repeat-contact rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.admin.records import UserRole
from bot.repeats.records import StoredRepeatRule
from bot.store import models
from bot.store.db import record_of, values_of


def stored_role(session: Session, user_id: str) -> str | None:
    return session.scalar(select(models.UserRole.role).where(models.UserRole.user_id == user_id))


def store_role(session: Session, user_id: str, role: str | None, by: str, at: datetime) -> None:
    """Give `user_id` a role, or take it away (None)."""
    session.execute(delete(models.UserRole).where(models.UserRole.user_id == user_id))
    if role is not None:
        session.add(models.UserRole(user_id=user_id, role=role, granted_by=by, granted_at=at))


def stored_roles(session: Session) -> list[UserRole]:
    rows = session.scalars(select(models.UserRole).order_by(models.UserRole.role, models.UserRole.user_id))
    return [record_of(UserRole, row) for row in rows]


def stored_repeat_rules(session: Session) -> dict[str, StoredRepeatRule]:
    return {row.scope: record_of(StoredRepeatRule, row) for row in session.scalars(select(models.StoredRepeatRule))}


def store_repeat_rule(session: Session, scope: str, rule: StoredRepeatRule | None) -> None:
    """Set the rule for `scope` (a strand slug or '*'), or remove it (None)."""
    session.execute(delete(models.StoredRepeatRule).where(models.StoredRepeatRule.scope == scope))
    if rule is not None:
        session.add(models.StoredRepeatRule(**values_of(rule)))
