"""The scheduler: fire times across the clock changes, missed runs caught up once, pausing, and several
scheduler processes against one PostgreSQL database posting once."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock

import pytest
from conftest import LONDON, Directory, local, schedule_due, settings_for, store
from sqlalchemy import select

from bot.alerts.schedule import SHIPPED_SCHEDULE, WeeklySchedule, checked_schedule
from bot.alerts.schedule_settings import change_schedule
from bot.alerts.subscriptions import Channel, subscribe
from bot.audit.log import Actor, chain_head
from bot.errors import InvalidRequest
from bot.slack.testing import ServedApp
from bot.slack.web import SlackWeb, retrying_client
from bot.store.db import Database
from bot.store.models import JobRun
from jobs.scheduler import log_tick, tick

ADMIN = Actor("U0ADMIN")


def test_monday_eight_oclock_stays_at_eight_local_across_both_clock_changes():
    # Clocks go forward on Sunday 29 March 2026 and back on Sunday 25 October 2026 (Europe/London).
    spring = SHIPPED_SCHEDULE.runs_after(datetime(2026, 3, 20, tzinfo=UTC), LONDON, 2)
    autumn = SHIPPED_SCHEDULE.runs_after(datetime(2026, 10, 16, tzinfo=UTC), LONDON, 2)
    assert [run.astimezone(UTC) for run in spring] == [
        datetime(2026, 3, 23, 8, 0, tzinfo=UTC),  # GMT
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),  # BST
    ]
    assert [run.astimezone(UTC) for run in autumn] == [
        datetime(2026, 10, 19, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
    ]
    assert {(run.weekday(), run.hour, run.minute) for run in spring + autumn} == {(0, 8, 0)}


def test_a_schedule_is_typed_as_a_day_and_a_local_time():
    assert checked_schedule(["weekly", "Tue", "7:30"], SHIPPED_SCHEDULE) == WeeklySchedule(1, clock(7, 30))
    assert checked_schedule(["17:00"], SHIPPED_SCHEDULE).weekday == 0  # keeps the day
    with pytest.raises(InvalidRequest, match="24-hour clock"):
        checked_schedule(["mon", "25:00"], SHIPPED_SCHEDULE)
    with pytest.raises(InvalidRequest, match="neither a day nor a time"):
        checked_schedule(["funday", "08:00"], SHIPPED_SCHEDULE)


@pytest.fixture
def alerting(database, slack):
    """A database with hate crime well up on last year, and one channel subscribed to it."""
    rows = [("hate-crime", local("2026-01-10")) for _ in range(50)] + [
        ("hate-crime", local("2025-01-10")) for _ in range(20)
    ]
    store(database, rows)
    channel = "C" + uuid.uuid4().hex[:10].upper()  # the stand-in is shared: each test has its own channel
    subscribe(database, ADMIN, "/strand-admin subscribe", Channel(channel), "hate-crime", Directory())
    settings = settings_for(database.url, SLACK_BOT_TOKEN="xoxb-stand-in", SLACK_API_URL=slack.api_url)
    return settings, SlackWeb(retrying_client(settings)), channel


def runs(database) -> list[JobRun]:
    with database.session() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.id)))


def test_the_tick_fires_at_eight_local_after_the_clocks_go_forward(database, alerting):
    settings, poster, channel = alerting
    before = tick(database, settings, poster, now=datetime(2026, 3, 30, 6, 59, tzinfo=UTC))  # 07:59 BST
    assert before.run is None
    on_time = tick(database, settings, poster, now=datetime(2026, 3, 30, 7, 0, 30, tzinfo=UTC))  # 08:00 BST
    assert (on_time.run.trigger, on_time.run.period, on_time.run.as_of.isoformat()) == (
        "schedule",
        "2026-03-29",
        "2026-03-29",
    )
    assert [d.status for d in on_time.run.deliveries] == ["sent"]
    assert tick(database, settings, poster, now=datetime(2026, 3, 30, 7, 1, tzinfo=UTC)).run is None


def test_after_a_weekly_run_the_log_carries_the_audit_chains_head(database, alerting, caplog):
    settings, poster, channel = alerting
    report = tick(database, settings, poster, now=datetime(2026, 3, 30, 7, 0, 30, tzinfo=UTC))
    with caplog.at_level(logging.INFO, logger="jobs.scheduler"):
        log_tick(database, report)
    length, head = chain_head(database)
    assert length >= 1  # the subscription change was audited
    assert f"audit log: {length} rows, head {head}" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jobs.scheduler"):
        log_tick(database, tick(database, settings, poster, now=datetime(2026, 3, 30, 7, 1, tzinfo=UTC)))
    assert "audit log" not in caplog.text  # only after a weekly run, not every minute


def test_a_run_missed_while_down_runs_once_on_start_up_and_says_it_is_late(database, slack, alerting):
    settings, poster, channel = alerting
    three_hours_late = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    report = tick(database, settings, poster, now=three_hours_late)
    assert report.run.trigger == "catch-up"
    [posted] = slack.calls("chat.postMessage", channel)
    late = ":hourglass: Late: this digest was due Mon 30 Mar at 08:00, when strandbot was not running."
    assert late in posted.body["text"]
    assert tick(database, settings, poster, now=three_hours_late + timedelta(minutes=1)).run is None


def test_a_run_missed_by_more_than_a_day_is_recorded_as_missed_not_posted(database, alerting):
    settings, poster, channel = alerting
    tick(database, settings, poster, now=datetime(2026, 3, 23, 8, 0, 10, tzinfo=UTC))  # one on time
    report = tick(database, settings, poster, now=datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
    assert report.run is None
    assert [(r.trigger, r.outcome) for r in runs(database)] == [("schedule", "ok"), ("schedule", "missed")]


def test_a_paused_schedule_runs_nothing_until_resumed(database, alerting):
    settings, poster, channel = alerting
    change_schedule(database, ADMIN, "/strand-admin pause", LONDON, paused=True)
    due = SHIPPED_SCHEDULE.runs_after(datetime.now(UTC) - timedelta(days=7), LONDON, 1)[0]
    assert tick(database, settings, poster, now=due + timedelta(seconds=30)).run is None
    assert runs(database) == []


@pytest.mark.postgres
def test_three_schedulers_against_one_database_post_once(postgres_url, slack):
    database = Database(postgres_url)
    today = datetime.now(LONDON).date()
    store(database, [("hate-crime", local((today - timedelta(days=3)).isoformat())) for _ in range(30)])
    subscribe(database, ADMIN, "/strand-admin subscribe", Channel("C0THREE"), "all", Directory())
    subscribe(database, ADMIN, "/strand-admin subscribe", Channel("C0THREE2"), "hate-crime", Directory())
    schedule_due(database, (datetime.now(LONDON) - timedelta(minutes=1)).replace(second=0, microsecond=0))
    environment = {
        **os.environ,
        "DATABASE_URL": postgres_url.render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": "xoxb-stand-in",
        "SLACK_API_URL": slack.api_url,
    }
    schedulers = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "scheduler", "--tick-seconds", "1"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for channel in ("C0THREE", "C0THREE2"):
            slack.wait_for(lambda r, c=channel: r.api_method == "chat.postMessage" and r.body.get("channel") == c, 60)
        time.sleep(4)  # every scheduler has ticked several more times by now
    finally:
        for process in schedulers:
            process.terminate()
        logs = [process.communicate(timeout=10)[0] for process in schedulers]
    assert all(process.returncode is not None for process in schedulers)
    assert len(slack.calls("chat.postMessage", "C0THREE")) == 1, logs
    assert len(slack.calls("chat.postMessage", "C0THREE2")) == 1, logs
    scheduled = [r for r in runs(database) if r.trigger == "schedule"]
    assert len(scheduled) == 1
    assert (scheduled[0].outcome, scheduled[0].sent) == ("ok", 2)
    database.dispose()


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` running `strandbot scheduler` (from /proc: Linux, like CI)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                    if parent == pid and b"\x00scheduler\x00" in cmdline.read():
                        found.append(int(entry))
            except (OSError, ValueError):
                continue
    return found


def test_serve_runs_the_scheduler_beside_itself_and_stops_it_when_it_stops(sqlite_url, slack):
    app = ServedApp(sqlite_url.render_as_string(), slack, "0" * 32, scheduler=True)
    try:
        deadline = time.monotonic() + 10
        while not children(app.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        [scheduler] = children(app.process.pid)
    finally:
        app.stop()
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{scheduler}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{scheduler}")
