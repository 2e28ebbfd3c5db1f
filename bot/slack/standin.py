"""Slack's side of a conversation with strandbot, run locally: what `strandbot ask` needs.

`SlackStandIn` is a small HTTP server standing in for Slack's Web API and the response URLs of commands,
keeping what is posted to each channel; `signed_command` builds requests signed exactly as Slack signs them.
`strandbot ask` runs a slash command through them without a workspace, the way bolt-python's own tests stand in
for Slack. The tests' and benchmarks' extras (failure switches, `strandbot serve` as a process, a sender to kill)
are in `bot/slack/testing.py`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0STANDIN"
BOT_USER_ID = "U0STRANDBOT"
BOT_ID, APP_ID = "B0STRANDBOT", "A0STRANDBOT"
HISTORY_LIMIT, HISTORY_MAX_LIMIT = 100, 999  # conversations.history's default and largest `limit`


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict
    content: bytes = b""  # the raw bytes of a file upload (its body is empty)

    @property
    def api_method(self) -> str | None:
        return self.path.removeprefix("/api/") if self.path.startswith("/api/") else None


@dataclass(frozen=True)
class Upload:
    """A file as files_upload_v2 sent it: where it went, with what, and its bytes."""

    file_id: str
    filename: str
    alt_text: str
    channel: str
    comment: str
    content: bytes


class SlackStandIn:
    """Start with `with SlackStandIn() as slack:`; every request it gets is kept in `slack.received`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.received: list[Received] = []
        self._changed = threading.Condition()
        # What Slack would say about channels: the bot is in every channel except these; these don't exist.
        self.channels_without_bot: set[str] = set()
        self.missing_channels: set[str] = set()
        self._channels: dict[str, list[dict]] = {}  # each channel's messages, oldest first
        # Views as Slack keeps them, by ID; each person's Home tab's ID; views' IDs by their external_id.
        self.views: dict[str, dict] = {}
        self._home_ids: dict[str, str] = {}
        self._publishes: dict[str, int] = {}  # how many times each person's Home tab was published
        self._external_ids: dict[str, str] = {}
        self._triggered: dict[str, str] = {}  # the ID of the view each trigger opened (or pushed)
        self._last_ts = Decimal(0)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path, _, query = self.path.partition("?")
                if path.startswith("/upload/"):  # a file's bytes, as sent to the URL Slack handed out
                    body, content = {}, raw
                else:  # Slack takes arguments in the query string as well as the body
                    content_type = self.headers.get("Content-Type", "")
                    body = {**stand_in._parse(query, ""), **stand_in._parse(raw.decode("utf-8"), content_type)}
                    content = b""
                stand_in._record(Received(path, dict(self.headers.items()), body, content))
                stand_in._respond(self, path, body)

            do_GET = do_POST  # noqa: N815 - Slack's Web API takes GET with the arguments in the query string

            def _answer(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep test and terminal output clean
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-stand-in", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.base_url}/response/{name}"

    def __enter__(self) -> SlackStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 10.0) -> Received:
        """The first request matching `predicate`, waiting up to `timeout` seconds for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for request in self.received:
                    if predicate(request):
                        return request
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"nothing matching arrived at the Slack stand-in within {timeout} s")
                self._changed.wait(remaining)

    def calls(self, api_method: str, channel: str | None = None) -> list[Received]:
        return [r for r in self.received if r.api_method == api_method and channel in (None, r.body.get("channel"))]

    def opened_with(self, trigger_id: str, timeout: float = 10.0) -> dict:
        """The view opened (or pushed) with `trigger_id`, as Slack keeps it, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (view_id := self._triggered.get(trigger_id)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no view was opened with trigger {trigger_id} within {timeout} s")
                self._changed.wait(remaining)
            return dict(self.views[view_id])

    def publish_count(self, user: str) -> int:
        """How many times `user`'s Home tab has been published."""
        with self._changed:
            return self._publishes.get(user, 0)

    def home(self, user: str, publishes: int = 1, timeout: float = 10.0) -> dict:
        """The Home tab published for `user`, as Slack keeps it, once it has been published `publishes` times,
        waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._publishes.get(user, 0) < publishes:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{user}'s Home tab was not published {publishes} times within {timeout} s")
                self._changed.wait(remaining)
            return dict(self.views[self._home_ids[user]])

    def posted(self, channel: str) -> list[dict]:
        """The messages in `channel`, oldest first, as Slack keeps them (with their metadata)."""
        with self._changed:
            return [dict(message) for message in self._channels.get(channel, [])]

    def _respond(self, handler, path: str, body: dict) -> None:
        """Answer a request as Slack would (`handler` is the server's, with `_answer`)."""
        handler._answer(200, *encoded_reply(self._reply(path, body)))

    def _record(self, request: Received) -> None:
        with self._changed:
            self.received.append(request)
            self._changed.notify_all()

    @staticmethod
    def _parse(raw: str, content_type: str) -> dict:
        if "json" in content_type:
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def _post_message(self, body: dict) -> dict:
        """chat.postMessage: the message joins the channel's history, metadata and all."""
        channel = body.get("channel", "")
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.channels_without_bot:
            return {"ok": False, "error": "not_in_channel"}
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID, "team": TEAM_ID}
        message["text"] = body.get("text", "")
        for name in ("blocks", "metadata"):  # JSON in a JSON body; JSON text in a form
            if value := body.get(name):
                message[name] = json.loads(value) if isinstance(value, str) else value
        with self._changed:
            self._last_ts = max(Decimal(f"{time.time():.6f}"), self._last_ts + Decimal("0.000001"))
            message["ts"] = f"{self._last_ts:.6f}"
            self._channels.setdefault(channel, []).append(message)
        shown = {k: v for k, v in message.items() if k != "metadata"}
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": shown}

    def _history(self, body: dict) -> dict:
        """conversations.history as Slack documents it: the messages between `oldest` and `latest` (neither
        included unless `inclusive`), newest first, at most `limit`; `has_more` and a cursor for the rest;
        metadata only with `include_all_metadata`."""
        channel = body.get("channel", "")
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.channels_without_bot:
            return {"ok": False, "error": "not_in_channel"}
        try:
            oldest = Decimal(body.get("oldest") or 0)
            latest = Decimal(body.get("latest") or "Infinity")
            limit = min(max(int(body.get("limit") or HISTORY_LIMIT), 1), HISTORY_MAX_LIMIT)
            if cursor := body.get("cursor"):  # the next page: older than the last message shown
                latest = Decimal(base64.b64decode(cursor).decode().removeprefix("next_ts:"))
        except (ValueError, InvalidOperation):
            return {"ok": False, "error": "invalid_arguments"}
        inclusive = _true(body.get("inclusive"))

        def between(ts: Decimal) -> bool:
            if inclusive:  # a cursor's `latest` is the last message already shown: never again
                return oldest <= ts and (ts < latest if cursor else ts <= latest)
            return oldest < ts < latest

        with self._changed:
            messages = [dict(m) for m in reversed(self._channels.get(channel, [])) if between(Decimal(m["ts"]))]
        page, has_more = messages[:limit], len(messages) > limit
        if not _true(body.get("include_all_metadata")):
            for message in page:
                message.pop("metadata", None)
        reply = {"ok": True, "messages": page, "has_more": has_more, "pin_count": 0}
        reply |= {name: body[name] for name in ("oldest", "latest") if body.get(name)}
        if has_more:
            next_cursor = base64.b64encode(f"next_ts:{page[-1]['ts']}".encode()).decode()
            reply["response_metadata"] = {"next_cursor": next_cursor}
        return reply

    def uploads(self) -> list[Upload]:
        """Every file uploaded with files_upload_v2, oldest first (including any Slack refused to share)."""
        asked = [call.body for call in self.calls("files.getUploadURLExternal")]
        sent = {r.path.removeprefix("/upload/"): r.content for r in self.received if r.path.startswith("/upload/")}
        uploads = []
        for call in self.calls("files.completeUploadExternal"):
            file_id = json.loads(call.body["files"])[0]["id"]
            request = asked[int(file_id.removeprefix("F")) - 1]  # IDs count the getUploadURLExternal calls
            uploads.append(
                Upload(
                    file_id,
                    request["filename"],
                    request.get("alt_txt", ""),
                    call.body.get("channel_id", ""),
                    call.body.get("initial_comment", ""),
                    sent.get(file_id, b""),
                )
            )
        return uploads

    def wait_for_upload(self, filename: str, since: int = 0, timeout: float = 30.0) -> Upload:
        """The first upload of `filename` after the first `since` uploads, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done := [u for u in self.uploads()[since:] if u.filename == filename]:
                return done[0]
            with self._changed:
                self._changed.wait(0.1)
        raise TimeoutError(f"{filename} was not uploaded to the Slack stand-in within {timeout} s")

    def _reply(self, path: str, body: dict) -> dict | None:
        if path.startswith(("/response/", "/upload/")):
            return None  # Slack answers response URLs and uploads with a plain "ok"
        method = path.removeprefix("/api/")
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://standin.slack.com/",
                "team": "Stand-in",
                "user": "strandbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0STRANDBOT",
            }
        if method == "conversations.info":
            channel = body.get("channel", "")
            if channel in self.missing_channels:
                return {"ok": False, "error": "channel_not_found"}
            if channel.startswith("D"):  # a direct-message conversation: no name, no is_member
                return {"ok": True, "channel": {"id": channel, "is_im": True, "user": "U" + channel[1:]}}
            return {
                "ok": True,
                "channel": {
                    "id": channel,
                    "name": channel.lower(),
                    "is_member": channel not in self.channels_without_bot,
                },
            }
        if method == "conversations.open":  # the direct-message conversation with each user
            return {"ok": True, "channel": {"id": "D" + body.get("users", "").split(",")[0].removeprefix("U")}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.calls(method)):06d}"
            return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            channel = body.get("channel_id")
            if channel in self.channels_without_bot:
                return {"ok": False, "error": "not_in_channel"}
            files = [
                {**f, "permalink": f"https://standin.slack.com/files/{BOT_USER_ID}/{f['id']}", "channels": [channel]}
                for f in json.loads(body.get("files", "[]"))
            ]
            return {"ok": True, "files": files}
        if method == "chat.postMessage":
            return self._post_message(body)
        if method == "conversations.history":
            return self._history(body)
        if method in VIEW_METHODS:
            return self._view(method, body)
        return {"ok": True}

    def _view(self, method: str, body: dict) -> dict:
        """views.open, views.push, views.update and views.publish as Slack documents them: the view checked
        (a modal for the first three, a Home tab for publish; Slack's limits on blocks, title, buttons,
        callback_id and private_metadata; an input needs a submit button), a trigger for open and push, a
        known view for update; the view as Slack keeps it (with its ID) in the answer."""
        view = body.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict):
            return _invalid("view is required")
        wanted = "home" if method == "views.publish" else "modal"
        problems = view_problems(view, wanted)
        if method in ("views.open", "views.push") and not body.get("trigger_id"):
            problems.append("trigger_id is required")
        if method == "views.publish" and not body.get("user_id"):
            problems.append("user_id is required")
        if problems:
            return _invalid(*problems)
        with self._changed:
            if method == "views.update":
                view_id = body.get("view_id") or self._external_ids.get(body.get("external_id") or "")
                if view_id not in self.views:
                    return {"ok": False, "error": "not_found"}
            elif method == "views.publish":
                view_id = self._home_ids.setdefault(body["user_id"], f"V{len(self.views) + 1:08d}")
                self._publishes[body["user_id"]] = self._publishes.get(body["user_id"], 0) + 1
            else:
                view_id = f"V{len(self.views) + 1:08d}"
                self._triggered[body["trigger_id"]] = view_id
            if external := view.get("external_id"):
                self._external_ids[external] = view_id
            kept = {**view, "id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID}
            kept |= {"state": {"values": {}}, "hash": f"{time.time():.6f}"}
            self.views[view_id] = kept
            self._changed.notify_all()
        return {"ok": True, "view": kept}


VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def view_problems(view: dict, wanted: str) -> list[str]:
    """What Slack would refuse in `view` (of type `wanted`, "modal" or "home"), by slack_sdk's models of views
    and blocks (their documented limits) and the rules the models leave out."""
    from slack_sdk.errors import SlackObjectFormationError
    from slack_sdk.models.views import View

    problems = []
    if view.get("type") != wanted:
        problems.append(f"view.type must be {wanted}, not {view.get('type')!r}")
    if wanted == "modal" and not view.get("title"):
        problems.append("a modal needs a title")
    if wanted == "modal" and any(b.get("type") == "input" for b in view.get("blocks") or []) and not view.get("submit"):
        problems.append("a modal with inputs needs a submit button")
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, KeyError) as error:
        problems.append(str(error))
    return problems


def _invalid(*problems: str) -> dict:
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": list(problems)}}


def encoded_reply(reply: dict | None) -> tuple[bytes, str]:
    """An answer's bytes and content type: Slack's JSON, or the plain "ok" of response URLs and uploads."""
    if reply is None:
        return b"ok", "text/plain"
    return json.dumps(reply).encode(), "application/json"


def _true(value: object) -> bool:
    """A boolean argument as Slack reads it: true, 1 (slack_sdk sends "1"), or JSON true."""
    return value is True or str(value).lower() in ("1", "true")


def as_slack_sends(typed: str) -> str:
    """What people type, as Slack sends it in a slash command's text: `&`, `<` and `>` escaped."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signed_command(
    signing_secret: str,
    command: str,
    text: str,
    user_id: str,
    response_url: str,
    timestamp: int | None = None,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> tuple[str, dict[str, str]]:
    """A slash-command request exactly as Slack sends it: the form body and its signed headers. Its trigger
    (`trigger_id`) is what opens a modal."""
    body = urlencode(
        {
            "token": "unused-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "standin",
            "channel_id": "C0STANDIN",
            "channel_name": "safeguarding",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0STRANDBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
    return body, signed_headers(signing_secret, body, timestamp)


def signed_headers(signing_secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers (v0 HMAC-SHA256 of the timestamp and body)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body),
    }
