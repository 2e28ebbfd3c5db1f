"""The audit log's hash chain: each row's hash covers its content, the references it disclosed, and the
previous row's hash, so a row changed, removed or slipped in behind the database triggers' back shows.

Pure: no database. Migration 0008 uses it to chain the rows written before the chain existed, so the
canonical form below must never change; a new form would need a new version and a migration."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

GENESIS = "0" * 64  # the "previous hash" of the first row

# The columns of audit_log that a row's hash covers, in a fixed order.
CHAINED_COLUMNS = (
    "seq", "at", "via", "actor", "operator", "team", "channel", "action", "outcome", "command", "parameters",
    "reason", "returned",
)  # fmt: skip


def row_hash(prev_hash: str, row: dict, disclosed: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) of the previous hash, the row's chained columns and its disclosed (kind, ref) pairs."""
    content = {name: row[name] for name in CHAINED_COLUMNS}
    content["at"] = _utc_text(row["at"])
    content["disclosed"] = sorted([kind, ref] for kind, ref in disclosed)
    content["prev"] = prev_hash
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _utc_text(moment: datetime) -> str:
    """One spelling of an instant whichever way the database handed it back (SQLite: naive UTC)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")
