"""Structured log lines on stderr: `time level logger message key=value ...` for journald and grep."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)r"
# APScheduler announces every job added, run and finished at INFO: routine noise that buries a
# failed crawl. The tracker logs each job's next run itself; APScheduler speaks up from WARNING.
QUIET = {"apscheduler": logging.WARNING}


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_tracker", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    handler._tracker = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet_level, level))
    # slack-sdk logs request URLs (a webhook's URL is its secret) and headers; the tracker's own
    # lines say what failed, so slack-sdk's stay quiet wherever a client was made.
    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)
