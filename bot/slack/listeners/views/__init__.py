"""Modals: opened from slash commands, shortcuts and the Home tab; their submissions and their buttons."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from bot.slack.answer import error_message
from bot.slack.blocks.modals import answer_view


def submitted(view: dict) -> dict[str, str | None]:
    """Each input block's value in a submitted view, by block ID: typed text, or the chosen option's value
    (None if left empty)."""
    found: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            found[block_id] = _value(element)
    return found


def _value(element: dict) -> str | None:
    """An input's value: typed text, a chosen option's value, several options' values (comma-separated), a
    person, a channel, a time."""
    option, options = element.get("selected_option"), element.get("selected_options")
    if isinstance(option, dict):
        value = option.get("value")
    elif options:
        value = ",".join(o["value"] for o in options)
    else:
        picked = ("value", "selected_user", "selected_conversation", "selected_channel", "selected_time")
        value = next((element[name] for name in picked if element.get(name)), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def update_with(client: WebClient, view_id: str, title: str, produce: Callable[[], dict]) -> None:
    """Replace the modal `view_id` (showing a loading state) with what `produce` builds, or with the error
    that stopped it, in the person's own words."""
    try:
        view = produce()
    except Exception as error:
        view = answer_view(title, error_message(error))
    client.views_update(view_id=view_id, view=view)
