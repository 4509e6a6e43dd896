"""The raw archive and documents offline: `parse-moa`, `reparse` and `backfill`."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.start import Ready, store, with_store
from settings import TrackerSettings

if TYPE_CHECKING:
    from cli.start import Sessions


def add_parse_moa(sub: argparse._SubParsersAction) -> None:
    moa = sub.add_parser("parse-moa", help="parse one MOA PDF offline and print what was extracted")
    moa.add_argument("path")
    moa.add_argument("--format", choices=["json"], default="json")
    moa.set_defaults(start=start_parse_moa)


def start_parse_moa(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
    """Offline: no store is opened."""
    return functools.partial(moa_command, args.path, args.format)


def moa_command(path: str, fmt: str = "json") -> int:
    """``scheduler.py parse-moa PATH``: print the fields; exit 1 with a reason on bad input."""
    from scrapers.moa_worker import parse_moa_file, summary

    if fmt not in ("json", "text"):
        print(f"parse-moa: unknown format {fmt!r} (use json or text)", file=sys.stderr)
        return 1
    result = parse_moa_file(path)
    if result.get("error"):
        print(f"parse-moa: {path}: {result['error']}", file=sys.stderr)
        return 1
    out = summary(result)
    if fmt == "json":
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    for who in ("lea_signer", "ice_signer"):
        signer = out[who] or {}
        out[who] = ", ".join(str(signer.get(k) or "?") for k in ("name", "title", "date"))
    for key, value in out.items():
        if key not in ("sources",):
            print(f"{key}: {value if value not in (None, []) else '-'}")
    return 0


def add_reparse(sub: argparse._SubParsersAction) -> None:
    reparse = sub.add_parser("reparse", help="rebuild the store from the raw archive, without the network")
    reparse.set_defaults(start=start_reparse)


def start_reparse(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
    from service.cycle import reparse_archive

    return functools.partial(reparse_archive, config, store(config, cleanup))


def add_backfill(sub: argparse._SubParsersAction) -> None:
    backfill = sub.add_parser("backfill", help="import archived ICE workbooks in publication order, never alerted")
    backfill.add_argument("path", help="sheets/sheets_<YYYYMMDD_HHMMSS>/<file> or <YYYYMMDD_HHMMSS>_<file> layout")
    backfill.set_defaults(start=with_store(backfill_command))


def backfill_command(args: argparse.Namespace, config: TrackerSettings, sessions: Sessions) -> int:
    """A progress bar on a terminal, one summary line either way; 1 when a file was refused (named)."""
    from scrapers.backfill import backfill

    bar = None

    def planned(total: int) -> None:
        nonlocal bar
        if sys.stderr.isatty() and total:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="snapshot", file=getattr(sys.stderr, "raw", sys.stderr), desc="backfill")

    def progress(snapshot) -> None:
        if bar is not None:
            bar.set_postfix_str(snapshot.label, refresh=False)
            bar.update()

    try:
        report = backfill(sessions, config, Path(args.path), progress=progress, planned=planned)
    finally:
        if bar is not None:
            bar.close()
    print(report)
    for ignored in report.ignored:
        print(f"ignored: {ignored}", file=sys.stderr)
    for refused in report.refused:
        print(f"refused: {refused}", file=sys.stderr)
    return 0 if report.ok else 1
