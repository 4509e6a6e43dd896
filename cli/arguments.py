"""Flag values shared by several commands: dates, times and states, refused with a reason."""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-06-17") from None


def iso_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2025-06-17T23:32:04Z") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def state(text: str) -> str:
    from parsers.places import state_code

    code, problem = state_code(text)
    if code is None or problem:  # a filter is not the place to guess
        raise argparse.ArgumentTypeError(f"{text!r} is not a US state or territory (use a code like TX or a name)")
    return code
