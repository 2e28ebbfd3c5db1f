"""Action IDs and the values buttons and menu options carry: written and read here only.

Each value is a small dataclass, JSON in Slack; `encode` writes one for a builder and `decode` reads it back for a
listener, so the two can't drift apart. A value that can't be read (an old message's button after an upgrade,
or a forged one) is an expired button, in the words the listener chooses."""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from bot.charts.kinds import CHART_KINDS
from bot.charts.request import ChartKind
from bot.errors import InvalidRequest


class ActionId(enum.StrEnum):
    SHARE_STRAND = "share_strand"
    SHARE_CHART = "share_chart"
    OPEN_STRAND = "open_strand"
    REPEATS_PREVIOUS_PAGE = "repeats_previous_page"
    REPEATS_NEXT_PAGE = "repeats_next_page"
    # App Home and modals (bot/slack/blocks/home.py, modals.py)
    HOME_FOLLOW = "home_follow"
    HOME_UNFOLLOW = "home_unfollow"
    HOME_AREA = "home_area"
    HOME_CHART = "home_chart"
    OPEN_REPEATS_FORM = "open_repeats_form"
    MODAL_REPEATS_PREVIOUS_PAGE = "modal_repeats_previous_page"
    MODAL_REPEATS_NEXT_PAGE = "modal_repeats_next_page"
    STRAND_CHOICE = "strand_choice"
    AREA_CHOICE = "area_choice"


# One button per chart kind in the registry, so a new kind gets its button with no edit here.
CHART_ACTIONS: dict[ChartKind, str] = {kind: f"chart_{kind}" for kind in CHART_KINDS}


@dataclass(frozen=True)
class StrandValue:
    """A strand as of a date, in an area (a slug; None for the whole force): the share button, the chart buttons
    (the kind is in the action ID), the menus that open a strand."""

    strand: str
    as_of: date
    area: str | None = None
    measure: str | None = None  # "harm" when the answer showed harm; None (left out) for counts alone

    @classmethod
    def read(cls, data: dict) -> StrandValue:
        measure = data.get("measure")
        if measure not in (None, "harm"):
            raise ValueError(measure)
        return cls(str(data["strand"]), date.fromisoformat(data["as_of"]), _area(data), measure)


@dataclass(frozen=True)
class ChartValue:
    """A chart as drawn, to share: its kind, strand (a slug), option, as-of date and area (a slug, or None)."""

    kind: ChartKind
    strand: str
    option: str | None
    as_of: date
    area: str | None = None

    @classmethod
    def read(cls, data: dict) -> ChartValue:
        if data["kind"] not in CHART_KINDS:
            raise ValueError(data["kind"])
        as_of = date.fromisoformat(data["as_of"])
        return cls(data["kind"], str(data["strand"]), data.get("option"), as_of, _area(data))


def _area(data: dict) -> str | None:
    """The area a value names; none (the whole force) in values written before areas, which have no `area`."""
    area = data.get("area")
    if area is not None and not isinstance(area, str):
        raise TypeError(type(area).__name__)
    return area


@dataclass(frozen=True)
class PageValue:
    """A page of a stored repeat-contact list."""

    list: int
    page: int

    @classmethod
    def read(cls, data: dict) -> PageValue:
        return cls(int(data["list"]), int(data["page"]))


Value = TypeVar("Value", StrandValue, ChartValue, PageValue)


def encode(value: StrandValue | ChartValue | PageValue) -> str:
    """The value as the JSON a button or menu option carries (fields in order; dates as YYYY-MM-DD), as short
    as it can be: a menu option's value may be only 150 characters. A field left at its default of None (the
    whole force's `area`) is left out."""
    fields = {
        f.name: getattr(value, f.name)
        for f in dataclasses.fields(value)
        if not (f.default is None and getattr(value, f.name) is None)
    }
    return json.dumps(
        {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(kind: type[Value], text: str | None, expired: str) -> Value:
    """The value a button or menu option carried; InvalidRequest(`expired`) if it can't be read."""
    try:
        data = json.loads(text or "")
        if not isinstance(data, dict):
            raise TypeError(type(data).__name__)
        return kind.read(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidRequest(expired) from None


def pressed(body: dict) -> str | None:
    """The value of the button pressed, or of the menu option chosen, in an interaction payload."""
    try:
        action = body["actions"][0]
    except (KeyError, IndexError, TypeError):
        return None
    option = action.get("selected_option")
    return option.get("value") if isinstance(option, dict) else action.get("value")
