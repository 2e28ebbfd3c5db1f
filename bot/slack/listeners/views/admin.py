"""`/strand-admin`'s forms: opened from `/strand-admin` with nothing after it (a chooser, then the form pushed
over it) or from an admin's Home tab; submitted as the `/strand-admin` commands their values make, through
the same parser, checks, handlers and audit as typed commands. A refused value is shown on its field."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.admin.access import ADMINS, authorise
from bot.admin.dispatch import perform
from bot.admin.verbs import AUDITED_AS
from bot.alerts.schedule_settings import current_schedule
from bot.errors import AmbiguousName, InvalidRequest, NoHarmWeights, UnknownName
from bot.slack.answer import error_message, who_asked
from bot.slack.blocks.admin import admin_message
from bot.slack.blocks.admin_forms import ADMIN_FORMS, ADMIN_TITLE, OPEN_ADMIN_FORM, SUBMIT_ADMIN_FORM, admin_chooser
from bot.slack.blocks.modals import answer_view, field_errors
from bot.slack.commands import parse_admin_command
from bot.slack.listeners.views import submitted
from bot.slack.web import SlackWeb

if TYPE_CHECKING:
    from bot.slack.app import Services

FORM_COMMAND = "/strand-admin"
# Refusals of a value given in the form, shown on its field; any other error replaces the form.
FIELD_ERRORS = (InvalidRequest, UnknownName, AmbiguousName, NoHarmWeights)


def open_chooser(services: Services, ack: Ack, client: WebClient, command: dict) -> None:
    """`/strand-admin` with nothing after it: the forms to choose from, or (for anyone but an admin) the refusal,
    recorded as `/strand-admin help` records one."""
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=_or_refusal(services, command, admin_chooser))


def _or_refusal(services: Services, body: dict, view) -> dict:
    actor = who_asked(body, services.operator)
    try:
        authorise(services.database, services.settings, actor, ADMINS, AUDITED_AS["help"], FORM_COMMAND)
    except Exception as refused:
        return answer_view(ADMIN_TITLE, error_message(refused))
    return view()


def field_of(error: str, values: dict[str, str | None], main: str) -> str:
    """The field a refusal is about: the one whose value the message names (refusals name the bad value), `main`
    first; else `main`."""
    words = error.casefold()
    fields = [main, *(field for field in values if field != main)]
    return next((field for field in fields if (value := values.get(field)) and value.casefold() in words), main)


def register(app: App, services: Services) -> None:
    database, settings = services.database, services.settings

    @app.action(re.compile(f"^{OPEN_ADMIN_FORM}"))
    def open_form(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        name = body["actions"][0]["action_id"].removeprefix(OPEN_ADMIN_FORM)
        form = ADMIN_FORMS[name]
        view = _or_refusal(services, body, lambda: form.view(name, current_schedule(database)))
        if (body.get("view") or {}).get("type") == "modal":  # from the chooser: over it
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(re.compile(f"^{SUBMIT_ADMIN_FORM}"))
    def save(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        form = ADMIN_FORMS[view["callback_id"].removeprefix(SUBMIT_ADMIN_FORM)]
        values = submitted(view)
        actor = who_asked(body, services.operator)
        result = None
        try:
            for text in form.commands(values):
                result = perform(database, settings, actor, parse_admin_command(text), SlackWeb(client))
        except FIELD_ERRORS as error:
            ack(**field_errors(field_of(str(error), values, form.main), str(error)))
            return
        except Exception as error:
            ack(response_action="update", view=answer_view(ADMIN_TITLE, error_message(error)))
            return
        ack(response_action="update", view=answer_view(ADMIN_TITLE, admin_message(result, settings.timezone)))
