"""The walls of the house, checked on every run so they stay up: only the Slack edge knows Slack, only the
store knows SQLAlchemy, and the pure domain knows neither (nor the store)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SLACK_EDGE = "bot/slack/"
STORE = "bot/store/"
# Pure: statistics, periods, the catalogue, the clock, the comparison windows, forecasting, thresholds,
# schedules, the audit chain, the chart kinds and admin verbs registries, the harm weights file, and the
# command parser. Plain data in, plain data out.
PURE = (
    "bot/domain/",
    "bot/charts/forecast.py",
    "bot/charts/kinds.py",
    "bot/alerts/thresholds.py",
    "bot/alerts/schedule.py",
    "bot/audit/chain.py",
    "bot/admin/verbs.py",
    "bot/repeats/rules.py",
    "bot/harm/weights_file.py",
    "bot/harm/records.py",
    "bot/commands.py",
)
IMPURE = ("slack_bolt", "slack_sdk", "sqlalchemy", "alembic", "bot.store", "bot.slack")


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
    assert imports_any(path, IMPURE) == []


@pytest.mark.parametrize("path", [p for p in modules("bot") if p.startswith(PURE)])
def test_the_domain_pulls_in_nothing_impure_either(path):
    """Imported on its own, in a fresh interpreter: what it loads through everything it imports."""
    module = path.removesuffix(".py").replace("/", ".")
    probe = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert [m for m in loaded.stdout.split() if m.split(".")[0] in IMPURE or m.startswith(IMPURE)] == []


def test_the_command_parser_imports_no_service():
    assert [m for m in imported_modules(ROOT / "bot" / "commands.py") if m.endswith(".service")] == []


def test_the_walls_see_the_modules_they_guard():
    """A wall that checks no file passes whatever the code does."""
    assert len([p for p in modules("bot") if p.startswith(PURE)]) >= 8
    assert imports_any("bot/store/db.py", ("sqlalchemy",)) and imports_any("bot/slack/app.py", ("slack_bolt",))
