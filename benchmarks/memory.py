"""This process's peak RSS, sampled with psutil in a thread while a benchmark part runs (the
process-tree sampler with CPU seconds, for child processes, is `benchmarks.throughput.PeakRss`)."""

from __future__ import annotations

import threading
from typing import Any


class ProcessPeakRss:
    """Peak RSS of this process, sampled every `every` seconds, and at the start and the end
    (`before`, `peak`: None without psutil)."""

    def __init__(self, every: float = 0.1) -> None:
        self.peak: int | None = None
        self.before: int | None = None
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            import psutil

            self._process: Any = psutil.Process()
        except ImportError:
            self._process = None

    def now(self) -> int:
        """This process's RSS now."""
        if self._process is None:
            raise RuntimeError("reading RSS needs psutil: pip install -e '.[bench]'")
        return int(self._process.memory_info().rss)

    def __enter__(self) -> ProcessPeakRss:
        if self._process is not None:
            self.before = self.peak = self.now()
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak or 0, self.now())
            self._stop.wait(self._every)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.peak = max(self.peak or 0, self.now())
