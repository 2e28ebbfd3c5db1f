"""The command line starts at once: `strandbot --help` loads no pandas, SQLAlchemy, Slack, charts or jobs, and
`strandbot stats` only what the figures need. Checked by what a fresh interpreter has imported, not by a clock
(bot/cli/base.py says how the commands keep to it; BENCHMARKS.md has the timings)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import local, store

from bot.store.db import Database

# Runs `python -m bot.cli ARGS` in this interpreter, then prints its exit status and every module it loaded.
PROBE = """
import runpy, sys
try:
    runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
    status = 0
except SystemExit as stop:
    status = stop.code or 0
print("\\nstatus", status, "loaded", *sorted(sys.modules))
"""
# Seconds to import, each: no command's --help needs any of them.
HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "alembic",
    "apscheduler",
)
# The dashboard's figures need pandas, SQLAlchemy and scipy.special's binomial tails, but no charts, forecasts,
# Slack, migrations, scheduler, nor scipy.stats (half a second on its own).
NOT_FOR_FIGURES = ("matplotlib", "statsmodels", "slack_bolt", "slack_sdk", "alembic", "apscheduler", "scipy.stats")


def strandbot(*args: str, cwd, **env: str) -> tuple[str, set[str]]:
    """What `strandbot ARGS` printed, and the modules it loaded; fails the test if the command failed."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    output, _, last = done.stdout.rpartition("\nstatus ")
    status, _, loaded = last.partition(" loaded ")
    assert status == "0", done.stderr or output
    return output, set(loaded.split())


def among(loaded: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(p for p in packages if p in loaded)


@pytest.mark.parametrize("args", [("--help",), ("stats", "--help"), ("repeats", "--help"), ("jobs", "--help")])
def test_help_loads_no_heavy_library(args, tmp_path):
    output, loaded = strandbot(*args, cwd=tmp_path)
    assert output.startswith("Usage: ")
    assert among(loaded, HEAVY) == []


def test_stats_loads_what_the_figures_need_and_nothing_else(sqlite_url, tmp_path):
    database = Database(sqlite_url)
    store(database, [("hate-crime", local("2024-05-15"))] * 3 + [("hate-crime", local("2023-05-15"))])
    database.dispose()
    url = sqlite_url.render_as_string(hide_password=False)
    output, loaded = strandbot("stats", "hate-crime", "--as-of", "2024-06-30", cwd=tmp_path, DATABASE_URL=url)
    assert "Hate crime" in output
    assert among(loaded, ("pandas", "sqlalchemy", "scipy.special", "tabulate")) == [
        "pandas",
        "scipy.special",
        "sqlalchemy",
        "tabulate",
    ]
    assert among(loaded, NOT_FOR_FIGURES) == []
