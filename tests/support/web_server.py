"""The explorer served for tests: uvicorn in a thread on 127.0.0.1, port 0, over a read-only store."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import uvicorn

from storage.db import connect_read_only
from web.app import create_app


class Explorer:
    def __init__(self, database_url: str, feeds_dir: Path | None = None, corrections: str = "") -> None:
        app = create_app(connect_read_only(database_url), feeds_dir=feeds_dir, corrections=corrections)
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
    """Plain HTTP to the explorer running on 127.0.0.1, as a browser, a script or a CDN would reach it."""

    def __init__(self, database_url: str, feeds_dir: Path | None = None) -> None:
        self.explorer = Explorer(database_url, feeds_dir=feeds_dir)

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
        request = urllib.request.Request(self.explorer.url(path), headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def close(self) -> None:
        self.explorer.close()


@contextmanager
def serving(database_url: str, feeds_dir: Path | None = None) -> Iterator[Client]:
    client = Client(database_url, feeds_dir=feeds_dir)
    try:
        yield client
    finally:
        client.close()
