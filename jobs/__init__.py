"""Scheduled jobs: the weekly breach digest (weekly_breaches.py) and the scheduler that ticks it
(scheduler.py, APScheduler 3.x). They call the same domain code as the Slack listeners and the CLI."""
