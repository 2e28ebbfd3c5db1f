"""Scheduled jobs (APScheduler 3.x). They call the same domain code as the Slack listeners and the CLI.

Empty in this release: the weekly threshold-breach digest is the first job (see the README's roadmap).
"""
