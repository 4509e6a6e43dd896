"""What the command line prints for people, made safe for a terminal.

Text from outside (file names, agency names, what ICE or a web page said) can hold control
characters, and a terminal obeys them: everything printed for people goes through `shown`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

# C0 and C1 controls but newline and tab, DEL, and the marks that reorder text on screen.
_UNSAFE = [*(c for c in range(0x20) if chr(c) not in "\n\t"), 0x7F, *range(0x80, 0xA0),
           0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _UNSAFE}


def shown(text: object) -> str:
    """`text` as a terminal may show it: control characters written out (`\\x1b`), so none can
    recolour, move the cursor, rewrite a line or reverse the text around it."""
    return str(text).translate(_ESCAPES)


class _ShownStream:
    """A text stream that passes everything written through `shown` to the stream it wraps."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(shown(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


@contextlib.contextmanager
def shown_output() -> Iterator[None]:
    """Standard output and error escaped with `shown` for a command that prints only for people."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _ShownStream(sys.stdout), _ShownStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
