"""Modals in Block Kit: the repeat-contact form and its list, paged inside the modal; "Strand statistics"
(the shortcuts' form and its answer); and the loading and error states shown while an answer is worked out.

Strand and area menus load their options as the person types (external data sources, answered by
bot/slack/listeners/options.py), so a catalogue of any size fits. Input blocks are named by the `Field`s
below, so a listener can put a validation error on the field it concerns."""

from __future__ import annotations

import enum

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.imports.mapping import PERSON_ROLES
from bot.repeats.service import REASON_LENGTH, REFERENCE_KINDS, RepeatList
from bot.slack.blocks.message import Message
from bot.slack.blocks.repeats import repeat_list_message
from bot.slack.buttons import ActionId, PageValue, encode

REPEATS_TITLE = "Repeat contact"
STATISTICS_TITLE = "Strand statistics"
ANY_ROLE = "any"
# Slack shows a field's error under it; a sentence or two, not an essay.
MAX_FIELD_ERROR = 300
MODAL_PAGE_ACTIONS = {
    "Previous page": ActionId.MODAL_REPEATS_PREVIOUS_PAGE,
    "Next page": ActionId.MODAL_REPEATS_NEXT_PAGE,
}


class ViewId(enum.StrEnum):
    """Callback IDs: which modal a submission or an update is for."""

    REPEATS_FORM = "repeats_form"
    REPEATS_LIST = "repeats_list"
    STATISTICS_FORM = "statistics_form"
    ANSWER = "answer"  # a loading state, an answer or an error: nothing to submit


class Field(enum.StrEnum):
    """Input blocks' IDs (each input's action ID is the same), where errors are shown."""

    STRAND = "strand"
    PERIOD = "period"
    ROLE = "role"
    BY = "by"
    AREA = "area"
    REASON = "reason"


def _modal(callback: ViewId, title: str, blocks: list[Block], submit: str | None = None, close: str = "Close") -> dict:
    return View(type="modal", callback_id=callback, title=title, blocks=blocks, submit=submit, close=close).to_dict()


def strand_input(label: str = "Strand") -> InputBlock:
    return InputBlock(
        block_id=Field.STRAND,
        label=label,
        element=ExternalDataSelectElement(
            action_id=ActionId.STRAND_CHOICE, placeholder="Type a strand's name…", min_query_length=0
        ),
    )


def area_input() -> InputBlock:
    return InputBlock(
        block_id=Field.AREA,
        label="Area",
        optional=True,
        hint="Empty: the whole force. An area counts the areas within it.",
        element=ExternalDataSelectElement(
            action_id=ActionId.AREA_CHOICE, placeholder="Type an area's name…", min_query_length=0
        ),
    )


def repeats_form() -> dict:
    """`/repeats` as a form: strand, period, role, by, area, and the reason the list is needed (required)."""
    low, high = REASON_LENGTH
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Personal data: shown only to you, and recorded in the audit log with your reason."
                )
            ]
        ),
        strand_input(),
        InputBlock(
            block_id=Field.PERIOD,
            label="Period",
            optional=True,
            hint="Empty: the strand's own rule. Rolling windows end yesterday.",
            element=PlainTextInputElement(
                action_id=Field.PERIOD, placeholder="last-month, this-month, 12m, 30d, 2024-10, oct", max_length=20
            ),
        ),
        InputBlock(
            block_id=Field.ROLE,
            label="Role",
            optional=True,
            element=StaticSelectElement(
                action_id=Field.ROLE,
                placeholder="Any role",
                options=[Option(value=role, text=role.capitalize()) for role in (ANY_ROLE, *PERSON_ROLES)],
            ),
        ),
        InputBlock(
            block_id=Field.BY,
            label="List",
            element=StaticSelectElement(
                action_id=Field.BY,
                options=[_by_option(kind) for kind in REFERENCE_KINDS],
                initial_option=_by_option(REFERENCE_KINDS[0]),
            ),
        ),
        area_input(),
        InputBlock(
            block_id=Field.REASON,
            label="Reason",
            hint="Why you need the list (Data Protection Act 2018, s.62): it is kept in the audit log.",
            element=PlainTextInputElement(
                action_id=Field.REASON,
                multiline=True,
                placeholder="e.g. MARAC preparation, 14 Nov",
                min_length=low,
                max_length=high,
            ),
        ),
    ]
    return _modal(ViewId.REPEATS_FORM, REPEATS_TITLE, blocks, submit="Show list", close="Cancel")


def _by_option(kind: str) -> Option:
    return Option(value=kind, text="People" if kind == "person" else "Places")


def repeats_list_view(listed: RepeatList) -> dict:
    """One page of a list inside the modal: the message's blocks, with buttons that page the modal instead."""
    blocks = [block for block in repeat_list_message(listed).blocks if block["type"] != "actions"]
    buttons = [
        ButtonElement(text=label, action_id=MODAL_PAGE_ACTIONS[label], value=encode(PageValue(listed.list_id, page)))
        for label, page in (("Previous page", listed.page - 1), ("Next page", listed.page + 1))
        if 1 <= page <= listed.pages
    ]
    parsed = [Block.parse(block) for block in blocks] + ([ActionsBlock(elements=buttons)] if buttons else [])
    return _modal(ViewId.REPEATS_LIST, REPEATS_TITLE, [b for b in parsed if b is not None], close="Done")


def statistics_form() -> dict:
    """The shortcuts' form: a strand, and an area if wanted."""
    blocks: list[Block] = [strand_input(), area_input()]
    return _modal(ViewId.STATISTICS_FORM, STATISTICS_TITLE, blocks, submit="Show", close="Cancel")


def answer_view(title: str, message: Message) -> dict:
    """A message's blocks in a modal, without its buttons (sharing and charts answer through a message's
    response URL, which a modal has not got)."""
    blocks = [Block.parse(block) for block in message.blocks if block["type"] != "actions"]
    return _modal(ViewId.ANSWER, title, [b for b in blocks if b is not None])


def loading_view(title: str) -> dict:
    text = ":hourglass_flowing_sand: Working on it…"
    return _modal(ViewId.ANSWER, title, [SectionBlock(text=MarkdownTextObject(text=text))])


def field_errors(field: str, error: str) -> dict:
    """`response_action: errors` for a submission: the message under `field` (an input block's ID)."""
    if len(error) > MAX_FIELD_ERROR:
        error = error[: MAX_FIELD_ERROR - 1] + "…"
    return {"response_action": "errors", "errors": {str(field): error}}
