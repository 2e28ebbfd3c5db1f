"""`/strand-admin`'s dispatcher: check the asker is an admin (recording a refusal), then run the action the
request carries, as the verbs registry (`bot.admin.verbs`) says."""

from __future__ import annotations

from bot.admin.access import ADMINS, authorise
from bot.admin.roles import RoleChange, RoleList, RuleChange, RuleList
from bot.admin.verbs import ACTIONS, AdminCall, AdminRequest
from bot.alerts.backtest import Backtest
from bot.alerts.configure import (
    ChannelDirectory,
    History,
    ScheduleView,
    SubscriptionChange,
    SubscriptionList,
    ThresholdChange,
    ThresholdList,
)
from bot.alerts.digest import Preview
from bot.audit.log import Actor
from bot.settings import Settings
from bot.store.db import Database

__all__ = ["AdminRequest", "AdminResult", "perform"]

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
    | None
)


def perform(
    database: Database,
    settings: Settings,
    actor: Actor,
    request: AdminRequest,
    channels: ChannelDirectory | None = None,
) -> AdminResult:
    """Carry out an admin's request (None for help). Anyone but an admin is refused, and that is recorded.

    `channels` is Slack's view of channels: subscribing needs it, to check the bot can post there."""
    action = ACTIONS[request.action]
    authorise(database, settings, actor, ADMINS, action.audited_as, request.command)
    return action.run(AdminCall(database, settings, actor, channels), request)
