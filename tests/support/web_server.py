"""The explorer served for tests: uvicorn in a thread on 127.0.0.1, port 0, over a read-only store (and sign-up)."""

from __future__ import annotations

import http.cookiejar
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import uvicorn

from settings import TrackerSettings
from storage.db import connect_read_only
from web.app import create_app
from web.server import signup_desk


class Explorer:
    """With `config`, sign-up is on as `serve` would have it (unless SIGNUP=false there)."""

    def __init__(self, database_url: str, feeds_dir: Path | None = None, corrections: str = "",
                 config: TrackerSettings | None = None) -> None:
        desk = signup_desk(config) if config is not None else None
        app = create_app(connect_read_only(database_url), feeds_dir=feeds_dir, corrections=corrections, signup=desk)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the explorer did not start")
            time.sleep(0.02)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@dataclass
class Answer:
    status_code: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)


class Client:
    """Plain HTTP to the explorer running on 127.0.0.1, as a browser, a script or a CDN would reach it.

    It keeps the cookies the explorer sets, as a browser would (sign-up's form token needs its cookie).
    """

    def __init__(self, database_url: str, feeds_dir: Path | None = None, config: TrackerSettings | None = None) -> None:
        self.explorer = Explorer(database_url, feeds_dir=feeds_dir, config=config)
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
        return self._send(urllib.request.Request(self.explorer.url(path), headers=headers or {}, method=method))

    def post(self, path: str, fields: list[tuple[str, str]] | dict[str, str],
             headers: dict[str, str] | None = None) -> Answer:
        """A form post (application/x-www-form-urlencoded), as a browser or a mail provider sends one."""
        body = urllib.parse.urlencode(fields).encode("ascii")
        request = urllib.request.Request(self.explorer.url(path), data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  **(headers or {})})
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def close(self) -> None:
        self.explorer.close()


@contextmanager
def serving(database_url: str, feeds_dir: Path | None = None,
            config: TrackerSettings | None = None) -> Iterator[Client]:
    client = Client(database_url, feeds_dir=feeds_dir, config=config)
    try:
        yield client
    finally:
        client.close()
