"""WAL checkpoints on a thread of their own, so that a write transaction does not wait for them.

In WAL mode a commit appends pages to the `-wal` file, and a checkpoint copies them back into the
database file. By default the writer does that itself when its commit takes the WAL past 1,000
pages (SQLite's auto-checkpoint), so the next step of an ingest waits for seconds of page copying
and syncing after a batch that touched large indexes. Here a thread with its own connection runs
a PASSIVE checkpoint every half second once the WAL has passed 4 MB: it takes no lock a writer or
reader waits on, and SQLite's own step releases the GIL, so the copying overlaps the writer's next
work. The writer's auto-checkpoint stays as a backstop, at a higher mark, for a WAL the thread
cannot keep up with.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

log = logging.getLogger(__name__)

EVERY_S = 0.5  # how often the thread checkpoints a WAL past the mark
MIN_BYTES = 4 * 1024 * 1024  # a WAL smaller than this is left to grow (SQLite's own default mark)
WRITER_PAGES = 16_384  # the writer's auto-checkpoint mark, the backstop: 64 MB of 4 KB pages
KEEP_BYTES = 64 * 1024 * 1024  # the WAL file is truncated back to this after a checkpoint resets it


class Checkpointer:
    """Checkpoints the WAL of the database at `path` from a daemon thread until `stop`."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._wal = f"{path}-wal"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsgraph-wal-checkpoint", daemon=True)
        self._thread.start()

    def _size(self) -> int:
        try:
            return os.stat(self._wal).st_size
        except OSError:
            return 0

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")  # a checkpoint syncs as its connection says
            # a WAL once past the mark is reused from its start after a checkpoint, not shrunk, so
            # it is checkpointed every round from then on: with nothing new, that is a quick look
            while not self._stopping.wait(EVERY_S):
                if self._size() >= MIN_BYTES:
                    try:
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    except sqlite3.Error as exc:  # the next round tries again; the backstop stays
                        log.warning("WAL checkpoint of %s failed: %s", self._path, exc)
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop the thread and wait for a checkpoint it is running (the writer's close does the last)."""
        self._stopping.set()
        self._thread.join()


def start_checkpoints(conn: sqlite3.Connection, path: str) -> Checkpointer:
    """Move the WAL checkpoints of this writer's database to a `Checkpointer`."""
    conn.execute(f"PRAGMA wal_autocheckpoint={WRITER_PAGES}")
    conn.execute(f"PRAGMA journal_size_limit={KEEP_BYTES}")
    return Checkpointer(path)
