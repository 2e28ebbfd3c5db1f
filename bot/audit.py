"""The audit log: who saw or was refused personal data, or changed who may see it, when, and why.

The Data Protection Act 2018 (Part 3, s.62) asks law-enforcement processing to log every consultation
and disclosure: who, when, and the justification. Rows are only ever added (the database refuses updates
and deletes); `strandbot audit` is how a data-protection officer reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import AuditEntry
from bot.periods import local_midnight_utc
from bot.repository import append_audit, audit_entries
from bot.settings import Settings


@dataclass(frozen=True)
class Actor:
    """Who is asking: a Slack user (with workspace and channel), or an operating-system user at the CLI.

    `operator` is set when someone at the command line plays a Slack user (`strandbot ask --user`): the
    user's role applies, and the audit log names the operator too."""

    user: str
    via: str = "slack"  # slack | cli | ask
    team: str | None = None
    channel: str | None = None
    operator: str | None = None


def record(
    session: Session,
    actor: Actor,
    action: str,
    outcome: str,
    command: str,
    parameters: dict | None = None,
    reason: str | None = None,
    returned: int | None = None,
) -> AuditEntry:
    """Add one row to the audit log, in the caller's transaction: if the row can't be written, nothing is shown."""
    return append_audit(
        session,
        AuditEntry(
            at=datetime.now(UTC),
            via=actor.via,
            actor=actor.user[:100],
            operator=actor.operator,
            team=actor.team,
            channel=actor.channel,
            action=action,
            outcome=outcome,
            command=command,
            parameters=None if parameters is None else json.dumps(parameters, sort_keys=True),
            reason=reason,
            returned=returned,
        ),
    )


def review(
    database: Database, settings: Settings, since: date | None = None, user: str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Audit rows, oldest first: from local midnight starting `since`, for one user (as the actor, or as the
    operator who played one), or the newest `limit`."""
    start = None if since is None else local_midnight_utc(since, settings.timezone)
    with database.session() as session:
        return audit_entries(session, start, user, limit)
