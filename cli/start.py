"""Start-up shared by every command: the store opened once, then the collector back on.

Each command's `start` function imports what the command needs and opens what it uses,
returning the command ready to call; `dispatch` ends start-up between the two, so no
command (the explorer, the service) runs its whole life without the cyclic collector.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

from settings import TrackerSettings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    Sessions = sessionmaker[Session]

Ready = Callable[[], int]
Start = Callable[[argparse.Namespace, TrackerSettings, contextlib.ExitStack], Ready]


def open_store(config: TrackerSettings) -> Sessions:
    """The command's one session factory; the schema is brought up to date here, once."""
    from storage.db import connect

    return connect(config.database_url)


def store(config: TrackerSettings, cleanup: contextlib.ExitStack) -> Sessions:
    """The store opened for one command and closed once it returns."""
    sessions = open_store(config)
    cleanup.callback(sessions.kw["bind"].dispose)
    return sessions


def with_store(command: Callable[[argparse.Namespace, TrackerSettings, Sessions], int]) -> Start:
    """`command` runs on the one session factory, opened during start-up and closed once it returns."""

    def start(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
        return functools.partial(command, args, config, store(config, cleanup))

    return start


def started() -> None:
    """Start-up is over: what the imports built is frozen out of later collections, which resume."""
    gc.freeze()
    gc.enable()


def dispatch(args: argparse.Namespace, config: TrackerSettings) -> int:
    """Start-up (the command's imports, the store opened), then the command itself with the collector back on."""
    with contextlib.ExitStack() as cleanup:
        command = args.start(args, config, cleanup)
        started()
        return command()
