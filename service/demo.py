"""`make demo`: a real crawl and its changes, offline, in under a minute.

Serves two consecutive real ICE publications (May 2025) from 127.0.0.1, runs one cycle
on the first (the baseline), swaps in the second, runs another, and prints what changed.
Everything lands in a fresh folder under data/demo; nothing is sent anywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from storage.models import iso_z, utcnow

ROOT = Path(__file__).resolve().parent.parent
SHEETS = ROOT / "tests" / "fixtures" / "ice" / "sheets"
STEPS = [
    ("20250519_024922_participatingAgencies05162025am.xlsx", "20250519_024922_pendingAgencies05152025am.xlsx"),
    ("20250519_151802_participatingAgencies05192025am.xlsx", "20250519_151802_pendingAgencies05192025am.xlsx"),
]
PAGE = """<html><body><h1>Delegation of Immigration Authority Section 287(g)</h1><ul>
<li><a href="/doclib/about/offices/ero/287g/{participating}">Participating Agencies</a></li>
<li><a href="/doclib/about/offices/ero/287g/{pending}">Pending Agencies</a></li></ul></body></html>"""


def serve(site: Path) -> ThreadingHTTPServer:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def publish(site: Path, participating: str, pending: str) -> None:
    folder = site / "doclib" / "about" / "offices" / "ero" / "287g"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = {}
    for source in (participating, pending):
        name = source.split("_", 2)[2]
        shutil.copyfile(SHEETS / source, folder / name)
        names["participating" if "participating" in name else "pending"] = name
    (site / "identify-and-arrest").mkdir(exist_ok=True)
    (site / "identify-and-arrest" / "287g").write_text(PAGE.format(**names))
    (site / "identify-and-arrest" / "287g").rename(site / "identify-and-arrest" / "287g.html")


def python_command() -> str:
    """How to run this same Python from the repository root, virtual environment or not: `.venv/bin/python`."""
    executable = Path(sys.executable)
    try:
        return str(executable.relative_to(ROOT))
    except ValueError:
        return str(executable)


def closing_hint(database: Path) -> str:
    """What to try next, as a command that works from the repository root in any shell."""
    where = database.relative_to(ROOT) if database.is_relative_to(ROOT) else database
    return (f"\nThe demo's store is {where}. From {ROOT.name}/, try:\n"
            f"  DATABASE_URL=sqlite:///{where} {python_command()} scheduler.py export --format csv --state FL\n"
            f"  DATABASE_URL=sqlite:///{where} {python_command()} scheduler.py summary --by week\n"
            "or `make run` to watch ICE's live page.")


def main(home: Path = ROOT / "data" / "demo") -> int:
    shutil.rmtree(home, ignore_errors=True)
    site = home / "site"
    site.mkdir(parents=True)
    server = serve(site)
    host, port = server.server_address[:2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SMTP_"))}
    env.update(DATABASE_URL=f"sqlite:///{home / 'tracker.db'}", DATA_DIR=str(home / "data"),
               ICE_287G_URL=f"http://{host}:{port}/identify-and-arrest/287g.html", FETCH_MOAS="false",
               CRAWL_DELAY="0", SUBSCRIPTIONS_FILE=str(home / "none.toml"))

    def cli(*args: str) -> int:
        return subprocess.run([sys.executable, "scheduler.py", *args], cwd=ROOT, env=env).returncode

    try:
        since = ""
        for number, (participating, pending) in enumerate(STEPS, start=1):
            since = iso_z(utcnow())
            print(f"\n== cycle {number}: ICE serves {participating.split('_', 2)[2]} and {pending.split('_', 2)[2]}",
                  flush=True)
            publish(site, participating, pending)
            if cli("once", "--only", "ice") != 0:
                return 1
        print("\n== what changed between the two publications (python scheduler.py events --format table)",
              flush=True)
        cli("events", "--format", "table", "--since", since)
        print("\n== what Slack would have received (no token set: written to the outbox)", flush=True)
        cli("once", "--only", "alerts")
        print(closing_hint(home / "tracker.db"))
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
