"""Serving the Slack app: HTTP mode under gunicorn (POST /slack/events, GET /healthz), or Socket Mode."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.settings import Settings
from bot.slack.app import Services, create_app
from bot.store.db import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def wsgi_app(settings: Settings) -> Callable:
    """The WSGI application: Slack's events to Bolt, a health check for load balancers, 404 otherwise."""
    database = Database(settings.database_url)
    slack = SlackRequestHandler(create_app(Services(settings, database)), path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = database.ping()
            body = json.dumps(
                {"status": "ok" if healthy else "degraded", "database": "ok" if healthy else "unreachable"}
            ).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        # Runs in each worker after the fork: every worker gets its own connection pool.
        return wsgi_app(self._settings)


def serve_http(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 30,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "strandbot",
        },
    ).run()


def serve_socket_mode(settings: Settings) -> None:
    app = create_app(Services(settings, Database(settings.database_url)))
    log.info("connecting to Slack in Socket Mode")
    SocketModeHandler(app, app_token=settings.slack_app_token).start()
