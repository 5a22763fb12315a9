"""Copying a knowledge base from one store to another: SQLite to PostgreSQL, or back.

Every table is read in primary-key order and written in batches, one transaction a batch, with
`ON CONFLICT DO NOTHING`. A copy that stops part way (Ctrl-C, a lost connection) is resumed by
running it again: each table goes on after the greatest key the target already holds, so nothing
is copied twice and nothing is lost. Both backends order keys byte by byte (SQLite's BINARY,
PostgreSQL's `COLLATE "C"` columns), so the two sides agree on what "after" means.

Full-text indexes are not copied: each backend builds its own as rows arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from newsgraph.errors import UserError
from newsgraph.store.base import Store

# (table, primary key) in an order that satisfies the foreign keys
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sources", ("id",)),
    ("articles", ("id",)),
    ("names", ("id",)),
    ("name_types", ("name_id", "type")),
    ("name_keys", ("key", "name_id")),
    ("entities", ("id",)),
    ("mentions", ("article_id", "field", "start")),
    ("curation", ("id",)),
    ("rejections", ("id",)),
    ("inputs", ("location", "raw_hash")),
    ("quotes", ("id",)),
    ("quote_shingles", ("shingle", "quote_id")),
    ("quote_clusters", ("id",)),
    ("fingerprints", ("article_id",)),
    ("copy_pairs", ("a", "b")),
    ("copy_groups", ("id",)),
    ("copy_members", ("article_id",)),
    ("copy_links", ("copy_id",)),
    ("stories", ("id",)),
    ("story_members", ("article_id",)),
    ("story_vectors", ("article_id",)),
    ("story_df", ("term",)),
    ("story_state", ("story_id",)),
    ("followed", ("url",)),
    ("seen_urls", ("url",)),
    ("captures", ("warc_file", "warc_offset")),
    ("store_state", ("name",)),
    ("oversized_keys", ("key",)),
    ("name_edges", ("a", "b")),
)
_IDENTITY = ("sources", "curation")  # integer ids a backend hands out: its counter moves past the copied ones
_GENERATED = {"search"}  # PostgreSQL's tsvector column, computed from the row

Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in the source)


@dataclass
class TableCopy:
    table: str
    source_rows: int
    copied: int = 0
    already: int = 0  # rows the target held before this run
    target_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "source_rows": self.source_rows,
            "copied": self.copied,
            "already_there": self.already,
            "target_rows": self.target_rows,
        }


def _columns(store: Store, table: str) -> list[str]:
    if store.backend == "sqlite":
        return [row[1] for row in store.conn.execute(f"PRAGMA table_info({table})").fetchall()]
    rows = store.conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [row[0] for row in rows]


def _quoted(column: str) -> str:
    return f'"{column}"'


def copy_store(source: Store, target: Store, batch: int = 5_000, progress: Progress | None = None) -> dict[str, Any]:
    """Copy every table of `source` into `target` (see the module docstring); returns per-table counts."""
    if source.path == target.path:
        raise UserError("copy-db needs two different databases")
    started = time.perf_counter()
    report = []
    for table, key in TABLES:
        report.append(_copy_table(source, target, table, key, batch, progress))
    if target.backend == "postgresql":
        for table in _IDENTITY:
            target.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
    target.dialect.analyze(target.conn)
    mismatched = [t.table for t in report if t.target_rows < t.source_rows]
    return {
        "source": source.path,
        "target": target.path,
        "tables": [t.as_dict() for t in report],
        "rows_copied": sum(t.copied for t in report),
        "complete": not mismatched,
        "short_tables": mismatched,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _copy_table(
    source: Store, target: Store, table: str, key: Sequence[str], batch: int, progress: Progress | None
) -> TableCopy:
    wanted = set(_columns(target, table)) - _GENERATED
    columns = [c for c in _columns(source, table) if c in wanted]
    total = int(source.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    done = TableCopy(table, total, already=int(target.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))
    keys = ", ".join(_quoted(k) for k in key)
    last = target.conn.execute(f"SELECT {keys} FROM {table} ORDER BY {keys} DESC LIMIT 1").fetchone()
    names = ", ".join(_quoted(c) for c in columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING"
    positions = [columns.index(k) for k in key]
    after = f"WHERE ({keys}) > ({', '.join('?' * len(key))})"
    while True:
        rows = source.conn.execute(
            f"SELECT {names} FROM {table} {after if last is not None else ''} ORDER BY {keys} LIMIT ?",
            [*(last or ()), batch],
        ).fetchall()
        if not rows:
            break
        with target.transaction() as conn:
            conn.executemany(insert, rows)
        done.copied += len(rows)
        last = tuple(rows[-1][i] for i in positions)
        if progress is not None:
            progress(table, done.already + done.copied, total)
    done.target_rows = int(target.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    return done
