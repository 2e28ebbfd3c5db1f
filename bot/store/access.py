"""Roles and repeat-contact rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.models import StoredRepeatRule, UserRole


def stored_role(session: Session, user_id: str) -> str | None:
    return session.scalar(select(UserRole.role).where(UserRole.user_id == user_id))


def store_role(session: Session, user_id: str, role: str | None, by: str, at: datetime) -> None:
    """Give `user_id` a role, or take it away (None)."""
    session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    if role is not None:
        session.add(UserRole(user_id=user_id, role=role, granted_by=by, granted_at=at))


def stored_roles(session: Session) -> list[UserRole]:
    return list(session.scalars(select(UserRole).order_by(UserRole.role, UserRole.user_id)))


def stored_repeat_rules(session: Session) -> dict[str, StoredRepeatRule]:
    return {rule.scope: rule for rule in session.scalars(select(StoredRepeatRule))}


def store_repeat_rule(session: Session, scope: str, rule: StoredRepeatRule | None) -> None:
    """Set the rule for `scope` (a strand slug or '*'), or remove it (None)."""
    session.execute(delete(StoredRepeatRule).where(StoredRepeatRule.scope == scope))
    if rule is not None:
        session.add(rule)
