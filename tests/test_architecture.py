"""The walls of the house, checked on every run so they stay up: only the Slack edge knows Slack, only the
store knows SQLAlchemy, and the pure domain knows neither (nor the store)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SLACK_EDGE = "bot/slack/"
STORE = "bot/store/"
# Pure: statistics, periods, the catalogue, forecasting, thresholds, schedules, repeat rules, the audit
# chain and the registries. Plain data in, plain data out.
PURE = (
    "bot/domain/",
    "bot/charts/forecast.py",
    "bot/alerts/thresholds.py",
    "bot/alerts/schedule.py",
    "bot/audit/chain.py",
)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function or an `if TYPE_CHECKING:` block."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def modules(*folders: str) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imports_any(path: str, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imported_modules(ROOT / path) if m.split(".")[0] in prefixes or m.startswith(prefixes))


@pytest.mark.parametrize("path", [p for p in modules("bot", "jobs") if not p.startswith(SLACK_EDGE)])
def test_only_the_slack_edge_imports_slack(path):
    assert imports_any(path, ("slack_bolt", "slack_sdk")) == []


@pytest.mark.parametrize("path", [p for p in modules("bot", "jobs") if not p.startswith(STORE)])
def test_only_the_store_imports_sqlalchemy(path):
    assert imports_any(path, ("sqlalchemy", "alembic")) == []


@pytest.mark.parametrize("path", [p for p in modules("bot") if p.startswith(PURE)])
def test_the_domain_is_pure(path):
    assert imports_any(path, ("slack_bolt", "slack_sdk", "sqlalchemy", "bot.store", "bot.slack")) == []


def test_the_command_parser_imports_no_slack_no_service_and_no_store():
    parser = imported_modules(ROOT / "bot" / "commands.py")
    assert [m for m in parser if m.startswith(("bot.slack", "bot.store", "sqlalchemy")) or m.endswith(".service")] == []


def test_the_walls_see_the_modules_they_guard():
    """A wall that checks no file passes whatever the code does."""
    assert len([p for p in modules("bot") if p.startswith(PURE)]) >= 8
    assert imports_any("bot/store/db.py", ("sqlalchemy",)) and imports_any("bot/slack/app.py", ("slack_bolt",))
