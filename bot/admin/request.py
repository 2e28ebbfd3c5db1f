"""A parsed `/strand-admin` command: pure, so the parser needs nothing else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AdminRequest:
    """A parsed `/strand-admin` command. `action` says which of the other fields matter."""

    command: str  # exactly as typed, for the audit log
    action: str  # one of bot.admin.verbs.AUDITED_AS: role, roles, threshold, subscribe… or invalid
    user: str | None = None
    role: str | None = None
    strand: str | None = None  # a strand's name, or "default"
    min_occurrences: str | None = None
    period: str | None = None
    problem: str | None = None  # for `invalid`: what is wrong with the command, in the user's terms
    channel: str | None = None  # a Slack channel ID
    channel_name: str | None = None
    strands: str | None = None  # strand names as typed, or `all`
    area: str | None = None  # an area's name as typed (subscribe, unsubscribe); None: the whole force
    percent: str | None = None  # a threshold as typed: `15%`
    options: tuple[tuple[str, str], ...] = ()  # threshold options as typed: (("direction", "up"),)
    words: tuple[str, ...] = ()  # a schedule as typed (`weekly mon 08:00`), or on/off
    day: str | None = None  # a counting-rule break's first day, as typed
    note: str | None = None  # what changed at a counting-rule break
    weeks: str | None = None  # how many weekly runs a backtest replays, as typed
