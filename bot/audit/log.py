"""The audit log: who saw or was refused personal data, or changed who may see it, when, and why.

The Data Protection Act 2018 (Part 3, s.62) asks law-enforcement processing to log every consultation
and disclosure: who, when, and the justification. Rows are only ever added (the database refuses updates
and deletes); each names the references it disclosed, so "who has seen N1001, when and why?" has an
answer; and each is hash-chained to the one before, so a row changed, removed or inserted behind the
triggers' back is found by `verify_chain`. `strandbot audit` is how a data-protection officer reads them."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.audit.chain import GENESIS, row_hash
from bot.audit.records import AuditEntry
from bot.domain.periods import local_midnight_utc
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.audit import (
    ChainLink,
    Disclosure,
    UserActivity,
    append_audit,
    audit_chain,
    audit_chain_head,
    audit_entries,
    disclosures_of,
    user_activity,
)
from bot.store.db import Database, Session


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
    disclosed: Sequence[tuple[str, str]] = (),
) -> AuditEntry:
    """Add one row to the audit log, with the (kind, ref) pairs it disclosed, in the caller's transaction: if
    the row can't be written, nothing is shown."""
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
        disclosed,
    )


def review(
    database: Database, settings: Settings, since: date | None = None, user: str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Audit rows, oldest first: from local midnight starting `since`, for one user (as the actor, or as the
    operator who played one), or the newest `limit`."""
    start = None if since is None else local_midnight_utc(since, settings.timezone)
    with database.session() as session:
        return audit_entries(session, start, user, limit)


def disclosures(
    database: Database, settings: Settings, ref: str, kind: str | None = None, since: date | None = None
) -> list[Disclosure]:
    """Every time `ref` was shown to anyone (from local midnight starting `since`), oldest first."""
    start = None if since is None else local_midnight_utc(since, settings.timezone)
    with database.session() as session:
        return disclosures_of(session, ref.strip(), kind, start)


# A user is flagged for review when they saw far more people than their peers: more than this many
# times the median of the other users who saw any, and at least FLAG_MIN_REFERENCES. A median ignores
# one other heavy user; the floor keeps a quiet month (3 against a median of 1) from flagging anyone.
FLAG_TIMES_PEERS = 3
FLAG_MIN_REFERENCES = 20


@dataclass(frozen=True)
class ReviewLine:
    activity: UserActivity
    peers_median: float | None  # the other users' median distinct references; None without peers
    flagged: bool


def activity_report(database: Database, settings: Settings, since: date) -> list[ReviewLine]:
    """Each user's lists, distinct references, refusals and reasons since `since`, most references first,
    flagged by the rule above."""
    with database.session() as session:
        activity = user_activity(session, local_midnight_utc(since, settings.timezone))
    lines = []
    for user in activity:
        peers = [other.references for other in activity if other.user != user.user and other.references]
        median = statistics.median(peers) if peers else None
        flagged = (
            median is not None
            and user.references >= FLAG_MIN_REFERENCES
            and user.references > FLAG_TIMES_PEERS * median
        )
        lines.append(ReviewLine(user, median, flagged))
    return sorted(lines, key=lambda line: (-line.activity.references, line.activity.user))


@dataclass(frozen=True)
class ChainCheck:
    """What walking the chain found: its length and head, and the first problem (None if it holds)."""

    length: int
    head_hash: str
    problem: str | None = None
    row_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def chain_head(database: Database) -> tuple[int, str]:
    """The audit chain's length and head hash as recorded (cheap: one row; `verify_chain` checks them)."""
    with database.session() as session:
        return audit_chain_head(session) or (0, GENESIS)


def verify_chain(database: Database, noted_head: str | None = None) -> ChainCheck:
    """Walk the audit log in the order written, recomputing every row's hash; the first row that was changed,
    removed or inserted out of order, else the chain's length and head. `noted_head`, a head hash noted
    earlier, must still be on the chain (so rows removed from the end since then are found too)."""
    if noted_head is not None:
        noted_head = checked_head(noted_head)
    length, prev, noted_found = 0, GENESIS, noted_head is None
    with database.session() as session:
        for link in audit_chain(session):
            if problem := _broken_link(link, length + 1, prev):
                return ChainCheck(length, prev, problem, link.id)
            length, prev = length + 1, link.row_hash
            noted_found = noted_found or prev == noted_head
        head = audit_chain_head(session)
    if head is None and length:
        problem = f"the chain's head record is missing ({length} rows are on the log): it was deleted"
    elif head is not None and head[0] > length:
        problem = f"the last {head[0] - length} row(s) were removed: the chain's head records {head[0]} rows"
    elif head is not None and head != (length, prev):
        problem = f"the chain's head record ({head[0]} rows, {head[1]}) does not match the log"
    elif not noted_found:
        problem = f"the noted head {noted_head} is not on the chain: rows up to it were changed or removed"
    else:
        problem = None
    return ChainCheck(length, prev, problem)


HEAD_HASH = re.compile(r"^[0-9a-f]{64}$")


def checked_head(text: str) -> str:
    """A noted head hash as typed (any case, stray spaces), or InvalidRequest if it is not one."""
    head = text.strip().lower()
    if not HEAD_HASH.match(head):
        raise InvalidRequest(
            f"“{text.strip()}” is not a head hash: `audit verify` prints one as 64 characters 0-9 and a-f; "
            "copy it whole."
        )
    return head


def _broken_link(link: ChainLink, seq: int, prev: str) -> str | None:
    """What is wrong with `link` as row `seq` of the chain after `prev`, or None."""
    if link.seq is None or link.row_hash is None:
        return f"row {link.id} has no place in the chain: it was inserted behind strandbot's back"
    if link.seq != seq or link.prev_hash != prev:
        return (
            f"the chain breaks at row {link.id}: it claims place {link.seq} where place {seq} was due, or does not "
            "follow the row before it (a row before it was removed, or it was inserted or moved)"
        )
    if row_hash(prev, link.content, link.disclosed) != link.row_hash:
        return f"row {link.id} (or the references it disclosed) was changed after it was written"
    return None
