"""`/strand-admin`'s forms in Block Kit: thresholds, subscriptions (a channel picker), the schedule and roles (a
user picker), opened from `/strand-admin` with nothing after it or from an admin's Home tab.

Each form has an `AdminForm` entry: its title, its fields (input blocks, named by block ID), and how its
values become the `/strand-admin` words an admin would type, so a form is checked, carried out and audited by
the very code the text command is (bot.admin.verbs, bot.admin.dispatch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.admin.access import Role
from bot.alerts.schedule import WEEKDAYS, WeeklySchedule
from bot.alerts.thresholds import DIRECTIONS, SIGNIFICANCE
from bot.domain.comparisons import COMPARISONS
from bot.domain.measures import MEASURES
from bot.slack.blocks.modals import area_input
from bot.slack.buttons import ActionId

ADMIN_TITLE = "Strand admin"
OPEN_ADMIN_FORM = "open_admin_form_"  # + the form's name: one action ID per button, as Slack requires
SUBMIT_ADMIN_FORM = "admin_form_"  # + the form's name: the form's callback ID
DEFAULT_SCOPE = "default"  # what `/strand-admin threshold` calls the force-wide threshold


@dataclass(frozen=True)
class AdminForm:
    """A form: its button's text, its fields (built with the current schedule, which the schedule form starts
    from), the `/strand-admin` commands its values make (several for the schedule), and the field a refusal
    naming no value of the form is shown on."""

    button: str
    fields: Callable[[WeeklySchedule], list[Block]]
    commands: Callable[[dict[str, str | None]], list[str]]
    main: str

    def view(self, name: str, schedule: WeeklySchedule) -> dict:
        return View(
            type="modal",
            callback_id=SUBMIT_ADMIN_FORM + name,
            title=ADMIN_TITLE,
            blocks=self.fields(schedule),
            submit="Save",
            close="Cancel",
        ).to_dict()


def _static(block_id: str, label: str, choices: list[tuple[str, str]], initial: str | None = None, **how) -> InputBlock:
    options = [Option(value=value, text=text) for value, text in choices]
    chosen = next((o for o in options if o.value == initial), None)
    element = StaticSelectElement(action_id=block_id, options=options, initial_option=chosen)
    return InputBlock(block_id=block_id, label=label, element=element, **how)


def _text(block_id: str, label: str, placeholder: str, **how) -> InputBlock:
    element = PlainTextInputElement(action_id=block_id, placeholder=placeholder, max_length=200)
    return InputBlock(block_id=block_id, label=label, element=element, **how)


def _threshold_fields(schedule: WeeklySchedule) -> list[Block]:
    return [
        InputBlock(
            block_id="strand",
            label="Strand",
            optional=True,
            hint="Empty: the force-wide default, which strands without their own follow.",
            element=ExternalDataSelectElement(
                action_id=ActionId.STRAND_CHOICE, placeholder="Type a strand's name…", min_query_length=0
            ),
        ),
        _text("percent", "Threshold", "15%", hint="A change bigger than this, either way, is a breach."),
        InputBlock(
            block_id="window",
            label="Comparisons",
            optional=True,
            element=CheckboxesElement(
                action_id="window",
                options=[
                    Option(value=key, text=c.title.format(fy="this year", baseline="the baseline year"))
                    for key, c in COMPARISONS.items()
                ],
            ),
        ),
        _static("direction", "Direction", [(d, d.capitalize()) for d in DIRECTIONS], optional=True),
        _text("min", "Minimum volume", "10", optional=True, hint="Both counts at least this, or no breach."),
        _static(
            "significance",
            "Changes that could be chance",
            [(s, s.capitalize()) for s in SIGNIFICANCE],
            optional=True,
        ),
        _static("measure", "Measure", [(m, m.capitalize()) for m in MEASURES], optional=True),
    ]


def _threshold_commands(values: dict[str, str | None]) -> list[str]:
    words = ["threshold", values.get("strand") or DEFAULT_SCOPE, "".join((values.get("percent") or "").split())]
    words += [f"{option}={values[option]}" for option in ("window", "direction", "min", "significance", "measure")
              if values.get(option)]  # fmt: skip
    return [" ".join(words)]


def _subscription_fields(schedule: WeeklySchedule) -> list[Block]:
    return [
        InputBlock(
            block_id="channel",
            label="Channel",
            element=ConversationSelectElement(
                action_id="channel",
                placeholder="Choose a channel…",
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        _static("change", "Change", [("subscribe", "Subscribe"), ("unsubscribe", "Unsubscribe")], "subscribe"),
        _text("strands", "Strands", "hate-crime, domestic abuse", hint="Names separated by commas, or `all`."),
        area_input(),
    ]


def _subscription_commands(values: dict[str, str | None]) -> list[str]:
    channel = f"<#{values.get('channel') or ''}>"  # as Slack writes a picked channel in a command's text
    area = f" area={values['area']}" if values.get("area") else ""
    return [f"{values.get('change') or 'subscribe'} {channel} {values.get('strands') or ''}{area}"]


def _schedule_fields(schedule: WeeklySchedule) -> list[Block]:
    return [
        _static("day", "Day", [(day[:3], day.capitalize()) for day in WEEKDAYS], WEEKDAYS[schedule.weekday][:3]),
        InputBlock(
            block_id="time",
            label="Time (the force's local time)",
            element=TimePickerElement(action_id="time", initial_time=f"{schedule.at:%H:%M}"),
        ),
        _static(
            "state", "Digest", [("resume", "Running"), ("pause", "Paused")], "pause" if schedule.paused else "resume"
        ),
        _static(
            "quiet",
            "A week without breaches",
            [("on", "Post a one-line note"), ("off", "Post nothing")],
            "on" if schedule.quiet_note else "off",
        ),
    ]


def _schedule_commands(values: dict[str, str | None]) -> list[str]:
    return [
        f"schedule weekly {values.get('day') or ''} {values.get('time') or ''}",
        values.get("state") or "resume",
        f"quiet-weeks {values.get('quiet') or 'on'}",
    ]


def _role_fields(schedule: WeeklySchedule) -> list[Block]:
    return [
        InputBlock(
            block_id="user", label="Person", element=UserSelectElement(action_id="user", placeholder="Choose someone…")
        ),
        _static("role", "Role", [(role.value, role.value.capitalize()) for role in Role], hint="Officer: no role."),
    ]


def _role_commands(values: dict[str, str | None]) -> list[str]:
    return [f"role <@{values.get('user') or ''}> {values.get('role') or ''}"]  # a picked person, as Slack writes one


ADMIN_FORMS: dict[str, AdminForm] = {
    "thresholds": AdminForm("Thresholds…", _threshold_fields, _threshold_commands, main="percent"),
    "subscriptions": AdminForm("Subscriptions…", _subscription_fields, _subscription_commands, main="strands"),
    "schedule": AdminForm("Schedule…", _schedule_fields, _schedule_commands, main="time"),
    "roles": AdminForm("Roles…", _role_fields, _role_commands, main="user"),
}


def admin_form_buttons() -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(text=form.button, action_id=OPEN_ADMIN_FORM + name, value=name)
            for name, form in ADMIN_FORMS.items()
        ]
    )


def admin_chooser() -> dict:
    """`/strand-admin` with nothing after it: which form, and the text commands for everything else."""
    blocks = [
        admin_form_buttons(),
        ContextBlock(elements=[MarkdownTextObject(text="Everything else, and every option: `/strand-admin help`.")]),
    ]
    return View(type="modal", callback_id="admin_chooser", title=ADMIN_TITLE, blocks=blocks, close="Close").to_dict()
