"""The audit log's rows as the rest of strandbot sees them: plain values, read from and written to the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    """One access to personal data, refusal or privilege change (Data Protection Act 2018, s.62).

    `id`, `seq`, `prev_hash` and `row_hash` are set by the store when the entry is appended to the chain."""

    at: datetime
    via: str  # slack | cli | ask
    actor: str  # Slack user ID, or the operating-system user
    action: str
    outcome: str  # shown | refused | changed
    command: str  # exactly what was typed
    operator: str | None = None  # who at the command line played `actor` (ask)
    team: str | None = None
    channel: str | None = None
    parameters: str | None = None  # the query as run, JSON
    reason: str | None = None
    returned: int | None = None  # people or places shown
    id: int | None = None
    seq: int | None = None
    prev_hash: str | None = None
    row_hash: str | None = None
