"""Opening a store: a SQLite file path, or a `postgresql://` URL, wherever `--db` is accepted."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from newsgraph.store.base import Store
from newsgraph.store.postgres import is_postgres, open_postgres, open_postgres_reader
from newsgraph.store.sqlite import open_reader as open_sqlite_reader
from newsgraph.store.sqlite import open_sqlite


def open_store(target: str | Path, create: bool = True) -> Store:
    """Open (and migrate) the store at `target`: a PostgreSQL URL, a SQLite file, or ':memory:'."""
    if is_postgres(target):
        return open_postgres(str(target))
    return open_sqlite(target, create)


def open_reader(target: str | Path) -> Store:
    """A read-only store on an existing database."""
    if is_postgres(target):
        return open_postgres_reader(str(target))
    return open_sqlite_reader(target)


class StorePool:
    """Read-only stores for concurrent requests: each request borrows one and gives it back."""

    def __init__(self, target: str | Path, size: int = 8, opener: Callable[[str], Store] = open_reader) -> None:
        self.path = str(target)
        self.size = size
        self._open = opener
        self._idle: queue.SimpleQueue[Store] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle.put(opener(self.path))  # fail now, with a clear message, if the store is unusable
        self._opened = 1

    @contextmanager
    def reader(self) -> Iterator[Store]:
        """A store for one request, inside one read transaction: every query of the request sees
        the same state, however the writers move on meanwhile."""
        store = self._take()
        try:
            store.conn.execute(store.dialect.begin_read)
            yield store
        finally:
            if store.conn.in_transaction:
                store.conn.execute("ROLLBACK")
            self._idle.put(store)

    def _take(self) -> Store:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._opened < self.size:
                self._opened += 1
                return self._open(self.path)
        return self._idle.get()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
