"""How many times one client may do something in a window of time: enough for a person, not for a script."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque


class RateLimiter:
    """At most `limit` actions per client key in any `window` seconds, counted in this process's memory.

    The explorer runs as one process, so memory is the whole picture; a restart forgets, which
    costs a scripted sign-up at most one more window. The oldest clients are dropped past `clients`.
    """

    def __init__(self, limit: int, window: float, clients: int = 10_000) -> None:
        self.limit, self.window, self.clients = limit, window, clients
        self.seen: OrderedDict[str, deque[float]] = OrderedDict()
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one action for `key`; False (not counted) when it is over the limit."""
        now = time.monotonic()
        with self.lock:
            times = self.seen.pop(key, None) or deque()
            while times and now - times[0] >= self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            self.seen[key] = times
            while len(self.seen) > self.clients:
                self.seen.popitem(last=False)
            return allowed
