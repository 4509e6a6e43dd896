"""Replacing a file so that readers see the old one or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE = 0o600
PUBLIC = 0o644  # for files a web server publishes, such as the feeds


def write_atomically(path: Path, data: bytes, mode: int = PRIVATE) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over `path`.

    The temporary file is created owner-only; `mode` is what the finished file gets.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
