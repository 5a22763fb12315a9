"""The SQLite backend: one file in WAL mode, FTS5 for full-text search.

Readers open the file read-only (`mode=ro`): in WAL mode they never wait for a writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsgraph.errors import DatabaseUnavailable
from newsgraph.store.base import BatchCounts, Connection, Cursor, Store
from newsgraph.store.checkpoint import start_checkpoints
from newsgraph.store.migrations import MIGRATIONS as SQLITE_MIGRATIONS
from newsgraph.store.migrations import apply_migrations

__all__ = ["BatchCounts", "SQLiteDialect", "Store", "open_reader", "open_sqlite"]

_SNIPPET = "snippet(articles_fts, 1, char(2), char(3), ' … ', 16)"


class SQLiteDialect:
    name = "sqlite"
    begin = "BEGIN IMMEDIATE"
    begin_read = "BEGIN"  # deferred: a WAL reader's snapshot from its first read
    query_errors: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
    retry_errors: tuple[type[Exception], ...] = ()  # one writer at a time: the busy timeout waits
    rowid = "rowid"
    migrations: Sequence[tuple[str, str]] = SQLITE_MIGRATIONS

    def week(self, expr: str) -> str:
        return f"strftime('%Y-W%W', {expr})"

    def names_json(self, expr: str) -> str:
        return f"json_group_array({expr})"

    def match_articles(self, alias: str) -> str:
        return f"{alias}.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"

    def match_quotes(self, alias: str) -> str:
        return f"{alias}.rowid IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?)"

    def fts_query(self, words: Sequence[str]) -> str:
        return " ".join(f'"{w}"' for w in words)

    def snippets(self, store: Store, query: str, ids: Sequence[str]) -> dict[str, str]:
        table = store.id_table("snippets", ids)
        return dict(
            store.conn.execute(
                f"SELECT a.id, {_SNIPPET} FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
                f"WHERE articles_fts MATCH ? AND a.id IN (SELECT id FROM {table})",
                (query,),
            ).fetchall()
        )

    def search(self, store: Store, query: str, raw: bool, where: str, params: Sequence[Any], limit: int) -> list[Any]:
        return store.conn.execute(
            f"SELECT a.id, a.title, s.name, a.published, a.url, a.location, {_SNIPPET}, "
            "-bm25(articles_fts, 5.0, 1.0) AS score FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            f"LEFT JOIN sources s ON s.id = a.source_id WHERE articles_fts MATCH ? {where} ORDER BY score DESC LIMIT ?",
            [query, *params, limit],
        ).fetchall()

    def stream(self, conn: Connection, sql: str, params: Sequence[Any]) -> Cursor:
        cursor: Cursor = conn.execute(sql, params)
        return cursor

    def id_table(self, conn: Connection, name: str, ids: Iterable[str]) -> str:
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS ids_{name} (id TEXT PRIMARY KEY)")
        conn.execute(f"DELETE FROM temp.ids_{name}")
        # in key order: appended to the index, not scattered over it (large sets, small temp cache)
        conn.executemany(f"INSERT OR IGNORE INTO temp.ids_{name} (id) VALUES (?)", ((i,) for i in sorted(set(ids))))
        return f"temp.ids_{name}"

    @contextmanager
    def corpus_lock(self, conn: Connection) -> Iterator[None]:
        yield  # one writer at a time: each step's transactions take SQLite's write lock

    def batch_lock(self, conn: Connection) -> None:
        pass  # BEGIN IMMEDIATE already holds the one write lock

    def analyze(self, conn: Connection) -> None:
        conn.execute("PRAGMA analysis_limit=1000")  # a sample, so it stays quick
        conn.execute("ANALYZE")


DIALECT = SQLiteDialect()


def open_sqlite(path: str | Path, create: bool = True) -> Store:
    """Open (and migrate) the SQLite database at `path`; ':memory:' for a throwaway one."""
    target = str(path)
    if target != ":memory:":
        file = Path(target)
        if not create and not file.exists():
            raise DatabaseUnavailable(f"no database at {target} (run `newsgraph ingest PATH --db {target}` first)")
        if file.exists() and file.is_dir():
            raise DatabaseUnavailable(f"database path is a folder: {target}")
        if not file.parent.exists():
            raise DatabaseUnavailable(f"cannot create database {target}: folder {file.parent} does not exist")
    try:
        conn = sqlite3.connect(target, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-131072")  # 128 MB of page cache for index-heavy writes
        conn.execute("PRAGMA temp_store=MEMORY")  # the id tables of set-level steps (`id_table`)
        conn.execute("PRAGMA foreign_keys=ON")
        apply_migrations(conn)
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnavailable(f"cannot open database {target}: {exc}") from None
    if target == ":memory:":
        return Store(conn, target, DIALECT)
    return Store(conn, target, DIALECT, on_close=start_checkpoints(conn, target).stop)


def open_reader(path: str | Path) -> Store:
    """A read-only connection to an existing database (a WAL reader: it never waits for a writer).

    It may be used from any one thread at a time (`StorePool` hands it out)."""
    file = Path(path)
    if not file.is_file():
        raise DatabaseUnavailable(f"no database at {path} (run `newsgraph ingest PATH --db {path}` first)")
    try:
        conn = sqlite3.connect(
            f"{file.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=30, check_same_thread=False
        )
        conn.execute("PRAGMA cache_size=-32768")
        conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnavailable(f"cannot read database {path}: {exc}") from None
    return Store(conn, str(path), DIALECT)
