"""Slack's side of a conversation with strandbot, run locally.

`SlackStandIn` is a small HTTP server standing in for Slack's Web API and the response URLs of commands;
`signed_command` builds requests signed exactly as Slack signs them; `ServedApp` runs `strandbot serve`
as a real process pointed at the stand-in. Used by `strandbot ask` (a slash command without a
workspace), the tests and the benchmarks, the way bolt-python's own tests stand in for Slack.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0STANDIN"
BOT_USER_ID = "U0STRANDBOT"


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
        self._failures: dict[tuple[str, str | None], list[tuple[int, dict[str, str]]]] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.startswith("/upload/"):  # a file's bytes, as sent to the URL Slack handed out
                    body, content = {}, raw
                else:
                    body, content = stand_in._parse(raw.decode("utf-8"), self.headers.get("Content-Type", "")), b""
                stand_in._record(Received(self.path, dict(self.headers.items()), body, content))
                if failure := stand_in._next_failure(self.path, body):
                    status, headers = failure
                    data = json.dumps({"ok": False, "error": "ratelimited"}).encode() if status == 429 else b""
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                reply = stand_in._reply(self.path, body)
                data = json.dumps(reply).encode() if reply is not None else b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "application/json" if reply is not None else "text/plain")
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
    ) -> None:
        """Answer the next `times` calls of `api_method` (for `channel`, if given) with HTTP `status`: 500, or
        429 with a Retry-After header, say."""
        with self._changed:
            self._failures.setdefault((api_method, channel), []).extend([(status, headers or {})] * times)

    def calls(self, api_method: str, channel: str | None = None) -> list[Received]:
        return [r for r in self.received if r.api_method == api_method and channel in (None, r.body.get("channel"))]

    def _next_failure(self, path: str, body: dict) -> tuple[int, dict[str, str]] | None:
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
            if body.get("channel") in self.channels_without_bot:
                return {"ok": False, "error": "not_in_channel"}
            return {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}", "message": body}
        return {"ok": True}


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
