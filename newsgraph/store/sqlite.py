"""The SQLite store: one file in WAL mode, written in batches, one transaction per batch.

A batch is all or nothing, so a run stopped by Ctrl-C or `kill -9` leaves the database as it
was after the last whole batch; the `inputs` table then tells the next run what is done.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newsgraph.corpus.copies import COPIES, Fingerprint, sample_bytes
from newsgraph.corpus.entities import name_id, name_index_keys
from newsgraph.corpus.quotes import normalise_quote, quote_shingles
from newsgraph.errors import DatabaseUnavailable
from newsgraph.extract.article import EXTRACTOR
from newsgraph.extract.dates import utc_timestamp
from newsgraph.records import Analysis, Article, Processed, RawDocument, Rejection, content_hash
from newsgraph.store.migrations import apply_migrations


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
    """Reads and writes newsgraph records in one SQLite database."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def id_table(self, name: str, ids: Iterable[str]) -> str:
        """Fill a temporary one-column table with ids and return its name, for `IN (SELECT id FROM …)`.

        Keeps large id sets out of SQL text and under SQLite's parameter limit.
        """
        table = f"temp.ids_{name}"
        self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS ids_{name} (id TEXT PRIMARY KEY)")
        self.conn.execute(f"DELETE FROM {table}")
        self.conn.executemany(f"INSERT OR IGNORE INTO {table} (id) VALUES (?)", ((i,) for i in ids))
        return table

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
        """Write a batch of outcomes in one transaction."""
        counts = BatchCounts()
        with self.transaction():
            for item in results:
                if isinstance(item, Rejection):
                    self._write_rejection(item)
                    counts.rejections += 1
                elif item.rejection is not None:
                    self._write_rejection(item.rejection)
                    self._record_input(item, "rejection", item.rejection.id)
                    counts.rejections += 1
                elif item.article is not None:
                    new = self._write_article(item.article, item.analysis)
                    if new and item.fingerprint is not None:
                        self._write_fingerprint(item.article.id, item.fingerprint)
                    self._record_input(item, "article", item.article.id)
                    if new:
                        counts.articles += 1
                    else:
                        counts.duplicates += 1
        return counts

    def _record_input(self, item: Processed, outcome: str, ref: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO inputs (location, raw_hash, outcome, ref) VALUES (?, ?, ?, ?)",
            (str(item.location), item.raw_hash, outcome, ref),
        )

    def _write_rejection(self, rejection: Rejection) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO rejections (id, stage, code, reason, location, raw_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                rejection.id,
                rejection.stage,
                rejection.code,
                rejection.reason,
                str(rejection.location),
                rejection.raw_hash,
                _now(),
            ),
        )

    def source_id(self, name: str | None) -> int | None:
        if not name:
            return None
        row = self.conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        cursor = self.conn.execute("INSERT INTO sources (name) VALUES (?)", (name,))
        return int(cursor.lastrowid or 0)

    def _write_article(self, article: Article, analysis: Analysis | None) -> bool:
        """Insert an article with its mentions and entity counts; False when it was already stored."""
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO articles (id, source_id, url, title, text, authors, published, published_utc, "
            "published_from, language, sections, format, location, word_count, raw_hash, extractor, ingested_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ),
        )
        # a location that now yields an article no longer stands rejected
        self.conn.execute("DELETE FROM rejections WHERE location = ?", (str(article.location),))
        if cursor.rowcount == 0:
            return False
        if analysis is not None:
            self._write_analysis(analysis)
        return True

    def write_fingerprints(self, prints: Iterable[tuple[str, Fingerprint]]) -> None:
        """Fingerprints of stored articles (an article that has one keeps it), in one transaction."""
        with self.transaction():
            for article_id, print_ in prints:
                self._write_fingerprint(article_id, print_)

    def _write_fingerprint(self, article_id: str, print_: Fingerprint) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO fingerprints (article_id, text_hash, words, samples, sample, dirty, method) "
            "VALUES (?, ?, ?, ?, ?, 1, ?)",
            (article_id, print_.text_hash, print_.words, len(print_.sample), sample_bytes(print_), COPIES),
        )

    def _write_analysis(self, analysis: Analysis) -> None:
        """Mentions point at the name of their in-article group; each group votes for its name's type.

        Names touched here are marked dirty; `resolve_entities` then places them in entities.
        """
        conn = self.conn
        ids = []
        for group in analysis.groups:
            ident = name_id(group.name)
            ids.append(ident)
            cursor = conn.execute("INSERT OR IGNORE INTO names (id, name, dirty) VALUES (?, ?, 1)", (ident, group.name))
            if cursor.rowcount:
                conn.executemany(
                    "INSERT OR IGNORE INTO name_keys (key, name_id) VALUES (?, ?)",
                    [(key, ident) for key in name_index_keys(group.name)],
                )
            else:
                conn.execute("UPDATE names SET dirty = 1 WHERE id = ? AND dirty = 0", (ident,))
                if not group.name.isupper():  # `Basra` in running text replaces a dateline's `BASRA`
                    conn.execute("UPDATE names SET name = ? WHERE id = ? AND name = upper(name)", (group.name, ident))
            conn.execute(
                "INSERT INTO name_types (name_id, type, articles) VALUES (?, ?, 1) "
                "ON CONFLICT(name_id, type) DO UPDATE SET articles = articles + 1",
                (ident, group.type),
            )
        for quote in analysis.quotes:
            ident = content_hash("quote", analysis.article_id, quote.start, quote.kind, length=20)
            norm = normalise_quote(quote.text)
            conn.execute(
                "INSERT OR IGNORE INTO quotes (id, article_id, kind, text, norm, start, end, speaker, speaker_name_id, "
                "role, cue, anonymous, dirty, method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                (
                    ident,
                    analysis.article_id,
                    quote.kind,
                    quote.text,
                    norm,
                    quote.start,
                    quote.end,
                    quote.speaker,
                    ids[quote.speaker_group] if quote.speaker_group is not None else None,
                    quote.role,
                    quote.cue,
                    int(quote.anonymous),
                    analysis.method,
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO quote_shingles (shingle, quote_id) VALUES (?, ?)",
                [(shingle, ident) for shingle in quote_shingles(norm)],
            )
        conn.executemany(
            "INSERT OR IGNORE INTO mentions (article_id, field, start, end, text, label, type, name_id, method) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (analysis.article_id, m.field, m.start, m.end, m.text, m.label, m.type, ids[m.group], analysis.method)
                for m in analysis.mentions
            ],
        )


def open_store(path: str | Path, create: bool = True) -> Store:
    """Open (and migrate) the database at `path`; ':memory:' for a throwaway one."""
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
        conn.execute("PRAGMA foreign_keys=ON")
        apply_migrations(conn)
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnavailable(f"cannot open database {target}: {exc}") from None
    return Store(conn, target)


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
    return Store(conn, str(path))


class StorePool:
    """Read-only stores for concurrent requests: each request borrows one and gives it back."""

    def __init__(self, path: str | Path, size: int = 8) -> None:
        self.path = str(path)
        self.size = size
        self._idle: queue.SimpleQueue[Store] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._opened = 0
        self._idle.put(open_reader(path))  # fail now, with a clear message, if the file is unusable
        self._opened = 1

    @contextmanager
    def reader(self) -> Iterator[Store]:
        store = self._take()
        try:
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
                return open_reader(self.path)
        return self._idle.get()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
