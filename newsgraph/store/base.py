"""The store: newsgraph's records in a database, written in batches, one transaction per batch.

`Store` holds one connection and the `Dialect` of its backend: SQLite (`store/sqlite.py`, one file)
or PostgreSQL (`store/postgres.py`, a shared server). The store modules speak one SQL that both
backends run (`?` parameters, `ON CONFLICT` upserts, row values); the few things the two spell
differently (full-text search, week numbers, locks, statistics, streaming reads) go through the
dialect.

A batch is all or nothing, so a run stopped by Ctrl-C or `kill -9` leaves the database as it
was after the last whole batch; the `inputs` table then tells the next run what is done.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from newsgraph.corpus.copies import Fingerprint
from newsgraph.extract.article import EXTRACTOR
from newsgraph.extract.dates import utc_timestamp
from newsgraph.records import Analysis, Article, Processed, RawDocument, Rejection

if TYPE_CHECKING:
    from newsgraph.store.batch import BatchRows

WRITE_ATTEMPTS = 5


class Cursor(Protocol):
    """What the store modules use of a DB-API cursor."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ...) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def close(self) -> None: ...


class Connection(Protocol):
    """What the store modules use of a connection: `sqlite3.Connection`, or `postgres.PgConnection`."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...

    def close(self) -> None: ...


class Dialect(Protocol):
    """What one backend spells its own way."""

    name: str
    begin: str  # the statement that opens a write transaction
    begin_read: str  # the statement that opens a read transaction: one snapshot for all its queries
    query_errors: tuple[type[Exception], ...]  # errors a malformed user query raises
    retry_errors: tuple[type[Exception], ...]  # errors of a write transaction that another writer made fail
    rowid: str  # the column of a row's physical place: to read a table in the order it is stored
    migrations: Sequence[tuple[str, str]]  # the named schema migrations, in this backend's SQL

    def week(self, expr: str) -> str:
        """SQL for the week of a UTC timestamp, as `YYYY-Www` (weeks start on Monday; days before
        the year's first Monday are week 00)."""
        ...

    def names_json(self, expr: str) -> str:
        """SQL aggregating `expr` into a JSON array (text)."""
        ...

    def match_articles(self, alias: str) -> str:
        """A condition with one `?` (a query from `fts_query`): the article matches the words."""
        ...

    def match_quotes(self, alias: str) -> str:
        """A condition with one `?`: the quote's text matches the words."""
        ...

    def fts_query(self, words: Sequence[str]) -> str:
        """The backend's full-text query for these words: all must appear."""
        ...

    def snippets(self, store: Store, query: str, ids: Sequence[str]) -> dict[str, str]:
        """Highlighted snippets (matches between \\x02 and \\x03) of these articles' texts."""
        ...

    def search(self, store: Store, query: str, raw: bool, where: str, params: Sequence[Any], limit: int) -> list[Any]:
        """Articles matching a full-text query (from `fts_query`, or with `raw` the user's own query
        syntax), best first: rows of (id, title, source, published, url, location, marked snippet,
        score), higher scores better; `where` (`AND …` on `a` and `s`) narrows them further."""
        ...

    def stream(self, conn: Connection, sql: str, params: Sequence[Any]) -> Cursor:
        """A cursor whose rows are fetched as they are read (`fetchmany`), not all at once."""
        ...

    def id_table(self, conn: Connection, name: str, ids: Iterable[str]) -> str: ...

    def corpus_lock(self, conn: Connection) -> AbstractContextManager[None]:
        """Held while the set-level steps run, so that two ingests never run them at once, and no
        batch is written meanwhile (the steps see one state of the store)."""
        ...

    def batch_lock(self, conn: Connection) -> None:
        """Taken at the start of a batch's transaction, until it ends: shared among writers, it
        waits while another ingest runs its set-level steps."""
        ...

    def analyze(self, conn: Connection) -> None:
        """Refresh the query planner's statistics (quickly: a sample)."""
        ...


IN_LIST = 500  # ids bound in one `IN (?, …)` list, well under every backend's limit on parameters


def chunks(items: Sequence[str], size: int = IN_LIST) -> list[list[str]]:
    """`items` in lists of at most `size`, for queries that bind each list's ids as parameters."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """`INSERT … ON CONFLICT (key) DO UPDATE` of every other column: a row that exists is replaced."""
    names = ", ".join(_quoted(c) for c in columns)
    marks = ", ".join("?" * len(columns))
    updates = ", ".join(f"{_quoted(c)} = excluded.{_quoted(c)}" for c in columns if c not in key)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) {action}"


def _quoted(column: str) -> str:
    return '"end"' if column == "end" else column


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class BatchCounts:
    articles: int = 0
    duplicates: int = 0
    rejections: int = 0

    def add(self, other: BatchCounts) -> None:
        self.articles += other.articles
        self.duplicates += other.duplicates
        self.rejections += other.rejections


class Store:
    """Reads and writes newsgraph records through one connection to a SQLite or PostgreSQL database."""

    def __init__(
        self, conn: Connection, path: str, dialect: Dialect, on_close: Callable[[], None] | None = None
    ) -> None:
        self.conn = conn
        self.path = path  # the file, or the server URL without its password
        self.dialect = dialect
        self._source_ids: dict[str, int] = {}  # source names seen in committed transactions
        self._on_close = on_close  # run before the connection closes (a backend's helper stops)

    @property
    def backend(self) -> str:
        return self.dialect.name

    def close(self) -> None:
        if self._on_close is not None:
            stop, self._on_close = self._on_close, None
            stop()
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        self.conn.execute(self.dialect.begin)
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._source_ids.clear()  # a source added in the rolled-back transaction is gone again
            raise

    def id_table(self, name: str, ids: Iterable[str]) -> str:
        """Fill a temporary one-column table with ids and return its name, for `IN (SELECT id FROM …)`.

        Keeps large id sets out of SQL text and under the backends' parameter limits.
        """
        return self.dialect.id_table(self.conn, name, ids)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run a query whose rows are read a batch at a time (`fetchmany`), for whole-table reads."""
        return self.dialect.stream(self.conn, sql, params)

    # ---- inputs already handled -------------------------------------------------------------

    def is_done(self, raw: RawDocument | Rejection) -> bool:
        """Whether this exact input (location and content) was fully handled by an earlier run."""
        raw_hash = raw.raw_hash
        if not raw_hash:
            return False
        row = self.conn.execute(
            "SELECT 1 FROM inputs WHERE location = ? AND raw_hash = ?", (str(raw.location), raw_hash)
        ).fetchone()
        return row is not None

    # ---- writing -----------------------------------------------------------------------------

    def write_batch(self, results: Iterable[Processed | Rejection]) -> BatchCounts:
        """Write a batch of outcomes in one transaction. A transaction that collided with another
        writer's (a deadlock on PostgreSQL) was rolled back whole, and is tried again."""
        items = list(results)
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return self._write_items(items)
            except self.dialect.retry_errors:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1) * (1 + random.random()))
        raise AssertionError("unreachable")  # pragma: no cover

    def _write_items(self, items: list[Processed | Rejection]) -> BatchCounts:
        from newsgraph.store.batch import BatchRows, fingerprint_row

        counts = BatchCounts()
        rows = BatchRows()
        with self.transaction():
            self.dialect.batch_lock(self.conn)
            for item in items:
                if isinstance(item, Rejection):
                    rows.rejection(item)
                    counts.rejections += 1
                elif item.rejection is not None:
                    rows.rejection(item.rejection)
                    rows.input(item, "rejection", item.rejection.id)
                    counts.rejections += 1
                elif item.article is not None:
                    new = self._write_article(item.article)
                    rows.unrejected.append((str(item.article.location),))  # it no longer stands rejected
                    if new and item.analysis is not None:
                        self._write_analysis(item.analysis, rows)
                    if new and item.fingerprint is not None:
                        rows.prints.append(fingerprint_row(item.article.id, item.fingerprint))
                    rows.input(item, "article", item.article.id)
                    if new:
                        counts.articles += 1
                    else:
                        counts.duplicates += 1
            rows.write(self)
        return counts

    def _write_analysis(self, analysis: Analysis, rows: BatchRows) -> None:
        rows.analysis(analysis)

    def source_id(self, name: str | None) -> int | None:
        if not name:
            return None
        cached = self._source_ids.get(name)
        if cached is not None:
            return cached
        row = self.conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row is None:
            row = self.conn.execute(
                "INSERT INTO sources (name) VALUES (?) ON CONFLICT DO NOTHING RETURNING id", (name,)
            ).fetchone()
        if row is None:  # another writer added it since
            row = self.conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        self._source_ids[name] = int(row[0])
        return int(row[0])

    def _write_article(self, article: Article) -> bool:
        """Insert an article's row; False when it was already stored."""
        cursor = self.conn.execute(
            "INSERT INTO articles (id, source_id, url, title, text, authors, published, published_utc, "
            "published_from, language, sections, format, location, word_count, raw_hash, extractor, ingested_at, "
            "credited) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                article.id,
                self.source_id(article.source),
                article.url,
                article.title,
                article.text,
                json.dumps(list(article.authors), ensure_ascii=False),
                article.published,
                utc_timestamp(article.published),
                article.published_from,
                article.language,
                json.dumps(list(article.sections), ensure_ascii=False),
                article.format,
                str(article.location),
                article.word_count,
                article.raw_hash,
                EXTRACTOR,
                _now(),
                json.dumps(list(article.credited), ensure_ascii=False),
            ),
        )
        return bool(cursor.rowcount)

    def write_fingerprints(self, prints: Iterable[tuple[str, Fingerprint]]) -> None:
        """Fingerprints of stored articles (an article that has one keeps it), in one transaction."""
        from newsgraph.store.batch import FINGERPRINT, fingerprint_row

        with self.transaction():
            self.conn.executemany(FINGERPRINT, [fingerprint_row(ident, print_) for ident, print_ in prints])
