"""Offline helpers for the local-government spider tests: saved pages and a loopback server."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from scrapy.http.response import Response as BaseResponse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "local"
REPO = Path(__file__).resolve().parent.parent.parent


def file_response(path: str | Path, url: str, **cb_kwargs: object) -> Response:
    """A response as Scrapy would build it for `url`, with the saved bytes at `path` as body."""
    path = Path(path)
    if not path.is_absolute():
        path = FIXTURES / path
    body = path.read_bytes()
    request = Request(url, cb_kwargs=dict(cb_kwargs))
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        return HtmlResponse(url, body=body, request=request, encoding="utf-8")
    if suffix in {".xml", ".rss"}:
        return XmlResponse(url, body=body, request=request, encoding="utf-8")
    if suffix == ".json":
        return TextResponse(
            url, body=body, request=request, encoding="utf-8", headers={"Content-Type": "application/json"}
        )
    if suffix == ".pdf":
        return BaseResponse(url, body=body, request=request, headers={"Content-Type": "application/pdf"})
    return TextResponse(url, body=body, request=request, encoding="utf-8")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        return

    def translate_path(self, path: str) -> str:
        """Saved answers may be named after their query ("RSSFeed.aspx@ModID=1") or lack a suffix."""
        base, _, query = path.partition("?")
        plain = super().translate_path(base)
        candidates = [f"{plain}@{unquote(query)}"] if query else []
        candidates += [plain + ".json", plain + ".html", plain]
        return next((c for c in candidates if os.path.isfile(c)), plain)

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        if str(path).endswith(".json"):
            return "application/json"
        if "RSSFeed.aspx" in str(path):
            return "text/xml"
        if "CivicAlerts.aspx" in str(path):
            return "text/html"
        if "View.ashx" in str(path):
            return "application/pdf"
        return super().guess_type(path)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 at a free port for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


OFFLINE_SETTINGS = (
    "ITEM_PIPELINES={}",
    "DOWNLOADER_MIDDLEWARES={}",
    "ROBOTSTXT_OBEY=False",
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "RETRY_ENABLED=False",
    "LOG_LEVEL=WARNING",
    "TELNETCONSOLE_ENABLED=False",
)


def crawl_command(spider: str, output: Path, *args: str) -> list[str]:
    """`scrapy crawl` as a maintainer types it, with the store and the network politeness turned off."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(output)]
    for setting in OFFLINE_SETTINGS:
        command += ["-s", setting]
    return command + list(args)


def run_crawls(*commands: list[str]) -> None:
    """Run crawls side by side from the repository root, as `scrapy crawl` expects."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen(c, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True) for c in commands]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err


def read_jsonl(path: Path) -> list[dict[str, object]]:
    import json

    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
