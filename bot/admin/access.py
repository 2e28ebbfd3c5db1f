"""Who may see what. Everyone in the workspace is an officer (strand statistics); analysts and
supervisors may also see repeat-contact lists; admins may do everything, including giving roles.

The admins named in STRANDBOT_ADMINS always are; others are given roles with `/strand-admin role`.
The command line is trusted as an operator: whoever can run it holds the database credentials already,
so it is audited under the operating-system user but not checked against Slack roles."""

from __future__ import annotations

from enum import StrEnum

from bot.audit.log import Actor, record
from bot.errors import StrandbotError
from bot.settings import Settings
from bot.store.access import stored_role
from bot.store.db import Database


class Role(StrEnum):
    OFFICER = "officer"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def with_article(self) -> str:
        """'an analyst', 'a supervisor'."""
        return f"{'an' if self[0] in 'aeiou' else 'a'} {self}"


ROLE_NAMES = ", ".join(f"`{role}`" for role in Role)
LIST_READERS = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})


class NotAllowed(StrandbotError):
    def __init__(self, role: Role, needs: str):
        self.role = role
        super().__init__(
            f"Sorry, {needs}; you are recorded as {role.with_article}. "
            "If your work needs it, ask one of strandbot's admins. This request has been recorded."
        )


def role_of(database: Database, settings: Settings, user: str) -> Role:
    if user in settings.admins:
        return Role.ADMIN
    with database.session() as session:
        stored = stored_role(session, user)
    return Role(stored) if stored else Role.OFFICER


def authorise(
    database: Database, settings: Settings, actor: Actor, allowed: frozenset[Role], action: str, command: str
) -> Role:
    """The actor's role if it is in `allowed`; otherwise the refusal is recorded and NotAllowed raised."""
    if actor.via == "cli":
        return Role.ADMIN
    role = role_of(database, settings, actor.user)
    if role in allowed:
        return role
    with database.session() as session:
        record(session, actor, action, "refused", command)
    needs = (
        "repeat-contact lists are for analysts, supervisors and admins"
        if allowed == LIST_READERS
        else "only admins can do that"
    )
    raise NotAllowed(role, needs)
