"""What admins set as each strand's breach threshold: change, reset, list.

Every change is checked before anything is written, applied in one transaction together with its audit
row, and not recorded at all when it changes nothing. Who may make changes is checked by the caller
(`bot.admin.dispatch.perform`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.alerts.records import BreachThreshold
from bot.alerts.thresholds import (
    BREAKS,
    DIRECTIONS,
    EARLY_RANGE,
    PARTS,
    REMIND_RANGE,
    SIGNIFICANCE,
    THRESHOLD_OPTIONS,
    Threshold,
    checked_choice,
    checked_comparisons,
    checked_min_volume,
    checked_percent,
    checked_weeks,
    comparisons_of,
    threshold_for,
)
from bot.audit.log import Actor, record
from bot.domain import clock
from bot.domain.catalogue import DEFAULT_SCOPE, checked_scope, scope_name
from bot.domain.comparisons import HISTORY_DAYS, WINDOWS
from bot.domain.measures import MEASURES
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.alerts import (
    first_day_of_strand,
    store_threshold,
    stored_thresholds,
)
from bot.store.catalogue import load_catalogue
from bot.store.db import Database
from bot.store.harm import weight_set_count


@dataclass(frozen=True)
class ThresholdChange:
    scope: str
    before: Threshold
    after: Threshold
    changed: bool  # False when the strand already had exactly these settings of its own
    reset: bool = False
    weights_missing: bool = False  # it watches harm, and no weights are loaded to weigh it with


@dataclass(frozen=True)
class StrandThreshold:
    slug: str  # or DEFAULT_SCOPE
    depth: int
    threshold: Threshold


@dataclass(frozen=True)
class ThresholdList:
    thresholds: tuple[StrandThreshold, ...]
    weights_missing: bool = False  # some strand watches harm, and no weights are loaded


def change_threshold(
    database: Database,
    settings: Settings,
    actor: Actor,
    command: str,
    strand: str | None,
    percent: str | None,
    options: dict[str, str],
) -> ThresholdChange:
    """Set the parts of a strand's (or the default's) threshold that the admin gave; the rest still follow."""
    values = checked_threshold_values(percent, options)
    if not values:
        options_text = ", ".join(f"{o}=" for o in THRESHOLD_OPTIONS)
        raise InvalidRequest(f"Say what to change: a percentage and/or {options_text}.")
    with database.session() as session:
        catalogue = load_catalogue(session)
        scope = checked_scope(catalogue, strand, "threshold hate-crime 15%", "threshold default 15%")
        if scope != DEFAULT_SCOPE and "comparisons" in values:
            check_enough_data(session, settings, scope, comparisons_of(values["comparisons"]))
        stored = stored_thresholds(session)
        before = threshold_for(scope, catalogue, stored)
        own = {part: getattr(stored.get(scope), part, None) for part in PARTS}
        weights_loaded = weight_set_count(session) > 0
        if own | values == own:  # nothing to change, nothing to record
            return ThresholdChange(
                scope, before, before, changed=False, weights_missing=_harm_unchecked(before, weights_loaded)
            )
        row = BreachThreshold(scope=scope, **own | values, changed_by=actor.user, changed_at=datetime.now(UTC))
        after = threshold_for(scope, catalogue, {**stored, scope: row})
        store_threshold(session, scope, row)
        _record_threshold(session, actor, command, scope, before, after)
    return ThresholdChange(scope, before, after, changed=True, weights_missing=_harm_unchecked(after, weights_loaded))


def reset_threshold(database: Database, actor: Actor, command: str, strand: str | None) -> ThresholdChange:
    with database.session() as session:
        catalogue = load_catalogue(session)
        scope = checked_scope(catalogue, strand, "threshold reset hate-crime", "threshold reset default")
        stored = stored_thresholds(session)
        if scope not in stored:
            raise InvalidRequest(f"{scope_name(scope)} has no threshold set by an admin; nothing to reset.")
        before = threshold_for(scope, catalogue, stored)
        store_threshold(session, scope, None)
        after = threshold_for(scope, catalogue, {k: v for k, v in stored.items() if k != scope})
        _record_threshold(session, actor, command, scope, before, after)
        weights_loaded = weight_set_count(session) > 0
    return ThresholdChange(
        scope, before, after, changed=True, reset=True, weights_missing=_harm_unchecked(after, weights_loaded)
    )


def threshold_list(database: Database) -> ThresholdList:
    with database.session() as session:
        catalogue = load_catalogue(session)
        stored = stored_thresholds(session)
        weights_loaded = weight_set_count(session) > 0
    scopes = [(DEFAULT_SCOPE, 0)] + [(s.slug, catalogue.depth(s.slug)) for s in catalogue]
    listed = tuple(StrandThreshold(s, d, threshold_for(s, catalogue, stored)) for s, d in scopes)
    return ThresholdList(
        listed, weights_missing=any(_harm_unchecked(entry.threshold, weights_loaded) for entry in listed)
    )


def check_enough_data(session, settings: Settings, scope: str, keys: tuple[str, ...]) -> None:
    """A CompStat window is judged against the 52 weeks before it: refuse one on a strand without that much data."""
    compstat = [key for key in keys if WINDOWS[key].expected is not None]
    if not compstat:
        return
    yesterday = clock.yesterday(settings.timezone)
    first = first_day_of_strand(session, scope, settings.timezone)
    held = 0 if first is None else (yesterday - first).days + 1
    longest = max(compstat, key=lambda key: int(key.removesuffix("d")))
    needed = HISTORY_DAYS + int(longest.removesuffix("d"))
    if held < needed:
        have = "no data" if first is None else f"{_weeks_text(held)} of data (from {first:%-d %b %Y})"
        raise InvalidRequest(
            f"{scope_name(scope)} has {have}; window={longest} compares the last {longest.removesuffix('d')} days "
            f"with the 52 weeks before them, so it needs {_weeks_text(needed)}. Nothing changed; "
            "use `window=fytd,rolling12` until then."
        )


def _weeks_text(days: int) -> str:
    weeks = days // 7
    return f"{weeks} week{'s' if weeks != 1 else ''}" if weeks else f"{days} day{'s' if days != 1 else ''}"


def _harm_unchecked(threshold: Threshold, weights_loaded: bool) -> bool:
    """Whether `threshold` watches harm while no weights are loaded, so its harm can't be checked yet."""
    return threshold.measure == "harm" and not weights_loaded


