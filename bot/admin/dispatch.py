"""`/strand-admin`'s dispatcher: check the asker is an admin (recording a refusal under the action's audit
name), then run the handler of the action the request carries. Which verbs exist, how they are read and
what they are called in the audit log is the registry in `bot.admin.verbs`; what each action does is here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.admin.access import ADMINS, authorise
from bot.admin.request import AdminRequest
from bot.admin.roles import (
    RoleChange,
    RoleList,
    RuleChange,
    RuleList,
    change_repeat_rule,
    change_role,
    repeat_rules,
    role_holders,
)
from bot.admin.verbs import AUDITED_AS
from bot.alerts.backtest import Backtest, backtest
from bot.alerts.breaks import BreakChange, BreakList, add_break, break_list, remove_break
from bot.alerts.digest import Preview, preview
from bot.alerts.history import History, delivery_history
from bot.alerts.schedule_settings import ScheduleView, change_schedule, schedule_view
from bot.alerts.subscriptions import (
    Channel,
    ChannelDirectory,
    SubscriptionChange,
    SubscriptionList,
    subscribe,
    subscription_list,
    unsubscribe,
)
from bot.alerts.threshold_settings import (
    ThresholdChange,
    ThresholdList,
    change_threshold,
    reset_threshold,
    threshold_list,
)
from bot.audit.log import Actor
from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.store.db import Database

AdminResult = (
    RoleChange
    | RoleList
    | RuleChange
    | RuleList
    | ThresholdChange
    | ThresholdList
    | SubscriptionChange
    | SubscriptionList
    | ScheduleView
    | Preview
    | Backtest
    | History
    | BreakChange
    | BreakList
    | None
)


@dataclass(frozen=True)
class AdminCall:
    """Who asked, and what a handler may use. `channels` is Slack's view of channels (to subscribe one)."""

    database: Database
    settings: Settings
    actor: Actor
    channels: ChannelDirectory | None = None

    def channel(self, request: AdminRequest) -> Channel | None:
        return None if request.channel is None else Channel(request.channel, request.channel_name)


Handler = Callable[[AdminCall, AdminRequest], Any]


def _schedule_change(**change) -> Handler:
    def run(call: AdminCall, request: AdminRequest):
        values = {key: value(request) for key, value in change.items()}
        return change_schedule(call.database, call.actor, request.command, call.settings.timezone, **values)

    return run


def _invalid(call: AdminCall, request: AdminRequest) -> None:
    raise InvalidRequest(request.problem or "That is not something `/strand-admin` does; see `/strand-admin help`.")


# One handler per action in bot.admin.verbs.AUDITED_AS (a test holds the two together).
HANDLERS: dict[str, Handler] = {
    "invalid": _invalid,
    "help": lambda call, request: None,
    "role": lambda call, r: change_role(call.database, call.settings, call.actor, r.command, r.user, r.role),
    "roles": lambda call, r: role_holders(call.database, call.settings),
    "rules": lambda call, r: repeat_rules(call.database),
    "rule": lambda call, r: change_repeat_rule(
        call.database, call.actor, r.command, r.strand, r.min_occurrences, r.period
    ),
    "rule-reset": lambda call, r: change_repeat_rule(call.database, call.actor, r.command, r.strand, None, None, True),
    "threshold": lambda call, r: change_threshold(
        call.database, call.settings, call.actor, r.command, r.strand, r.percent, dict(r.options)
    ),
    "threshold-reset": lambda call, r: reset_threshold(call.database, call.actor, r.command, r.strand),
    "thresholds": lambda c, r: threshold_list(c.database),
    "subscribe": lambda c, r: subscribe(c.database, c.actor, r.command, c.channel(r), r.strands, c.channels, r.area),
    "unsubscribe": lambda c, r: unsubscribe(c.database, c.actor, r.command, c.channel(r), r.strands, r.area),
    "subscriptions": lambda c, r: subscription_list(c.database),
    "schedule": _schedule_change(words=lambda r: list(r.words)),
    "schedule-show": lambda c, r: schedule_view(c.database, c.settings.timezone),
    "pause": _schedule_change(paused=lambda r: True),
    "resume": _schedule_change(paused=lambda r: False),
    "quiet-weeks": _schedule_change(quiet_note=lambda r: r.words == ("on",)),
    "preview": lambda c, r: preview(c.database, c.settings, r.channel),
    "backtest": lambda c, r: backtest(c.database, c.settings, r.strand, r.percent, dict(r.options), r.weeks),
    "break": lambda c, r: add_break(c.database, c.settings, c.actor, r.command, r.strand, r.day, r.note),
    "break-remove": lambda c, r: remove_break(c.database, c.actor, r.command, r.strand, r.day),
    "breaks": lambda c, r: break_list(c.database),
    "history": lambda c, r: delivery_history(c.database, c.channel(r)),
}


def perform(
    database: Database,
    settings: Settings,
    actor: Actor,
    request: AdminRequest,
    channels: ChannelDirectory | None = None,
) -> AdminResult:
    """Carry out an admin's request (None for help). Anyone but an admin is refused, and that is recorded.

    `channels` is Slack's view of channels: subscribing needs it, to check the bot can post there."""
    authorise(database, settings, actor, ADMINS, AUDITED_AS[request.action], request.command)
    return HANDLERS[request.action](AdminCall(database, settings, actor, channels), request)
