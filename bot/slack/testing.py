"""The tests' and benchmarks' Slack: the stand-in with failure switches, `strandbot serve` as a real process, and
a sender to kill.

`FaultySlackStandIn` is `SlackStandIn` that fails calls on request (before acting on them, or after);
`signed_action` presses buttons as Slack does; `ServedApp` runs `strandbot serve` as a real process pointed at the
stand-in; `python -m bot.slack.testing sender` runs the scheduler's tick in a process a test can kill. None of
this is needed to run strandbot, or `strandbot ask`.
"""

from __future__ import annotations

import argparse
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
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from bot.slack.standin import TEAM_ID, SlackStandIn, encoded_reply, signed_command, signed_headers


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


class FaultySlackStandIn(SlackStandIn):
    """The stand-in, failing calls on request: `fail_next` before acting on them, `fail_after_accepting` after."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        # How long a call failed with AfterAccepting.HOLD waits before answering: past the client's timeout.
        self.hold_seconds = 2.0
        self._failures: dict[tuple[str, str | None], list[_Fault]] = {}

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

    def _next_failure(self, path: str, body: dict) -> _Fault | None:
        method = path.removeprefix("/api/")
        with self._changed:
            for key in ((method, body.get("channel")), (method, None)):
                if queue := self._failures.get(key):
                    return queue.pop(0)
            return None

    def _respond(self, handler, path: str, body: dict) -> None:
        fault = self._next_failure(path, body)
        if fault is None:
            super()._respond(handler, path, body)
        elif fault.after is None:
            error = fault.error or ("ratelimited" if fault.status == 429 else None)
            data = json.dumps({"ok": False, "error": error}).encode() if error else b""
            handler._answer(fault.status, data, "application/json", fault.headers)
        elif fault.after is AfterAccepting.DROP:
            self._reply(path, body)
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        elif fault.after is AfterAccepting.SERVER_ERROR:
            self._reply(path, body)
            handler._answer(500, b"", "text/plain")
        else:
            data, content_type = encoded_reply(self._reply(path, body))
            time.sleep(self.hold_seconds)
            try:
                handler._answer(200, data, content_type)
            except OSError:  # the client has long given up
                handler.close_connection = True


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


def signed_event(signing_secret: str, event: dict) -> tuple[str, dict[str, str]]:
    """An Events API request (`event_callback`) carrying `event`, as Slack sends it: JSON, signed."""
    body = json.dumps(
        {
            "token": "unused-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0STRANDBOT",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{random.randrange(10**10):010d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "U0STRANDBOT", "is_bot": True}],
        }
    )
    return body, {**signed_headers(signing_secret, body), "Content-Type": "application/json"}


def signed_interaction(signing_secret: str, payload: dict) -> tuple[str, dict[str, str]]:
    """An interactivity request (a view submission, a shortcut, a block_suggestion…) carrying `payload`, with the
    fields Slack always sends filled in: the form body and its signed headers."""
    full = {"team": {"id": TEAM_ID}, "api_app_id": "A0STRANDBOT", "token": "unused-verification-token", **payload}
    body = urlencode({"payload": json.dumps(full)})
    return body, signed_headers(signing_secret, body)


class SignedRequests:
    """Requests signed as Slack signs them, sent by `post` (over HTTP, or into the app in this process)."""

    signing_secret: str

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, dict | str]:
        raise NotImplementedError

    def command(
        self,
        slack: SlackStandIn,
        text: str,
        user: str,
        command: str = "/strand",
        response_url: str | None = None,
        timestamp: int | None = None,
        timeout: float = 60.0,
    ) -> tuple[int, dict | str]:
        """Send a signed slash command, as Slack would when `user` types it: the acknowledgement's HTTP status,
        and the answer Slack would show (sent to the response URL, waiting up to `timeout` seconds for it). A
        refusal (not HTTP 200) or an acknowledgement with a body comes back as it is."""
        response_url = response_url or slack.response_url(uuid.uuid4().hex)
        status, acknowledged = self.acknowledge(slack, text, user, command, response_url, timestamp)
        if status != 200 or acknowledged:
            return status, acknowledged
        path = response_url.removeprefix(slack.base_url)
        return status, slack.wait_for(lambda r: r.path == path, timeout=timeout).body

    def acknowledge(
        self,
        slack: SlackStandIn,
        text: str,
        user: str,
        command: str = "/strand",
        response_url: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, dict | str]:
        """Send a signed slash command; the acknowledgement alone: its HTTP status and body ("" if empty)."""
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

    def event(self, event: dict) -> tuple[int, dict | str]:
        """Send an Events API event (`{"type": "app_home_opened", …}`), as Slack would."""
        return self.post(*signed_event(self.signing_secret, event))

    def interact(self, payload: dict) -> tuple[int, dict | str]:
        """Send an interaction payload (`{"type": "view_submission", …}`), as Slack would."""
        return self.post(*signed_interaction(self.signing_secret, payload))


def _parsed(status: int, raw: str) -> tuple[int, dict | str]:
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


class DispatchedApp(SignedRequests):
    """The app `strandbot serve` runs, built the same way and sent the same signed requests, but dispatched in
    this process: Bolt's signature check, listeners, acknowledgements and replies through the stand-in, without
    starting a server. Most Slack tests use this; tests/slack/test_slack_http.py keeps the real server."""

    def __init__(
        self, database_url: str, slack: SlackStandIn, signing_secret: str, environment: dict[str, str] | None = None
    ):
        from bot.settings import load_settings
        from bot.slack.app import Services, create_app
        from bot.store.db import Database

        settings = load_settings(
            {
                "DATABASE_URL": database_url,
                "SLACK_BOT_TOKEN": "xoxb-stand-in-token",
                "SLACK_SIGNING_SECRET": signing_secret,
                "SLACK_API_URL": slack.api_url,
                **(environment or {}),
            },
            dotenv_path=None,
        )
        self.signing_secret = signing_secret
        self.services = Services(settings, Database(settings.database_url))
        self.app = create_app(self.services)

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, dict | str]:
        from slack_bolt.request import BoltRequest

        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        return _parsed(response.status, response.body or "")

    def stop(self) -> None:
        self.services.executor.shutdown(wait=True)
        self.services.database.dispose()


STOP_SECONDS = 30


class ServedApp(SignedRequests):
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
        return _parsed(status, raw)

    def log(self) -> str:
        """Everything the server printed (stops it first)."""
        self.stop()
        self._reader.join(timeout=10)
        return "".join(self._output)

    def stop(self) -> None:
        """Stop it as a service manager would: SIGTERM, and SIGKILL if it has not left within STOP_SECONDS (gunicorn
        takes seconds to stop its workers gracefully, and longer on a busy machine)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)


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
    """`python -m bot.slack.testing sender`: run the scheduler's tick at each time given on stdin (one
    `tick <ISO time>` a line), answering `ticked <sent> <unknown> <failed>` (or `error <why>`) on stdout.
    Settings come from the environment. See HaltAfterPosting for --halt-after-post."""
    parser = argparse.ArgumentParser(prog="python -m bot.slack.testing sender")
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
        sys.exit("usage: python -m bot.slack.testing sender [--halt-after-post CHANCE] [--seed N]")
    sender(sys.argv[2:])
