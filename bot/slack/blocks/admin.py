"""Replies to `/strand-admin` in Block Kit: confirmations of what changed, and the tables of roles and rules."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from tabulate import tabulate

from bot.admin.dispatch import AdminResult
from bot.admin.roles import RoleChange, RoleList, RuleChange, RuleList
from bot.admin.verbs import admin_help
from bot.domain.catalogue import DEFAULT_SCOPE, scope_name
from bot.repeats.rules import RepeatRule
from bot.slack.blocks.alerts import alert_message
from bot.slack.blocks.message import (
    Message,
    as_blocks,
    code_sections,
    notice_message,
)
from bot.slack.markup import user_mention

ADMIN_HELP = admin_help()


def rule_line(rule: RepeatRule) -> str:
    return f"{rule.min_occurrences} or more in `{rule.period}`"


def admin_message(result: AdminResult, tz: ZoneInfo) -> Message:
    if result is not None and not isinstance(result, RoleChange | RoleList | RuleChange | RuleList):
        return alert_message(result, tz)
    if isinstance(result, RoleChange):
        if result.before == result.after:
            return notice_message(
                f"{user_mention(result.user)} was already {result.after.with_article}; nothing changed."
            )
        return notice_message(
            f"{user_mention(result.user)} is now {result.after.with_article} (was {result.before.with_article}). "
            "Recorded in the audit log."
        )
    if isinstance(result, RoleList):
        return _roles_message(result)
    if isinstance(result, RuleChange):
        scope = scope_name(result.scope)
        if result.before == result.after:
            return notice_message(f"{scope} already has that rule: {rule_line(result.after)}; nothing changed.")
        return notice_message(
            f"{scope}: {rule_line(result.after)} (was {rule_line(result.before)}). Recorded in the audit log."
        )
    if isinstance(result, RuleList):
        return _rules_message(result)
    return notice_message(ADMIN_HELP)


def _roles_message(roles: RoleList) -> Message:
    if not roles.holders:
        return notice_message(
            "Everyone is an officer: nobody has been given a role yet. "
            "Give one with `/strand-admin role @alex analyst`."
        )
    lines = [
        f"• {user_mention(h.user)} — {h.role}"
        + (
            " (STRANDBOT_ADMINS)"
            if h.granted_at is None
            else f" (given by {user_mention(h.granted_by)} on {h.granted_at:%Y-%m-%d})"
        )
        for h in roles.holders
    ]
    return notice_message("*Roles* (everyone else is an officer)\n" + "\n".join(lines))


def _rules_message(rules: RuleList) -> Message:
    rows = []
    for entry in rules.rules:
        rule = entry.rule
        name = "(force default)" if entry.slug == DEFAULT_SCOPE else "· " * entry.depth + entry.slug
        if rule.scope != entry.slug:  # inherited
            source = "force default" if rule.scope == DEFAULT_SCOPE else f"from {rule.scope}"
        else:
            source = "shipped" if rule.set_by is None else f"set by {rule.set_by}"
        rows.append([name, rule.min_occurrences, rule.period, source])
    table = tabulate(rows, headers=["Strand", "Min", "Period", "Rule"], tablefmt="simple", disable_numparse=True)
    header = SectionBlock(
        text=MarkdownTextObject(text="*Repeat-contact rules*: at least *Min* occurrences in *Period*")
    )
    return Message(text="Repeat-contact rules", blocks=as_blocks(header, *code_sections(table.splitlines())))
