"""A local stand-in for ICE's site: an HTTP server on 127.0.0.1 (port 0) with a request log.

Routes are set per test: bytes plus headers, with ETag/Last-Modified answered by 304
when the client sends matching validators, the way ice.gov's servers behave.
"""

from __future__ import annotations

import hashlib
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Loopback:
    """A server on 127.0.0.1 answering from a daemon thread until ``close``: the shape every
    stand-in for a remote host here shares."""

    server: socketserver.TCPServer

    def serve_in_background(self, server: socketserver.TCPServer) -> None:
        self.server = server
        server.daemon_threads = True
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Hold:
    """Keeps every answer on a route until `release` is set, counting the requests that wait.

    A barrier a test can see: a crawl is known to be under way (and still running) while its
    request is held, with no guessing at how long anything takes.
    """

    def __init__(self) -> None:
        self.release = threading.Event()
        self.arrivals = 0
        self.changed = threading.Condition()

    def arrive(self) -> None:
        with self.changed:
            self.arrivals += 1
            self.changed.notify_all()
        self.release.wait(timeout=300)

    def arrived(self, count: int = 1, timeout: float = 90) -> bool:
        """True once `count` requests have come in; False after `timeout` seconds."""
        with self.changed:
            return self.changed.wait_for(lambda: self.arrivals >= count, timeout)


@dataclass
class Route:
    body: bytes
    content_type: str = "application/octet-stream"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = True
    delay: float = 0.0  # seconds to wait before answering: a slow site
    hold: Hold | None = None


@dataclass
class Hit:
    method: str
    path: str
    status: int
    sent_bytes: int
    headers: dict[str, str]
    at: float = 0.0


class Mirror(Loopback):
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.faults: dict[str, list[Route]] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                mirror._serve(self)

            def log_message(self, *args) -> None:
                return

        self.serve_in_background(ThreadingHTTPServer((host, 0), Handler))

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, body: bytes | str, content_type: str = "application/octet-stream", **kwargs) -> str:
        data = body.encode() if isinstance(body, str) else body
        with self.lock:
            self.routes[path] = Route(data, content_type, **kwargs)
        return self.url(path)

    def fail(self, path: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next `times` requests for `path` with `status` (an outage), then serve normally."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self.lock:
            self.faults.setdefault(path, []).extend(
                Route(b"<html><body>Service Unavailable</body></html>", "text/html", status, dict(headers), False)
                for _ in range(times))

    def page(self, links: list[tuple[str, str]], path: str = "/identify-and-arrest/287g") -> str:
        """An HTML page shaped like ICE's, linking the given (href, text) pairs."""
        items = "\n".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
        html = f"<html><head><title>287(g)</title></head><body><main><ul>{items}</ul></main></body></html>"
        return self.set(path, html, "text/html; charset=utf-8")

    def requests_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def bytes_sent(self, suffix: str = "") -> int:
        return sum(h.sent_bytes for h in self.hits if h.path.endswith(suffix))

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        with self.lock:
            faults = self.faults.get(path)
            route = faults.pop(0) if faults else self.routes.get(path)
        request_headers = {k.lower(): v for k, v in handler.headers.items()}
        if path == "/robots.txt" and route is None:
            route = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if route is None:
            self._answer(handler, path, 404, b"not found", {"Content-Type": "text/plain"}, request_headers)
            return
        if route.delay:
            time.sleep(route.delay)
        if route.hold is not None:
            route.hold.arrive()
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.validators and route.status == 200:
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            headers.setdefault("ETag", etag)
            headers.setdefault("Last-Modified", "Mon, 16 Jun 2025 10:00:00 GMT")
            if request_headers.get("if-none-match") == headers["ETag"]:
                self._answer(handler, path, 304, b"", {"ETag": headers["ETag"]}, request_headers)
                return
        self._answer(handler, path, route.status, route.body, headers, request_headers)

    def _answer(self, handler, path, status, body, headers, request_headers) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)
        with self.lock:
            self.hits.append(Hit("GET", path, status, len(body), request_headers, time.monotonic()))
