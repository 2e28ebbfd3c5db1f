"""What the store keeps about loads and purges, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ImportRecord:
    """One load of a file: what, by whom, when, and what it did. `strandbot imports` lists them."""

    source: str
    file_name: str
    file_sha256: str
    imported_by: str
    started_at: datetime
    finished_at: datetime
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    person_links: int
    location_links: int
    rejected: int
    out_of_scope: int = 0  # rows no strand claimed
    areas_added: int = 0  # areas first met in this file
    id: int | None = None


@dataclass(frozen=True)
class PurgeRecord:
    """One retention purge: personal links (and perhaps whole occurrences) removed before a date."""

    purged_by: str
    purged_at: datetime
    before: date
    whole_occurrences: bool
    occurrences_removed: int
    links_removed: int
    id: int | None = None
