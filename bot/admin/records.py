"""Roles as stored, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class UserRole:
    """What a Slack user may see beyond strand statistics. No row means an officer."""

    user_id: str
    role: str  # analyst | supervisor | admin
    granted_by: str
    granted_at: datetime
