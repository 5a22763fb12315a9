"""Per-host pacing: one request at a time to a host, and a pause between the starts of two.

Each host has a lock, held for the whole request (body included), and the time its last request
began. A request waits until `delay` seconds after the previous start, and past any time the host
asked us to stay away until (`defer`, from a Retry-After). A wait longer than `max_wait` is not
slept: `slot` raises `TooLong` with the time, so the caller can come back then.
Thread-safe; a `HostPacer` belongs to one process (one `Fetcher`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class TooLong(Exception):
    """The next slot for a host is further away than the caller will wait."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"next request to this host in {wait:.0f} s")
        self.wait = wait


class HostPacer:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._not_before: dict[str, float] = {}

    def _lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    @contextmanager
    def slot(self, host: str, delay: float, max_wait: float) -> Iterator[None]:
        """Hold `host` for one request, starting no sooner than `delay` after the previous one."""
        lock = self._lock(host)
        with lock:
            last = self._last_start.get(host)
            ready = max(self._not_before.get(host, 0.0), last + delay if last is not None else 0.0)
            wait = ready - self._clock()
            if wait > max_wait:
                raise TooLong(wait)
            if wait > 0:
                self._sleep(wait)
            self._last_start[host] = self._clock()
            yield

    def defer(self, host: str, seconds: float) -> None:
        """No request to `host` starts within the next `seconds` (a Retry-After)."""
        until = self._clock() + seconds
        with self._guard:
            self._not_before[host] = max(self._not_before.get(host, 0.0), until)

    def wait_for(self, host: str) -> float:
        """Seconds until `host` may be asked again, not counting the per-request delay."""
        with self._guard:
            return max(0.0, self._not_before.get(host, 0.0) - self._clock())
