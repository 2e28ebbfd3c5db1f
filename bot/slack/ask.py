"""`strandbot ask`'s Slack side: a slash command run through the Bolt app in process, with a local stand-in
playing Slack, and what Slack would show for it turned into text for a terminal."""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Callable

from slack_bolt.request import BoltRequest

from bot.errors import InvalidRequest
from bot.settings import Settings
from bot.slack.app import Services, create_app
from bot.slack.blocks.dashboard import RAG_EMOJI
from bot.slack.markup import unescape
from bot.slack.standin import SlackStandIn, Upload, signed_command
from bot.store.db import Database

ANSWER_TIMEOUT_SECONDS = 120
TERMINAL_EMOJI = {RAG_EMOJI["red"]: "🔴", RAG_EMOJI["amber"]: "🟠", RAG_EMOJI["green"]: "🟢"}


def ask(
    settings: Settings,
    database: Database,
    command: str,
    text: str,
    user: str,
    operator: str,
    show: Callable[[str], None],
) -> list[Upload]:
    """Send `command text` as `user` would type it in Slack, and `show` the answer Slack would show (strandbot
    acknowledges at once and answers through the response URL); the files uploaded, as Slack would keep them."""
    with SlackStandIn() as slack:
        local = dataclasses.replace(
            settings,
            slack_bot_token="xoxb-strandbot-ask",
            slack_signing_secret=secrets.token_hex(16),
            slack_app_token=None,
            slack_api_url=slack.api_url,
        )
        services = Services(local, database, operator=operator)
        app = create_app(services)
        body, headers = signed_command(local.slack_signing_secret, command, text, user, slack.response_url())
        response = app.dispatch(BoltRequest(body=body, headers=headers))
        if response.status == 404:
            raise InvalidRequest(f"strandbot does not answer {command}; try /strand.")
        answer = json.loads(response.body) if response.body else None
        if answer is None:  # acknowledged with nothing to show: the answer comes to the response URL, or a form
            answer = slack.wait_for(
                lambda r: r.path.startswith("/response/") or r.api_method == "views.open",
                timeout=ANSWER_TIMEOUT_SECONDS,
            ).body
        show(form_note(command, answer["view"]) if "view" in answer else message_as_text(answer))
        services.executor.shutdown(wait=True)
        return slack.uploads()


def form_note(command: str, view: dict | str) -> str:
    """What to say where Slack would open a form: a terminal has none, so type the request instead."""
    title = (json.loads(view) if isinstance(view, str) else view)["title"]["text"]
    return (
        f"In Slack, {command} with nothing typed opens the form “{title}”. Here, type the request instead; "
        f'`strandbot ask "{command} help"` shows how.'
    )


def message_as_text(payload: dict) -> str:
    """What Slack would show for a message payload (blocks, or else text), as plain text for a terminal."""
    lines: list[str] = []
    for block in payload.get("blocks") or [{"type": "section", "text": {"text": payload.get("text", "")}}]:
        kind = block["type"]
        if kind == "header":
            lines += [block["text"]["text"], "=" * len(block["text"]["text"])]
        elif kind == "section":
            lines.append(_plain(block.get("text", {}).get("text", "")))
            lines += [_plain(f["text"]) for f in block.get("fields", [])]
        elif kind == "context":
            lines.append(" ".join(_plain(e.get("text", "")) for e in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block["elements"] if e["type"] == "button"))
    return "\n".join(lines)


def _plain(mrkdwn: str) -> str:
    for code, emoji in TERMINAL_EMOJI.items():
        mrkdwn = mrkdwn.replace(code, emoji)
    mrkdwn = unescape(mrkdwn)
    mrkdwn = mrkdwn.replace("```", "\n")
    for mark in ("*", "_"):  # bold, italic: the text between may not hold the mark itself
        m = re.escape(mark)
        mrkdwn = re.sub(rf"(?<![\w*_]){m}([^{m}\s](?:[^{m}]*[^{m}\s])?){m}(?![\w*_])", r"\1", mrkdwn)
    return mrkdwn
