"""Only the Slack edge (bot/slack/) knows Slack: nothing else imports slack_bolt or slack_sdk, and the command
parser imports no Slack module, service or store."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLACK_PACKAGES = ("slack_bolt", "slack_sdk")


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at any depth in the file (imports inside functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def outside_the_edge() -> list[Path]:
    return [
        path
        for folder in ("bot", "jobs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (ROOT / "bot" / "slack") not in path.parents
    ]


def test_only_bot_slack_imports_slack():
    leaks = {
        str(path.relative_to(ROOT)): sorted(n for n in imported(path) if n.split(".")[0] in SLACK_PACKAGES)
        for path in outside_the_edge()
    }
    assert {path: names for path, names in leaks.items() if names} == {}


def test_the_command_parser_imports_no_slack_no_service_and_no_store():
    names = imported(ROOT / "bot" / "commands.py")
    assert not [n for n in names if n.startswith(("bot.slack", "bot.store", "sqlalchemy")) or n.endswith(".service")]
