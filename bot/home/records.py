"""A person's App Home as stored: pure values the store reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HomeChart:
    """The last chart drawn for a Home tab: its strand, title, alt text, and Slack's permalink of the file."""

    strand: str
    title: str
    alt_text: str
    url: str


@dataclass(frozen=True)
class HomeTab:
    """What a person's Home tab shows beyond their follows: an area (None: the whole force) and a chart."""

    user_id: str
    area: str | None = None
    chart: HomeChart | None = None
    published_at: datetime | None = None
    stale: bool = False
