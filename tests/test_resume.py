"""Interrupted ingests: killed or stopped half way, then re-run, give the same database as one clean run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from newsgraph.errors import DatabaseUnavailable
from newsgraph.store.connect import open_reader, open_store

from .conftest import FIXTURES
from .test_store import snapshot

pytestmark = pytest.mark.slow


def _make_corpus(folder: Path, count: int = 40) -> Path:
    template = (FIXTURES / "html" / "harbour-strike.html").read_text(encoding="utf-8")
    folder.mkdir()
    for n in range(count):
        page = template.replace("1,400", f"{1000 + n * 7:,}").replace("eleven hours", f"{n + 2} hours")
        (folder / f"page-{n:03d}.html").write_text(page, encoding="utf-8")
    (folder / "broken.html").write_bytes(b"\x00\x01\x02binary")
    return folder


def _ingest(corpus: Path, db: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"NEWSGRAPH_COMMIT_EVERY": "2", "NEWSGRAPH_CHUNK_SIZE": "1", "NEWSGRAPH_PROCESSES": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "newsgraph.cli", "ingest", str(corpus), "--db", str(db), "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_articles(db: str, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open_reader(db) as store:
                n = store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            if n >= at_least:
                return int(n)
        except (DatabaseUnavailable, sqlite3.OperationalError):
            pass  # not created yet, or being written
        time.sleep(0.05)
    raise AssertionError("ingest did not get going in time")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_interrupted_ingest_resumes_to_the_same_database(
    tmp_path: Path, stop: signal.Signals, new_db: Callable[[str], str]
) -> None:
    corpus = _make_corpus(tmp_path / "corpus")
    clean_db, broken_db = new_db("clean"), new_db("interrupted")
    assert _ingest(corpus, clean_db).wait(timeout=300) == 0

    process = _ingest(corpus, broken_db)
    _wait_for_articles(broken_db, 4)
    process.send_signal(stop)
    code = process.wait(timeout=60)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if stop == signal.SIGINT:
        assert code == 130 and "run the same command again" in stderr
    with open_store(broken_db) as store:
        partial = store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert 4 <= partial < 40, "the run was stopped part way"

    assert _ingest(corpus, broken_db).wait(timeout=300) == 0
    with open_store(clean_db) as clean, open_store(broken_db) as resumed:
        assert snapshot(resumed) == snapshot(clean)
        assert resumed.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 40
