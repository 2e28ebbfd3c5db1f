"""Repeat-contact rules (docs/domain.md, "Repeat contact"): how many occurrences in which period put a person
or place on a strand's list, the rules strandbot ships, and which rule a strand follows. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.catalogue import DEFAULT_SCOPE, Catalogue
from bot.errors import InvalidRequest

MIN_OCCURRENCES = (2, 1000)  # 1 would list everyone ever linked: not a repeat
TOP = (1, 500)  # a list to work through; past a few hundred, the whole list (leave top= out) is the honest answer


@dataclass(frozen=True)
class RepeatRule:
    """At least `min_occurrences` in `period`; `scope` is the strand it was set for, or '*'."""

    min_occurrences: int
    period: str
    scope: str = DEFAULT_SCOPE
    set_by: str | None = None  # None: shipped with strandbot


# docs/domain.md: mental-health frequent contact is 3 or more in a calendar month; repeat victims of hate
# crime and domestic abuse are 2 or more within 12 months. Otherwise 2 or more in the last complete month.
SHIPPED_RULES = {
    DEFAULT_SCOPE: RepeatRule(2, "last-month"),
    "mental-health": RepeatRule(3, "last-month", "mental-health"),
    "hate-crime": RepeatRule(2, "12m", "hate-crime"),
    "domestic-abuse": RepeatRule(2, "12m", "domestic-abuse"),
}


def rule_for(scope: str, catalogue: Catalogue, stored: dict[str, RepeatRule]) -> RepeatRule:
    """The rule for a strand: its own, else its parent's (and so on up), else the force default
    (which is also the rule for the scope DEFAULT_SCOPE itself).

    An admin's rule beats the shipped one at the same level, never a more specific one."""
    rules = {**SHIPPED_RULES, **stored}
    chain = [] if scope == DEFAULT_SCOPE else catalogue.ancestry(scope)
    return next((rules[s] for s in chain if s in rules), rules[DEFAULT_SCOPE])


def checked_min(text: str | int) -> int:
    low, high = MIN_OCCURRENCES
    try:
        value = int(text)
    except ValueError:
        raise InvalidRequest(f"min={text} is not a whole number; e.g. min=3.") from None
    if not low <= value <= high:
        raise InvalidRequest(
            f"min={value} is out of range: a repeat means at least {low} occurrences (and at most {high}); e.g. min=3."
        )
    return value


def checked_top(text: str | int) -> int:
    low, high = TOP
    try:
        value = int(text)
    except ValueError:
        raise InvalidRequest(f"top={text} is not a whole number; e.g. top=20.") from None
    if not low <= value <= high:
        raise InvalidRequest(
            f"top={value} is out of range: from {low} to {high}; e.g. top=20, or leave it out for the whole list."
        )
    return value
