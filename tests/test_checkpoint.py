"""WAL checkpoints on their own thread: a long-open writer's database file keeps up with its commits."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from newsgraph.store import checkpoint
from newsgraph.store.sqlite import open_sqlite

THREAD = "newsgraph-wal-checkpoint"


def _threads() -> int:
    return sum(t.name == THREAD for t in threading.enumerate())


def test_commits_reach_the_database_file_while_the_writer_stays_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "MIN_BYTES", 0)
    monkeypatch.setattr(checkpoint, "EVERY_S", 0.05)
    db = tmp_path / "news.db"
    store = open_sqlite(db)
    try:
        assert _threads() == 1
        with store.transaction() as conn:
            conn.execute("CREATE TABLE scratch (body TEXT)")
            conn.executemany("INSERT INTO scratch VALUES (?)", [("x" * 3000,) for _ in range(400)])
        # the writer checkpoints itself only past WRITER_PAGES, far above these ~300 pages, so only
        # the thread can have copied them into the database file
        written = db.stat().st_size
        deadline = time.monotonic() + 10
        while db.stat().st_size < written + 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert db.stat().st_size >= written + 1_000_000, "the committed pages never reached the database file"
        assert store.conn.execute("SELECT COUNT(*) FROM scratch").fetchone()[0] == 400
    finally:
        store.close()
    assert _threads() == 0, "closing the store stops its checkpoint thread"


def test_the_writer_checkpoints_only_as_a_backstop(tmp_path: Path) -> None:
    store = open_sqlite(tmp_path / "news.db")
    try:
        pages = store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert pages == checkpoint.WRITER_PAGES > 1000  # SQLite's default mark is 1,000 pages
    finally:
        store.close()


def test_an_in_memory_store_has_no_checkpoint_thread() -> None:
    store = open_sqlite(":memory:")
    try:
        assert _threads() == 0
    finally:
        store.close()
