"""A throwaway PostgreSQL server on 127.0.0.1 for tests, from Debian's postgresql package.

Each pytest-xdist worker starts its own (the fixture is per session, and a session is per
worker): its own folder, socket directory and port, so workers never share a database.

`.ci/run` installs the package when it is missing; here we only create a cluster in a
temporary folder, start it on a free port and hand out a SQLAlchemy URL. PostgreSQL
refuses to run as root, so as root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return Path(found).parent if found and (Path(found).parent / "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.bin = find_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
        self.root = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, cwd=self.root)

    def start(self, attempts: int = 5) -> str:
        """Start on a free port; another process (an xdist worker's server) may take it first: try another."""
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "tracker", "--auth=trust", "-E", "UTF8")
        for attempt in range(attempts):
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                          "-t", "60", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off", "start")
                break
            except subprocess.CalledProcessError:
                if attempt == attempts - 1:
                    raise
                self.port = _free_port()
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.2)
        return f"postgresql+psycopg://tracker@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "tracker", name)
        return f"postgresql+psycopg://tracker@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
