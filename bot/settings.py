"""Settings, read once at start-up from the environment (and a `.env` file) into one typed object.

Nothing else in strandbot reads the environment: the object is passed down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.domain.ids import MEMBER_ID

if TYPE_CHECKING:
    from bot.store.db import URL

DEFAULT_DATABASE_URL = "sqlite:///strandbot.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class SettingsError(Exception):
    """One or more settings are wrong; the message names each one and what it should look like."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    database_url: URL
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str
    slack_timeout: float  # seconds to wait for Slack's answer to a call from outside a request (a digest's post)
    timezone: ZoneInfo
    fy_start_month: int
    baseline_fy: int
    admins: tuple[str, ...]

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def require_slack(self, posting_only: bool = False) -> None:
        """Raise SettingsError unless everything needed to talk to a real Slack workspace is set (or, with
        `posting_only`, to post messages: the scheduler answers no requests, so needs no signing secret)."""
        problems = []
        if not self.slack_bot_token:
            problems.append("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from the app's page.")
        if not self.slack_signing_secret and not self.socket_mode and not posting_only:
            problems.append("SLACK_SIGNING_SECRET is not set: copy it from the app's Basic Information page.")
        if problems:
            raise SettingsError(problems)


def load_settings(environ: Mapping[str, str] | None = None, dotenv_path: str | None = ".env") -> Settings:
    """Read settings from `environ` (default: the process environment) over the `.env` file.

    Raises SettingsError listing every wrong value, so one start-up shows them all.
    """
    # The store (SQLAlchemy) parses the URL when settings are read, not when this module is imported: every
    # command imports it, and `--help` reads no settings.
    from bot.store.db import parse_database_url

    values: dict[str, str | None] = {}
    if dotenv_path and os.path.exists(dotenv_path):
        values.update(dotenv_values(dotenv_path))
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name)
        return value.strip() if value and value.strip() else None

    problems: list[str] = []
    database_url = parse_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL, problems)
    slack_api_url = _slack_api_url(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL, problems)
    slack_timeout = _seconds("STRANDBOT_SLACK_TIMEOUT", get("STRANDBOT_SLACK_TIMEOUT") or "30", 0.1, 300.0, problems)
    timezone = _timezone(get("STRANDBOT_TIMEZONE") or "Europe/London", problems)
    fy_start_month = _integer(
        "STRANDBOT_FY_START_MONTH",
        get("STRANDBOT_FY_START_MONTH") or "4",
        1,
        12,
        problems,
        hint="a month number, 1 (January) to 12; UK forces use 4 (April)",
    )
    baseline_fy = _integer(
        "STRANDBOT_BASELINE_FY",
        get("STRANDBOT_BASELINE_FY") or "2019",
        1990,
        2100,
        problems,
        hint="the calendar year the baseline financial year starts in, e.g. 2019 for FY 2019/20",
    )
    admins = _admins(get("STRANDBOT_ADMINS") or "", problems)
    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN should be a bot token starting with 'xoxb-'.")
    app_token = get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN should be an app-level token starting with 'xapp-' (Socket Mode).")
    if problems:
        raise SettingsError(problems)
    assert database_url and timezone and fy_start_month and baseline_fy and slack_timeout  # for the type checker
    return Settings(
        database_url=database_url,
        slack_bot_token=bot_token,
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=app_token,
        slack_api_url=slack_api_url,
        slack_timeout=slack_timeout,
        timezone=timezone,
        fy_start_month=fy_start_month,
        baseline_fy=baseline_fy,
        admins=admins,
    )


def _slack_api_url(raw: str, problems: list[str]) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"SLACK_API_URL {raw!r} is not an http(s) URL; the default is {DEFAULT_SLACK_API_URL}.")
    return raw if raw.endswith("/") else raw + "/"


def _timezone(raw: str, problems: list[str]) -> ZoneInfo | None:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"STRANDBOT_TIMEZONE {raw!r} is not a known time zone; use an IANA name such as "
            "Europe/London or America/Toronto."
        )
        return None


def _integer(name: str, raw: str, low: int, high: int, problems: list[str], hint: str) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name} {raw!r} is not a whole number; expected {hint}.")
        return None
    if not low <= value <= high:
        problems.append(f"{name} {value} is out of range; expected {hint}.")
        return None
    return value


def _seconds(name: str, raw: str, low: float, high: float, problems: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        problems.append(f"{name} {raw!r} should be a number of seconds from {low:g} to {high:g}.")
        return None
    return value


def _admins(raw: str, problems: list[str]) -> tuple[str, ...]:
    admins = tuple(part.strip() for part in raw.split(",") if part.strip())
    bad = [a for a in admins if not MEMBER_ID.match(a)]
    if bad:
        problems.append(
            f"STRANDBOT_ADMINS has {', '.join(repr(b) for b in bad)}, which "
            f"{'is not a Slack user ID' if len(bad) == 1 else 'are not Slack user IDs'}; "
            "use comma-separated IDs such as U012AB3CD (profile → ⋮ → Copy member ID)."
        )
    return admins
