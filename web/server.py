"""`serve`: the explorer under uvicorn, on a read-only connection to the store."""

from __future__ import annotations

import signal

import uvicorn

from errors import UserError
from settings import TrackerSettings
from storage.db import StoreMissing, connect_read_only
from web.app import create_app


def _stopped(signum: int, _frame: object) -> None:
    """Uvicorn re-sends the signal that stopped it once it has shut down; by then the stop is clean."""


def serve(config: TrackerSettings, host: str, port: int) -> int:
    try:
        sessions = connect_read_only(config.database_url)
    except StoreMissing as exc:
        raise UserError(f"{exc}: run `python scheduler.py once` (or backfill) first") from None
    app = create_app(sessions, feeds_dir=config.feeds_dir)
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                server_header=False, log_level="info")
    return 0
