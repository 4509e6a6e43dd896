"""`serve`: the explorer; its body is the web layer's, which opens the store read-only itself."""

from __future__ import annotations

import argparse
import contextlib
import functools

from cli.start import Ready
from settings import TrackerSettings


def add_serve(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="the web explorer, its JSON API and the sign-up pages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8287)
    serve.add_argument("--read-only", action="store_true",
                       help="no sign-up: the explorer writes nothing (as SIGNUP=false)")
    serve.set_defaults(start=start_serve)


def start_serve(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
    from web.server import serve

    return functools.partial(serve, config, args.host, args.port, args.read_only)
