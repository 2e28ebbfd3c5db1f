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
            option = element.get("selected_option")
            value = option.get("value") if isinstance(option, dict) else element.get("value")
            for picked in ("selected_user", "selected_conversation", "selected_channel"):
                value = value or element.get(picked)
            found[block_id] = value.strip() if isinstance(value, str) and value.strip() else None
    return found


def update_with(client: WebClient, view_id: str, title: str, produce: Callable[[], dict]) -> None:
    """Replace the modal `view_id` (showing a loading state) with what `produce` builds, or with the error
    that stopped it, in the person's own words."""
    try:
        view = produce()
    except Exception as error:
        view = answer_view(title, error_message(error))
    client.views_update(view_id=view_id, view=view)
