"""Answers that only change when the store does, kept until it does."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class AnswerCache:
    """Computed answers keyed by (store fingerprint, question); a new fingerprint empties it.

    Answers also expire after `max_age` seconds, for the one change the fingerprint can miss:
    `reparse` rebuilding the same number of rows.
    """

    def __init__(self, size: int = 256, max_age: float = 300.0) -> None:
        self.size, self.max_age = size, max_age
        self.fingerprint: tuple | None = None
        self.since = 0.0
        self.answers: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, fingerprint: tuple, key: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if fingerprint != self.fingerprint or time.monotonic() - self.since > self.max_age:
                self.fingerprint, self.since, self.answers = fingerprint, time.monotonic(), OrderedDict()
            if key in self.answers:
                self.answers.move_to_end(key)
                return self.answers[key]
        answer = compute()
        with self.lock:
            if fingerprint == self.fingerprint:
                self.answers[key] = answer
                while len(self.answers) > self.size:
                    self.answers.popitem(last=False)
        return answer
