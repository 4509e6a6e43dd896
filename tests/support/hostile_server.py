"""A document host that refuses us: it resets every connection, or answers 403/429, or (later) works.

Counts connections and requests by path, so a test can say how hard the crawl knocked.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections import Counter

from tests.support.mirror import Loopback


class HostileServer(Loopback):
    def __init__(self, mode: str = "reset") -> None:
        self.mode = mode  # "reset", "403", "429" or "ok"
        self.connections = 0
        self.paths: Counter[str] = Counter()
        self.lock = threading.Lock()
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                owner._handle(self)

        self.serve_in_background(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler))

    @property
    def host(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def _handle(self, handler: socketserver.StreamRequestHandler) -> None:
        with self.lock:
            self.connections += 1
            mode = self.mode
        request_line = handler.rfile.readline().decode("latin-1").split()
        while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        path = request_line[1] if len(request_line) > 1 else "?"
        with self.lock:
            self.paths[path] += 1
        if mode == "reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()  # closing with linger 0 sends a TCP reset
            return
        if mode == "ok":
            status, body = "200 OK", b"%PDF-1.4\n% a stand-in MOA\n%%EOF\n"
        else:
            status, body = f"{mode} Go Away", b"<html><body>blocked</body></html>"
        handler.wfile.write(f"HTTP/1.1 {status}\r\nContent-Type: application/pdf\r\nContent-Length: {len(body)}\r\n"
                            f"Connection: close\r\n\r\n".encode() + body)

    def documents_asked(self) -> int:
        with self.lock:
            return sum(count for path, count in self.paths.items() if path != "/robots.txt")
