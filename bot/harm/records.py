"""What the store keeps about harm weight sets, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CodeWeight:
    """One offence code's weight in a set, and what the file said the code is."""

    offence_code: str
    weight: float
    description: str | None = None


@dataclass(frozen=True)
class WeightSetRecord:
    """One loaded set: who loaded it, when, from which file, and how many codes it weighs."""

    id: int
    name: str
    file_name: str
    file_sha256: str
    loaded_by: str
    loaded_at: datetime
    codes: int
