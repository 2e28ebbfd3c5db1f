"""Slack's side of a conversation with strandbot, run locally.

`SlackStandIn` is a small HTTP server standing in for Slack's Web API and the response URLs of commands,
keeping what is posted to each channel and failing calls on request; `signed_command` builds requests signed
exactly as Slack signs them; `ServedApp` runs `strandbot serve` as a real process pointed at the stand-in;
`python -m bot.slack.standin sender` runs the scheduler's tick in a process a test can kill. Used by
`strandbot ask` (a slash command without a workspace), the tests and the benchmarks, the way bolt-python's
own tests stand in for Slack.
"""

from __future__ import annotations

import argparse
import base64
import enum
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0STANDIN"
BOT_USER_ID = "U0STRANDBOT"
BOT_ID, APP_ID = "B0STRANDBOT", "A0STRANDBOT"
HISTORY_LIMIT, HISTORY_MAX_LIMIT = 100, 999  # conversations.history's default and largest `limit`


class AfterAccepting(enum.Enum):
    """How the stand-in fails a call it has acted on (a message it has posted): the answers that leave the
    caller unable to tell whether Slack took it."""

    DROP = "drop"  # close the connection without answering
    SERVER_ERROR = "500"  # answer HTTP 500
    HOLD = "hold"  # hold the answer for `hold_seconds`, longer than the client waits


