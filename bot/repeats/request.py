"""What someone asked `/repeats` for, as typed: pure, so the parser needs nothing else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RepeatRequest:
    """What someone asked for, as typed: checked only after the asker is known to be allowed, so that
    someone who may not see lists is refused (and recorded) whatever they typed. None means not given."""

    command: str  # exactly as typed, for the audit log
    strand: str | None = None
    period: str | None = None
    as_of: str | None = None  # the end of a rolling window, YYYY-MM-DD
    min_occurrences: str | None = None
    by: str | None = None  # person (default) | location
    role: str | None = None  # victim, offender… or any (default)
    area: str | None = None  # an area's name as typed; None: the whole force
    rank: str | None = None  # count (default) | harm
    top: str | None = None  # only the first N
    reason: str | None = None
    trend: bool = False
    unknown: tuple[str, ...] = ()  # options nobody knows
