"""The repeat-contact form: opened by `/repeats` with nothing after it or from the Home tab, submitted with a
reason, and its list shown and paged inside the modal. Every page is audited as `/repeats` audits it
(bot.repeats.service); only analysts, supervisors and admins get the form at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.admin.access import LIST_READERS, authorise
from bot.domain import clock
from bot.domain.periods import repeat_period
from bot.errors import InvalidRequest
from bot.repeats.request import RepeatRequest
from bot.repeats.service import checked_reason, repeat_list, repeat_list_page
from bot.settings import Settings
from bot.slack.answer import error_message, who_asked
from bot.slack.blocks.modals import (
    ANY_ROLE,
    MODAL_PAGE_ACTIONS,
    REPEATS_TITLE,
    Field,
    ViewId,
    answer_view,
    field_errors,
    loading_view,
    repeats_form,
    repeats_list_view,
)
from bot.slack.blocks.repeats import PAGE_SIZE
from bot.slack.buttons import ActionId, PageValue, decode, pressed
from bot.slack.listeners.views import submitted, update_with

if TYPE_CHECKING:
    from bot.slack.app import Services

EXPIRED = "That list has expired; open the form again with `/repeats`."
FORM_COMMAND = "/repeats (form)"


class FieldError(InvalidRequest):
    def __init__(self, field: Field, message: str):
        self.field = field
        super().__init__(message)


def form_or_refusal(services: Services, body: dict) -> dict:
    """The form; or, for someone who may not see lists, the refusal (recorded, as `/repeats` records one)."""
    actor = who_asked(body, services.operator)
    try:
        authorise(services.database, services.settings, actor, LIST_READERS, "repeats.list", FORM_COMMAND)
    except Exception as refused:
        return answer_view(REPEATS_TITLE, error_message(refused))
    return repeats_form()


def open_form(services: Services, ack: Ack, client: WebClient, body: dict) -> None:
    """Open the form (views.open) from `/repeats` with nothing after it or from a button: acknowledged first,
    and opened while the trigger is fresh (it lasts 3 s)."""
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=form_or_refusal(services, body))


def request_from(view: dict, settings: Settings) -> RepeatRequest:
    """What the form asks for, as `/repeats` would have it typed; FieldError for a field that is wrong."""
    values = submitted(view)
    if not values.get(Field.REASON):  # said for the form: `/repeats`'s own words tell how to type one
        raise FieldError(
            Field.REASON, "Each list needs a reason on record: say what it is for, e.g. MARAC preparation."
        )
    try:
        reason = checked_reason(values.get(Field.REASON))
    except InvalidRequest as error:
        raise FieldError(Field.REASON, str(error)) from None
    strand = values.get(Field.STRAND)
    if strand is None:
        raise FieldError(Field.STRAND, "Choose a strand: type part of its name.")
    period = values.get(Field.PERIOD)
    if period is not None:
        try:
            repeat_period(period, clock.today(settings.timezone))
        except InvalidRequest as error:
            raise FieldError(Field.PERIOD, str(error)) from None
    role = values.get(Field.ROLE)
    options = {"by": values.get(Field.BY), "role": None if role == ANY_ROLE else role, "area": values.get(Field.AREA)}
    # The audit log keeps what was asked in `/repeats`'s own words, marked as from the form.
    typed = " ".join([strand, *([period] if period else []), *(f"{k}={v}" for k, v in options.items() if v)])
    return RepeatRequest(
        command=f'{FORM_COMMAND} {typed} reason:"{reason}"', strand=strand, period=period, reason=reason, **options
    )


def register(app: App, services: Services) -> None:
    database, settings = services.database, services.settings

    @app.action(ActionId.OPEN_REPEATS_FORM)
    def from_button(ack: Ack, body: dict, client: WebClient) -> None:
        open_form(services, ack, client, body)

    @app.view(ViewId.REPEATS_FORM)
    def submit(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        try:
            request = request_from(view, settings)
        except FieldError as error:
            ack(**field_errors(error.field, str(error)))
            return
        ack(response_action="update", view=loading_view(REPEATS_TITLE))
        actor = who_asked(body, services.operator)
        update_with(
            client,
            view["id"],
            REPEATS_TITLE,
            lambda: repeats_list_view(repeat_list(database, settings, request, actor, PAGE_SIZE)),
        )

    for action_id in MODAL_PAGE_ACTIONS.values():

        @app.action(action_id)
        def turn_page(ack: Ack, body: dict, client: WebClient) -> None:
            ack()
            actor = who_asked(body, services.operator)

            def page() -> dict:
                wanted = decode(PageValue, pressed(body), EXPIRED)
                return repeats_list_view(
                    repeat_list_page(database, settings, wanted.list, wanted.page, actor, PAGE_SIZE)
                )

            update_with(client, body["view"]["id"], REPEATS_TITLE, page)