@dataclass(frozen=True)
class _Fault:
    status: int = 0  # without `after`: answer this HTTP status without acting on the call
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # Slack's error code in the answer's body
    after: AfterAccepting | None = None


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
        # How long a call failed with AfterAccepting.HOLD waits before answering: past the client's timeout.
        self.hold_seconds = 2.0
        self._failures: dict[tuple[str, str | None], list[_Fault]] = {}
        self._channels: dict[str, list[dict]] = {}  # each channel's messages, oldest first
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
                fault = stand_in._next_failure(path, body)
                if fault is not None and fault.after is None:
                    error = fault.error or ("ratelimited" if fault.status == 429 else None)
                    data = json.dumps({"ok": False, "error": error}).encode() if error else b""
                    self._answer(fault.status, data, "application/json", fault.headers)
                    return
                reply = stand_in._reply(path, body)
                data = json.dumps(reply).encode() if reply is not None else b"ok"
                content_type = "application/json" if reply is not None else "text/plain"
                if fault is None:
                    self._answer(200, data, content_type)
                elif fault.after is AfterAccepting.DROP:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                elif fault.after is AfterAccepting.SERVER_ERROR:
                    self._answer(500, b"", "text/plain")
                else:
                    time.sleep(stand_in.hold_seconds)
                    try:
                        self._answer(200, data, content_type)
                    except OSError:  # the client has long given up
                        self.close_connection = True

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

    def fail_next(
        self,
        api_method: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        channel: str | None = None,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `api_method` (for `channel`, if given) with HTTP `status`, without
        acting on them: 500, or 429 with a Retry-After header, say; or 200 with Slack's `error` (ok: false), as
        Slack refuses most calls (`missing_scope`, say)."""
        with self._changed:
            fault = _Fault(status, headers or {}, error=error)
            self._failures.setdefault((api_method, channel), []).extend([fault] * times)

    def fail_after_accepting(
        self, api_method: str, how: AfterAccepting, times: int = 1, channel: str | None = None
    ) -> None:
        """Act on the next `times` calls of `api_method` (for `channel`, if given): post the message, say; then
        fail to say so, `how`."""
        with self._changed:
            self._failures.setdefault((api_method, channel), []).extend([_Fault(after=how)] * times)

    def calls(self, api_method: str, channel: str | None = None) -> list[Received]:
        return [r for r in self.received if r.api_method == api_method and channel in (None, r.body.get("channel"))]

    def posted(self, channel: str) -> list[dict]:
        """The messages in `channel`, oldest first, as Slack keeps them (with their metadata)."""
        with self._changed:
            return [dict(message) for message in self._channels.get(channel, [])]

    def _next_failure(self, path: str, body: dict) -> _Fault | None:
        method = path.removeprefix("/api/")
        with self._changed:
            for key in ((method, body.get("channel")), (method, None)):
                if queue := self._failures.get(key):
                    return queue.pop(0)
            return None

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
        return {"ok": True}


def _true(value: object) -> bool:
    """A boolean argument as Slack reads it: true, 1 (slack_sdk sends "1"), or JSON true."""
    return value is True or str(value).lower() in ("1", "true")


def signed_command(
    signing_secret: str,
    command: str,
    text: str,
    user_id: str,
    response_url: str,
    timestamp: int | None = None,
) -> tuple[str, dict[str, str]]:
    """A slash-command request exactly as Slack sends it: the form body and its signed headers."""
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
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    )
    return body, signed_headers(signing_secret, body, timestamp)


def signed_action(
    signing_secret: str, action_id: str, value: str, user_id: str, response_url: str, menu: bool = False
) -> tuple[str, dict[str, str]]:
    """A button press (or, with `menu`, a choice from a select menu whose option's value is `value`) under an
    ephemeral message, as Slack sends it: the form body and its signed headers."""
    action = (
        {"type": "static_select", "action_id": action_id, "selected_option": {"value": value}}
        if menu
        else {"type": "button", "action_id": action_id, "value": value}
    )
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "api_app_id": "A0STRANDBOT",
        "container": {"type": "message", "is_ephemeral": True},
        "channel": {"id": "C0STANDIN"},
        "response_url": response_url,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "actions": [{**action, "block_id": "b", "action_ts": "1"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return body, signed_headers(signing_secret, body)


def signed_headers(signing_secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers (v0 HMAC-SHA256 of the timestamp and body)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body),
    }


class ServedApp:
    """`strandbot serve` as a real process on a free local port, talking to `slack` for its Web API.

    Without its scheduler unless asked: a test runs jobs when it means to."""

    def __init__(
        self,
        database_url: str,
        slack: SlackStandIn,
        signing_secret: str,
        workers: int = 1,
        threads: int = 4,
        timeout: float = 30.0,
        environment: dict[str, str] | None = None,
        scheduler: bool = False,
    ):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.signing_secret = signing_secret
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-stand-in-token",
            "SLACK_SIGNING_SECRET": signing_secret,
            "SLACK_API_URL": slack.api_url,
            **(environment or {}),
        }
        environment.pop("SLACK_APP_TOKEN", None)
        command = [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--scheduler" if scheduler else "--no-scheduler",
        ]
        self.process = subprocess.Popen(
            command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        # Read its output as it comes: a full pipe (gunicorn logs every request) would stall the server.
        self._output: list[str] = []
        self._reader = threading.Thread(target=lambda: self._output.extend(self.process.stdout), daemon=True)
        self._reader.start()
        self._wait_until_answering(timeout)

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # answering, even if unhealthy
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"strandbot serve did not start:\n{self.log()}")

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, dict | str]:
        """POST to /slack/events; the status and the body (parsed if JSON)."""
        request = urllib.request.Request(self.url + "/slack/events", data=body.encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw, status = response.read().decode(), response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read().decode(), error.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def command(
        self,
        slack: SlackStandIn,
        text: str,
        user: str,
        command: str = "/strand",
        response_url: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, dict | str]:
        """Send a signed slash command, as Slack would when `user` types it."""
        body, headers = signed_command(
            self.signing_secret, command, text, user, response_url or slack.response_url(), timestamp
        )
        return self.post(body, headers)

    def press(self, slack: SlackStandIn, button: dict, user: str, response_url: str) -> tuple[int, dict | str]:
        """Press a button (a block element from an earlier answer), as Slack would when `user` clicks it."""
        body, headers = signed_action(self.signing_secret, button["action_id"], button["value"], user, response_url)
        return self.post(body, headers)

    def choose(
        self, slack: SlackStandIn, menu: dict, option: int, user: str, response_url: str
    ) -> tuple[int, dict | str]:
        """Choose the `option`-th entry of a select menu (a block element from an earlier answer)."""
        value = menu["options"][option]["value"]
        body, headers = signed_action(self.signing_secret, menu["action_id"], value, user, response_url, menu=True)
        return self.post(body, headers)

    def log(self) -> str:
        """Everything the server printed (stops it first)."""
        self.stop()
        self._reader.join(timeout=10)
        return "".join(self._output)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# A sender to kill: the scheduler's tick in a process of its own, driven over stdin.

HALT_SECONDS = 60  # how long a halted sender waits to be killed before leaving by itself


class HaltAfterPosting:
    """A poster that, once Slack has answered a post, may (with `chance`) say `halted <channel>` on stdout and wait
    to be killed: the sender dying between Slack's answer and the ledger's `sent`."""

    def __init__(self, poster, chance: float, rng: random.Random):
        self.poster, self.chance, self.rng = poster, chance, rng

    def render(self, digest):
        return self.poster.render(digest)

    def post(self, channel: str, message, metadata: dict | None = None) -> str:
        ts = self.poster.post(channel, message, metadata)
        if self.rng.random() < self.chance:
            print(f"halted {channel}", flush=True)
            time.sleep(HALT_SECONDS)
            os._exit(3)
        return ts

    def find_posted(self, channel: str, since: datetime, event_type: str, payload: dict) -> str | None:
        return self.poster.find_posted(channel, since, event_type, payload)


def sender(argv: list[str]) -> None:
    """`python -m bot.slack.standin sender`: run the scheduler's tick at each time given on stdin (one
    `tick <ISO time>` a line), answering `ticked <sent> <unknown> <failed>` (or `error <why>`) on stdout.
    Settings come from the environment. See HaltAfterPosting for --halt-after-post."""
    parser = argparse.ArgumentParser(prog="python -m bot.slack.standin sender")
    parser.add_argument("--halt-after-post", type=float, default=0.0, metavar="CHANCE")
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args(argv)
    from bot.settings import load_settings
    from bot.slack.web import SlackWeb, retrying_client
    from bot.store.db import Database  # the sender is strandbot's side: imported only when a test runs one
    from jobs.scheduler import tick

    settings = load_settings(dotenv_path=None)
    database = Database(settings.database_url)
    poster = HaltAfterPosting(SlackWeb(retrying_client(settings)), options.halt_after_post, random.Random(options.seed))
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, when = line.strip().partition(" ")
        if command != "tick":
            print(f"error unknown command {command!r}", flush=True)
            continue
        try:
            report = tick(database, settings, poster, now=datetime.fromisoformat(when))
        except Exception as error:  # a tick that fails is reported, as the scheduler logs it, and the next goes on
            print(f"error {type(error).__name__}: {error}".replace("\n", " "), flush=True)
            continue
        done = [r for r in (report.run, report.retried) if r is not None]
        counts = [sum(r.count(status) for r in done) for status in ("sent", "unknown", "failed")]
        print("ticked", *counts, flush=True)
    database.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] != ["sender"]:
        sys.exit("usage: python -m bot.slack.standin sender [--halt-after-post CHANCE] [--seed N]")
    sender(sys.argv[2:])
