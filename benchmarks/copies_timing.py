"""Where the copies benchmark's scale run spends its time: a sqlite3 connection that adds each
statement's time to a clock, the steps of `match_copies` / `describe_copies` timed as they are
called, and labels for the statements a table note names (its memory: `benchmarks.memory`)."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any


class TimedCursor:
    def __init__(self, cursor: Any, key: str, clock: Counter[str]) -> None:
        self._cursor, self._key, self._clock = cursor, key, clock

    def __iter__(self) -> Iterator[Any]:
        while True:
            started = time.perf_counter()
            item = next(self._cursor, None)
            self._clock[self._key] += time.perf_counter() - started
            if item is None:
                return
            yield item

    def _timed(self, name: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return getattr(self._cursor, name)(*args)
        finally:
            self._clock[self._key] += time.perf_counter() - started

    def fetchall(self) -> Any:
        return self._timed("fetchall")

    def fetchone(self) -> Any:
        return self._timed("fetchone")

    def fetchmany(self, *args: Any) -> Any:
        return self._timed("fetchmany", *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class TimedConnection:
    """Wraps a sqlite3 connection and adds the time of each statement (and its rows) to a clock."""

    def __init__(self, conn: Any, clock: Counter[str], slowest: dict[str, Any]) -> None:
        self._conn, self._clock, self._slowest = conn, clock, slowest

    def _key(self, sql: str) -> str:
        return " ".join(sql.split())[:70]

    def execute(self, sql: str, params: Any = ()) -> Any:
        key = self._key(sql)
        started = time.perf_counter()
        cursor = self._conn.execute(sql, params)
        spent = time.perf_counter() - started
        self._clock[key] += spent
        if spent > self._slowest.get("seconds", 0.0) and sql.lstrip().upper().startswith("SELECT"):
            self._slowest.update(seconds=spent, sql=sql, params=params)
        return TimedCursor(cursor, key, self._clock)

    def executemany(self, sql: str, params: Any) -> Any:
        key = self._key(sql)
        started = time.perf_counter()
        try:
            return self._conn.executemany(sql, params)
        finally:
            self._clock[key] += time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


@contextlib.contextmanager
def timed_matching(clock: Counter[str]) -> Iterator[None]:
    """Time the steps of `match_copies` and `describe_copies` as they call them (restored afterwards)."""
    import newsgraph.store.copies as module

    saved = {}
    for name, key in (
        ("_sample_entries", "py: reading samples"),
        ("shared_sample_pairs", "py: shared_sample_pairs (sorted samples)"),
        ("overlap", "py: overlap (verification)"),
        ("_rebuild_groups", "py: _rebuild_groups"),
        ("_diff", "py: diff summaries"),
    ):
        function = getattr(module, name, None)
        if function is None:
            continue
        saved[name] = function

        def timed(*args: Any, _f: Callable[..., Any] = function, _k: str = key, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                clock[_k] += time.perf_counter() - started

        setattr(module, name, timed)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(module, name, function)


SQL_LABELS = (
    ("INTO articles", "articles insert (with its FTS5 trigger)"),
    ("INTO fingerprints", "fingerprints insert"),
    ("INTO inputs", "inputs insert"),
    ("FROM rejections", "rejections delete"),
    ("SELECT article_id, dirty, samples", "load fingerprint rows"),
    ("FROM fingerprints f1", "exact text_hash query"),
    ("FROM copy_links WHERE changes IS NULL", "links to describe"),
    ("COMMIT", "COMMIT"),
)


def sql_label(key: str) -> str:
    for needle, label in SQL_LABELS:
        if needle in key:
            return label
    return key if key.startswith("py: ") else f"`{key[:40]}…`"
