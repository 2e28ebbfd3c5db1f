"""The weekly alerts at a terminal: `strandbot jobs status`, and the schedule and times Slack's replies share."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tabulate import tabulate

from bot.alerts.records import JobRun
from bot.alerts.schedule_settings import ScheduleView

if TYPE_CHECKING:
    from bot.alerts.backtest import Backtest


def schedule_line(view: ScheduleView, tz: ZoneInfo) -> str:
    schedule = view.schedule
    state = "*paused*: nothing is posted until `/strand-admin resume`" if schedule.paused else "running"
    quiet = "posts a one-line note" if schedule.quiet_note else "posts nothing"
    runs = ", ".join(local_time(run, tz) for run in view.next_runs)
    upcoming = "Next runs once resumed" if schedule.paused else "Next runs"
    return f"The digest runs {schedule.describe()} ({tz.key}); {state}. A quiet week {quiet}. {upcoming}: {runs}."


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def job_status_text(view: ScheduleView, runs: list[JobRun], tz: ZoneInfo) -> str:
    """`strandbot jobs status`: the schedule, the next runs, and the last runs with their outcomes."""
    lines = [schedule_line(view, tz).replace("`", ""), ""]
    if not runs:
        return "\n".join(lines + ["No runs yet."])
    rows = [
        [
            run.id,
            run.trigger,
            "" if run.scheduled_for is None else local_time(run.scheduled_for, tz),
            local_time(run.started_at, tz),
            run.period or "",
            run.outcome,
            f"{run.sent} sent, {run.failed} failed, {run.already} already",
            (run.detail or "")[:80],
        ]
        for run in runs
    ]
    headers = ["Run", "Trigger", "Due", "Started", "Week", "Outcome", "Channels", "Detail"]
    return "\n".join(lines + [tabulate(rows, headers=headers, disable_numparse=True)])


def backtest_summary(result: Backtest) -> str:
    """'Posted in 4 of the last 52 weekly runs: 2 new breaches, 1 reminder, 2 resolved.'"""
    return (
        f"Posted in {result.posted} of the last {len(result.runs)} weekly runs: {result.new} new "
        f"breach{'es' if result.new != 1 else ''}, {result.reminders} reminder{'s' if result.reminders != 1 else ''}, "
        f"{result.resolved} resolved."
    )


def backtest_rows(result: Backtest) -> list[list[str]]:
    """A row for each run that would have posted: data to, and what was new, a reminder, resolved."""
    return [
        [
            run.as_of.isoformat(),
            ", ".join(t.breach.comparison for t in run.news.new),
            ", ".join(t.breach.comparison for t in run.news.reminders),
            ", ".join(comparison for _, comparison in run.news.resolved),
        ]
        for run in result.runs
        if run.posted
    ]


BACKTEST_HEADERS = ["Data to", "New", "Reminder", "Resolved"]


def backtest_table(result: Backtest) -> str:
    """`strandbot alerts backtest`'s table."""
    lines = [f"{result.name} ({result.slug}): {backtest_summary(result)}"]
    rows = backtest_rows(result)
    if rows:
        lines += ["", tabulate(rows, headers=BACKTEST_HEADERS, disable_numparse=True)]
    return "\n".join(lines)
