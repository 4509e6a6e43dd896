"""`serve`: the explorer under uvicorn, on a read-only connection to the store (and sign-up's narrow writable one)."""

from __future__ import annotations

import signal
import socket

import uvicorn

from alerts.tokens import Signer
from errors import UserError
from settings import TrackerSettings
from storage.db import StoreMissing, connect_read_only, connect_subscriptions
from web.app import create_app
from web.signup import SignupDesk


def _stopped(signum: int, _frame: object) -> None:
    """Uvicorn re-sends the signal that stopped it once it has shut down; by then the stop is clean."""


def check_address(host: str, port: int) -> None:
    """Refuse a port out of range, a port taken or a host that is not this machine's, in one line.

    Uvicorn would end in a traceback (a bad port) or a log block (a port taken). The address is
    tried the way uvicorn will bind it and let go; whoever takes it in between meets uvicorn's own error.
    """
    if not 0 <= port <= 65535:
        raise UserError(f"--port {port} is not a port: give a number from 1 to 65535 (0: any free port)")
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                   flags=socket.AI_PASSIVE):
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
    except OSError as exc:
        raise UserError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None


def signup_desk(config: TrackerSettings, read_only: bool = False) -> SignupDesk | None:
    """Sign-up's desk, or None when `--read-only` or SIGNUP=false asks for a pure reader."""
    if read_only or not config.signup:
        return None
    return SignupDesk(config, connect_subscriptions(config.database_url), Signer.of(config))


def serve(config: TrackerSettings, host: str, port: int, read_only: bool = False) -> int:
    check_address(host, port)
    try:
        sessions = connect_read_only(config.database_url)
        desk = signup_desk(config, read_only)
    except StoreMissing as exc:
        raise UserError(f"{exc}: run `python scheduler.py once` (or backfill) first") from None
    app = create_app(sessions, feeds_dir=config.feeds_dir, corrections=config.corrections_contact, signup=desk)
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                server_header=False, log_level="info")
    return 0
