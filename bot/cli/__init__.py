"""The `strandbot` command line: for admins, and for trying strandbot without a Slack workspace.

`base` holds the group and what every command shares; each other module adds one area's commands."""

from bot.cli import alerts, audit, harm, records, stats  # noqa: F401 - importing them adds their commands
from bot.cli.base import main

__all__ = ["main"]
