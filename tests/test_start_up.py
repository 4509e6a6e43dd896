"""Start-up runs without the cyclic collector; the command it starts must not.

`serve` is the case that matters: the explorer runs for weeks, and without the collector
every reference cycle a request leaves behind (exceptions with their tracebacks, ORM
objects) stays in memory for the life of the process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from storage.db import connect
from tests.support.tracker import ROOT

# `scheduler.py serve` as a user starts it, plus one thread that, given the address the
# explorer says it listens on, asks it for a page and reports whether the collector is on.
DRIVER = r"""
import gc, sys, threading, urllib.error, urllib.request
import scheduler

def watch():
    address = sys.stdin.readline().strip()
    try:
        urllib.request.urlopen(address + "/api/summary.json", timeout=30).close()
    except urllib.error.HTTPError:
        pass  # an error page is an answer too
    except OSError as exc:
        print(f"the explorer did not answer: {exc}", flush=True)
        return
    print(f"collector enabled while serving: {gc.isenabled()}", flush=True)

threading.Thread(target=watch, daemon=True).start()
sys.exit(scheduler.main(["serve", "--port", "0"]))
"""


def test_the_explorer_serves_with_the_cyclic_collector_on(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    connect(database_url).kw["bind"].dispose()  # an empty store: `serve` refuses to start without one
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update({"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"})
    server = subprocess.Popen([sys.executable, "-c", DRIVER], cwd=ROOT, env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        said, found = "", None
        for line in server.stderr:
            said += line
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                server.stdin.write(found.group(1) + "\n")
                server.stdin.flush()
                break
        assert found, f"serve never said where it listens:\n{said}"
        # uvicorn's access log shares standard output with the report.
        report = next((line.strip() for line in server.stdout if line.startswith(("collector", "the explorer"))), "")
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert report == "collector enabled while serving: True", said + err
    assert server.returncode == 0, said + err
