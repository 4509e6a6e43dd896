"""Start-up runs without the cyclic collector; the command it starts must not.

`serve` is the case that matters: the explorer runs for weeks, and without the collector
every reference cycle a request leaves behind (exceptions with their tracebacks, ORM
objects) stays in memory for the life of the process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from storage.db import connect
from tests.conftest import ROOT

# `scheduler.py serve` as a user starts it, plus one thread that asks the explorer for a page
# and, once it has answered, reports whether the collector is on.
DRIVER = r"""
import gc, sys, threading, time, urllib.error, urllib.request
import scheduler

def watch(port):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/summary.json", timeout=5).close()
        except urllib.error.HTTPError:
            pass  # an error page is an answer too
        except OSError:
            time.sleep(0.1)
            continue
        print(f"collector enabled while serving: {gc.isenabled()}", flush=True)
        return
    print("the explorer never answered", flush=True)

threading.Thread(target=watch, args=(int(sys.argv[1]),), daemon=True).start()
sys.exit(scheduler.main(["serve", "--port", sys.argv[1]]))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_explorer_serves_with_the_cyclic_collector_on(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    connect(database_url).kw["bind"].dispose()  # an empty store: `serve` refuses to start without one
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update({"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"})
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", DRIVER, str(port)], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # uvicorn's access log shares standard output with the report.
        report = next((line.strip() for line in server.stdout if line.startswith(("collector", "the explorer"))), "")
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert report == "collector enabled while serving: True", err
    assert server.returncode == 0, err