def checked_threshold_values(percent: str | None, options: dict[str, str]) -> dict:
    """The threshold parts an admin typed, checked: {"percent": 15.0, "direction": "up", …}."""
    values: dict = {}
    if percent is not None:
        values["percent"] = checked_percent(percent)
    for option, text in options.items():
        if option == "window":
            values["comparisons"] = checked_comparisons(text)
        elif option == "direction":
            values["direction"] = checked_choice(option, text, DIRECTIONS)
        elif option == "significance":
            values["significance"] = checked_choice(option, text, SIGNIFICANCE)
        elif option == "min":
            values["min_volume"] = checked_min_volume(text)
        elif option == "measure":
            values["measure"] = checked_choice(option, text, MEASURES)
        elif option == "remind":
            values["remind_weeks"] = checked_weeks(option, text, REMIND_RANGE, never="never")
        elif option == "breaks":
            values["breaks"] = checked_choice(option, text, BREAKS)
        elif option == "early":
            values["early_weeks"] = checked_weeks(option, text, EARLY_RANGE)
        else:
            raise InvalidRequest(
                f"{option}= is not a threshold option; use {', '.join(f'{o}=' for o in THRESHOLD_OPTIONS)}."
            )
    return values


def with_values(threshold: Threshold, values: dict) -> Threshold:
    """`threshold` with typed values (as `checked_threshold_values` gives them) in place of its own."""
    if "comparisons" in values:
        values = {**values, "comparisons": comparisons_of(values["comparisons"])}
    return replace(threshold, **values)


def _record_threshold(session, actor: Actor, command: str, scope: str, before: Threshold, after: Threshold) -> None:
    record(
        session, actor, "threshold.change", "changed", command,
        {"scope": scope, "before": before.settings(), "after": after.settings()},
    )  # fmt: skip
