"""News, not states: what a weekly run tells a channel about each breach, given what stood at its last run.

A breach (a strand's comparison past its threshold, not held back) is *new* when it did not stand at the last
run, a *reminder* when it has stood since and the strand's reminder interval has passed since the channel was
last told of it, and otherwise *ongoing*: folded into one line. A breach that stood is *resolved* once it has been back
within its threshold at two runs running (as Alertmanager's `keep_firing_for`: a change hovering about the
threshold is told once, not new one week, resolved the next and new again the week after); one still past it
but now within chance stands on, untold.

Each run hands on what stands (`Standing`: since when, and when last told) to the next; the weekly job keeps it
in the delivery ledger, the backtest in memory, so both tell the same story. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.alerts.thresholds import Breach

Key = tuple[str, str, str]  # strand, comparison, area ("" for the whole force)


@dataclass(frozen=True)
class Standing:
    """A breach standing at a run: since the run that first found it, last told at `told`."""

    strand: str
    comparison: str
    area: str
    since: date
    told: date
    cleared: date | None = None  # the run it was first found back within its threshold, if it now is

    @property
    def key(self) -> Key:
        return (self.strand, self.comparison, self.area)

    def as_json(self) -> dict:
        return {
            "strand": self.strand,
            "comparison": self.comparison,
            "area": self.area,
            "since": self.since.isoformat(),
            "told": self.told.isoformat(),
            "cleared": None if self.cleared is None else self.cleared.isoformat(),
        }


def standing_from_json(stored: dict | list, period: date) -> dict[Key, Standing]:
    """What a ledger row says stood: its "standing", dicts as `Standing.as_json` writes them, or, from ledger rows
    written before breaches were news, the [strand, comparison(, area)] lists a digest posted, taken as told that
    `period`."""
    rows = stored["standing"] if isinstance(stored, dict) else stored
    found = {}
    for row in rows:
        if isinstance(row, dict):
            standing = Standing(
                row["strand"],
                row["comparison"],
                row.get("area", ""),
                date.fromisoformat(row["since"]),
                date.fromisoformat(row["told"]),
                date.fromisoformat(row["cleared"]) if row.get("cleared") else None,
            )
        else:
            standing = Standing(row[0], row[1], row[2] if len(row) > 2 else "", period, period)
        found[standing.key] = standing
    return found


@dataclass(frozen=True)
class Told:
    """A breach as a run tells it: `kind` new or reminder; `since` the run it has stood since."""

    breach: Breach
    kind: str
    since: date


@dataclass(frozen=True)
class News:
    """One place's news at one run. `ongoing`: breaches standing but not told this run (between reminders);
    `resolved`: (strand, comparison) of breaches that stood at the last run and no longer do."""

    told: tuple[Told, ...]
    ongoing: tuple[Breach, ...]
    resolved: tuple[tuple[str, str], ...]
    standing: tuple[Standing, ...]

    @property
    def new(self) -> tuple[Told, ...]:
        return tuple(t for t in self.told if t.kind == "new")

    @property
    def reminders(self) -> tuple[Told, ...]:
        return tuple(t for t in self.told if t.kind == "reminder")

    @property
    def quiet(self) -> bool:
        return not self.told and not self.resolved


def news(
    run: date,
    area: str,
    found: Iterable[Breach],
    before: dict[Key, Standing],
    watched: set[tuple[str, str]],
    carried: Iterable[Key] = (),
) -> News:
    """What a run on `run` tells about one place (`area`), from the breaches it `found` there (held ones are
    not news and do not stand), what stood `before`, and what is `watched` ((strand, comparison) pairs the channel
    follows and the thresholds watch). What stood and is no longer watched (a threshold or subscription changed)
    is dropped without a word; keys `carried` (strands left unchecked this run) stand on as they were."""
    told, ongoing, standing = [], [], []
    now, silent = set(), set()
    for breach in found:
        key = (breach.slug, breach.comparison, area)
        earlier = before.get(key)
        if breach.held == "chance" and earlier is not None:
            # Still past the threshold, though now within chance: it stands on, untold, rather than resolving
            # this week to be new again the next (a change hovering about p = 0.05 would flap every week).
            now.add(key)
            ongoing.append(breach)
            standing.append(replace(earlier, cleared=None))
            continue
        if breach.held_back:
            # Held early in the year or across a counting-rule change, it is not judged this run: dropped
            # without a word, and new once it is judged again.
            if breach.held != "chance":
                silent.add(key)
            continue
        now.add(key)
        if earlier is None:
            told.append(Told(breach, "new", run))
            standing.append(Standing(*key, since=run, told=run))
            continue
        remind = breach.threshold.remind_weeks
        if remind and run - earlier.told >= timedelta(weeks=remind):
            told.append(Told(breach, "reminder", earlier.since))
            standing.append(Standing(*key, since=earlier.since, told=run))
        else:
            ongoing.append(breach)
            standing.append(replace(earlier, cleared=None))
    carried = set(carried)
    standing += [before[key] for key in carried if key in before and key not in now]
    resolved = []
    for key in sorted(before):
        strand, comparison, place = key
        if place != area or (strand, comparison) not in watched or key in now | carried | silent:
            continue
        if before[key].cleared is None:  # back within threshold for the first run: it stands on, untold
            standing.append(replace(before[key], cleared=run))
        else:
            resolved.append((strand, comparison))
    return News(tuple(told), tuple(ongoing), tuple(resolved), tuple(standing))


def told_counts(stored: dict | list) -> dict[str, int] | None:
    """How many breaches a ledger row's digest told as new, reminders and resolved; None for rows written before
    breaches were news."""
    if not isinstance(stored, dict):
        return None
    return {kind: len(stored.get(kind, [])) for kind in ("new", "reminder", "resolved")}
